"""The social graph and organic sharing (sim/network.py).

Homophily, degree and reach are checked on a generated 50,000-person population of
Norway; edge cases (groups of one, empty populations) on small hand-made columns.
"""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from sim import occupations
from sim.errors import ScenarioError
from sim.network import (
    OrganicSpec,
    SocialGraph,
    choose_sharers,
    organic_exposures,
    referrals,
)
from sim.population import generate, qualified_mask
from sim.scenario import PopulationSpec

SPEC = OrganicSpec(sharing=True)


@pytest.fixture(scope="module")
def pop():
    """50,000 adults across Norway."""
    return generate(PopulationSpec(size=50_000), np.random.SeedSequence(7301))


@pytest.fixture(scope="module")
def graph(pop):
    return SocialGraph.generate(pop, np.random.default_rng(11), SPEC)


def _same_shares(pop, graph) -> tuple[float, float]:
    """Share of employed people's ties within their occupation; share of ties within place."""
    owner, contact = graph.owners(), graph.indices
    employed = pop.occupation[owner] >= 0
    same_occ = (pop.occupation[owner] == pop.occupation[contact])[employed].mean()
    same_place = (pop.place[owner] == pop.place[contact]).mean()
    return float(same_occ), float(same_place)


def _random_mixing(pop) -> tuple[float, float]:
    """The same two shares if contacts were drawn uniformly from everybody."""
    occ = pop.occupation[pop.occupation >= 0]
    occ_share = np.bincount(occ) / pop.size
    place_share = np.bincount(pop.place) / pop.size
    return float(occ_share[occ].mean()), float((place_share**2).sum())


def _staff(pop, occupation: int, k: int, seed: int) -> np.ndarray:
    members = np.flatnonzero(pop.occupation == occupation)
    return np.random.default_rng(seed).choice(members, size=k, replace=False)


def test_ties_show_homophily(pop, graph):
    same_occ, same_place = _same_shares(pop, graph)
    random_occ, random_place = _random_mixing(pop)
    # the occupation stubs alone give same_occupation; place-and-age and random ties add a little
    assert SPEC.same_occupation <= same_occ <= SPEC.same_occupation + 0.1
    assert same_occ > 10 * random_occ
    assert same_place > SPEC.same_place_age and same_place > 3 * random_place


def test_no_homophily_gives_random_mixing(pop):
    spec = dataclasses.replace(SPEC, same_occupation=0.0, same_place_age=0.0)
    same_occ, same_place = _same_shares(
        pop, SocialGraph.generate(pop, np.random.default_rng(3), spec)
    )
    random_occ, random_place = _random_mixing(pop)
    assert same_occ == pytest.approx(random_occ, abs=0.01)
    assert same_place == pytest.approx(random_place, abs=0.01)


def test_degree_mean_is_contacts_and_no_self_ties(pop, graph):
    degree = graph.degree()
    se = np.sqrt(SPEC.contacts / pop.size)  # Poisson degrees
    assert degree.shape == (pop.size,)
    assert abs(degree.mean() - SPEC.contacts) < 5 * se
    assert degree.var() == pytest.approx(SPEC.contacts, rel=0.1)
    assert not np.any(graph.owners() == graph.indices)
    assert graph.indices.dtype == np.int32 and graph.indptr.dtype == np.int64
    assert graph.indices.min() >= 0 and graph.indices.max() < pop.size
    assert graph.nbytes == graph.indices.nbytes + graph.indptr.nbytes


def test_generation_is_deterministic(pop, graph):
    again = SocialGraph.generate(pop, np.random.default_rng(11), SPEC)
    other = SocialGraph.generate(pop, np.random.default_rng(12), SPEC)
    assert np.array_equal(again.indptr, graph.indptr)
    assert np.array_equal(again.indices, graph.indices)
    assert not np.array_equal(other.indptr, graph.indptr)


def test_contacts_lists_the_rows_in_order(graph):
    people = np.array([5, 0, 5, 49_999, 17])
    expected = np.concatenate(
        [graph.indices[graph.indptr[i] : graph.indptr[i + 1]] for i in people]
    )
    assert np.array_equal(graph.contacts(people), expected)
    assert graph.contacts(np.array([], dtype=np.int64)).size == 0


