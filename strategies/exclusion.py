"""Exclude segments that cannot be hired, as far as the platform allows."""

from __future__ import annotations

from sim.campaign import AdSet, TargetingSpec
from strategies.base import Strategy, home_location, platforms_in_play, split_budget


class Exclusion(Strategy):
    """Exclusion targeting — "everyone nearby except students".

    A broad (or interest) audience in the commuting area minus people the platform
    believes are students, and — where age targeting is allowed — minus those past
    retirement age. Where the policy bans detailed-targeting exclusions (the employment
    special ad category) only the location limit is left, so the strategy degrades to
    its base audience there.

    Parameters
    ----------
    platforms : tuple of str
    base : str
        ``"broad"`` or ``"interest"``.
    exclude : tuple of str
        Interests whose holders are excluded.
    frequency_cap : int
    """

    id = "exclusion-v1"
    description = "broad or interest audience minus students and retirees, where allowed"

    def __init__(
        self,
        *,
        platforms=("facebook", "instagram", "snapchat"),
        base="broad",
        exclude=("student life",),
        frequency_cap=8,
    ):
        self.platforms = platforms
        self.base = base
        self.exclude = exclude
        self.frequency_cap = frequency_cap

    def plan(self) -> list[AdSet]:
        v = self.brief_.vacancy
        infos = platforms_in_play(self.brief_, tuple(self.platforms))
        budgets = split_budget(self.brief_.budget, len(infos))
        out = []
        for info, budget in zip(infos, budgets, strict=True):
            allowed = info.allowed_options
            interests = ()
            if self.base == "interest" and "interests" in allowed:
                interests = tuple(t for t in v.typical_interests if t in info.interest_catalogue)
            spec = TargetingSpec(
                locations=(home_location(self.brief_, info),),
                age_max=66 if "age" in allowed else None,
                interests=interests[:3],
                exclude_interests=tuple(self.exclude) if "exclude_interests" in allowed else (),
            )
            out.append(
                AdSet(
                    f"exclusion-{info.name}",
                    info.name,
                    spec,
                    budget,
                    frequency_cap=self.frequency_cap,
                )
            )
        return out
