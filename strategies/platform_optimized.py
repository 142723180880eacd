"""Let the platform's delivery optimiser choose who sees the ad."""

from __future__ import annotations

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Strategy, home_location, platforms_in_play, split_budget


class PlatformOptimized(Strategy):
    """Platform-optimised delivery — an "Advantage+"-style campaign.

    A broad audience in the commuting area with the objective set to applications (or
    clicks) and no frequency cap: the platform's delivery optimiser decides who sees the
    ad from what it predicts they will do. This is where skewed delivery shows up: the
    optimiser uses age and sex even though the advertiser targeted neither, and it
    learned from historical engagement with similar jobs.

    Parameters
    ----------
    platforms : tuple of str
    objective : str
        ``"applications"`` or ``"clicks"``.
    """

    id = "platform-optimized-v1"
    description = "broad audience, objective applications; the optimiser chooses who sees it"

    def __init__(self, *, platforms=("facebook", "instagram"), objective="applications"):
        self.platforms = platforms
        self.objective = objective

    def plan(self) -> list[AdSet]:
        infos = platforms_in_play(self.brief_, tuple(self.platforms))
        budgets = split_budget(self.brief_.budget, len(infos))
        return [
            AdSet(
                name=f"optimized-{info.name}",
                platform=info.name,
                targeting=TargetingSpec(locations=(home_location(self.brief_, info),)),
                budget=budget,
                objective=self.objective,
            )
            for info, budget in zip(infos, budgets, strict=True)
        ]
