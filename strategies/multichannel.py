"""Split the budget across platforms by where the target group spends its time."""

from __future__ import annotations

from typing import ClassVar

from sim import occupations
from sim.campaign import AdSet, PlatformInfo, TargetingSpec
from strategies.base import Interval, Strategy, home_location


class Multichannel(Strategy):
    """Multichannel media plan — what an agency planner builds from public audience data.

    Each platform's share of the budget is proportional to the number of its users in
    the occupation's typical age range (public survey counts in the brief) per krone of
    its median CPM, with a floor; professional and job-board platforms use job-title
    targeting, social platforms location only. It spreads reach where the right age
    group is, but public data says nothing about who is in the trade.

    Parameters
    ----------
    min_share : float
        Smallest share of the budget a platform in the plan gets.
    frequency_cap : int
    """

    id = "multichannel-v1"
    description = "budget split across platforms by public audience data in the target ages"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "min_share": [Interval(float, 0.0, 1.0)],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(self, *, min_share=0.05, frequency_cap=8):
        self.min_share = min_share
        self.frequency_cap = frequency_cap

    def _weight(self, info: PlatformInfo) -> float:
        lo, hi = self.brief_.vacancy.typical_age
        users = 0
        for (a, b), label in zip(occupations.AGE_BANDS, occupations.AGE_BAND_LABELS, strict=True):
            if a <= hi and b >= lo:
                users += info.audience_by_age.get(label, 0)
        return users / max(info.median_cpm, 1e-9)

    def _targeting(self, info: PlatformInfo) -> TargetingSpec | None:
        where = (home_location(self.brief_, info),)
        occ = self.brief_.vacancy.occupation
        if info.job_title_catalogue:
            if "job_titles" not in info.allowed_options or occ not in info.job_title_catalogue:
                return None
            return TargetingSpec(locations=where, job_titles=(occ,))
        return TargetingSpec(locations=where)

    def plan(self) -> list[AdSet]:
        chosen = [(i, t) for i in self.brief_.platforms if (t := self._targeting(i)) is not None]
        weights = [self._weight(i) for i, _ in chosen]
        total = sum(weights)
        if not chosen or total <= 0:
            return []
        shares = [max(w / total, self.min_share) for w in weights]
        norm = sum(shares)
        return [
            AdSet(
                name=f"multichannel-{info.name}",
                platform=info.name,
                targeting=spec,
                budget=int(self.brief_.budget * share / norm * 100) / 100,
                frequency_cap=self.frequency_cap,
            )
            for (info, spec), share in zip(chosen, shares, strict=True)
        ]
