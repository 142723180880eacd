"""Check that a change kept the distribution of every run metric (a developer's tool).

A change that alters random draws or floating-point rounding (float32 arithmetic, a
different sampling method for the same distribution) cannot keep the golden runs
byte-identical. This script shows that it kept what matters instead: the mean of every
metric over independent replications, for several scenarios and strategies::

    PYTHONPATH=<old tree> python tests/golden/distributions.py record before.json
    PYTHONPATH=<new tree> python tests/golden/distributions.py record after.json
    python tests/golden/distributions.py compare before.json after.json

``compare`` prints a Welch interval of the difference of means for every case and
metric at a Bonferroni-adjusted level (family-wise 5 %), and exits 1 if any excludes 0.
The replications use seeds disjoint from the golden runs' so that a byte-identical
change gives identical files.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy import stats

# (scenario, strategy, overrides): frequency caps, first price, the special ad
# category, several platforms and objectives, a learning strategy.
CASES = (
    ("electrician-bergen", "broad", {"population.scale": 0.05}),
    ("electrician-bergen", "bandit", {"population.scale": 0.05}),
    ("store-manager-oslo", "interest", {"population.scale": 0.02}),
    ("nurse-nordland", "job-title", {"population.scale": 0.1}),
    ("truck-driver-norway", "broad", {"population.scale": 0.005}),
    ("employer-branding-then-hire", "broad", {"population.scale": 0.03}),
)
METRICS = (
    "impressions", "reach", "qualified_reach", "clicks", "applications",
    "qualified_applications", "hires", "spend", "cpm", "ctr", "wasted_spend_share", "relevance",
)  # fmt: skip
REPLICATIONS = 30
FIRST_SEED = 1000


def _metrics(result) -> dict[str, float | None]:
    m = result.metrics
    out = {}
    for k in METRICS:
        v = m.get(k)
        out[k] = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
    return out


def record(path: Path, replications: int) -> None:
    """Run every case ``replications`` times and write the metrics to ``path``."""
    import strategies
    from sim.model import run
    from sim.scenario import load_scenario

    out = {}
    for scenario, strategy, overrides in CASES:
        sc = load_scenario(scenario, overrides=dict(overrides))
        runs = [
            _metrics(run(sc, strategies.make(strategy), seed=FIRST_SEED + r))
            for r in range(replications)
        ]
        out[f"{scenario}|{strategy}"] = runs
        print(f"{scenario}|{strategy}: {replications} runs", file=sys.stderr)
    path.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


def welch(a: np.ndarray, b: np.ndarray, level: float) -> tuple[float, float]:
    """Two-sided ``level`` interval of mean(b) - mean(a)."""
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff = float(b.mean() - a.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return diff, diff
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = float(stats.t.ppf(0.5 + level / 2, df)) * se
    return diff - half, diff + half


def compare(before: Path, after: Path) -> int:
    """Print every metric's interval; return the number whose interval excludes 0."""
    a_all, b_all = json.loads(before.read_text()), json.loads(after.read_text())
    pairs = [(c, k) for c in a_all for k in METRICS]
    level = 1 - 0.05 / len(pairs)
    moved = identical = 0
    for case, k in pairs:
        a = np.array([r[k] for r in a_all[case] if r[k] is not None], dtype=float)
        b = np.array([r[k] for r in b_all[case] if r[k] is not None], dtype=float)
        if a.size < 2 or b.size < 2:
            continue
        identical += bool(a.size == b.size and np.array_equal(a, b))
        lo, hi = welch(a, b, level)
        flag = "" if lo <= 0 <= hi else "   <-- moved"
        moved += bool(flag)
        print(f"{case:40s} {k:24s} before {a.mean():12.5g} after {b.mean():12.5g} "
              f"diff [{lo:+.4g}, {hi:+.4g}]{flag}")  # fmt: skip
    print(f"{len(pairs)} comparisons at level {level:.4f}; {identical} identical; "
          f"{moved} moved")  # fmt: skip
    return moved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("record")
    r.add_argument("out", type=Path)
    r.add_argument("--replications", type=int, default=REPLICATIONS)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    args = parser.parse_args(argv)
    if args.command == "record":
        record(args.out, args.replications)
        return 0
    return 1 if compare(args.before, args.after) else 0


if __name__ == "__main__":
    sys.exit(main())
