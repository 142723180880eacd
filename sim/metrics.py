"""Metrics as pure functions over the impression log and ground truth.

Every function takes arrays and returns plain Python numbers; a ratio whose
denominator is zero is ``None`` (``null`` in JSON), never NaN. Definitions follow the
glossary in DESIGN.md:

=================================  ====================================================
reach                              distinct people shown the ad at least once
frequency                          impressions / reach
qualified_reach                    distinct qualified people reached
relevance                          qualified_reach / reach
impression_relevance               impressions on qualified people / impressions
wasted_spend_share                 spend on impressions to unqualified people / spend
ctr, cpm, cpc                      clicks / impressions; 1000 spend / impressions;
                                   spend / clicks
cost_per_application               spend / applications
cost_per_qualified_application     spend / applications from qualified people
passive_share_of_clicks            clicks from people not actively searching / clicks
reach_by_gender                    people reached, by sex
qualified_by_gender                qualified people in the population, by sex
=================================  ====================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.population import ACTIVE
from sim.units import Units

GENDERS = ("male", "female")
METRIC_KEYS = (
    "impressions", "reach", "frequency", "clicks", "ctr", "spend", "cpm", "cpc",
    "applications", "qualified_applications", "hires", "cost_per_application",
    "cost_per_qualified_application", "cost_per_hire", "qualified_reach", "relevance",
    "impression_relevance", "wasted_spend_share", "passive_share_of_clicks",
    "reach_by_gender", "qualified_by_gender", "time_to_hire_days",
)  # fmt: skip


def ratio(num: float, den: float) -> float | None:
    """``num / den`` as a float, or ``None`` when ``den`` is zero."""
    return float(num) / float(den) if den else None


@dataclass(frozen=True)
class Truth:
    """The ground truth the metrics need, each of shape (n,)."""

    qualified: np.ndarray  # bool
    gender: np.ndarray  # uint8, 0 male 1 female
    search_state: np.ndarray  # uint8

    @cached_property
    def qualified_counts(self) -> tuple[int, int]:
        """Qualified people in the population: ``(all, women)``, counted once."""
        total = int(np.count_nonzero(self.qualified))
        return total, int(np.count_nonzero(self.gender[self.qualified]))


def summarize(
    log: dict[str, np.ndarray],
    truth: Truth,
    mask: np.ndarray | None = None,
    weight: float = 1.0,
    hires: int | None = None,
    time_to_hire_days: float | None = None,
) -> dict:
    """All run metrics for the impressions selected by ``mask``.

    Parameters
    ----------
    log : dict of numpy.ndarray
        Columns ``person`` (int), ``price`` (float), ``clicked`` and ``applied`` (bool),
        each of shape (m,).
    truth : Truth
    mask : numpy.ndarray of bool, shape (m,), optional
        Which impressions to count (a day, a platform); all by default.
    weight : float
        Real people per simulated person: counts and money are scaled by it (rounded to
        whole people), so a sampled population reports real-world estimates. Ratios do
        not depend on it.
    hires, time_to_hire_days : optional
        From the recruiting pipeline, when there is one.

    Returns
    -------
    dict
        Exactly the keys of :data:`METRIC_KEYS`.
    """
    person, price = log["person"], log["price"]
    clicked, applied = log["clicked"], log["applied"]
    if mask is not None:
        person, price, clicked, applied = person[mask], price[mask], clicked[mask], applied[mask]

    units = Units(weight)
    w = units.people
    impressions = w(person.size)
    spend = units.money(price.sum())
    reached = distinct(person, truth.qualified.shape[0])
    q_imp = truth.qualified[person]
    reach = w(reached.size)
    q_reach = w(np.count_nonzero(truth.qualified[reached]))
    clicks = w(np.count_nonzero(clicked))
    applications = w(np.count_nonzero(applied))
    q_apps = w(np.count_nonzero(applied & q_imp))
    passive_clicks = w(np.count_nonzero(truth.search_state[person[clicked]] != ACTIVE))
    reached_female = w(np.count_nonzero(truth.gender[reached]))
    q_total, q_female = (w(c) for c in truth.qualified_counts)
    return {
        "impressions": impressions,
        "reach": reach,
        "frequency": ratio(impressions, reach),
        "clicks": clicks,
        "ctr": ratio(clicks, impressions),
        "spend": spend,
        "cpm": ratio(1000 * spend, impressions),
        "cpc": ratio(spend, clicks),
        "applications": applications,
        "qualified_applications": q_apps,
        "hires": hires,
        "cost_per_application": ratio(spend, applications),
        "cost_per_qualified_application": ratio(spend, q_apps),
        "cost_per_hire": ratio(spend, hires) if hires is not None else None,
        "qualified_reach": q_reach,
        "relevance": ratio(q_reach, reach),
        "impression_relevance": ratio(np.count_nonzero(q_imp), int(person.size)),
        "wasted_spend_share": ratio(float(price[~q_imp].sum()), float(price.sum())),
        "passive_share_of_clicks": ratio(passive_clicks, clicks),
        "reach_by_gender": {"male": reach - reached_female, "female": reached_female},
        "qualified_by_gender": {"male": q_total - q_female, "female": q_female},
        "time_to_hire_days": time_to_hire_days,
    }


def distinct(person: np.ndarray, n: int) -> np.ndarray:
    """The distinct people in ``person`` (indices below ``n``), sorted, shape (k,).

    A boolean mask over the population: linear time, much faster than ``np.unique`` on
    millions of impressions.
    """
    seen = np.zeros(n, dtype=bool)
    seen[person] = True
    return np.flatnonzero(seen)


def delivery_skew(reach_by_gender: dict, qualified_by_gender: dict, group: str) -> float | None:
    """A group's share of reach divided by its share of the qualified pool."""
    share_reach = ratio(reach_by_gender[group], sum(reach_by_gender.values()))
    share_pool = ratio(qualified_by_gender[group], sum(qualified_by_gender.values()))
    if share_reach is None or not share_pool:
        return None
    return share_reach / share_pool


