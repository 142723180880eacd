"""Statistics over replications: means with confidence intervals, paired differences, ranks.

Every ratio (CPC, cost per qualified application, relevance ...) is computed per
replication by the run itself and summarised here over replications; a replication
where the ratio is undefined (``None``) is left out and the count ``n`` says how many
remain. Intervals are Student-t 95 % intervals of the mean.

Paired differences against a baseline strategy use the replications both strategies
share (common random numbers make them pairs). The test is the **paired t-test**
(``scipy.stats.ttest_rel``) by default, or the Wilcoxon signed-rank test; p-values are
adjusted with **Holm's** step-down method over the strategies compared with the baseline
for the same scenario, sweep cell and metric.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats

TABLE_METRICS = (
    ("reach", "reach", "{:,.0f}"),
    ("relevance", "relevance", "{:.2%}"),
    ("ctr", "CTR", "{:.2%}"),
    ("cpc", "CPC", "{:,.1f}"),
    ("applications", "apps", "{:,.1f}"),
    ("qualified_applications", "qual. apps", "{:,.1f}"),
    ("cost_per_qualified_application", "cost/qual. app", "{:,.0f}"),
    ("wasted_spend_share", "wasted spend", "{:.1%}"),
    ("hires", "hires", "{:,.1f}"),
    ("cost_per_hire", "cost/hire", "{:,.0f}"),
    ("time_to_hire_days", "days to hire", "{:,.1f}"),
    ("spend", "spend", "{:,.0f}"),
)
#: Metrics that are shares of a whole: their intervals are cut to [0, 1].
SHARE_METRICS = frozenset(
    {"ctr", "relevance", "impression_relevance", "wasted_spend_share",
     "passive_share_of_clicks"}
)  # fmt: skip


def metric_bounds(metric: str) -> tuple[float, float]:
    """The values a metric can take: [0, 1] for shares, [0, inf) for every other metric.

    Every metric of a run summary is a count, an amount of money, a ratio of those, or a
    share; none can be negative.
    """
    return (0.0, 1.0) if metric in SHARE_METRICS else (0.0, math.inf)


LOWER_IS_BETTER = frozenset(
    {"cpm", "cpc", "cost_per_application", "cost_per_qualified_application", "cost_per_hire",
     "wasted_spend_share", "time_to_hire_days"}
)  # fmt: skip


@dataclass(frozen=True)
class Estimate:
    """Mean and 95 % t-interval of one metric over replications."""

    mean: float | None
    low: float | None
    high: float | None
    n: int

    @classmethod
    def of(
        cls,
        values: Iterable[float | None],
        level: float = 0.95,
        bounds: tuple[float, float] = (-math.inf, math.inf),
    ) -> Estimate:
        """The estimate from per-replication values (``None`` values are left out).

        Parameters
        ----------
        values : iterable of float or None
            One value per replication.
        level : float
            Confidence level of the Student-t interval.
        bounds : (float, float)
            The values the metric can take (:func:`metric_bounds`); the interval is cut
            to them, so a share's interval never passes 100 % nor a cost's 0.
        """
        x = np.array([v for v in values if v is not None], dtype=float)
        if x.size == 0:
            return cls(None, None, None, 0)
        mean = float(x.mean())
        if x.size == 1:
            return cls(mean, None, None, 1)
        half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
        low, high = max(mean - half, bounds[0]), min(mean + half, bounds[1])
        return cls(mean, low, high, int(x.size))


def _rows(results) -> list[tuple[str, str, str, int, dict]]:
    """(scenario, sweep label, strategy, replication, metrics) for RunResults or records."""
    out = []
    for r in results:
        if isinstance(r, dict):
            label = sweep_label(r.get("sweep", {}))
            out.append((r["scenario"], label, r.get("label", r["strategy"]), r["replication"],
                        r["summary"]["metrics"]))  # fmt: skip
        else:
            out.append((r.scenario, "", r.strategy, r.replication, r.metrics))
    return out


def _groups(results) -> dict[tuple[str, str, str], dict[int, dict]]:
    groups: dict[tuple[str, str, str], dict[int, dict]] = {}
    for scenario, sweep, strategy, rep, metrics in _rows(results):
        groups.setdefault((scenario, sweep, strategy), {})[rep] = metrics
    return groups


def summarise(results, metrics: Iterable[str] | None = None) -> list[dict]:
    """Tidy summary: one row per (scenario, sweep, strategy, metric) with mean, CI and n."""
    metrics = list(metrics or [m for m, _, _ in TABLE_METRICS])
    rows = []
    for (scenario, sweep, strategy), reps in _groups(results).items():
        for metric in metrics:
            est = Estimate.of((m[metric] for m in reps.values()), bounds=metric_bounds(metric))
            rows.append(
                dict(scenario=scenario, sweep=sweep, strategy=strategy, metric=metric,
                     mean=est.mean, ci_low=est.low, ci_high=est.high, n=est.n)
            )  # fmt: skip
    return rows


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment (``None`` entries are left out and stay ``None``)."""
    idx = [i for i, p in enumerate(p_values) if p is not None]
    order = sorted(idx, key=lambda i: p_values[i])
    m = len(order)
    adjusted: list[float | None] = [None] * len(p_values)
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def paired_differences(
    results, baseline: str, metrics: Iterable[str] | None = None, test: str = "t"
) -> list[dict]:
    """Each strategy minus the baseline, paired by replication, with CI and p-value.

    Parameters
    ----------
    results : list of RunResult or records
    baseline : str
        Strategy id to compare against.
    metrics : iterable of str, optional
    test : str
        ``"t"`` (paired t-test) or ``"wilcoxon"`` (signed-rank).

    Returns
    -------
    list of dict
        Rows with scenario, sweep, strategy, metric, mean_diff, ci_low, ci_high, n,
        p_value, p_holm and test.
    """
    metrics = list(metrics or [m for m, _, _ in TABLE_METRICS])
    groups = _groups(results)
    rows = []
    cells = sorted({(s, w) for s, w, _ in groups})
    for scenario, sweep in cells:
        base = groups.get((scenario, sweep, baseline))
        if base is None:
            continue
        others = [k for k in groups if k[:2] == (scenario, sweep) and k[2] != baseline]
        for metric in metrics:
            block = []
            for key in others:
                reps = groups[key]
                pairs = [
                    (reps[r][metric], base[r][metric])
                    for r in sorted(set(reps) & set(base))
                    if reps[r][metric] is not None and base[r][metric] is not None
                ]
                d = np.array([a - b for a, b in pairs], dtype=float)
                est = Estimate.of(d.tolist())
                p = _p_value(d, test)
                block.append(
                    dict(scenario=scenario, sweep=sweep, strategy=key[2], baseline=baseline,
                         metric=metric, mean_diff=est.mean, ci_low=est.low, ci_high=est.high,
                         n=est.n, p_value=p, test="paired t-test" if test == "t" else
                         "Wilcoxon signed-rank")
                )  # fmt: skip
            for row, adj in zip(block, holm([r["p_value"] for r in block]), strict=True):
                row["p_holm"] = adj
            rows.extend(block)
    return rows


