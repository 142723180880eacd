"""Broad targeting: location only."""

from __future__ import annotations

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Strategy, home_location, platforms_in_play, split_budget


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

    def __init__(self, *, platforms=("facebook", "instagram"), frequency_cap=8):
        self.platforms = platforms
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        infos = platforms_in_play(self.brief_, tuple(self.platforms))
        budgets = split_budget(self.brief_.budget, len(infos))
        return [
            AdSet(
                name=f"broad-{info.name}",
                platform=info.name,
                targeting=TargetingSpec(locations=(home_location(self.brief_, info),)),
                budget=budget,
                frequency_cap=self.frequency_cap,
            )
            for info, budget in zip(infos, budgets, strict=True)
        ]
