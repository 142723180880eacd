"""How run time grows with the population and with the budget.

Both groups time ``sim.model.run`` of the ``broad`` strategy on a population drawn
beforehand (generation is timed by the ``population`` group), with the platforms'
inferred-interest cache emptied before each round.

Group ``scaling-population``: the nationwide ``truck-driver-norway`` campaign over real
populations from one county (Finnmark, ~58k adults) to the whole country (~4.3 M) at a
fixed real budget (20,000 NOK, 30 days). Every simulated person is a real adult, so
the impressions bought stay about the same while the population and the audience grow.

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
def test_scaling_population(benchmark, derived, sizes, scaling_regions):
    sc = benchlib.population_scaling_scenario(sizes, scaling_regions)
    _time_run(benchmark, derived, sc, benchlib.generate(sc))


@pytest.fixture(scope="module")
def budget_population(sizes):
    """The fixed population of the budget table (drawn once for every budget)."""
    return benchlib.generate(benchlib.budget_scaling_scenario(sizes, sizes.budgets[0]))


@pytest.mark.benchmark(group="scaling-budget")
def test_scaling_budget(benchmark, derived, sizes, budget, budget_population):
    sc = benchlib.budget_scaling_scenario(sizes, budget)
    _time_run(benchmark, derived, sc, budget_population)
