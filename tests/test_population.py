"""The synthetic population (sim/population.py): determinism, shares, ground truth vs view.

Share tests compare against the spec with a tolerance of a few binomial standard
errors, so they check the generator rather than one draw.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import binomial_se

from sim import geography, interests, occupations
from sim.platforms import PLATFORMS
from sim.population import (
    ACTIVE,
    AGE_SHARES,
    CLOSED,
    EMPLOYED,
    LABOUR_BY_AGE,
    OPEN_PASSIVE,
    RETIRED,
    STUDENT,
    UNEMPLOYED,
    _popcount,
    distance_km,
    generate,
    pack_interests,
    qualified_mask,
    target_size,
    topic_mask,
    within_reach,
)
from sim.scenario import load_scenario, replace_path

Z = 5.0  # tolerance in standard errors


def _arrays(pop) -> dict[str, np.ndarray]:
    return {
        f.name: getattr(pop, f.name)
        for f in dataclasses.fields(pop)
        if isinstance(getattr(pop, f.name), np.ndarray)
    }


def _share_close(observed_count: int, n: int, expected: float) -> None:
    share = observed_count / n
    tol = Z * binomial_se(expected, n) + 1e-9
    assert abs(share - expected) <= tol, (share, expected, tol)


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_arrays(tiny):
    spec = replace_path(tiny, "population.size", 5000).population
    a = generate(spec, np.random.SeedSequence(42))
    b = generate(spec, np.random.SeedSequence(42))
    arrays_a, arrays_b = _arrays(a), _arrays(b)
    assert {"age", "gender", "occupation", "interests", "sessions"} <= set(arrays_a)
    for name, arr in arrays_a.items():
        np.testing.assert_array_equal(arr, arrays_b[name], err_msg=name)
    assert a.weight == b.weight
    np.testing.assert_array_equal(
        a.inferred_interest("facebook", 0), b.inferred_interest("facebook", 0)
    )


def test_different_seeds_give_different_people(tiny):
    spec = replace_path(tiny, "population.size", 5000).population
    a = generate(spec, np.random.SeedSequence(1))
    b = generate(spec, np.random.SeedSequence(2))
    assert not np.array_equal(a.age, b.age)
    assert not np.array_equal(a.occupation, b.occupation)
    assert not np.array_equal(a.x_km, b.x_km)
    # Same spec, so the same size and weight.
    assert a.size == b.size and a.weight == b.weight


def test_spawned_children_differ(tiny):
    spec = replace_path(tiny, "population.size", 3000).population
    first, second = np.random.SeedSequence(7).spawn(2)
    assert not np.array_equal(generate(spec, first).age, generate(spec, second).age)


def test_inferred_interests_do_not_depend_on_query_order(tiny):
    spec = replace_path(tiny, "population.size", 5000).population
    a = generate(spec, np.random.SeedSequence(3))
    b = generate(spec, np.random.SeedSequence(3))
    t = interests.topic_index("home improvement")
    first = a.inferred_interest("facebook", t)
    for other in range(interests.N_TOPICS):  # b: ask for every other column first
        b.inferred_interest("instagram", other)
        b.inferred_interest("facebook", other)
    np.testing.assert_array_equal(first, b.inferred_interest("facebook", t))
    # Different platforms infer independently.
    assert not np.array_equal(first, a.inferred_interest("instagram", t))


# --------------------------------------------------------------------------- size


def test_size_field_sets_the_number_of_people(tiny):
    spec = replace_path(tiny, "population.size", 1234).population
    pop = generate(spec, np.random.SeedSequence(0))
    assert pop.size == 1234
    assert target_size(spec) == 1234
    for name, arr in _arrays(pop).items():
        assert arr.shape[-1] == 1234 or arr.shape[0] == 1234, name
    real_adults = (
        sum(p.population for p in geography.PLACES if p.region == "Vestland")
        * geography.ADULT_SHARE
    )
    assert pop.weight == pytest.approx(real_adults / 1234)


@pytest.mark.parametrize(("region", "scale"), [("Vestland", 0.01), ("Finnmark", 0.05)])
def test_scale_sets_the_number_of_people(tiny, region, scale):
    # The vacancy moves with the region: a vacancy nobody in the regions could reach is refused.
    overrides = {"population.size": 0, "population.regions": [region],
                 "population.scale": scale, "vacancy.location": region}  # fmt: skip
    spec = load_scenario("tiny", overrides).population
    real_adults = (
        sum(p.population for p in geography.PLACES if p.region == region) * geography.ADULT_SHARE
    )
    expected = round(real_adults * scale)
    assert target_size(spec) == expected
    pop = generate(spec, np.random.SeedSequence(0))
    assert pop.size == expected
    assert pop.weight == pytest.approx(1 / scale, rel=1e-3)
    assert {geography.PLACES[i].region for i in np.unique(pop.place)} == {region}


def test_size_overrides_scale(tiny):
    spec = replace_path(replace_path(tiny, "population.scale", 0.5), "population.size", 777)
    assert target_size(spec.population) == 777


# --------------------------------------------------------------------------- shares


def test_labour_status_shares_follow_the_age_table(vestland_pop):
    pop = vestland_pop
    expected = AGE_SHARES @ LABOUR_BY_AGE
    for status in (EMPLOYED, UNEMPLOYED, STUDENT, RETIRED):
        _share_close(int((pop.labour == status).sum()), pop.size, float(expected[status]))


def test_age_band_shares(vestland_pop):
    counts = np.bincount(vestland_pop.age_band, minlength=len(AGE_SHARES))
    for band, share in enumerate(AGE_SHARES):
        _share_close(int(counts[band]), vestland_pop.size, float(share))
    assert vestland_pop.age.min() >= 18


def test_search_state_shares_among_employed_match_the_spec(vestland, vestland_pop):
    pop, spec = vestland_pop, vestland.population.search_state
    employed = pop.labour == EMPLOYED
    n = int(employed.sum())
    states = pop.search_state[employed]
    for state, share in (
        (ACTIVE, spec.active),
        (OPEN_PASSIVE, spec.open_passive),
        (CLOSED, spec.closed),
    ):
        _share_close(int((states == state).sum()), n, share)


def test_search_state_shares_follow_a_custom_spec(vestland):
    s = replace_path(
        vestland, "population.search_state", {"active": 0.5, "open_passive": 0.3, "closed": 0.2}
    )
    s = replace_path(s, "population.size", 40_000)
    pop = generate(s.population, np.random.SeedSequence(9))
    states = pop.search_state[pop.labour == EMPLOYED]
    _share_close(int((states == ACTIVE).sum()), states.size, 0.5)
    _share_close(int((states == CLOSED).sum()), states.size, 0.2)


def test_unemployed_are_active_and_non_workers_are_closed(vestland_pop):
    pop = vestland_pop
    for status, state in ((UNEMPLOYED, ACTIVE), (STUDENT, CLOSED), (RETIRED, CLOSED)):
        members = pop.labour == status
        assert members.sum() > 100
        assert np.all(pop.search_state[members] == state), status


def test_only_the_labour_force_has_an_occupation(vestland_pop):
    pop = vestland_pop
    in_force = (pop.labour == EMPLOYED) | (pop.labour == UNEMPLOYED)
    assert np.all(pop.occupation[in_force] >= 0)
    assert np.all(pop.occupation[~in_force] == -1)
    assert np.all(pop.experience[~in_force] == 0)
    assert np.all(pop.experience >= 0)


def test_catalogues_are_rich_enough():
    assert len(occupations.OCCUPATIONS) >= 40
    assert len(set(occupations.OCCUPATION_IDS)) == len(occupations.OCCUPATIONS)
    assert interests.N_TOPICS >= 40
    assert len(set(interests.TOPIC_NAMES)) == interests.N_TOPICS


def test_occupation_gender_mix(national_pop):
    pop = national_pop
    craft = [i for i, o in enumerate(occupations.OCCUPATIONS) if o.styrk.startswith("7")]
    in_craft = np.isin(pop.occupation, craft)
    assert in_craft.sum() > 1000
    assert pop.gender[in_craft].mean() < 0.15  # craft: mostly men (AKU: ~5 % women)
    nurses = pop.occupation == occupations.occupation_index("nurse")
    assert nurses.sum() > 500
    assert pop.gender[nurses].mean() > 0.75  # nurses: mostly women
    electricians = pop.occupation == occupations.occupation_index("electrician")
    assert pop.gender[electricians].mean() < 0.15


def test_home_improvement_is_common_outside_the_trade(national_pop):
    pop = national_pop
    elec = pop.occupation == occupations.occupation_index("electrician")
    assert elec.sum() > 300
    hi = pop.has_interest(interests.topic_index("home improvement"))
    ee = pop.has_interest(interests.topic_index("electrical engineering"))
    # Fans of home improvement are overwhelmingly not electricians ...
    assert (hi & ~elec).sum() > 20 * (hi & elec).sum()
    # ... while electrical engineering is far more prevalent among electricians.
    assert ee[elec].mean() > 5 * ee[~elec].mean()
    assert ee[elec].mean() > 0.1
    # Electricians like home improvement somewhat more than others, but not exclusively.
    assert hi[elec].mean() > hi[~elec].mean()


def test_linkedin_titles_are_declared_more_by_office_workers(national_pop):
    pop = national_pop
    on_linkedin = pop.sessions[list(PLATFORMS).index("linkedin")] > 0
    group = np.array([o.styrk[0] for o in occupations.OCCUPATIONS])
    occ_group = np.where(pop.occupation >= 0, group[np.maximum(pop.occupation, 0)], "")
    declared = pop.declared_title >= 0

    def rate(codes):
        members = on_linkedin & np.isin(occ_group, codes)
        assert members.sum() > 300
        return declared[members].mean()

    office, trades = rate(["1", "2", "3", "4"]), rate(["6", "7", "8", "9"])
    assert office > 2 * trades
    # Nobody without a LinkedIn account declares a LinkedIn title.
    assert not declared[~on_linkedin].any()
    # Most declared titles are the person's real occupation; a few are stale.
    match = pop.declared_title[declared] == pop.occupation[declared]
    assert 0.5 < match.mean() < 1.0


@pytest.mark.parametrize("platform", ["facebook", "linkedin"])
def test_inferred_interests_miss_and_invent_at_the_configured_rates(
    vestland, vestland_pop, platform
):
    pop, spec = vestland_pop, vestland.population
    noise = PLATFORMS[platform].interest_noise
    miss_rate = spec.interest_miss_rate * noise
    fp_rate = spec.interest_false_positive_rate * noise
    t = interests.topic_index("outdoor life")
    truth = pop.has_interest(t)
    inferred = pop.inferred_interest(platform, t)
    _share_close(int((~inferred[truth]).sum()), int(truth.sum()), miss_rate)
    _share_close(int(inferred[~truth].sum()), int((~truth).sum()), fp_rate)


def test_a_perfect_platform_view_equals_the_truth(tiny):
    s = replace_path(tiny, "population.interest_miss_rate", 0.0)
    s = replace_path(s, "population.interest_false_positive_rate", 0.0)
    pop = generate(replace_path(s, "population.size", 3000).population, np.random.SeedSequence(4))
    for t in range(interests.N_TOPICS):
        np.testing.assert_array_equal(pop.inferred_interest("facebook", t), pop.has_interest(t))


# --------------------------------------------------------------------------- interest masks


def test_every_interest_accessor_reads_the_same_bits(vestland_pop):
    pop = vestland_pop
    assert pop.interests.dtype == np.dtype("<u8") and pop.interests.shape == (pop.size,)
    assert not (pop.interests >> np.uint64(interests.N_TOPICS)).any()  # no bit past the topics
    flags = np.stack([pop.has_interest(t) for t in range(interests.N_TOPICS)], axis=1)
    assert 0 < flags.mean() < 1
    np.testing.assert_array_equal(pack_interests(flags), pop.interests)
    idx = np.random.default_rng(0).choice(pop.size, 500, replace=False)
    for p in idx[:20]:
        np.testing.assert_array_equal(pop.interests_of(p), flags[p])
    for t in (0, 7, 8, interests.JOB_SEEKING, interests.STUDENT_LIFE):
        np.testing.assert_array_equal(pop.has_interest(t, idx), flags[idx, t])
    topics = [interests.topic_index(n) for n in ("home improvement", "construction", "cars")]
    np.testing.assert_array_equal(pop.topic_count(topics, idx), flags[idx][:, topics].sum(axis=1))
    np.testing.assert_array_equal(pop.topic_count(topics), flags[:, topics].sum(axis=1))
    np.testing.assert_array_equal(pop.topic_count(topics + topics[:1]), pop.topic_count(topics))


@pytest.mark.parametrize("rows", [0, 1, 7, 1000])
def test_pack_interests_sets_bit_t_for_topic_t(rows):
    flags = np.random.default_rng(rows).random((rows, interests.N_TOPICS)) < 0.3
    masks = pack_interests(flags)
    assert masks.shape == (rows,)
    unpacked = (masks[:, None] >> np.arange(interests.N_TOPICS, dtype=np.uint64)) & np.uint64(1)
    np.testing.assert_array_equal(unpacked == 1, flags)
    with pytest.raises(ValueError, match="at most 64 topics"):
        pack_interests(np.zeros((2, 65), dtype=bool))


def test_a_population_refuses_interests_that_are_not_bit_masks(tiny_pop):
    flags = np.stack([tiny_pop.has_interest(t) for t in range(interests.N_TOPICS)], axis=1)
    with pytest.raises(ValueError, match=r"uint64 bit masks .* got bool of shape"):
        dataclasses.replace(tiny_pop, interests=flags)
    with pytest.raises(ValueError, match="got uint64 of shape"):
        dataclasses.replace(tiny_pop, interests=tiny_pop.interests[:-1])
    twin = dataclasses.replace(tiny_pop, interests=pack_interests(flags))
    np.testing.assert_array_equal(twin.interests, tiny_pop.interests)
    # A strided view (every other person) is read like the people it holds.
    half = {name: a[..., ::2] for name, a in _arrays(tiny_pop).items()}  # sessions: (6, n)
    half = dataclasses.replace(tiny_pop, **half)
    film = interests.topic_index("film & tv")
    np.testing.assert_array_equal(half.has_interest(film), flags[::2, film])


def test_topic_masks_and_bit_counts(monkeypatch):
    assert topic_mask([0, 3, 45]) == np.uint64((1 << 0) | (1 << 3) | (1 << 45))
    assert topic_mask([]) == 0
    with pytest.raises(IndexError, match="topic 46"):
        topic_mask([46])
    masks = np.random.default_rng(1).integers(0, 1 << 62, 300, dtype=np.uint64)
    expected = np.array([bin(int(m)).count("1") for m in masks])
    np.testing.assert_array_equal(_popcount(masks), expected)
    monkeypatch.delattr(np, "bitwise_count", raising=False)  # numpy < 2.0
    np.testing.assert_array_equal(_popcount(masks), expected)


def test_every_county_is_present_in_a_national_population(national_pop):
    regions = {geography.PLACES[i].region for i in np.unique(national_pop.place)}
    assert regions == set(geography.REGION_NAMES)
    assert len(regions) == 15


def test_homes_lie_near_their_place(vestland_pop):
    pop = vestland_pop
    bergen = pop.place == geography.place_index("Bergen")
    assert bergen.sum() > 1000
    d = distance_km(pop, "Bergen", np.flatnonzero(bergen))
    assert np.median(d) < 15


# --------------------------------------------------------------------------- ground truth


def _manual_qualified(pop, vacancy):
    target = occupations.occupation_index(vacancy.occupation)
    ok = pop.occupation == target
    if vacancy.accept_adjacent:
        names = occupations.get(vacancy.occupation).adjacent
        adj = [occupations.occupation_index(a) for a in names]
        ok |= np.isin(pop.occupation, adj)
    return (
        ok
        & (pop.experience >= vacancy.min_experience_years)
        & (distance_km(pop, vacancy.location) <= vacancy.max_distance_km)
        & np.isin(pop.labour, [EMPLOYED, UNEMPLOYED])
    )


def test_qualified_mask_respects_occupation_experience_and_distance(vestland, vestland_pop):
    pop, vacancy = vestland_pop, vestland.vacancy
    q = qualified_mask(pop, vacancy)
    assert q.sum() > 50
    np.testing.assert_array_equal(q, _manual_qualified(pop, vacancy))
    target = occupations.occupation_index(vacancy.occupation)
    assert np.all(pop.occupation[q] == target)
    assert np.all(pop.experience[q] >= vacancy.min_experience_years)
    assert np.all(distance_km(pop, vacancy.location, np.flatnonzero(q)) <= vacancy.max_distance_km)
    # Each rule excludes someone who passes the others.
    trade = pop.occupation == target
    far = distance_km(pop, vacancy.location) > vacancy.max_distance_km
    assert (trade & far).any() and not q[trade & far].any()
    junior = trade & (pop.experience < vacancy.min_experience_years)
    assert junior.any() and not q[junior].any()


def test_tighter_rules_give_subsets_and_adjacent_gives_a_superset(vestland, vestland_pop):
    pop, v = vestland_pop, vestland.vacancy
    base = qualified_mask(pop, v)
    stricter = qualified_mask(pop, dataclasses.replace(v, min_experience_years=10.0))
    closer = qualified_mask(pop, dataclasses.replace(v, max_distance_km=10.0))
    wider = qualified_mask(pop, dataclasses.replace(v, accept_adjacent=True))
    for sub in (stricter, closer):
        assert not (sub & ~base).any()
        assert sub.sum() < base.sum()
    assert not (base & ~wider).any()
    assert wider.sum() > base.sum()
    np.testing.assert_array_equal(
        wider, _manual_qualified(pop, dataclasses.replace(v, accept_adjacent=True))
    )


def test_within_reach_is_the_distance_part_of_the_qualification_rule(tiny, tiny_pop):
    v = tiny.vacancy
    near = within_reach(distance_km(tiny_pop, v), v)
    assert 0 < near.sum() < tiny_pop.size
    rest = qualified_mask(tiny_pop, v, ignore_distance=True)
    np.testing.assert_array_equal(qualified_mask(tiny_pop, v), rest & near)
    edge = np.array([v.max_distance_km, np.nextafter(v.max_distance_km, np.inf)])
    assert within_reach(edge, v).tolist() == [True, False]  # the limit itself is within
