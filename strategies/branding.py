"""Employer branding first, job ads after."""

from __future__ import annotations

from dataclasses import replace

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Strategy, home_location, platforms_in_play, split_budget


class BrandingThenHire(Strategy):
    """Employer branding, then recruitment — "build the brand, then advertise the job".

    For the first ``branding_days`` (two thirds of a shorter campaign) the ads show the
    employer, not the vacancy (an
    employer-branding creative, objective awareness) to everyone in the commuting area;
    then the rest of the budget runs ordinary job ads. Branding buys few clicks but
    leaves awareness that fades slowly and makes the later job ad's viewers likelier to
    click and apply. It pays when the campaign is long and the branding reaches the
    people the job ad later reaches.

    Parameters
    ----------
    branding_days : int
        Days of branding before the job ads start.
    branding_share : float
        Share of the budget spent on branding.
    platforms : tuple of str
    frequency_cap : int
    """

    id = "branding-then-hire-v1"
    description = "employer-branding ads first, then job ads with the rest of the budget"

    def __init__(self, *, branding_days=60, branding_share=0.5,
                 platforms=("facebook", "instagram"), frequency_cap=12):  # fmt: skip
        self.branding_days = branding_days
        self.branding_share = branding_share
        self.platforms = platforms
        self.frequency_cap = frequency_cap

    def reset(self, rng, brief) -> None:
        super().reset(rng, brief)
        # A campaign shorter than the branding period brands for its first two thirds.
        days = self.branding_days
        self.switch_day_ = days if days < brief.days else (2 * brief.days) // 3

    def plan(self) -> list[AdSet]:
        brief = self.brief_
        if self.switch_day_ <= 0:
            return self._job_ads(brief.budget)
        infos = platforms_in_play(brief, tuple(self.platforms))
        budgets = split_budget(brief.budget * self.branding_share, len(infos))
        brand = replace(brief.vacancy.creative, message="employer-brand")
        return [
            AdSet(
                f"branding-{info.name}",
                info.name,
                TargetingSpec(locations=(home_location(brief, info),)),
                budget,
                creative=brand,
                objective="awareness",
                end_day=self.switch_day_,
                frequency_cap=self.frequency_cap,
            )
            for info, budget in zip(infos, budgets, strict=True)
        ]

    def _job_ads(self, budget: float) -> list[AdSet]:
        infos = platforms_in_play(self.brief_, tuple(self.platforms))
        return [
            AdSet(
                f"job-ad-{info.name}",
                info.name,
                TargetingSpec(locations=(home_location(self.brief_, info),)),
                part,
                frequency_cap=self.frequency_cap,
            )
            for info, part in zip(infos, split_budget(budget, len(infos)), strict=True)
        ]

    def update(self, report):
        """From the switch day on, job ads get everything that is left."""
        if report.day + 1 != self.switch_day_:
            return None
        return self._job_ads(report.budget_left)
