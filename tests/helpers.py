"""Small helpers shared by the test modules (plain functions, no fixtures)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim.audience import PlatformView, resolve
from sim.employer import Employer
from sim.market import Market
from sim.model import RecruitingModel, run_seeds
from sim.people import People
from sim.platforms import PLATFORMS
from sim.population import qualified_mask
from sim.units import Units

REPO = Path(__file__).resolve().parent.parent
SCENARIO_FILES = sorted((REPO / "scenarios").glob("*.toml")) + sorted(
    (REPO / "scenarios").glob("validation/*.toml")
)

# DESIGN.md, "Run summary": the keys every run summary carries.
SUMMARY_KEYS = ("scenario", "strategy", "seed", "replication", "population", "days", "currency")
DESIGN_METRIC_KEYS = (
    "impressions", "reach", "frequency", "clicks", "ctr", "spend", "cpm", "cpc",
    "applications", "qualified_applications", "hires", "cost_per_application",
    "cost_per_qualified_application", "cost_per_hire", "qualified_reach", "relevance",
    "impression_relevance", "wasted_spend_share", "passive_share_of_clicks",
    "reach_by_gender", "qualified_by_gender", "time_to_hire_days",
)  # fmt: skip


def leaves(obj: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every scalar in a nested structure of dicts and lists, with its path."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, f"{path}.{k}")
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            yield from leaves(v, f"{path}[{i}]")
    else:
        yield path, obj


def nan_paths(obj: Any) -> list[str]:
    """Paths of every float NaN or infinity in a nested structure."""
    return [p for p, v in leaves(obj) if isinstance(v, float) and not math.isfinite(v)]


def walk_objects(obj: Any, seen: set[int] | None = None) -> Iterator[Any]:
    """Every object reachable from ``obj`` through dataclass fields and containers."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return
    seen.add(id(obj))
    yield obj
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from walk_objects(getattr(obj, f.name), seen)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from walk_objects(k, seen)
            yield from walk_objects(v, seen)
    elif isinstance(obj, list | tuple | set | frozenset):
        for v in obj:
            yield from walk_objects(v, seen)


def run_model(scenario, strategy, seed: int, replication: int = 0, population=None):
    """Run a :class:`RecruitingModel` to the end and return it (its actors and log included)."""
    model = RecruitingModel(scenario, strategy, run_seeds(seed, replication), population)
    model.run()
    return model


def build_market(scenario, pop, seed: int = 5):
    """A :class:`sim.market.Market` with its people and employer, outside a campaign run.

    For tests that drive the auctions by hand (``set_ad_sets``, ``start_day``,
    ``deliver_hour``, ``report``).
    """
    model = mesa.Model(rng=np.random.default_rng(seed))
    units = Units(pop.weight)
    people = People(
        model, pop, scenario.population, scenario.vacancy,
        qualified_mask(pop, scenario.vacancy),
        np.random.default_rng(seed + 2), np.random.default_rng(seed + 1),
    )  # fmt: skip
    employer = Employer(
        model, pop, people, scenario.vacancy, scenario.campaign, units,
        np.random.default_rng(seed + 3), np.random.default_rng(seed + 4),
    )  # fmt: skip
    return Market(
        model, pop, people, employer, scenario.platforms, scenario.market, scenario.optimiser,
        scenario.vacancy, scenario.campaign.objective, scenario.campaign.days,
        scenario.budget.total, scenario.budget.currency, units, np.random.default_rng(seed),
    )  # fmt: skip


def audience_of(pop, adset) -> np.ndarray:
    """The people an ad set's targeting resolves to on its platform."""
    return resolve(PlatformView(pop, PLATFORMS[adset.platform]), adset.targeting)


def max_per_person(adset_col: np.ndarray, person_col: np.ndarray) -> dict[int, int]:
    """Most impressions any one person got, per ad set key."""
    out = {}
    for key in np.unique(adset_col):
        people = person_col[adset_col == key]
        out[int(key)] = int(np.bincount(people).max())
    return out


def binomial_se(p: float, n: int) -> float:
    """Standard error of a share ``p`` estimated from ``n`` draws."""
    return math.sqrt(max(p * (1 - p), 1e-12) / n)
