"""``benchmarks/floor.py`` replays a real run's sizes: the numbers it compares are like for like."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
if str(BENCHMARKS) not in sys.path:
    sys.path.insert(0, str(BENCHMARKS))

import benchlib  # noqa: E402
import floor  # noqa: E402


def test_the_floor_draws_and_buys_what_the_run_drew_and_bought():
    sc = benchlib.scenario(
        benchlib.DEFAULT_SCENARIO, {"campaign.days": 1, "population.size": 20_000}
    )
    pop = benchlib.generate(sc)
    calls, audiences = floor._record(sc, pop)
    result = benchlib.run(sc, benchlib.fresh(pop))
    bought = sum(b for _, _, b in calls)
    assert bought > 0
    assert bought == round(result.metrics["impressions"] / pop.weight)
    assert all(0 <= b <= n for _, n, b in calls)  # every purchase was an opportunity drawn
    assert [a.size for a, _ in audiences] == [s.size for _, s in audiences]
    _, _, replayed = floor.floor(pop.size, calls, audiences, np.random.default_rng(0))
    assert replayed == bought