def _p_value(d: np.ndarray, test: str) -> float | None:
    if d.size < 2:
        return None
    if np.allclose(d, 0):
        return 1.0
    if test == "wilcoxon":
        return float(stats.wilcoxon(d).pvalue)
    if np.allclose(d, d[0]):  # no spread: the difference is exact
        return 0.0
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def ranking(summary: list[dict], metric: str) -> list[dict]:
    """Rank strategies on ``metric`` per (scenario, sweep), with ties where CIs overlap.

    A strategy's rank is one plus the number of strategies whose whole interval is better
    than its whole interval; strategies whose intervals overlap share ranks. Ranks follow
    the means: going from the best mean to the worst, a rank never falls below the one
    before it, so a wide interval around a worse mean (which overlaps everything) cannot
    put a strategy above a better one. A value from a single replication has no interval
    and is tied with every other. Rows without a mean come last. Lower is better for costs
    and waste, higher for everything else.
    """
    lower = metric in LOWER_IS_BETTER
    out = []
    rows = [r for r in summary if r["metric"] == metric]
    for cell in dict.fromkeys((r["scenario"], r["sweep"]) for r in rows):
        mine = [r for r in rows if (r["scenario"], r["sweep"]) == cell]
        known = [r for r in mine if r["mean"] is not None]

        def bounds(r):  # a single replication has no interval: it neither beats nor loses
            if r["ci_low"] is None:
                return -math.inf, math.inf
            return r["ci_low"], r["ci_high"]

        known.sort(key=lambda r: r["mean"] if lower else -r["mean"])
        floor = 1
        for r in known:
            lo, hi = bounds(r)
            better = sum(
                1
                for o in known
                if o is not r and (bounds(o)[1] < lo if lower else bounds(o)[0] > hi)
            )
            floor = max(floor, better + 1)
            out.append({**r, "rank": floor})
        out.extend({**r, "rank": None} for r in mine if r["mean"] is None)

    def order(r: dict) -> tuple:
        sign = 1 if lower else -1
        return (r["scenario"], r["sweep"], r["rank"] is None, r["rank"] or 0,
                (r["mean"] or 0) * sign)  # fmt: skip

    return sorted(out, key=order)


