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


# Counts that add up over parts of a run (days, platforms) and are reported in people.
ADDITIVE = ("impressions", "clicks", "applications", "qualified_applications")
# Distinct-people counts: the parts add up to at least the whole.
DISTINCT = ("reach", "qualified_reach", "reached_female")
TALLY_CHUNK = 1 << 18  # log rows a tally reads at a time (bounds its temporaries)


def tally(
    log: dict[str, np.ndarray], truth: Truth, mask: np.ndarray | None = None, weight: float = 1.0
) -> dict[str, int]:
    """The simulated counts and the cost (micros) of the impressions selected by ``mask``.

    Parameters
    ----------
    log : dict of numpy.ndarray
        Columns ``person`` (int), ``price`` (float, per simulated impression),
        ``clicked`` and ``applied`` (bool), each of shape (m,).
    truth : Truth
    mask : numpy.ndarray of bool, shape (m,), optional
        Which impressions to count; all by default.
    weight : float
        Real people per simulated person (prices are billed through
        :meth:`sim.units.Units.cost_micros`).

    Returns
    -------
    dict of str to int
        ``impressions``, ``reach``, ``clicks``, ``applications``,
        ``qualified_applications``, ``qualified_reach``, ``reached_female``,
        ``qualified_impressions``, ``passive_clicks`` (simulated people) and ``cost``,
        ``wasted_cost`` (real money, micros).
    """
    n = truth.qualified.shape[0]
    rows = log["person"].shape[0]
    if rows <= TALLY_CHUNK:
        person = log["person"] if mask is None else log["person"][mask]
        return combine([_counts(log, truth, mask, weight)], truth, distinct(person, n))
    # A long log in chunks of rows (the temporaries stay small); the counts add up and
    # the people reached are marked as they come.
    parts, seen = [], np.zeros(n, dtype=bool)
    for a in range(0, rows, TALLY_CHUNK):
        chunk = {k: log[k][a : a + TALLY_CHUNK] for k in ("person", "price", "clicked", "applied")}
        part_mask = None if mask is None else mask[a : a + TALLY_CHUNK]
        parts.append(_counts(chunk, truth, part_mask, weight))
        seen[chunk["person"] if part_mask is None else chunk["person"][part_mask]] = True
    return combine(parts, truth, np.flatnonzero(seen))


def _counts(
    log: dict[str, np.ndarray], truth: Truth, mask: np.ndarray | None, weight: float
) -> dict[str, int]:
    """The counts and costs of :func:`tally` that add up over parts of a log."""
    person, price = log["person"], log["price"]
    clicked, applied = log["clicked"], log["applied"]
    if mask is not None:
        person, price, clicked, applied = person[mask], price[mask], clicked[mask], applied[mask]
    cost = Units(weight).cost_micros(price)
    q_imp = truth.qualified[person]
    total_cost = int(cost.sum())
    # (in whole micros: the cost of the unqualified's impressions is the total less the
    # qualified's, exactly; the qualified are the few, so only their costs are gathered)
    wasted_cost = total_cost - int(cost[q_imp].sum())
    clicked_who = person[clicked]  # (clicks are few: their people's states are looked up)
    return {
        "impressions": int(person.size),
        "clicks": int(clicked_who.size),
        "applications": int(np.count_nonzero(applied)),
        "qualified_applications": int(np.count_nonzero(truth.qualified[person[applied]])),
        "qualified_impressions": int(np.count_nonzero(q_imp)),
        "passive_clicks": int(np.count_nonzero(truth.search_state[clicked_who] != ACTIVE)),
        "cost": total_cost,
        "wasted_cost": wasted_cost,
    }


def combine(parts: list[dict[str, int]], truth: Truth, reached: np.ndarray) -> dict[str, int]:
    """The :func:`tally` of a log from the tallies of its parts (e.g. its days).

    The parts must split the log (every impression in exactly one part): their counts
    and costs add up; people reached do not (someone reached on two days is one person),
    so the distinct counts come from ``reached``.

    Parameters
    ----------
    parts : list of dict
        One :func:`tally` per part (its counts and costs are used).
    truth : Truth
    reached : numpy.ndarray of int, shape (r,)
        The distinct people in the whole log (any order).

    Returns
    -------
    dict of str to int
        The keys of :func:`tally`, equal to the tally of the whole log.
    """
    keys = ("impressions", "clicks", "applications", "qualified_applications",
            "qualified_impressions", "passive_clicks", "cost", "wasted_cost")  # fmt: skip
    out = {k: int(sum(p[k] for p in parts)) for k in keys}
    out["reach"] = int(reached.size)
    out["qualified_reach"] = int(truth.qualified[reached].sum())
    out["reached_female"] = int(truth.gender[reached].sum())
    return out


