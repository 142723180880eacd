"""Exclude segments that cannot be hired, as far as the platform allows."""

from __future__ import annotations

from typing import ClassVar

from sim.campaign import AdSet, TargetingSpec
from strategies.base import (
    InterestNames,
    Interval,
    Options,
    PlatformNames,
    Strategy,
    ad_set_per_platform,
)


class Exclusion(Strategy):
    """Exclusion targeting — "everyone nearby except students".

    A broad (or interest) audience in the commuting area minus people the platform
    believes are students, and — where age targeting is allowed — minus those past
    retirement age. Where the policy bans detailed-targeting exclusions (the employment
    special ad category) only the location limit is left, so the strategy degrades to
    its base audience there.

    Parameters
    ----------
    platforms : tuple of str
    base : str
        ``"broad"`` or ``"interest"``.
    exclude : tuple of str
        Interests whose holders are excluded.
    frequency_cap : int
    """

    id = "exclusion-v1"
    description = "broad or interest audience minus students and retirees, where allowed"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "base": [Options(str, {"broad", "interest"})],
        "exclude": [InterestNames()],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(
        self,
        *,
        platforms=("facebook", "instagram", "snapchat"),
        base="broad",
        exclude=("student life",),
        frequency_cap=8,
    ):
        self.platforms = platforms
        self.base = base
        self.exclude = exclude
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        v = self.brief_.vacancy

        def targeting(info, where):
            allowed = info.allowed_options
            interests = ()
            if self.base == "interest" and "interests" in allowed:
                interests = tuple(t for t in v.typical_interests if t in info.interest_catalogue)
            return TargetingSpec(
                locations=where,
                age_max=66 if "age" in allowed else None,
                interests=interests[:3],
                exclude_interests=tuple(self.exclude) if "exclude_interests" in allowed else (),
            )

        return ad_set_per_platform(
            self.brief_, self.platforms, "exclusion", targeting, frequency_cap=self.frequency_cap
        )