def format_table(results) -> str:
    """A plain-text table per scenario (and sweep cell): mean ± 95 % CI half-width."""
    rows = summarise(results)
    out = []
    for cell in sorted_cells(results):
        mine = [r for r in rows if (r["scenario"], r["sweep"]) == cell]
        strategies = list(dict.fromkeys(r["strategy"] for r in mine))
        reps = max(r["n"] for r in mine)
        header = ["strategy", *[label for _, label, _ in TABLE_METRICS]]
        lines = []
        for s in strategies:
            cells = [s]
            for metric, _, fmt in TABLE_METRICS:
                row = next(r for r in mine if r["strategy"] == s and r["metric"] == metric)
                cells.append(_cell(row, fmt))
            lines.append(cells)
        widths = [max(len(str(c)) for c in col) for col in zip(header, *lines, strict=True)]
        title = cell[0] + (f" [{cell[1]}]" if cell[1] else "")
        out.append(f"{title}: mean ± 95% CI half-width over {reps} paired replications")
        out.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip())
        for cells in lines:
            out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        out.append("")
    return "\n".join(out)


def _cell(row: dict, fmt: str) -> str:
    if row["mean"] is None:
        return "—"
    text = fmt.format(row["mean"])
    if row["ci_low"] is not None:
        text += " ±" + fmt.format((row["ci_high"] - row["ci_low"]) / 2)
    return text


def sorted_cells(results) -> list[tuple[str, str]]:
    """The (scenario, sweep label) cells in the order the results first name each scenario,
    and within a scenario by the swept values (numbers as numbers: 5000 before 10000)."""
    raw: dict[tuple[str, str], dict] = {}
    for r in results:
        sweep = r.get("sweep", {}) if isinstance(r, dict) else {}
        scenario = r["scenario"] if isinstance(r, dict) else r.scenario
        raw.setdefault((scenario, sweep_label(sweep)), sweep)
    first = {s: i for i, s in reversed(list(enumerate(s for s, _ in raw)))}

    def key(cell):
        values = [raw[cell][k] for k in sorted(raw[cell])]
        return (first[cell[0]], [(0, v, "") if isinstance(v, int | float) else (1, 0, str(v))
                                 for v in values])  # fmt: skip

    return sorted(raw, key=key)


def sweep_label(sweep: dict) -> str:
    """The label of a sweep cell (``path=value, ...``; empty without a sweep)."""
    return ", ".join(f"{k}={v}" for k, v in sorted(sweep.items()))
