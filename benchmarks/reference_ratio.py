"""Print recruitsim's speed-up over the per-agent Mesa reference in CPU time.

Usage::

    .venv/bin/python benchmarks/reference_ratio.py 1    # the default scenario in 1 day
    .venv/bin/python benchmarks/reference_ratio.py 3    # ... in 3 days

The same comparison as the ``reference`` benchmark group (the default scenario
compressed into ``days`` with the same budget, ``broad``, population drawn once and
shared), timed by CPU time (``time.process_time``): recruitsim's best of five runs (as
``cpu_times.py oneday``) against one run of the reference. Useful on a shared machine,
where wall times measure the other jobs as much as the code.
"""

from __future__ import annotations

import sys
import time

import benchlib
import reference

import strategies


def main(days: int) -> str:
    sc = benchlib.scenario(benchlib.DEFAULT_SCENARIO, {"campaign.days": days})
    pop = benchlib.generate(sc)
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        result = benchlib.run(sc, benchlib.fresh(pop))
        best = min(best, time.process_time() - start)
    start = time.process_time()
    ref = reference.run_reference(
        sc, strategies.make(benchlib.STRATEGY), sc.seed, benchlib.REPLICATION,
        population=benchlib.fresh(pop),
    )  # fmt: skip
    t_ref = time.process_time() - start
    return (
        f"{days}d CPU: reference {t_ref:.1f} s ({ref.impressions:,} impressions, "
        f"{ref.agents:,} agents), recruitsim {best:.3f} s "
        f"({result.metrics['impressions']:,} impressions) -> {t_ref / best:.0f}x"
    )


if __name__ == "__main__":
    print(main(int(sys.argv[1]) if len(sys.argv) > 1 else 1))
