"""Demographic targeting: the typical worker's age and sex, where the policy allows."""

from __future__ import annotations

from typing import ClassVar

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Interval, PlatformNames, Strategy, ad_set_per_platform


class Demographic(Strategy):
    """Demographic targeting — "men 25-54 in Bergen" in agency speak.

    Targets the age range where most of the occupation's workers are and, when public
    statistics show that one sex holds at least ``dominance`` of the jobs, that sex.
    Each part is used only where the platform offers it and its policy allows it:
    under the employment special ad category the strategy silently falls back to
    location only, as an agency's template would. It narrows spend to look-alike
    demographics, which helps little when the trade is rare in every demographic —
    and it excludes the qualified minority of the other sex.

    Parameters
    ----------
    platforms : tuple of str
    dominance : float
        Share of one sex above which the ad targets that sex only.
    frequency_cap : int
    """

    id = "demographic-v1"
    description = "the occupation's typical age band and majority sex, where policy allows"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "dominance": [Interval(float, 0.5, 1.0)],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(
        self, *, platforms=("facebook", "instagram", "snapchat"), dominance=0.8, frequency_cap=8
    ):
        self.platforms = platforms
        self.dominance = dominance
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        v = self.brief_.vacancy
        genders: tuple[str, ...] = ()
        if v.female_share >= self.dominance:
            genders = ("female",)
        elif 1 - v.female_share >= self.dominance:
            genders = ("male",)

        def targeting(info, where):
            allowed = info.allowed_options
            age_min, age_max = v.typical_age if "age" in allowed else (18, None)
            return TargetingSpec(
                locations=where,
                age_min=age_min,
                age_max=age_max,
                genders=genders if "gender" in allowed else (),
            )

        return ad_set_per_platform(
            self.brief_, self.platforms, "demographic", targeting, frequency_cap=self.frequency_cap
        )