def report(
    tallies: list[dict[str, int]],
    truth: Truth,
    weight: float = 1.0,
    hires: int | None = None,
    time_to_hire_days: float | None = None,
) -> list[dict]:
    """Run metrics of parts of a run (or of the whole, one part), in real units.

    The parts' counts are converted together (:meth:`sim.units.Units.apportion`): counts
    that add up over parts (impressions, clicks, applications) add up to the converted
    total, and people reached add up to at least it. Spend is the parts' micros converted
    once, so the parts add up exactly. Ratios are computed from the simulated counts.

    Parameters
    ----------
    tallies : list of dict
        One :func:`tally` per part.
    truth : Truth
    weight : float
    hires, time_to_hire_days : optional
        From the recruiting pipeline (a whole run).

    Returns
    -------
    list of dict
        One per part, exactly the keys of :data:`METRIC_KEYS`.
    """
    units = Units(weight)
    real = {k: units.apportion([t[k] for t in tallies]) for k in (*ADDITIVE, *DISTINCT)}
    q_female = units.people((truth.qualified & (truth.gender == 1)).sum())
    q_total = units.people(truth.qualified.sum())
    out = []
    for i, t in enumerate(tallies):
        spend = units.money_from_micros(t["cost"])

        def per(count: int, money: float = spend) -> float | None:
            return ratio(money, units.real_people(count))

        reach, female = real["reach"][i], real["reached_female"][i]
        out.append(
            {
                "impressions": real["impressions"][i],
                "reach": reach,
                "frequency": ratio(t["impressions"], t["reach"]),
                "clicks": real["clicks"][i],
                "ctr": ratio(t["clicks"], t["impressions"]),
                "spend": spend,
                "cpm": per(t["impressions"], 1000 * spend),
                "cpc": per(t["clicks"]),
                "applications": real["applications"][i],
                "qualified_applications": real["qualified_applications"][i],
                "hires": hires,
                "cost_per_application": per(t["applications"]),
                "cost_per_qualified_application": per(t["qualified_applications"]),
                "cost_per_hire": ratio(spend, hires) if hires is not None else None,
                "qualified_reach": real["qualified_reach"][i],
                "relevance": ratio(t["qualified_reach"], t["reach"]),
                "impression_relevance": ratio(t["qualified_impressions"], t["impressions"]),
                "wasted_spend_share": ratio(t["wasted_cost"], t["cost"]),
                "passive_share_of_clicks": ratio(t["passive_clicks"], t["clicks"]),
                "reach_by_gender": {"male": reach - female, "female": female},
                "qualified_by_gender": {"male": q_total - q_female, "female": q_female},
                "time_to_hire_days": time_to_hire_days,
            }
        )
    return out


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
    t = tally(log, truth, mask, weight)
    return report([t], truth, weight, hires, time_to_hire_days)[0]


def distinct(person: np.ndarray, n: int) -> np.ndarray:
    """The distinct people in ``person`` (indices below ``n``), sorted, int64 shape (k,).

    A boolean mask over the population: linear time, much faster than ``np.unique`` on
    millions of impressions. A few impressions among many people (fewer than one in 50:
    where sorting them becomes the faster of the two on this project's machines) are
    sorted instead, which costs time in the impressions only.
    """
    if 50 * person.size < n:
        ordered = np.sort(person).astype(np.int64)
        first = np.ones(ordered.size, dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
        return ordered[first]
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


def daily_series(
    tallies: list[dict[str, int]], cumulative_reach: list[int], truth: Truth, weight: float = 1.0
) -> list[dict]:
    """The daily series: each day's metrics plus cumulative reach and spend.

    Parameters
    ----------
    tallies : list of dict
        One :func:`tally` of each day's impressions.
    cumulative_reach : list of int
        Simulated people reached up to and including each day.
    truth : Truth
    weight : float

    Returns
    -------
    list of dict
        ``day``, the keys of :data:`METRIC_KEYS`, ``cumulative_reach`` and
        ``cumulative_spend``; the days' counts and spends add up to the run's.
    """
    units = Units(weight)
    rows = report(tallies, truth, weight)
    cost = 0
    out = []
    for d, (row, t, seen) in enumerate(zip(rows, tallies, cumulative_reach, strict=True)):
        cost += t["cost"]
        row = {"day": d, **row}
        row["cumulative_reach"] = units.people(seen)
        row["cumulative_spend"] = units.money_from_micros(cost)
        out.append(row)
    return out


def daily(log: dict[str, np.ndarray], truth: Truth, days: int, weight: float = 1.0) -> list[dict]:
    """Metrics of each day's impressions plus cumulative reach and spend, one dict a day."""
    day = log["hour"] // 24
    seen = np.zeros(truth.qualified.shape[0], dtype=bool)
    tallies, reach = [], []
    for d in range(days):
        m = day == d
        tallies.append(tally(log, truth, m, weight))
        seen[log["person"][m]] = True
        reach.append(int(np.count_nonzero(seen)))
    return daily_series(tallies, reach, truth, weight)


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
    present = np.flatnonzero(np.bincount(codes, minlength=len(names)))
    # One group holds every impression: no masked copy of the log is needed.
    tallies = [
        tally(log, truth, None if present.size == 1 else codes == code, weight) for code in present
    ]
    rows = report(tallies, truth, weight)
    return dict(sorted((names[code], row) for code, row in zip(present, rows, strict=True)))