def test_organic_shares_reach_mostly_the_same_occupation(pop, graph):
    target = int(np.argmax(np.bincount(pop.occupation[pop.occupation >= 0])))
    staff = _staff(pop, target, 150, seed=1)
    rng = np.random.default_rng(2)
    sharers = choose_sharers(staff, rng, SPEC)
    seen = organic_exposures(graph, sharers, rng, SPEC)
    assert seen.size > 0
    assert np.array_equal(seen, np.unique(seen))
    assert not np.isin(seen, sharers).any()
    assert np.isin(seen, graph.contacts(sharers)).all()
    exposed_share = np.mean(pop.occupation[seen] == target)
    population_share = np.mean(pop.occupation == target)
    assert exposed_share > 5 * population_share
    assert exposed_share > 0.25


def test_feed_reach_and_share_probability_scale_reach(pop, graph):
    staff = _staff(pop, int(pop.occupation.max()), 40, seed=3)
    all_share = dataclasses.replace(SPEC, share_probability=1.0, feed_reach=1.0)
    sharers = choose_sharers(staff, np.random.default_rng(4), all_share)
    assert np.array_equal(sharers, staff)
    everyone = organic_exposures(graph, sharers, np.random.default_rng(5), all_share)
    contacts = np.setdiff1d(graph.contacts(sharers), sharers)
    assert np.array_equal(everyone, contacts)
    some = organic_exposures(graph, sharers, np.random.default_rng(5), SPEC)
    assert 0.2 * everyone.size < some.size < 0.5 * everyone.size  # feed_reach 0.35


def test_referrals_go_only_to_qualified_contacts(tiny, pop, graph):
    vacancy = tiny.vacancy
    qualified = qualified_mask(pop, vacancy)
    staff = _staff(pop, occupations.occupation_index(vacancy.occupation), 60, seed=5)
    spec = dataclasses.replace(SPEC, share_probability=1.0, referral_probability=0.5)
    sharers = choose_sharers(staff, np.random.default_rng(6), spec)
    referred = referrals(graph, sharers, qualified, np.random.default_rng(7), spec)
    assert referred.size > 0
    assert qualified[referred].all()
    assert not np.isin(referred, sharers).any()
    assert np.isin(referred, graph.contacts(sharers)).all()
    others = referrals(graph, sharers, qualified, np.random.default_rng(7), spec, exclude=referred)
    assert others.size == 0


def test_no_sharing_no_exposures(pop, graph):
    off = OrganicSpec()
    assert not off.sharing
    staff = _staff(pop, int(pop.occupation.max()), 40, seed=8)
    rng = np.random.default_rng(9)
    assert choose_sharers(staff, rng, off).size == 0
    assert organic_exposures(graph, staff, rng, off).size == 0
    qualified = np.ones(pop.size, dtype=bool)
    assert referrals(graph, staff, qualified, rng, off).size == 0
    assert organic_exposures(graph, staff[:0], rng, SPEC).size == 0


def test_groups_of_one_fall_back_and_never_tie_to_self():
    # person 0 is alone in occupation 3 and in place-age (1, 2); 1-3 share place and age
    columns = SimpleNamespace(
        size=6,
        occupation=np.array([3, -1, 0, 0, -1, -1], dtype=np.int16),
        place=np.array([1, 0, 0, 0, 2, 2], dtype=np.int16),
        age_band=np.array([2, 1, 1, 1, 0, 0], dtype=np.uint8),
    )
    spec = dataclasses.replace(SPEC, contacts=50, same_occupation=0.5, same_place_age=0.5)
    g = SocialGraph.generate(columns, np.random.default_rng(0), spec)
    owner = g.owners()
    assert not np.any(owner == g.indices)
    assert set(g.contacts(np.array([2])).tolist()) == {1, 3}  # occupation 0 or place-age
    assert np.mean(g.contacts(np.array([2])) == 3) > 0.6  # 3 is in both: 3/4 expected
    assert set(g.contacts(np.array([1])).tolist()) == {2, 3}  # no occupation: place-age
    assert set(g.contacts(np.array([4])).tolist()) == {5}
    assert g.contacts(np.array([0])).size > 0  # alone everywhere: random ties


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_populations_have_no_ties(n):
    columns = SimpleNamespace(
        size=n,
        occupation=np.zeros(n, dtype=np.int16),
        place=np.zeros(n, dtype=np.int16),
        age_band=np.zeros(n, dtype=np.uint8),
    )
    g = SocialGraph.generate(columns, np.random.default_rng(0), SPEC)
    assert g.size == n and g.n_ties == 0


def test_homophily_shares_over_one_are_rejected(pop):
    spec = dataclasses.replace(SPEC, same_occupation=0.6, same_place_age=0.5)
    with pytest.raises(ScenarioError, match=r"same_occupation \+ same_place_age <= 1, got 1.1"):
        SocialGraph.generate(pop, np.random.default_rng(0), spec)
