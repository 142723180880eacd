"""Replications with common random numbers, and summaries with confidence intervals.

In replication *r* every strategy meets the same population and the same random
streams (see :func:`sim.model.run_seeds`), so differences between strategies are
paired. Ratios (CPC, cost per qualified application, ...) are computed per
replication and then summarised; replications where a ratio is undefined are left out
of its mean and counted in ``n``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim.model import RunResult, run, run_seeds
from sim.population import generate
from sim.scenario import Scenario

TABLE_METRICS = (
    ("reach", "reach", "{:,.0f}"),
    ("relevance", "relevance", "{:.2%}"),
    ("ctr", "CTR", "{:.2%}"),
    ("cpc", "CPC", "{:,.1f}"),
    ("applications", "apps", "{:,.1f}"),
    ("qualified_applications", "qual. apps", "{:,.1f}"),
    ("cost_per_qualified_application", "cost/qual. app", "{:,.0f}"),
    ("wasted_spend_share", "wasted spend", "{:.1%}"),
    ("spend", "spend", "{:,.0f}"),
)


def replicate(
    scenarios: Iterable[Scenario],
    strategy_ids: Iterable[str],
    replications: int,
    seed: int | None = None,
    params: dict[str, dict] | None = None,
    progress: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run every strategy on every scenario for ``replications`` paired replications.

    Parameters
    ----------
    scenarios : iterable of Scenario
    strategy_ids : iterable of str
        Registry ids or ``"module:Class"`` references.
    replications : int
    seed : int, optional
        Root seed; each scenario's own ``seed`` by default.
    params : dict, optional
        Strategy id → keyword parameters.
    progress : callable, optional
        Called with each finished :class:`RunResult`.

    Returns
    -------
    list of RunResult
        Ordered by scenario, replication, strategy.
    """
    import strategies  # the registry; imported here so sim does not depend on it at import

    strategy_ids = list(strategy_ids)
    params = params or {}
    results = []
    for scenario in scenarios:
        root = scenario.seed if seed is None else seed
        for r in range(replications):
            pop = generate(scenario.population, run_seeds(root, r).population)
            for sid in strategy_ids:
                strategy = strategies.make(sid, **params.get(sid, {}))
                result = run(scenario, strategy, seed=root, replication=r, population=pop)
                results.append(result)
                if progress is not None:
                    progress(result)
    return results


@dataclass(frozen=True)
class Estimate:
    """Mean and 95 % t-interval of one metric over replications."""

    mean: float | None
    low: float | None
    high: float | None
    n: int

    @classmethod
    def of(cls, values: Iterable[float | None], level: float = 0.95) -> Estimate:
        """The estimate from per-replication values (``None`` values are left out)."""
        x = np.array([v for v in values if v is not None], dtype=float)
        if x.size == 0:
            return cls(None, None, None, 0)
        mean = float(x.mean())
        if x.size == 1:
            return cls(mean, None, None, 1)
        half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
        return cls(mean, mean - half, mean + half, int(x.size))


def summarise(results: list[RunResult], metrics: Iterable[str] | None = None) -> list[dict]:
    """Tidy summary: one row per (scenario, strategy, metric) with mean, CI and n."""
    metrics = list(metrics or [m for m, _, _ in TABLE_METRICS])
    groups: dict[tuple[str, str], list[RunResult]] = {}
    for res in results:
        groups.setdefault((res.scenario, res.strategy), []).append(res)
    rows = []
    for (scenario, strategy), runs in groups.items():
        for metric in metrics:
            est = Estimate.of(r.metrics[metric] for r in runs)
            rows.append(
                dict(scenario=scenario, strategy=strategy, metric=metric, mean=est.mean,
                     ci_low=est.low, ci_high=est.high, n=est.n)
            )  # fmt: skip
    return rows


def format_table(results: list[RunResult]) -> str:
    """A plain-text table per scenario: mean ± 95 % CI half-width of the main metrics."""
    rows = summarise(results)
    out = []
    for scenario in dict.fromkeys(r["scenario"] for r in rows):
        mine = [r for r in rows if r["scenario"] == scenario]
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
        out.append(f"{scenario}: mean ± 95% CI half-width over {reps} paired replications")
        out.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for cells in lines:
            out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
        out.append("")
    return "\n".join(out)


def _cell(row: dict, fmt: str) -> str:
    if row["mean"] is None:
        return "—"
    text = fmt.format(row["mean"])
    if row["ci_low"] is not None:
        text += " ±" + fmt.format((row["ci_high"] - row["ci_low"]) / 2)
    return text
