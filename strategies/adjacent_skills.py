"""Adjacent skills: reach people in neighbouring trades with a career-change message."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from sim import occupations
from sim.campaign import AdSet, TargetingSpec
from strategies.base import Boolean, Interval, PlatformNames, Strategy, ad_set_per_platform


class AdjacentSkills(Strategy):
    """Adjacent-skills targeting — "shift leaders and retail staff: step up to store manager".

    For roles the employer will train for, targets people in adjacent occupations: their
    declared titles on LinkedIn and the job board, and the interests typical of those
    occupations on the social platforms, with a career-change creative. Widens a thin
    pool of people already in the role; it only pays if the employer really accepts
    people from those trades.

    Parameters
    ----------
    platforms : tuple of str
    include_own : bool
        Also target the occupation itself.
    frequency_cap : int
    """

    id = "adjacent-skills-v1"
    description = "adjacent occupations with a career-change creative (trainable roles)"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "include_own": [Boolean()],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(
        self,
        *,
        platforms=("linkedin", "jobboard", "facebook", "instagram"),
        include_own=True,
        frequency_cap=8,
    ):
        self.platforms = platforms
        self.include_own = include_own
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        v = self.brief_.vacancy
        titles = (*((v.occupation,) if self.include_own else ()), *v.adjacent_occupations)
        interests = []
        for occ in v.adjacent_occupations:
            for t in occupations.get(occ).typical_interests:
                if t not in interests and t not in v.typical_interests:
                    interests.append(t)

        def targeting(info, where):
            allowed = info.allowed_options
            if info.job_title_catalogue and "job_titles" in allowed and titles:
                return TargetingSpec(locations=where, job_titles=titles)
            if not info.job_title_catalogue and "interests" in allowed and interests:
                picked = tuple(t for t in interests if t in info.interest_catalogue)[:3]
                if picked:
                    return TargetingSpec(locations=where, interests=picked)
            return None

        return ad_set_per_platform(
            self.brief_,
            self.platforms,
            "adjacent",
            targeting,
            creative=replace(v.creative, message="career-change"),
            frequency_cap=self.frequency_cap,
        )
