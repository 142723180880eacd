"""Let the platform's delivery optimiser choose who sees the ad."""

from __future__ import annotations

from typing import ClassVar

from sim.campaign import AdSet
from strategies.base import OBJECTIVES, Options, PlatformNames, Strategy, ad_set_per_platform


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
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "objective": [Options(str, OBJECTIVES)],
    }

    def __init__(self, *, platforms=("facebook", "instagram"), objective="applications"):
        self.platforms = platforms
        self.objective = objective

    def plan(self) -> list[AdSet]:
        return ad_set_per_platform(
            self.brief_, self.platforms, "optimized", objective=self.objective
        )