def daily_row(
    day: int,
    log: dict[str, np.ndarray],
    truth: Truth,
    seen: np.ndarray,
    spent_before: float,
    weight: float = 1.0,
) -> dict:
    """One day's metrics plus cumulative reach and spend.

    Parameters
    ----------
    day : int
    log : dict of numpy.ndarray
        The day's impressions only (columns as in :func:`summarize`), shape (m,).
    truth : Truth
    seen : numpy.ndarray of bool, shape (n,)
        Who was reached before this day; updated in place.
    spent_before : float
        Real money spent before this day.
    weight : float

    Returns
    -------
    dict
        ``day``, the keys of :data:`METRIC_KEYS`, ``cumulative_reach`` and
        ``cumulative_spend``.
    """
    row = {"day": day, **summarize(log, truth, None, weight)}
    seen[log["person"]] = True
    row["cumulative_reach"] = Units(weight).people(np.count_nonzero(seen))
    row["cumulative_spend"] = spent_before + row["spend"]
    return row


def daily(log: dict[str, np.ndarray], truth: Truth, days: int, weight: float = 1.0) -> list[dict]:
    """Metrics of each day's impressions plus cumulative reach and spend, one dict a day."""
    day = log["hour"] // 24
    out = []
    seen = np.zeros(truth.qualified.shape[0], dtype=bool)
    total = 0.0
    for d in range(days):
        m = day == d
        out.append(daily_row(d, {k: v[m] for k, v in log.items()}, truth, seen, total, weight))
        total = out[-1]["cumulative_spend"]
    return out


def by_group(
    log: dict[str, np.ndarray],
    truth: Truth,
    codes: np.ndarray,
    names: list[str],
    weight: float = 1.0,
) -> dict[str, dict]:
    """Metrics per group (e.g. the platform of each impression), keyed by group name.

    ``codes`` (shape (m,), int) indexes ``names``; groups without impressions are left out.
    """
    out = {}
    present = np.flatnonzero(np.bincount(codes, minlength=len(names)))
    for code in present:
        # One group holds every impression: no masked copy of the log is needed.
        mask = None if present.size == 1 else codes == code
        out[names[code]] = summarize(log, truth, mask, weight)
    return dict(sorted(out.items()))
