"""Print recruitsim's scaling tables (markdown) and the national run's time and memory.

Usage::

    .venv/bin/python benchmarks/scaling_table.py            # full sizes, a few minutes
    .venv/bin/python benchmarks/scaling_table.py --quick    # small samples, seconds
    .venv/bin/python benchmarks/scaling_table.py --repeat 3 # best of 3 for each cell
    .venv/bin/python benchmarks/scaling_table.py --timer cpu  # CPU time (busy machine)

Tables (the same operations and sizes as the pytest-benchmark groups, see README.md):

1. population generation, people per second, up to all 4.3 M adults of Norway;
2. run time vs population size at a fixed budget (Vestland, ``population.size``);
3. run time vs budget at a fixed population (all of Vestland);
4. the national run (``truck-driver-norway``) in a fresh interpreter: generation and
   run times and peak resident memory (``ru_maxrss``).

Times are seconds, the best of ``--repeat`` runs: wall clock by default, or this
process's CPU time with ``--timer cpu`` (the simulation is single-threaded, so CPU time
is what an idle machine's wall clock would show, minus waiting). The national table
always shows both. Runs in tables 2 and 3 reuse a population drawn beforehand, with the
platforms' inferred-interest cache emptied.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import UTC, datetime

import benchlib
import numpy as np

from sim import population

MIB = 1024 * 1024
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = time.perf_counter


def best_of(repeat: int, fn, *args):
    """(best time in seconds by ``clock``, last result) of ``repeat`` calls of ``fn(*args)``."""
    times, result = [], None
    for _ in range(repeat):
        start = clock()
        result = fn(*args)
        times.append(clock() - start)
    return min(times), result


def generation_table(sizes: benchlib.Sizes, repeat: int, everyone: bool) -> list[str]:
    people = list(sizes.generation_sizes) + ([0] if everyone else [])
    lines = [
        "### Population generation (all of Norway's places)",
        "",
        "| people | time (s) | people/s | memory (bytes/person) |",
        "|---:|---:|---:|---:|",
    ]
    for n in people:
        spec = benchlib.generation_spec(n)
        t, pop = best_of(repeat, lambda s=spec: population.generate(s, np.random.SeedSequence(1)))
        lines.append(
            f"| {pop.size:,} | {t:.3f} | {pop.size / t:,.0f} | {pop.nbytes() / pop.size:.0f} |"
        )
        del pop
    return lines


def _timed_run(repeat: int, sc, pop):
    times, result = [], None
    for _ in range(repeat):
        fresh = benchlib.fresh(pop)
        start = clock()
        result = benchlib.run(sc, fresh)
        times.append(clock() - start)
    return min(times), result


def population_table(sizes: benchlib.Sizes, repeat: int) -> list[str]:
    lines = [
        f"### Run time vs population size (Vestland, budget {sizes.scaling_budget:,.0f} NOK, "
        f"30 days, `{benchlib.STRATEGY}`)",
        "",
        "| people | generate (s) | run (s) | total (s) | simulated impressions "
        "| µs/impression | spent |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n in sizes.scaling_sizes:
        sc = benchlib.population_scaling_scenario(sizes, n)
        t_gen, pop = best_of(repeat, benchlib.generate, sc)
        t_run, result = _timed_run(repeat, sc, pop)
        imps = result.metrics["impressions"] / pop.weight
        lines.append(
            f"| {pop.size:,} | {t_gen:.2f} | {t_run:.2f} | {t_gen + t_run:.2f} | {imps:,.0f} "
            f"| {1e6 * t_run / imps:.1f} | {benchlib.spent_share(result, sc):.1%} |"
        )
        del pop
    return lines


def budget_table(sizes: benchlib.Sizes, repeat: int) -> list[str]:
    base = benchlib.budget_scaling_scenario(sizes, sizes.budgets[0])
    pop = benchlib.generate(base)
    lines = [
        f"### Run time vs budget (Vestland, {pop.size:,} people, 30 days, "
        f"`{benchlib.STRATEGY}`; population drawn beforehand)",
        "",
        "| budget (NOK) | run (s) | simulated impressions | µs/impression | spent |",
        "|---:|---:|---:|---:|---:|",
    ]
    for budget in sizes.budgets:
        sc = benchlib.budget_scaling_scenario(sizes, budget)
        t_run, result = _timed_run(repeat, sc, pop)
        imps = result.metrics["impressions"] / pop.weight
        lines.append(
            f"| {budget:,.0f} | {t_run:.2f} | {imps:,.0f} | {1e6 * t_run / imps:.1f} "
            f"| {benchlib.spent_share(result, sc):.1%} |"
        )
    return lines


def national_table(sizes: benchlib.Sizes, repeat: int) -> list[str]:
    runs = [
        benchlib.measure_in_subprocess(benchlib.NATIONAL_SCENARIO, sizes.national_overrides)
        for _ in range(repeat)
    ]
    out = min(runs, key=lambda r: r["total_s"])
    peak = max(r["peak_rss_bytes"] for r in runs)
    cpu = out["generate_cpu_s"] + out["run_cpu_s"]
    return [
        "### National run (`truck-driver-norway`, fresh interpreter, "
        f"`{benchlib.STRATEGY}`, 30 days)",
        "",
        "| people | generate wall / CPU (s) | run wall / CPU (s) | total wall / CPU (s) "
        "| peak RSS (MiB) | RSS after imports (MiB) | RSS after generation (MiB) "
        "| population arrays (MiB) | spent |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        f"| {out['people']:,} | {out['generate_s']:.2f} / {out['generate_cpu_s']:.2f} "
        f"| {out['run_s']:.2f} / {out['run_cpu_s']:.2f} | {out['total_s']:.2f} / {cpu:.2f} "
        f"| {peak / MIB:,.0f} | {out['import_rss_bytes'] / MIB:,.0f} "
        f"| {out['generate_rss_bytes'] / MIB:,.0f} | {out['population_bytes'] / MIB:,.0f} "
        f"| {out['spent_share']:.1%} |",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small samples (a smoke test)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N runs (default 1)")
    parser.add_argument(
        "--timer", choices=sorted(CLOCKS), default="wall", help="wall clock or CPU time"
    )
    parser.add_argument("--skip-generation", action="store_true")
    parser.add_argument("--skip-national", action="store_true")
    args = parser.parse_args(argv)
    sizes = benchlib.QUICK if args.quick else benchlib.FULL
    repeat = max(1, args.repeat)
    global clock
    clock = CLOCKS[args.timer]

    print(
        f"recruitsim scaling tables — {sizes.name} sizes, {args.timer} time, best of {repeat}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    tables = []
    if not args.skip_generation:
        tables.append(lambda: generation_table(sizes, repeat, everyone=not args.quick))
    tables.append(lambda: population_table(sizes, repeat))
    tables.append(lambda: budget_table(sizes, repeat))
    if not args.skip_national:
        tables.append(lambda: national_table(sizes, repeat))
    for table in tables:
        print()
        print("\n".join(table()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
