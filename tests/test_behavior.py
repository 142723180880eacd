"""The response model (sim/behavior.py) and the R8 sanity band of a whole run.

Controlled comparisons change one attribute of the same people (occupation, search
state, apply flow, qualification) and keep everything else, so a difference can only
come from that attribute.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import build_market

import sim.population
import strategies
from sim import behavior, geography, occupations
from sim.model import run
from sim.platforms import PLATFORMS
from sim.population import ACTIVE, CLOSED, EMPLOYED, OPEN_PASSIVE, qualified_mask
from sim.scenario import Creative, load_scenario

CTR = PLATFORMS["facebook"].link_ctr


@pytest.fixture(scope="module")
def employed(vestland_pop):
    return np.flatnonzero(vestland_pop.labour == EMPLOYED)


def _with(pop, **arrays):
    return dataclasses.replace(pop, **arrays)


def test_click_probability_is_higher_for_the_occupation(vestland, vestland_pop, employed):
    v = vestland.vacancy
    target = occupations.occupation_index(v.occupation)
    other = occupations.occupation_index("nurse")  # not adjacent to electrician
    assert not occupations.adjacency_matrix()[target, other]
    occ_match = vestland_pop.occupation.copy()
    occ_match[employed] = target
    occ_other = vestland_pop.occupation.copy()
    occ_other[employed] = other
    p_match = behavior.click_probability(
        _with(vestland_pop, occupation=occ_match), employed, v, v.creative, CTR
    )
    p_other = behavior.click_probability(
        _with(vestland_pop, occupation=occ_other), employed, v, v.creative, CTR
    )
    assert np.all(p_match >= p_other)
    assert p_match.mean() > 2 * p_other.mean()
    # And in the population as drawn: electricians click electrician ads far more.
    p = behavior.click_probability(vestland_pop, employed, v, v.creative, CTR)
    is_elec = vestland_pop.occupation[employed] == target
    assert p[is_elec].mean() > 2 * p[~is_elec].mean()


def test_click_probability_is_higher_for_active_than_closed(vestland, vestland_pop, employed):
    v = vestland.vacancy
    n = vestland_pop.size
    pops = {
        s: _with(vestland_pop, search_state=np.full(n, s, dtype=np.uint8))
        for s in (CLOSED, OPEN_PASSIVE, ACTIVE)
    }
    p = {
        s: behavior.click_probability(pop, employed, v, v.creative, CTR) for s, pop in pops.items()
    }
    assert np.all(p[ACTIVE] >= p[OPEN_PASSIVE]) and np.all(p[OPEN_PASSIVE] >= p[CLOSED])
    assert p[ACTIVE].mean() > 2 * p[CLOSED].mean()


def test_click_probability_scales_with_appeal_and_is_capped(vestland, vestland_pop, employed):
    v = vestland.vacancy
    low = behavior.click_probability(vestland_pop, employed, v, Creative(appeal=0.5), CTR)
    high = behavior.click_probability(vestland_pop, employed, v, Creative(appeal=2.0), CTR)
    assert np.all(high >= low) and high.mean() > 3 * low.mean()
    huge = behavior.click_probability(vestland_pop, employed, v, Creative(appeal=3.0), 0.4)
    assert huge.max() <= 0.5
    assert low.min() >= 0


def test_click_probability_falls_with_distance(vestland, vestland_pop, employed):
    near = dataclasses.replace(vestland.vacancy, location="Bergen")
    far = dataclasses.replace(vestland.vacancy, location="Oslo")
    bergen = employed[vestland_pop.place[employed] == geography.place_index("Bergen")]
    p_near = behavior.click_probability(vestland_pop, bergen, near, near.creative, CTR)
    p_far = behavior.click_probability(vestland_pop, bergen, far, far.creative, CTR)
    assert np.all(p_far <= p_near) and p_far.mean() < 0.5 * p_near.mean()


def test_gendered_images_speak_to_one_sex():
    gender = np.array([0, 1])
    np.testing.assert_allclose(behavior.image_multiplier(Creative(), gender), [1.0, 1.0])
    men, women = behavior.image_multiplier(Creative(image="woman"), gender)
    assert women > 1 > men
    men, women = behavior.image_multiplier(Creative(image="male-stereotyped"), gender)
    assert men > 1 > women


def test_fatigue_halves_by_the_fourth_exposure_and_is_floored():
    n = np.arange(1, 201)
    f = behavior.fatigue(n)
    assert f[0] == pytest.approx(1.0)
    assert np.all(np.diff(f) <= 0)
    assert 0.4 <= f[3] / f[0] <= 0.6  # exposure 4 is about half of exposure 1
    floor = behavior.DEFAULT_RESPONSE.fatigue_floor
    assert 0 < floor < 0.5
    assert f.min() == pytest.approx(floor)
    assert behavior.fatigue(np.array([10_000]))[0] == pytest.approx(floor)


def test_apply_probability_short_form_beats_full_application(vestland, vestland_pop, employed):
    full = dataclasses.replace(vestland.vacancy, apply_flow="full-application")
    short = dataclasses.replace(vestland.vacancy, apply_flow="short-form")
    p_full = behavior.apply_probability(vestland_pop, employed, full)
    p_short = behavior.apply_probability(vestland_pop, employed, short)
    assert np.all(p_short >= p_full)
    assert p_short.mean() > 1.5 * p_full.mean()
    assert p_short.max() <= 0.9 and p_full.min() > 0


def test_apply_probability_is_higher_when_qualified(vestland, vestland_pop, employed):
    v = vestland.vacancy
    yes = np.ones(vestland_pop.size, dtype=bool)
    p_yes = behavior.apply_probability(vestland_pop, employed, v, qualified=yes)
    p_no = behavior.apply_probability(vestland_pop, employed, v, qualified=~yes)
    assert np.all(p_yes > p_no)
    # Without an explicit mask it uses the ground truth qualification rule.
    p = behavior.apply_probability(vestland_pop, employed, v)
    q = qualified_mask(vestland_pop, v)[employed]
    np.testing.assert_allclose(p[q], p_yes[q])
    np.testing.assert_allclose(p[~q], p_no[~q])


def test_apply_probability_rises_with_salary(vestland, vestland_pop, employed):
    low = dataclasses.replace(vestland.vacancy, salary=-1.0)
    high = dataclasses.replace(vestland.vacancy, salary=1.0)
    assert np.all(
        behavior.apply_probability(vestland_pop, employed, high)
        >= behavior.apply_probability(vestland_pop, employed, low)
    )


def test_r8_neutral_broad_facebook_ad_lands_in_the_benchmark_bands():
    """calibration.md R8: link CTR 0.4-1.0 %, click->apply 4-15 % for a neutral job ad.

    ``broad`` on Facebook only, Vestland, 100,000 simulated adults, 14 days and a
    modest budget (average frequency about 2); pooled over four replications.
    """
    scenario = load_scenario(
        "tiny",
        {"population.size": 100_000, "campaign.days": 14, "budget.total": 15_000},
    )
    assert scenario.vacancy.creative == Creative()  # neutral
    impressions = clicks = applications = 0
    frequencies = []
    for rep in range(4):
        m = run(
            scenario, strategies.make("broad", platforms=("facebook",)), seed=11, replication=rep
        ).metrics
        impressions += m["impressions"]
        clicks += m["clicks"]
        applications += m["applications"]
        frequencies.append(m["frequency"])
    ctr = clicks / impressions
    click_to_apply = applications / clicks
    assert 0.004 <= ctr <= 0.010, ctr
    assert 0.04 <= click_to_apply <= 0.15, click_to_apply
    assert all(1.2 <= f <= 4 for f in frequencies), frequencies


def test_relevance_tables_match_the_formula_person_by_person(vestland, vestland_pop):
    """The looked-up factors equal the docstring's formula computed for each person."""
    pop, v = vestland_pop, vestland.vacancy
    idx = np.arange(0, pop.size, 7)
    creative = Creative(message="career-change", image="woman")
    model = behavior.DEFAULT_RESPONSE
    target = occupations.occupation_index(v.occupation)
    adjacent = set(occupations.get(v.occupation).adjacent)
    occ = pop.occupation[idx]
    expected_occ = np.array([
        model.occupation_match if o == target
        else model.adjacent_match * model.career_change_adjacent
        if o >= 0 and occupations.OCCUPATION_IDS[o] in adjacent
        else model.career_change_other
        for o in occ
    ])  # fmt: skip
    table = behavior.occupation_multiplier(v.occupation, creative)
    np.testing.assert_array_equal(table[occ], expected_occ)
    topics = [behavior.interests.topic_index(t) for t in occupations.get(v.occupation).interests]
    held = np.stack([pop.has_interest(t, idx) for t in topics], axis=1)
    overlap, counts = held.mean(axis=1), held.sum(axis=1)
    np.testing.assert_array_equal(
        behavior.interest_multiplier(len(topics))[counts], model.interest**overlap
    )
    female = occupations.get(v.occupation).female
    own = np.where(pop.gender[idx] == 1, female, 1 - female)
    np.testing.assert_array_equal(
        behavior.gender_typing(v.occupation, pop.gender[idx]),
        np.exp(model.gender_typing * (own - 0.5)),
    )
    # The distance factor computed once for everyone gives the same relevance.
    everyone = behavior.distance_multiplier(behavior.distance_km(pop, v))
    np.testing.assert_array_equal(
        behavior.relevance_multiplier(pop, idx, v, creative, distance_factor=everyone),
        behavior.relevance_multiplier(pop, idx, v, creative),
    )


