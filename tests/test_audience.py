"""Targeting resolution against the platform's view (sim/audience.py)."""

from __future__ import annotations

import numpy as np
import pytest

from sim import geography, interests, occupations
from sim.audience import AdvertiserData, PlatformView, lookalike_mask, resolve
from sim.campaign import Location, TargetingSpec
from sim.errors import UnknownNameError
from sim.platforms import PLATFORMS


@pytest.fixture(scope="module")
def fb(vestland_pop):
    return PlatformView(vestland_pop, PLATFORMS["facebook"])


@pytest.fixture(scope="module")
def li(vestland_pop):
    return PlatformView(vestland_pop, PLATFORMS["linkedin"])


def _mask(view, idx) -> np.ndarray:
    m = np.zeros(view.size, dtype=bool)
    m[idx] = True
    return m


def test_an_empty_spec_reaches_exactly_the_account_holders(fb, vestland_pop):
    idx = resolve(fb, TargetingSpec())
    users = vestland_pop.sessions[list(PLATFORMS).index("facebook")] > 0
    np.testing.assert_array_equal(_mask(fb, idx), users)
    assert 0.5 < users.mean() < 0.95
    assert idx.dtype == np.int32
    assert np.all(np.diff(idx) > 0)  # sorted, no duplicates


def test_account_holders_only_on_every_platform(vestland_pop):
    for name, p in PLATFORMS.items():
        view = PlatformView(vestland_pop, p)
        idx = resolve(view, TargetingSpec(locations=(Location("Vestland"),)))
        assert np.all(view.sessions[idx] > 0), name
        assert idx.size < vestland_pop.size


def test_location_targets_the_place_itself(fb):
    idx = resolve(fb, TargetingSpec(locations=(Location("Bergen"),)))
    assert idx.size > 1000
    assert np.all(fb.place[idx] == geography.place_index("Bergen"))


def test_radius_adds_everyone_within_it(fb):
    spec = TargetingSpec(locations=(Location("Bergen", 30.0),))
    idx = resolve(fb, spec)
    cx, cy = geography.centre_km("Bergen")
    d = np.hypot(fb.x_km - cx, fb.y_km - cy)
    in_bergen = fb.place == geography.place_index("Bergen")
    expected = (fb.sessions > 0) & ((d <= 30.0) | in_bergen)
    np.testing.assert_array_equal(_mask(fb, idx), expected)
    assert idx.size > resolve(fb, TargetingSpec(locations=(Location("Bergen"),))).size


def test_location_masks_are_shared_across_platforms_and_specs(fb, li):
    # Homes do not depend on the platform: a caller's cache serves every view and spec
    # with the same locations, and gives what resolving without it gives.
    here = (Location("Bergen", 30.0),)
    cache: dict = {}
    for view in (fb, li):
        for spec in (TargetingSpec(locations=here), TargetingSpec(locations=here, age_max=40)):
            got = resolve(view, spec, location_masks=cache)
            np.testing.assert_array_equal(got, resolve(view, spec))
            assert 0 < got.size < resolve(view, TargetingSpec()).size
    assert list(cache) == [here]
    with pytest.raises(UnknownNameError, match="Atlantis"):  # checked with Norway too
        resolve(
            fb, TargetingSpec(locations=(Location("Norway"), Location("Atlantis"))), None, cache
        )
    norway = TargetingSpec(locations=(Location("Norway"),))
    np.testing.assert_array_equal(
        resolve(fb, norway, location_masks=cache), resolve(fb, TargetingSpec())
    )


def test_a_county_covers_all_its_places(vestland_pop):
    view = PlatformView(vestland_pop, PLATFORMS["facebook"])
    idx = resolve(view, TargetingSpec(locations=(Location("Vestland"),)))
    np.testing.assert_array_equal(idx, resolve(view, TargetingSpec()))  # all live in Vestland
    other = resolve(view, TargetingSpec(locations=(Location("Oslo"),)))
    assert other.size == 0


def test_age_and_gender(fb):
    idx = resolve(fb, TargetingSpec(age_min=30, age_max=40, genders=("female",)))
    assert idx.size > 500
    assert np.all((fb.age[idx] >= 30) & (fb.age[idx] <= 40))
    assert np.all(fb.gender[idx] == 1)
    expected = (fb.sessions > 0) & (fb.age >= 30) & (fb.age <= 40) & (fb.gender == 1)
    np.testing.assert_array_equal(_mask(fb, idx), expected)
    both = resolve(fb, TargetingSpec(genders=("male", "female")))
    np.testing.assert_array_equal(both, resolve(fb, TargetingSpec()))


