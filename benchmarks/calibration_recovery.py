"""Parameter recovery of ``recruitsim calibrate``: coverage of its intervals, accuracy, time.

Exports are simulated from known parameter values (the example campaign: three ad sets
on Facebook and LinkedIn in ``electrician-bergen``, ``--days`` days), fitted back with
fresh seeds, and the table reports, per parameter, how often the 90 % interval covered
the true value and how far the point estimates fell from it.

Usage::

    .venv/bin/python benchmarks/calibration_recovery.py                  # 20 exports
    .venv/bin/python benchmarks/calibration_recovery.py --exports 5 --population 50000

It prints markdown; it asserts nothing (the test suite's smaller study does).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from sim.lab.calibrate import recovery_study, summarize_recovery
from sim.scenario import load_scenario, replace_path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--exports", type=int, default=20)
    ap.add_argument("--population", type=int, default=100_000, help="0: the scenario's own")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--replications", type=int, default=4)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--json", metavar="PATH", help="also write the per-export rows here")
    args = ap.parse_args()
    scenario = load_scenario("electrician-bergen")
    if args.population:
        scenario = replace_path(scenario, "population.size", args.population)
    print("# Calibration: parameter recovery\n")
    print(f"Output of `python benchmarks/calibration_recovery.py {' '.join(sys.argv[1:])}`.\n")
    start = time.perf_counter()

    fits = []

    def progress(done, total, cal):
        fits.append((cal.seconds, cal.cpu_seconds, cal.simulations))
        print(
            f"<!-- export {done}/{total}: {cal.seconds:.0f}s wall, {cal.cpu_seconds:.0f}s CPU, "
            f"{cal.simulations} simulations -->",
            flush=True,
        )

    rows = recovery_study(
        scenario,
        exports=args.exports,
        days=args.days,
        seed=args.seed,
        replications=args.replications,
        workers=args.workers,
        progress=progress,
    )
    wall = time.perf_counter() - start
    print(
        f"\n{args.exports} synthetic exports of electrician-bergen ({args.days} days, 3 ad sets, "
        f"population {args.population or 'as in the scenario'}), {args.replications} "
        f"replications per value, seed {args.seed}; {platform.python_version()}, "
        f"{os.cpu_count()} cores; {wall:.0f}s wall in all.\n"
    )
    print(
        "| parameter | exports | 90 % interval covers truth | median abs. error | "
        "largest abs. error | within 10 % |"
    )
    print("|---|---|---|---|---|---|")
    for s in summarize_recovery(rows):
        print(
            f"| `{s['parameter']}` | {s['exports']} | {s['coverage']:.0%} | "
            f"{s['median_abs_error']:.1%} | {s['max_abs_error']:.1%} | {s['within_10pct']:.0%} |"
        )
    wall_s, cpu_s, sims = (np.array(x) for x in zip(*fits, strict=True))
    print(
        f"\nOne fit ({int(np.median(sims))} simulations, median): wall {np.median(wall_s):.0f}s "
        f"(max {wall_s.max():.0f}s) with {args.workers} worker(s) on this machine; CPU "
        f"{np.median(cpu_s):.0f}s (max {cpu_s.max():.0f}s), i.e. about "
        f"{np.median(cpu_s) / max(args.workers, 1):.0f}s of wall time on {args.workers} idle "
        f"core(s)."
    )
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
