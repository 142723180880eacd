"""Interest targeting: the platform's interest categories that fit the occupation."""

from __future__ import annotations

from typing import ClassVar

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Interval, PlatformNames, Strategy, ad_set_per_platform


class Interest(Strategy):
    """Interest (detailed) targeting — "people interested in electrical engineering,
    tools and construction".

    Picks up to ``max_interests`` of the occupation's typical interests that the
    platform's catalogue offers, in the commuting area. It lifts relevance when the
    interests are specific to the trade, but broad hobby interests ("home improvement")
    are shared by many who are not in it, and the platform infers interests with misses
    and false positives. Platforms whose policy bans interest targeting for job ads are
    skipped.

    Parameters
    ----------
    platforms : tuple of str
    max_interests : int
    frequency_cap : int
    """

    id = "interest-v1"
    description = "interests typical of the occupation from the platform's catalogue"
    parameter_constraints: ClassVar[dict[str, list]] = {
        "platforms": [PlatformNames()],
        "max_interests": [Interval(int, 1, None)],
        "frequency_cap": [Interval(int, 1, None), None],
    }

    def __init__(self, *, platforms=("facebook", "instagram"), max_interests=3, frequency_cap=8):
        self.platforms = platforms
        self.max_interests = max_interests
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        v = self.brief_.vacancy

        def targeting(info, where):
            if "interests" not in info.allowed_options:
                return None
            picked = [t for t in v.typical_interests if t in info.interest_catalogue]
            if not picked:
                return None
            return TargetingSpec(locations=where, interests=tuple(picked[: self.max_interests]))

        return ad_set_per_platform(
            self.brief_, self.platforms, "interest", targeting, frequency_cap=self.frequency_cap
        )
