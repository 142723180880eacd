"""Dayparting: run ads only in the hours the target group is on the platform."""

from __future__ import annotations

import numpy as np

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Strategy, home_location, platforms_in_play, split_budget


class Dayparting(Strategy):
    """Dayparting — "run it evenings and early mornings, when the crew is on their phones".

    A broad audience in the commuting area, but each ad set runs only in the
    ``n_hours`` hours with the most use of its platform (public usage curves). The
    day's budget is concentrated where people are — and where other advertisers bid
    too, so it trades cheaper quiet hours for fuller busy ones.

    Parameters
    ----------
    platforms : tuple of str
    n_hours : int
    frequency_cap : int
    """

    id = "dayparting-v1"
    description = "broad audience, ads only in the platform's busiest hours"

    def __init__(self, *, platforms=("facebook", "instagram"), n_hours=8, frequency_cap=8):
        self.platforms = platforms
        self.n_hours = n_hours
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        infos = platforms_in_play(self.brief_, tuple(self.platforms))
        budgets = split_budget(self.brief_.budget, len(infos))
        out = []
        for info, budget in zip(infos, budgets, strict=True):
            profile = np.asarray(info.hour_profile or [1.0] * 24)
            hours = tuple(
                sorted(int(h) for h in np.argsort(-profile, kind="stable")[: self.n_hours])
            )
            out.append(
                AdSet(
                    name=f"dayparting-{info.name}",
                    platform=info.name,
                    targeting=TargetingSpec(locations=(home_location(self.brief_, info),)),
                    budget=budget,
                    frequency_cap=self.frequency_cap,
                    hours=hours,
                )
            )
        return out
