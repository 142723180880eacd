"""Competing employers: three employers in one regional 30-day run against one alone.

Group ``competition`` (``electricians-bergen-competition``: all of Vestland, 30 days,
every employer playing ``broad`` so only the number of employers differs):

- ``test_one_employer`` times the first employer's campaign run alone
  (:meth:`sim.scenario.Scenario.employer`);
- ``test_three_employers`` times the three employers in one run (one auction for
  their ads, one pipeline clock), without the price-of-competition runs alone.

Target (issue 14): three employers cost at most about three times one. Both are given
the population drawn beforehand, so the times are the campaigns'.
"""

from __future__ import annotations

import benchlib
import pytest

import strategies
from sim import model

pytestmark = pytest.mark.benchmark(group="competition")

SCENARIO = "electricians-bergen-competition"
ROUNDS = 3


def _play(sc, pop):
    plays = [strategies.make(benchlib.STRATEGY) for _ in range(sc.n_employers)]
    return model.run(sc, plays if len(plays) > 1 else plays[0], seed=sc.seed,
                     population=benchlib.fresh(pop), alone=False)  # fmt: skip


@pytest.fixture(scope="module")
def competition(sizes):
    sc = benchlib.scenario(SCENARIO, sizes.default_overrides)
    return sc, benchlib.generate(sc)


def test_one_employer(benchmark, derived, competition):
    sc, pop = competition
    alone = sc.employer(0)
    result = benchmark.pedantic(_play, args=(alone, pop), rounds=ROUNDS, warmup_rounds=1)
    assert result.metrics["spend"] > 0.9 * alone.budget.total
    derived(people=result.population, impressions=result.metrics["impressions"])


def test_three_employers(benchmark, derived, competition):
    sc, pop = competition
    result = benchmark.pedantic(_play, args=(sc, pop), rounds=ROUNDS, warmup_rounds=1)
    assert len(result.employers) == 3
    impressions = sum(e["metrics"]["impressions"] for e in result.employers)
    derived(people=result.population, impressions=impressions)
