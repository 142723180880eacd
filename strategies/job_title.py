"""Job-title targeting on platforms where people declare what they do."""

from __future__ import annotations

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Strategy, home_location, platforms_in_play, split_budget


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

    def __init__(
        self, *, platforms=("linkedin", "jobboard"), include_adjacent=False, frequency_cap=8
    ):
        self.platforms = platforms
        self.include_adjacent = include_adjacent
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        v = self.brief_.vacancy
        titles = (v.occupation, *(v.adjacent_occupations if self.include_adjacent else ()))
        infos = [
            info
            for info in platforms_in_play(self.brief_, tuple(self.platforms))
            if "job_titles" in info.allowed_options and v.occupation in info.job_title_catalogue
        ]
        budgets = split_budget(self.brief_.budget, len(infos))
        return [
            AdSet(
                name=f"job-title-{info.name}",
                platform=info.name,
                targeting=TargetingSpec(
                    locations=(home_location(self.brief_, info),), job_titles=titles
                ),
                budget=budget,
                frequency_cap=self.frequency_cap,
            )
            for info, budget in zip(infos, budgets, strict=True)
        ]

    def update(self, report):
        """Move the budget of ad sets the platform rejected to those that deliver."""
        rejected = [r for r in report.ad_sets if r.status.startswith("rejected")]
        live = [r for r in report.ad_sets if r.status == "active"]
        if not rejected or not live:
            return None
        budgets = split_budget(report.budget_left, len(live))
        keep = {r.name for r in live}
        return [
            AdSet(a.name, a.platform, a.targeting, b, frequency_cap=self.frequency_cap)
            for a, b in zip([a for a in self.plan() if a.name in keep], budgets, strict=True)
        ]