def test_everyones_relevance_is_computed_once_per_occupation_table(tiny, tiny_pop, monkeypatch):
    """People.relevance gives relevance_multiplier for everyone, kept for the run; click
    probabilities looked up from it are the computed ones, bit for bit."""
    monkeypatch.setattr(sim.population, "VALUES_CHUNK", 777)  # (several chunks, a short last)
    pop, v = tiny_pop, tiny.vacancy
    people = build_market(tiny, pop).people
    everyone = np.arange(pop.size)
    job_ad, brand = Creative(message="job-ad"), Creative(message="employer-brand", appeal=1.4)
    career = Creative(message="career-change")
    rel = people.relevance(job_ad)
    np.testing.assert_array_equal(
        rel,
        behavior.relevance_multiplier(
            pop, everyone, v, job_ad, distance_factor=people.distance_factor
        ),
    )
    assert people.relevance(brand) is rel  # the same occupation factors: the same array
    changed = people.relevance(career)
    assert changed is not rel and not np.array_equal(changed, rel)
    idx = np.arange(3, pop.size, 5)
    for creative in (job_ad, brand, career):
        np.testing.assert_array_equal(
            behavior.click_probability(pop, idx, v, creative, CTR, search_state=OPEN_PASSIVE,
                                       relevance=people.relevance(creative)),
            behavior.click_probability(pop, idx, v, creative, CTR, search_state=OPEN_PASSIVE,
                                       distance_factor=people.distance_factor),
        )  # fmt: skip
