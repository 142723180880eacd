"""Job-title targeting on platforms where people declare what they do."""

from __future__ import annotations

from typing import ClassVar

from sim.campaign import AdSet, TargetingSpec
from strategies.base import (
    Boolean,
    Interval,
    PlatformNames,
    Strategy,
    ad_set_per_platform,
    is_active,
    is_rejected,
)


class JobTitle(Strategy):
    """Job-title targeting — LinkedIn's "job title / function" audience, or a job
    board's candidate category.

    Targets people whose profile declares the occupation (and, with
    ``include_adjacent``, its adjacent occupations) in the commuting area. Precise when
    people keep their profiles up to date — office and professional workers mostly do,
    tradespeople mostly do not — and expensive per impression.

    Parameters
    ----------
    platforms : tuple of str
    include_adjacent : bool
    frequency_cap : int
    """

    id = "job-title-v1"
    description = "declared job titles on LinkedIn-like platforms and job-board profiles"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "include_adjacent": [Boolean()],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(
        self, *, platforms=("linkedin", "jobboard"), include_adjacent=False, frequency_cap=8
    ):
        self.platforms = platforms
        self.include_adjacent = include_adjacent
        self.frequency_cap = frequency_cap

    def _ad_sets(self, budget: float, keep: set[str] | None = None) -> list[AdSet]:
        v = self.brief_.vacancy
        titles = (v.occupation, *(v.adjacent_occupations if self.include_adjacent else ()))

        def targeting(info, where):
            if keep is not None and f"job-title-{info.name}" not in keep:
                return None
            if "job_titles" not in info.allowed_options:
                return None
            if v.occupation not in info.job_title_catalogue:
                return None
            return TargetingSpec(locations=where, job_titles=titles)

        return ad_set_per_platform(
            self.brief_,
            self.platforms,
            "job-title",
            targeting,
            budget=budget,
            frequency_cap=self.frequency_cap,
        )

    def plan(self) -> list[AdSet]:
        return self._ad_sets(self.brief_.budget)

    def update(self, report):
        """Move the budget of ad sets the platform rejected to those that deliver."""
        rejected = [r for r in report.ad_sets if is_rejected(r)]
        live = [r for r in report.ad_sets if is_active(r)]
        if not rejected or not live:
            return None
        return self._ad_sets(report.budget_left, keep={r.name for r in live})
