"""Print the issue-10 figures in CPU time (``time.process_time``), one line each.

Usage::

    .venv/bin/python benchmarks/cpu_times.py national  # fresh process: generate + run, peak RSS
    .venv/bin/python benchmarks/cpu_times.py generate  # fresh process: drawing all 4.3 M adults
    .venv/bin/python benchmarks/cpu_times.py default   # default scenario, population reused
    .venv/bin/python benchmarks/cpu_times.py oneday    # ... compressed into 1 day
    .venv/bin/python benchmarks/cpu_times.py scaling   # 191k and 1.9 M people, fixed budget

The same operations and sizes as the pytest-benchmark groups (``benchlib``), timed by
CPU time so that a shared machine's other jobs count for less. ``national`` should run in
a fresh interpreter (its peak RSS includes generation); the others report the best of
several runs on a population drawn once (without the platforms' inferred-interest
cache, so every run does all the work but drawing the population).
"""

from __future__ import annotations

import resource
import sys
import time

import benchlib


def _best_run(sc, rounds: int) -> tuple[float, dict]:
    pop = benchlib.generate(sc)
    times, metrics = [], {}
    for _ in range(rounds):
        fresh = benchlib.fresh(pop)
        start = time.process_time()
        metrics = benchlib.run(sc, fresh).metrics
        times.append(time.process_time() - start)
    return min(times), metrics


def national() -> str:
    sc = benchlib.national_scenario(benchlib.FULL)
    t0 = time.process_time()
    pop = benchlib.generate(sc)
    t1 = time.process_time()
    before = resource.getrusage(resource.RUSAGE_SELF)
    result = benchlib.run(sc, pop)
    after = resource.getrusage(resource.RUSAGE_SELF)
    t2 = time.process_time()
    imp = result.metrics["impressions"]
    peak = benchlib.peak_rss_bytes()
    system = after.ru_stime - before.ru_stime
    faults = after.ru_minflt - before.ru_minflt
    return (
        f"national: generate {t1 - t0:.2f} + run {t2 - t1:.2f} = {t2 - t0:.2f} s CPU "
        f"(the run's system time {system:.2f} s, {faults:,} page faults); "
        f"{imp:,} impressions, {(t2 - t1) / imp * 1e6:.2f} µs each in the run, "
        f"{(t2 - t0) / imp * 1e6:.2f} with generation; peak RSS {peak / 2**20:,.0f} MiB "
        f"= {peak / result.population:.0f} B/person"
    )


def generate() -> str:
    """The first generation of the whole country in this process: user + system CPU time.

    System time is mostly the page faults of first touching the population's arrays, which
    only a fresh process pays; it varies from run to run with the kernel's huge pages.
    """
    sc = benchlib.national_scenario(benchlib.FULL)
    before = resource.getrusage(resource.RUSAGE_SELF)
    pop = benchlib.generate(sc)
    after = resource.getrusage(resource.RUSAGE_SELF)
    user, system = after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime
    return (
        f"generate (fresh process): {user:.2f} user + {system:.2f} system = "
        f"{user + system:.2f} s CPU for {pop.size:,} people, "
        f"{pop.size / (user + system) / 1e6:.1f} M people/s; "
        f"arrays {pop.nbytes() / pop.size:.0f} B/person"
    )


def default() -> str:
    best, m = _best_run(benchlib.default_scenario(benchlib.FULL), 5)
    return (
        f"default (30 days, population reused): best of 5 {best:.3f} s CPU; "
        f"{m['impressions']:,} impressions"
    )


def oneday() -> str:
    best, m = _best_run(benchlib.scenario(benchlib.DEFAULT_SCENARIO, {"campaign.days": 1}), 5)
    return (
        f"default in 1 day (population reused): best of 5 {best:.3f} s CPU; "
        f"{m['impressions']:,} impressions"
    )


def scaling() -> str:
    lines = []
    for regions in (benchlib.SCALING_REGIONS[1], benchlib.SCALING_REGIONS[3]):
        sc = benchlib.population_scaling_scenario(benchlib.FULL, regions)
        best, _ = _best_run(sc, 3)
        people = benchlib.adults(regions)
        lines.append(f"scaling {people:,} people, fixed budget: best of 3 {best:.2f} s CPU")
    return "\n".join(lines)


if __name__ == "__main__":
    print(
        {
            "national": national,
            "generate": generate,
            "default": default,
            "oneday": oneday,
            "scaling": scaling,
        }[sys.argv[1] if len(sys.argv) > 1 else "default"]()
    )
