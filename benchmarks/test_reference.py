"""recruitsim against the per-agent Mesa reference (``benchmarks/reference``): the speed baseline.

Group ``reference``: the default scenario (``electrician-bergen``, all of Vestland,
20,000 NOK) compressed into 1 day and into 3 days with the same budget, ``broad``,
population drawn beforehand and shared by both sides:

- ``test_reference_baseline[1d|3d]`` times the reference (one ``mesa.Agent`` per
  person in an audience, hourly ``shuffle_do``, plain Python per agent), agent
  creation included; one round (it takes about a minute per simulated day);
- ``test_recruitsim_vs_reference[1d|3d]`` times ``sim.model.run`` on the same
  scenario and population and records ``speedup`` = reference time / recruitsim time
  (best rounds) in ``extra_info``, printed with the derived figures and as a line.

Both sides spend the whole budget; the impressions bought are recorded next to the
times (the oracle test checks that they agree statistically). recruitsim also runs
people's daily life events, which the reference leaves out, so the ratio is, if
anything, in the reference's favour.
"""

from __future__ import annotations

import time

import benchlib
import pytest
import reference

import strategies

pytestmark = pytest.mark.benchmark(group="reference")

HORIZONS = {"1d": 1, "3d": 3}
_reference_s: dict[str, tuple[float, int]] = {}  # horizon -> (best seconds, impressions)


def _scenario(sizes, days: int):
    return benchlib.scenario(
        benchlib.DEFAULT_SCENARIO, {**sizes.default_overrides, "campaign.days": days}
    )


@pytest.fixture(scope="module")
def shared_population(sizes):
    """The default scenario's population (the same for every horizon)."""
    return benchlib.generate(_scenario(sizes, 1))


def _run_reference(sc, pop):
    return reference.run_reference(
        sc, strategies.make(benchlib.STRATEGY), sc.seed, benchlib.REPLICATION, population=pop
    )


@pytest.mark.parametrize("horizon", HORIZONS)
def test_reference_baseline(benchmark, derived, sizes, shared_population, horizon):
    sc = _scenario(sizes, HORIZONS[horizon])
    result = benchmark.pedantic(
        _run_reference,
        setup=lambda: ((sc, benchlib.fresh(shared_population)), {}),
        rounds=1,
        warmup_rounds=0,
    )
    assert result.spend / sc.budget.total > 0.99
    best = benchlib.best(benchmark.stats)
    if best:
        _reference_s[horizon] = (best, result.impressions)
    derived(agents=result.agents, impressions=result.impressions, cpm=result.cpm)


@pytest.mark.parametrize("horizon", HORIZONS)
def test_recruitsim_vs_reference(benchmark, derived, sizes, shared_population, horizon):
    sc = _scenario(sizes, HORIZONS[horizon])
    result = benchmark.pedantic(
        benchlib.run,
        setup=lambda: ((sc, benchlib.fresh(shared_population)), {}),
        rounds=3,
        warmup_rounds=1,
    )
    assert benchlib.spent_share(result, sc) > 0.99
    best = benchlib.best(benchmark.stats)
    figures = {"impressions": result.metrics["impressions"], "cpm": result.metrics["cpm"]}
    if best and horizon in _reference_s:
        ref_s, ref_imps = _reference_s[horizon]
        figures.update(reference_s=ref_s, reference_impressions=ref_imps, speedup=ref_s / best)
        print(
            f"\n[{time.strftime('%Y-%m-%d')}] default scenario in {horizon}: reference "
            f"{ref_s:.2f} s, recruitsim {best:.3f} s -> {ref_s / best:,.0f}x "
            f"(impressions {ref_imps:,} vs {result.metrics['impressions']:,})"
        )
    derived(**figures)