def test_interests_match_what_the_platform_believes(fb, vestland_pop):
    names = ("electrical engineering", "construction")
    idx = resolve(fb, TargetingSpec(interests=names))
    believed = np.zeros(fb.size, dtype=bool)
    for name in names:
        believed |= fb.interest(interests.topic_index(name))
    np.testing.assert_array_equal(_mask(fb, idx), (fb.sessions > 0) & believed)
    # The platform's view, not the truth: some targeted people lack every real interest.
    real = vestland_pop.topic_count([interests.topic_index(n) for n in names]) > 0
    assert (~real[idx]).any()


def test_exclusions_remove_believers(fb):
    excluded = "home improvement"
    idx = resolve(fb, TargetingSpec(exclude_interests=(excluded,)))
    assert not fb.interest(interests.topic_index(excluded))[idx].any()
    assert idx.size < resolve(fb, TargetingSpec()).size


def test_job_titles_match_declared_titles(li, vestland_pop):
    titles = ("nurse", "electrician")
    idx = resolve(li, TargetingSpec(job_titles=titles))
    wanted = [occupations.occupation_index(t) for t in titles]
    assert idx.size > 20
    assert np.all(np.isin(vestland_pop.declared_title[idx], wanted))
    np.testing.assert_array_equal(
        _mask(li, idx), (li.sessions > 0) & np.isin(vestland_pop.declared_title, wanted)
    )


def test_job_board_uses_its_own_profiles(vestland_pop):
    jb = PlatformView(vestland_pop, PLATFORMS["jobboard"])
    idx = resolve(jb, TargetingSpec(job_titles=("nurse",)))
    assert idx.size > 0
    assert np.all(vestland_pop.jobboard_title[idx] == occupations.occupation_index("nurse"))


def test_platforms_without_titles_know_none(fb):
    assert np.all(fb.titles == -1)
    assert resolve(fb, TargetingSpec(job_titles=("nurse",))).size == 0


def test_parts_of_a_spec_combine_with_and(fb):
    loc = TargetingSpec(locations=(Location("Bergen", 30.0),))
    full = TargetingSpec(
        locations=loc.locations,
        age_min=25,
        age_max=54,
        genders=("male",),
        interests=("tools & DIY",),
        exclude_interests=("fashion",),
    )
    expected = (
        _mask(fb, resolve(fb, loc))
        & (fb.age >= 25)
        & (fb.age <= 54)
        & (fb.gender == 0)
        & fb.interest(interests.topic_index("tools & DIY"))
        & ~fb.interest(interests.topic_index("fashion"))
    )
    np.testing.assert_array_equal(_mask(fb, resolve(fb, full)), expected)


@pytest.mark.parametrize(
    ("spec", "kind"),
    [
        (TargetingSpec(locations=(Location("Bergn"),)), "place"),
        (TargetingSpec(interests=("electrical enginering",)), "interest"),
        (TargetingSpec(exclude_interests=("fashon",)), "interest"),
        (TargetingSpec(job_titles=("electrican",)), "job title"),
    ],
)
def test_unknown_catalogue_names_are_refused(li, spec, kind):
    with pytest.raises(UnknownNameError) as info:
        resolve(li, spec)
    assert f"unknown {kind}" in str(info.value)
    assert "did you mean" in str(info.value)


def test_custom_audience_is_the_matched_site_visitors(fb):
    rng = np.random.default_rng(0)
    visitors = rng.random(fb.size) < 0.05
    data = AdvertiserData(site_visitors=visitors, employee_seed=np.zeros(0, dtype=np.int64))
    idx = resolve(fb, TargetingSpec(custom_audience="site-visitors"), data)
    np.testing.assert_array_equal(_mask(fb, idx), visitors & (fb.sessions > 0))
    assert resolve(fb, TargetingSpec(custom_audience="site-visitors")).size == 0  # no data


def test_lookalike_finds_people_like_the_seed(fb, vestland_pop):
    elec = np.flatnonzero(vestland_pop.occupation == occupations.occupation_index("electrician"))
    seed = elec[:150]
    mask = lookalike_mask(fb, seed, 2.0)
    users = fb.sessions > 0
    assert mask.sum() == round(users.sum() * 0.02)
    assert not mask[seed].any()  # seed members are excluded
    assert not mask[~users].any()
    is_elec = vestland_pop.occupation == occupations.occupation_index("electrician")
    assert is_elec[mask].mean() > 3 * is_elec[users].mean()
    assert not lookalike_mask(fb, seed[:0], 2.0).any()
