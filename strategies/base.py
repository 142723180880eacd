"""The strategy contract.

A strategy turns a :class:`~sim.campaign.CampaignBrief` into ad sets and may revise
them each day from the :class:`~sim.campaign.DeliveryReport`:

1. ``__init__(*, ...)`` only stores its keyword parameters (so ``get_params`` and
   ``clone`` work, as in scikit-learn);
2. ``reset(rng, brief)`` starts a campaign: derived state is made here and its
   attribute names end in ``_``;
3. ``plan()`` returns the first list of :class:`~sim.campaign.AdSet`;
4. ``update(report)`` returns a revised list, or ``None`` to keep the plan.

A strategy sees only what an advertiser sees: the brief (the vacancy as written,
public statistics, what each platform offers and allows) and the daily report.
"""

from __future__ import annotations

import inspect
from typing import Any, ClassVar

import numpy as np

from sim.campaign import AdSet, CampaignBrief, DeliveryReport, Location, PlatformInfo


class Strategy:
    """Base class of targeting strategies.

    Subclasses set the class attributes ``id`` (versioned, e.g. ``"broad-v1"``) and
    ``description`` (one line), take keyword-only parameters and implement
    :meth:`reset` and :meth:`plan`.
    """

    id: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def reset(self, rng: np.random.Generator, brief: CampaignBrief) -> None:
        """Start a campaign. Store what you need from ``brief`` in attributes ending in ``_``."""
        self.rng_ = rng
        self.brief_ = brief

    def plan(self) -> list[AdSet]:
        """The ad sets to run from day 0."""
        raise NotImplementedError

    def update(self, report: DeliveryReport) -> list[AdSet] | None:
        """Revise the plan after a day; ``None`` keeps it."""
        return None

    # -- parameters ---------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters as given."""
        return {name: getattr(self, name) for name in self._param_names()}

    def clone(self) -> Strategy:
        """A fresh, unreset strategy with the same parameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


# -- helpers shared by the built-in strategies ---------------------------------------


def platforms_in_play(brief: CampaignBrief, wanted: tuple[str, ...]) -> list[PlatformInfo]:
    """The wanted platforms that the brief offers, in the order wanted."""
    offered = {p.name: p for p in brief.platforms}
    return [offered[name] for name in wanted if name in offered]


def home_location(brief: CampaignBrief, info: PlatformInfo) -> Location:
    """The vacancy's commuting area, widened to the platform's minimum radius if needed."""
    v = brief.vacancy
    if "radius" not in info.allowed_options:
        return Location(v.location)
    return Location(v.location, max(v.max_distance_km, info.min_radius_km))


def split_budget(total: float, n: int) -> list[float]:
    """``total`` split into ``n`` equal parts that never sum to more than ``total``."""
    if n <= 0:
        return []
    part = int(total / n * 100) / 100  # whole øre, rounded down
    return [part] * n
