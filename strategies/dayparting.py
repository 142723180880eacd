"""Dayparting: run ads only in the hours the target group is on the platform."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np

from sim.campaign import AdSet
from strategies.base import Interval, PlatformNames, Strategy, ad_set_per_platform


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
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "n_hours": [Interval(int, 1, 24)],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(self, *, platforms=("facebook", "instagram"), n_hours=8, frequency_cap=8):
        self.platforms = platforms
        self.n_hours = n_hours
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        ad_sets = ad_set_per_platform(
            self.brief_, self.platforms, "dayparting", frequency_cap=self.frequency_cap
        )
        return [
            replace(a, hours=self._busiest_hours(self.brief_.platform(a.platform))) for a in ad_sets
        ]

    def _busiest_hours(self, info) -> tuple[int, ...]:
        """The ``n_hours`` hours of the platform's day with the most use, in clock order."""
        profile = np.asarray(info.hour_profile or [1.0] * 24)
        return tuple(sorted(int(h) for h in np.argsort(-profile, kind="stable")[: self.n_hours]))
