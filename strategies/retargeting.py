"""Retargeting career-site visitors, with a broad ad set to bring them in."""

from __future__ import annotations

from typing import ClassVar

from sim.campaign import AdSet, TargetingSpec
from strategies.base import (
    Interval,
    PlatformName,
    Strategy,
    home_location,
    is_active,
    platforms_in_play,
)


class Retargeting(Strategy):
    """Retargeting — "show the job again to people who visited our career site".

    A broad prospecting ad set brings people to the site; a second ad set targets the
    platform's custom audience of site visitors (seen by its pixel: earlier clicks and
    organic visitors). The retargeting audience is rebuilt every day; until it reaches
    the platform's minimum size the ad set is not published and its budget flows back
    to prospecting. Works when interested people need a second touch; it cannot find
    anyone the site never saw.

    Parameters
    ----------
    platform : str
    retarget_share : float
        Share of the budget for the retargeting ad set.
    frequency_cap : int
    """

    id = "retargeting-v1"
    description = "broad prospecting plus an ad set for career-site visitors"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platform": [PlatformName()],
        "retarget_share": [Interval(float, 0.0, 1.0)],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(self, *, platform="facebook", retarget_share=0.3, frequency_cap=8):
        self.platform = platform
        self.retarget_share = retarget_share
        self.frequency_cap = frequency_cap

    def _plan(self, budget: float, retarget_live: bool) -> list[AdSet]:
        infos = platforms_in_play(self.brief_, (self.platform,))
        if not infos:
            return []
        info = infos[0]
        where = (home_location(self.brief_, info),)
        share = self.retarget_share
        if "custom_audience" not in info.allowed_options:
            share = 0.0
        retarget = int(budget * share * 100) / 100
        prospect = int((budget - retarget) * 100) / 100
        if not retarget_live:  # not published yet: keep a day's worth, prospect with the rest
            retarget = int(retarget / max(self.days_left_, 1) * 100) / 100
            prospect = int((budget - retarget) * 100) / 100
        plan = [
            AdSet(
                f"prospecting-{info.name}",
                info.name,
                TargetingSpec(locations=where),
                prospect,
                frequency_cap=self.frequency_cap,
            ),
        ]
        if share > 0:
            plan.append(
                AdSet(
                    f"retargeting-{info.name}",
                    info.name,
                    TargetingSpec(locations=where, custom_audience="site-visitors"),
                    retarget,
                    frequency_cap=self.frequency_cap,
                )
            )
        return plan

    def plan(self) -> list[AdSet]:
        self.days_left_ = self.brief_.days
        return self._plan(self.brief_.budget, retarget_live=False)

    def update(self, report):
        self.days_left_ = report.days_left
        live = any(r.name.startswith("retargeting-") and is_active(r) for r in report.ad_sets)
        return self._plan(report.budget_left, retarget_live=live)
