"""Employer branding first, job ads after."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from sim.campaign import AdSet
from strategies.base import Interval, PlatformNames, Strategy, ad_set_per_platform


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
    parameter_constraints: ClassVar[dict[str, list]] = {
        "branding_days": [Interval(int, 0, None)],
        "branding_share": [Interval(float, 0.0, 1.0)],
        "platforms": [PlatformNames()],
        "frequency_cap": [Interval(int, 1, None), None],
    }

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
        return ad_set_per_platform(
            brief,
            self.platforms,
            "branding",
            budget=brief.budget * self.branding_share,
            creative=replace(brief.vacancy.creative, message="employer-brand"),
            objective="awareness",
            end_day=self.switch_day_,
            frequency_cap=self.frequency_cap,
        )

    def _job_ads(self, budget: float) -> list[AdSet]:
        return ad_set_per_platform(
            self.brief_, self.platforms, "job-ad", budget=budget, frequency_cap=self.frequency_cap
        )

    def update(self, report):
        """From the switch day on, job ads get everything that is left."""
        if report.day + 1 != self.switch_day_:
            return None
        return self._job_ads(report.budget_left)
