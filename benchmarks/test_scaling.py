"""How run time grows with the population and with the budget.

Both groups time ``sim.model.run`` of the ``broad`` strategy on a population drawn
beforehand (generation is timed by the ``population`` group), with the platforms'
inferred-interest cache emptied before each round.

Group ``scaling-population``: the default scenario (Vestland, 30 days) with
``population.size`` simulated adults at a fixed budget (20,000 NOK in the full profile).
A sampled population spends budget / weight in simulated money, so the simulated
impressions, and the delivery work, grow with the sample as well as the per-person work.

Group ``scaling-budget``: the default scenario at its full regional population with
budgets from 5,000 to 80,000 NOK; the delivery work grows with the impressions bought.

``impressions`` (simulated) and ``us_per_impression`` are recorded as derived figures.
"""

from __future__ import annotations

import benchlib
import pytest

ROUNDS = 3


def _time_run(benchmark, derived, sc, pop) -> None:
    result = benchmark.pedantic(
        benchlib.run,
        setup=lambda: ((sc, benchlib.fresh(pop)), {}),
        rounds=ROUNDS,
        warmup_rounds=0,
    )
    share = benchlib.spent_share(result, sc)
    assert share >= 0.99, f"the run spent {share:.2%} of its budget"
    simulated = result.metrics["impressions"] / pop.weight  # metrics are in real people
    best = benchlib.best(benchmark.stats)
    derived(
        people=pop.size,
        budget=sc.budget.total,
        simulated_impressions=round(simulated),
        spent=share,
        **({"us_per_impression": 1e6 * best / simulated} if best and simulated else {}),
    )


@pytest.mark.benchmark(group="scaling-population")
def test_scaling_population(benchmark, derived, sizes, scaling_size):
    sc = benchlib.population_scaling_scenario(sizes, scaling_size)
    _time_run(benchmark, derived, sc, benchlib.generate(sc))


@pytest.fixture(scope="module")
def budget_population(sizes):
    """The fixed population of the budget table (drawn once for every budget)."""
    return benchlib.generate(benchlib.budget_scaling_scenario(sizes, sizes.budgets[0]))


@pytest.mark.benchmark(group="scaling-budget")
def test_scaling_budget(benchmark, derived, sizes, budget, budget_population):
    sc = benchlib.budget_scaling_scenario(sizes, budget)
    _time_run(benchmark, derived, sc, budget_population)
