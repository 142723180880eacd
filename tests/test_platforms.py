"""Platform definitions and policy rules (sim/platforms.py)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.campaign import Location, TargetingSpec
from sim.errors import PolicyError, UnknownNameError
from sim.platforms import ALL_OPTIONS, PLATFORM_NAMES, PLATFORMS, get

FACEBOOK = PLATFORMS["facebook"]
BERGEN_30 = (Location("Bergen", 30.0),)


def _refused(platform: str, spec: TargetingSpec, policy: str) -> str:
    with pytest.raises(PolicyError) as info:
        PLATFORMS[platform].check(spec, policy)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("platform", ["facebook", "instagram", "tiktok", "snapchat", "linkedin"])
def test_gender_targeting_is_refused_for_employment_ads(platform):
    spec = TargetingSpec(locations=(Location("Vestland"),), genders=("male",))
    message = _refused(platform, spec, "employment")
    assert PLATFORMS[platform].label in message
    assert "'gender'" in message


@pytest.mark.parametrize(
    "spec",
    [
        TargetingSpec(locations=BERGEN_30, age_min=25),
        TargetingSpec(locations=BERGEN_30, age_max=54),
        TargetingSpec(locations=BERGEN_30, age_min=25, age_max=54),
    ],
)
def test_age_targeting_is_refused_for_employment_ads_on_facebook(spec):
    message = _refused("facebook", spec, "employment")
    assert "Facebook" in message and "'age'" in message


def test_the_same_demographics_are_allowed_under_the_standard_policy():
    spec = TargetingSpec(locations=BERGEN_30, age_min=25, age_max=54, genders=("female",))
    for name in ("facebook", "instagram", "snapchat"):
        PLATFORMS[name].check(spec, "standard")
    no_radius = dataclasses.replace(spec, locations=(Location("Bergen"),))
    PLATFORMS["tiktok"].check(no_radius, "standard")  # TikTok has no radius targeting


@pytest.mark.parametrize("radius", [0.0, 10.0, 23.9])
def test_small_radius_around_a_city_is_refused_on_facebook_for_employment(radius):
    spec = TargetingSpec(locations=(Location("Bergen", radius),))
    message = _refused("facebook", spec, "employment")
    assert "Facebook" in message and "24" in message and "Bergen" in message


def test_radius_rules_that_are_allowed():
    FACEBOOK.check(TargetingSpec(locations=(Location("Bergen", 24.0),)), "employment")
    FACEBOOK.check(TargetingSpec(locations=(Location("Bergen", 40.0),)), "employment")
    FACEBOOK.check(TargetingSpec(locations=(Location("Vestland"),)), "employment")  # a county
    FACEBOOK.check(TargetingSpec(locations=(Location("Norway"),)), "employment")
    FACEBOOK.check(TargetingSpec(locations=(Location("Bergen", 5.0),)), "standard")


def test_job_titles_are_not_offered_on_facebook():
    spec = TargetingSpec(locations=BERGEN_30, job_titles=("electrician",))
    for policy in ("standard", "employment"):
        message = _refused("facebook", spec, policy)
        assert "Facebook" in message and "'job_titles'" in message and "offer" in message
    PLATFORMS["linkedin"].check(spec, "standard")


class _SpecWithOption(TargetingSpec):
    """A spec that claims an option the platforms may not know."""

    def __init__(self, option: str) -> None:
        super().__init__(locations=(Location("Vestland"),))
        object.__setattr__(self, "_option", option)

    def options_used(self) -> set[str]:
        return {*super().options_used(), self._option}


@pytest.mark.parametrize("platform", PLATFORM_NAMES)
def test_an_option_the_platform_does_not_know_is_refused(platform):
    for option in ("similar_audience", "lookalike_expansion"):
        assert option not in ALL_OPTIONS
        message = _refused(platform, _SpecWithOption(option), "standard")
        assert PLATFORMS[platform].label in message and option in message


def test_lookalikes_are_refused_for_employment_ads_and_where_not_offered():
    spec = TargetingSpec(locations=(Location("Vestland"),), lookalike_percent=2.0)
    for name in ("facebook", "instagram", "tiktok"):
        message = _refused(name, spec, "employment")
        assert PLATFORMS[name].label in message and "lookalike" in message
    FACEBOOK.check(spec, "standard")
    message = _refused("linkedin", spec, "standard")
    assert "LinkedIn" in message and "lookalike" in message
    assert "lookalike" not in PLATFORMS["jobboard"].targeting_options


def test_targeting_spec_has_no_free_form_options():
    with pytest.raises(TypeError):
        TargetingSpec(similar_audience="employees")  # type: ignore[call-arg]


def test_interest_targeting_refused_on_tiktok_for_employment_ads():
    spec = TargetingSpec(interests=("construction",))
    message = _refused("tiktok", spec, "employment")
    assert "TikTok" in message and "interests" in message
    PLATFORMS["tiktok"].check(spec, "standard")


def test_malformed_specs_are_refused():
    assert "gender" in _refused("facebook", TargetingSpec(genders=("men",)), "standard")
    assert "age_max" in _refused("facebook", TargetingSpec(age_min=50, age_max=30), "standard")


def test_allowed_options_drop_the_policy_bans():
    for p in PLATFORMS.values():
        assert p.allowed_options("standard") == p.targeting_options
        employment = p.allowed_options("employment")
        assert employment <= p.targeting_options
        assert not employment & p.sac_bans
        assert p.targeting_options <= ALL_OPTIONS
    for name in ("facebook", "instagram"):
        assert not {"age", "gender", "lookalike"} & PLATFORMS[name].allowed_options("employment")
        assert PLATFORMS[name].min_radius_km("employment") == 24.0
        assert PLATFORMS[name].min_radius_km("standard") == 0.0


def test_platform_definitions_are_consistent():
    assert set(PLATFORM_NAMES) == {
        "facebook",
        "instagram",
        "linkedin",
        "snapchat",
        "tiktok",
        "jobboard",
    }
    for p in PLATFORMS.values():
        w = p.hour_weights
        assert w.shape == (24,)
        assert w.sum() == pytest.approx(1.0)
        assert np.all(w > 0)
        assert len(p.account_by_age) == 7
        assert all(0 <= a <= 1 for a in p.account_by_age)
        assert 0 < p.link_ctr < 0.05
        assert p.median_cpm > 0 and p.min_audience > 0
    assert "job_titles" in PLATFORMS["linkedin"].targeting_options
    assert PLATFORMS["linkedin"].declares_titles and not FACEBOOK.declares_titles


def test_unknown_platform_gets_a_suggestion():
    assert get("facebook") is FACEBOOK
    with pytest.raises(UnknownNameError, match="did you mean 'facebook'"):
        get("facebok")
