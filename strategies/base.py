"""The strategy contract.

A strategy turns a :class:`~sim.campaign.CampaignBrief` into ad sets and may revise
them each day from the :class:`~sim.campaign.DeliveryReport`:

1. ``__init__(*, ...)`` only stores its keyword parameters (so ``get_params`` and
   ``clone`` work, as in scikit-learn);
2. ``reset(rng, brief)`` starts a campaign: derived state is made here and its
   attribute names end in ``_``;
3. ``plan()`` returns the first list of :class:`~sim.campaign.AdSet`;
4. ``update(report)`` returns a revised list, or ``None`` to keep the plan.

Each strategy declares the type and range of its parameters in
``parameter_constraints`` (the vocabulary is in :mod:`strategies.constraints`:
:class:`Interval`, :class:`Options`, :class:`Boolean`, :func:`PlatformNames` ...);
:func:`strategies.make` and :meth:`Strategy.reset` refuse a bad value with one line.

A strategy sees only what an advertiser sees: the brief (the vacancy as written,
public statistics, what each platform offers and allows) and the daily report.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np

from sim.campaign import (
    AdSet,
    AdSetReport,
    CampaignBrief,
    DeliveryReport,
    Location,
    PlatformInfo,
    TargetingSpec,
)
from strategies.constraints import (
    OBJECTIVES,
    Boolean,
    Constraint,
    InterestNames,
    Interval,
    InvalidParameterError,
    Name,
    Names,
    Options,
    PlatformName,
    PlatformNames,
    validate_params,
)

__all__ = [
    "ACTIVE",
    "BUDGET_SPENT",
    "OBJECTIVES",
    "PAUSED",
    "REJECTED",
    "Boolean",
    "Constraint",
    "InterestNames",
    "Interval",
    "InvalidParameterError",
    "Name",
    "Names",
    "Options",
    "PlatformName",
    "PlatformNames",
    "Strategy",
    "ad_set_per_platform",
    "home_location",
    "is_active",
    "is_rejected",
    "platforms_in_play",
    "split_budget",
    "status_state",
]


class Strategy:
    """Base class of targeting strategies.

    Subclasses set the class attributes ``id`` (versioned, e.g. ``"broad-v1"``) and
    ``description`` (one line), take keyword-only parameters and implement
    :meth:`reset` and :meth:`plan`.
    """

    id: ClassVar[str] = ""
    description: ClassVar[str] = ""
    #: Parameter name -> list of constraints it may satisfy (see strategies.constraints).
    parameter_constraints: ClassVar[dict[str, list]] = {}

    def reset(self, rng: np.random.Generator, brief: CampaignBrief) -> None:
        """Start a campaign. Store what you need from ``brief`` in attributes ending in ``_``.

        Raises
        ------
        InvalidParameterError
            A parameter breaks its declared constraints.
        """
        self.validate_params()
        self.rng_ = rng
        self.brief_ = brief

    def validate_params(self) -> None:
        """Check the parameters against :attr:`parameter_constraints`.

        Raises
        ------
        InvalidParameterError
            At the first parameter whose value fits none of its constraints, naming the
            strategy, the parameter, what was expected and what came.
        """
        validate_params(
            self.id or type(self).__name__, self.get_params(), self.parameter_constraints
        )

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
        """A fresh, unreset strategy with the same parameters (and the same id)."""
        clone = type(self)(**self.get_params())
        if "id" in vars(self):  # the registry's name for it (see strategies.make)
            clone.id = self.id
        return clone

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


# -- helpers shared by the built-in strategies ---------------------------------------


def platforms_in_play(brief: CampaignBrief, wanted: Iterable[str]) -> list[PlatformInfo]:
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


def ad_set_per_platform(
    brief: CampaignBrief,
    platforms: Iterable[str],
    prefix: str,
    targeting: Callable[[PlatformInfo, tuple[Location, ...]], TargetingSpec | None] | None = None,
    *,
    budget: float | None = None,
    **options: Any,
) -> list[AdSet]:
    """One ad set per platform in play, in the vacancy's home location, budget split evenly.

    The pattern most built-in strategies start from: for each of ``platforms`` that the
    brief offers (in that order), an ad set named ``f"{prefix}-{platform}"`` targeting
    the commuting area (:func:`home_location`); the budget is split equally among the
    platforms that get an ad set (:func:`split_budget`).

    Parameters
    ----------
    brief : CampaignBrief
        The campaign's brief.
    platforms : iterable of str
        Platform names in order of preference; those not in the brief are skipped.
    prefix : str
        Start of each ad set's name.
    targeting : callable, optional
        ``targeting(info, where)`` gets the platform's :class:`~sim.campaign.PlatformInfo`
        and the home location as a 1-tuple and returns the ad set's
        :class:`~sim.campaign.TargetingSpec`, or ``None`` to leave that platform out
        (it then gets no share of the budget). Default: location only.
    budget : float, optional
        The budget to split; the brief's whole budget by default.
    **options
        Further :class:`~sim.campaign.AdSet` fields, the same for every ad set
        (``frequency_cap``, ``creative``, ``objective``, ``end_day`` ...).

    Returns
    -------
    list of AdSet
        One per platform kept, in the order of ``platforms``.
    """
    chosen = []
    for info in platforms_in_play(brief, platforms):
        where = (home_location(brief, info),)
        spec = TargetingSpec(locations=where) if targeting is None else targeting(info, where)
        if spec is not None:
            chosen.append((info, spec))
    budgets = split_budget(brief.budget if budget is None else budget, len(chosen))
    return [
        AdSet(f"{prefix}-{info.name}", info.name, spec, part, **options)
        for (info, spec), part in zip(chosen, budgets, strict=True)
    ]


# -- ad-set status --------------------------------------------------------------------
# The platform reports each ad set's status. It is a string today ("active", "paused",
# "budget spent" or "rejected: <why>"); the engine is turning it into a small typed value
# with a ``.state`` (``active``, ``paused``, ``budget_spent``, ``rejected``) whose
# ``str()`` keeps the old text for one release. Strategies read it only through these
# accessors, so the switch changes nothing for them.

ACTIVE = "active"
PAUSED = "paused"
BUDGET_SPENT = "budget_spent"
REJECTED = "rejected"


def status_state(report: AdSetReport) -> str:
    """The state of an ad set: ``"active"``, ``"paused"``, ``"budget_spent"`` or ``"rejected"``.

    Works with the status as the old text (``"budget spent"``, ``"rejected: <why>"``) and
    as an object with a ``.state`` attribute.
    """
    status = report.status
    state = getattr(status, "state", None)
    if state is None:  # the old text: the state, then ": <why>" for a rejection
        state = str(status).partition(":")[0].strip()
    return str(getattr(state, "value", state)).replace(" ", "_")


def is_active(report: AdSetReport) -> bool:
    """Whether the platform is delivering the ad set (published, budget left, running)."""
    return status_state(report) == ACTIVE


def is_rejected(report: AdSetReport) -> bool:
    """Whether the platform refused to publish the ad set (e.g. its audience is too small)."""
    return status_state(report) == REJECTED
