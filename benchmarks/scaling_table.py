"""Print recruitsim's scaling tables (markdown) and the national run's time and memory.

Usage::

    .venv/bin/python benchmarks/scaling_table.py            # full sizes, a few minutes
    .venv/bin/python benchmarks/scaling_table.py --quick    # small samples, seconds
    .venv/bin/python benchmarks/scaling_table.py --repeat 3 # best of 3 for each cell
    .venv/bin/python benchmarks/scaling_table.py --timer cpu  # CPU time (busy machine)
    .venv/bin/python benchmarks/scaling_table.py --figures benchmarks/figures  # + scaling.md/.png

Tables (the same operations and sizes as the pytest-benchmark groups, see README.md):

1. population generation, people per second, up to all 4.3 M adults of Norway;
2. run time vs population at a fixed real budget (a nationwide campaign over real
   populations from one county, ~58k adults, to the whole country, ~4.3 M);
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
from pathlib import Path

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


def population_table(sizes: benchlib.Sizes, repeat: int, rows: list | None = None) -> list[str]:
    lines = [
        f"### Run time vs population (`{benchlib.NATIONAL_SCENARIO}`, a nationwide campaign, "
        f"fixed budget {sizes.scaling_budget:,.0f} NOK, 30 days, `{benchlib.STRATEGY}`)",
        "",
        "| counties | people | generate (s) | run (s) | run / smallest | simulated impressions "
        "| µs/impression | spent |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    first = None
    for regions in sizes.scaling_regions:
        sc = benchlib.population_scaling_scenario(sizes, regions)
        t_gen, pop = best_of(repeat, benchlib.generate, sc)
        t_run, result = _timed_run(repeat, sc, pop)
        first = first or t_run
        imps = result.metrics["impressions"] / pop.weight
        where = ", ".join(regions) if len(regions) < 3 else f"{len(regions)} counties"
        lines.append(
            f"| {where} | {pop.size:,} | {t_gen:.2f} | {t_run:.2f} | {t_run / first:.2f} "
            f"| {imps:,.0f} | {1e6 * t_run / imps:.2f} | {benchlib.spent_share(result, sc):.1%} |"
        )
        if rows is not None:
            rows.append((pop.size, t_gen, t_run, imps))
        del pop
    return lines


def budget_table(sizes: benchlib.Sizes, repeat: int, rows: list | None = None) -> list[str]:
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
            f"| {budget:,.0f} | {t_run:.2f} | {imps:,.0f} | {1e6 * t_run / imps:.2f} "
            f"| {benchlib.spent_share(result, sc):.1%} |"
        )
        if rows is not None:
            rows.append((budget, t_run, imps))
    return lines


def plot(population_rows: list, budget_rows: list, path: Path, title: str) -> None:
    """Two panels: time against population (fixed budget) and against budget (fixed people)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator

    plain = FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    if population_rows:
        people, t_gen, t_run, _ = zip(*population_rows, strict=True)
        left.plot(people, t_run, "o-", label="run (delivery, metrics)")
        left.plot(people, t_gen, "s--", label="population generation")
        left.set_xlabel("people (real adults, one simulated person each)")
        left.set_title("time vs population, fixed budget")
        left.legend()
    if budget_rows:
        budget, t_run, imps = zip(*budget_rows, strict=True)
        right.plot(budget, t_run, "o-")
        right.set_xlabel("budget (NOK)")
        right.set_title("time vs budget, fixed population")
        for b, t, n in zip(budget, t_run, imps, strict=True):
            right.annotate(f"{n / 1e3:,.0f}k imp.", (b, t), fontsize=7, textcoords="offset points",
                           xytext=(4, -10))  # fmt: skip
    for ax in (left, right):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel("seconds")
        ax.margins(x=0.08, y=0.12)  # (room for the labels at the ends)
        for axis, (low, high) in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
            # 1, 2, 5 in each decade (the ranges are short); every digit within one decade
            subs = (1.0, 2.0, 5.0) if high / low >= 10 else tuple(range(1, 10))
            axis.set_major_locator(LogLocator(base=10, subs=subs))
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(FuncFormatter(lambda v, _: ""))
        ax.grid(alpha=0.3, which="both")
    # (people as 50k ... 5M: seven plain numbers do not fit under the axis)
    left.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _: f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k")
    )
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
    parser.add_argument(
        "--figures",
        type=Path,
        default=None,
        help="write the tables (scaling.md) and the plot (scaling.png) to this folder",
    )
    args = parser.parse_args(argv)
    sizes = benchlib.QUICK if args.quick else benchlib.FULL
    repeat = max(1, args.repeat)
    global clock
    clock = CLOCKS[args.timer]

    header = (
        f"recruitsim scaling tables — {sizes.name} sizes, {args.timer} time, best of {repeat}; "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; Python {platform.python_version()}, "
        f"numpy {np.__version__}, {os.cpu_count()} CPUs, {platform.machine()}"
    )
    print(header)
    population_rows: list = []
    budget_rows: list = []
    tables = []
    if not args.skip_generation:
        tables.append(lambda: generation_table(sizes, repeat, everyone=not args.quick))
    tables.append(lambda: population_table(sizes, repeat, population_rows))
    tables.append(lambda: budget_table(sizes, repeat, budget_rows))
    if not args.skip_national:
        tables.append(lambda: national_table(sizes, repeat))
    out = [header]
    for table in tables:
        text = "\n".join(table())
        print()
        print(text, flush=True)
        out += ["", text]
    if args.figures is not None:
        (args.figures / "scaling.md").parent.mkdir(parents=True, exist_ok=True)
        (args.figures / "scaling.md").write_text("\n".join(out) + "\n", encoding="utf-8")
        plot(population_rows, budget_rows, args.figures / "scaling.png", header)
    return 0


if __name__ == "__main__":
    sys.exit(main())
