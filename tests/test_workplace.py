"""Where the job is (``vacancy.workplace``, ``vacancy.sites``): one site, several, anywhere.

Distance to the job is one function (:func:`sim.population.workplace_distance_km`) that
relevance, qualification and the employer's staff all use; these tests check it through
those users and through a whole run of the nationwide home-based scenario.
"""

from __future__ import annotations

import numpy as np
import pytest

import strategies
from sim import behavior, geography
from sim.errors import ScenarioError
from sim.model import run
from sim.population import distance_km, generate, qualified_mask, workplace_distance_km
from sim.scenario import load_scenario, replace_path

SEED = 20261130


@pytest.fixture(scope="module")
def west():
    """An electrician scenario over Vestland and Rogaland (Bergen and Stavanger)."""
    return load_scenario(
        "electrician-bergen",
        {"population.regions": ["Vestland", "Rogaland"], "population.size": 60_000},
    )


@pytest.fixture(scope="module")
def west_pop(west):
    return generate(west.population, np.random.SeedSequence(SEED))


def test_distance_to_several_sites_is_to_the_nearest(west, west_pop):
    two = replace_path(west, "vacancy.sites", ["Stavanger"]).vacancy
    d = distance_km(west_pop, two)
    to_bergen = distance_km(west_pop, "Bergen")
    to_stavanger = distance_km(west_pop, "Stavanger")
    np.testing.assert_allclose(d, np.minimum(to_bergen, to_stavanger), rtol=1e-6)
    # One site: the distance to the place named in location, as before.
    np.testing.assert_allclose(distance_km(west_pop, west.vacancy), to_bergen, rtol=1e-6)


def test_a_person_near_any_site_counts_as_near(west, west_pop):
    one = west.vacancy
    two = replace_path(west, "vacancy.sites", ["Stavanger"]).vacancy
    near_stavanger = distance_km(west_pop, "Stavanger") < 20
    assert near_stavanger.sum() > 1000
    # Stavanger is ~160 km from Bergen: too far to commute to the Bergen site.
    assert not qualified_mask(west_pop, one)[near_stavanger].any()
    skilled = qualified_mask(west_pop, two, ignore_distance=True)
    assert (skilled & near_stavanger).sum() > 10
    np.testing.assert_array_equal(
        qualified_mask(west_pop, two)[near_stavanger], skilled[near_stavanger]
    )
    # Relevance (the click model) uses the same distance: near Stavanger the ad appeals
    # as much as it does near Bergen, and more than with the Bergen site alone.
    idx = np.flatnonzero(near_stavanger)
    creative = one.creative
    with_site = behavior.relevance_multiplier(west_pop, idx, two, creative)
    without = behavior.relevance_multiplier(west_pop, idx, one, creative)
    assert np.all(with_site > without)
    np.testing.assert_allclose(
        with_site / without,
        behavior.distance_multiplier(distance_km(west_pop, two, idx))
        / behavior.distance_multiplier(distance_km(west_pop, one, idx)),
    )


def test_anywhere_removes_the_distance_inside_the_area(west, west_pop):
    remote = replace_path(west, "vacancy.workplace", "anywhere")
    remote = replace_path(remote, "vacancy.location", "Vestland").vacancy
    d = distance_km(west_pop, remote)
    inside = geography.in_area(west_pop.x_km, west_pop.y_km, "Vestland")
    assert inside.any() and (~inside).any()
    assert np.all(d[inside] == 0.0)
    assert np.all(d[~inside] > 0.0)
    # Homes drawn in Vestland's places are (almost all) inside by the Voronoi rule.
    in_vestland = np.isin(west_pop.place, geography.area_places("Vestland"))
    assert (inside == in_vestland).mean() > 0.97
    # No distance penalty inside: relevance does not fall with distance from Bergen.
    far = np.flatnonzero(inside & (distance_km(west_pop, "Bergen") > 100))
    assert far.size > 100
    rel = behavior.relevance_multiplier(west_pop, far, remote, remote.creative)
    onsite = behavior.relevance_multiplier(west_pop, far, west.vacancy, west.vacancy.creative)
    assert np.all(rel > onsite)


def test_anywhere_in_norway_is_everyone(west_pop):
    v = load_scenario("truck-driver-norway").vacancy
    assert v.workplace == "anywhere" and v.location == "Norway"
    d = workplace_distance_km(v, west_pop.x_km, west_pop.y_km)
    assert d.shape == west_pop.x_km.shape and np.all(d == 0.0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"vacancy.sites": ["Stavangr"]}, "vacancy.sites[0]: unknown place 'Stavangr'; did you "
         "mean 'Stavanger'?"),
        ({"vacancy.sites": ["Bergen"]}, "vacancy.sites: a site is listed twice"),
        ({"vacancy.workplace": "anywhere", "vacancy.sites": ["Oslo"]},
         "vacancy.sites: expected no sites when workplace = 'anywhere'"),
        ({"vacancy.workplace": "remote"}, "vacancy.workplace: expected on-site | anywhere"),
    ],
)  # fmt: skip
def test_bad_workplace_is_one_clear_error(overrides, message):
    with pytest.raises(ScenarioError) as err:
        load_scenario("electrician-bergen", overrides)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def _ctr(scenario, replications=2):
    clicks = impressions = 0
    for r in range(replications):
        m = run(scenario, strategies.make("broad-v1"), seed=SEED, replication=r).metrics
        clicks += m["clicks"]
        impressions += m["impressions"]
    return clicks / impressions


def test_nationwide_home_based_job_ctr_is_in_the_sanity_band():
    """A Facebook job ad's link CTR is 0.4-1 % (calibration.md §1: WordStream, Appcast).

    The truck drivers are based at home anywhere in Norway; measuring the distance to the
    centre of Norway instead (the old single-place rule) puts the CTR far below the band.
    """
    national = load_scenario("truck-driver-norway", {"population.size": 30_000})
    ctr = _ctr(national)
    assert 0.004 <= ctr <= 0.010, f"CTR {ctr:.4%} outside 0.4-1 %"
    centre = replace_path(national, "vacancy.workplace", "on-site")
    centre = replace_path(centre, "vacancy.max_distance_km", 3000.0)
    assert _ctr(centre) < 0.5 * ctr
