"""Broad targeting: location only."""

from __future__ import annotations

from typing import ClassVar

from sim.campaign import AdSet
from strategies.base import Interval, PlatformNames, Strategy, ad_set_per_platform


class Broad(Strategy):
    """Broad targeting — an agency's "location-only" or "open" audience.

    Everyone on the platforms who lives within the vacancy's commuting area (widened
    to the platform's minimum radius where policy demands one). Cheap per impression
    and legal everywhere; it works when the occupation is common or when the
    platform's delivery optimiser can find the right people on its own, and wastes
    most of its spend on people who can never take a scarce job.

    Parameters
    ----------
    platforms : tuple of str
        Platforms to use, in order; those not in the scenario are skipped.
    frequency_cap : int
        Most impressions per person per ad set.
    """

    id = "broad-v1"
    description = "location only on the social platforms; let the platform find people"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(self, *, platforms=("facebook", "instagram"), frequency_cap=8):
        self.platforms = platforms
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        return ad_set_per_platform(
            self.brief_, self.platforms, "broad", frequency_cap=self.frequency_cap
        )
