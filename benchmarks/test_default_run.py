"""The default scenario: ``electrician-bergen`` (all of Vestland, 30 days), ``broad``.

Group ``default-run``:

- ``test_default_run`` times ``sim.model.run`` as a user calls it: it draws the
  population, delivers the campaign and computes the metrics (target: under 3 s on
  2 cores);
- ``test_default_run_reused_population`` times the same run given a population drawn
  beforehand from the same seed (the run's results are identical), so the difference
  between the two is the population generation.
"""

from __future__ import annotations

import benchlib
import pytest

pytestmark = pytest.mark.benchmark(group="default-run")

ROUNDS = 5


def _check(result, sc) -> float:
    share = benchlib.spent_share(result, sc)
    assert 0.99 <= share < 1.05, f"the run spent {share:.2%} of its budget"
    assert result.days == sc.campaign.days
    return share


def test_default_run(benchmark, derived, sizes):
    sc = benchlib.default_scenario(sizes)
    result = benchmark.pedantic(benchlib.run, args=(sc,), rounds=ROUNDS, warmup_rounds=1)
    share = _check(result, sc)
    derived(people=result.population, impressions=result.metrics["impressions"], spent=share)


def test_default_run_reused_population(benchmark, derived, sizes):
    sc = benchlib.default_scenario(sizes)
    pop = benchlib.generate(sc)
    # Each round gets the population without the platforms' inferred-interest cache, so
    # that it does all the work of a full run except drawing the population.
    result = benchmark.pedantic(
        benchlib.run,
        setup=lambda: ((sc, benchlib.fresh(pop)), {}),
        rounds=ROUNDS,
        warmup_rounds=1,
    )
    share = _check(result, sc)
    derived(people=result.population, impressions=result.metrics["impressions"], spent=share)
