"""The cost of drawing ad opportunities from an audience (``sim.sampling.RateSampler``).

Group ``sampling``, on the Facebook users of a drawn population (their session rates, as
an ad set over everyone on the platform sees them; about 3.5 M members in the full
profile, the whole country):

- ``test_build_sampler`` times building the sampler (once per ad set and run, and each
  day for a custom audience): records ``ns_per_member``;
- ``test_draw_opportunities`` times drawing a national hour's opportunities (16,384, one
  batch) from it: records ``ns_per_draw``.
"""

from __future__ import annotations

import benchlib
import numpy as np
import pytest

from sim import population
from sim.population import PLATFORM_INDEX
from sim.sampling import BATCH, RateSampler

pytestmark = pytest.mark.benchmark(group="sampling")


@pytest.fixture(scope="module")
def rates(sizes) -> np.ndarray:
    people = 0 if sizes.name == "full" else 50_000  # (0: every adult of Norway)
    pop = population.generate(benchlib.generation_spec(people), np.random.SeedSequence(3))
    sessions = pop.sessions[PLATFORM_INDEX["facebook"]]
    return sessions[sessions > 0]


def test_build_sampler(benchmark, rates, derived):
    sampler = benchmark.pedantic(RateSampler, args=(rates,), rounds=5, warmup_rounds=1)
    assert sampler.size == rates.size and sampler.acceptance > 16 / 17 - 1e-9
    best = benchlib.best(benchmark.stats)
    derived(members=rates.size, ns_per_member=best / rates.size * 1e9 if best else None)


def test_draw_opportunities(benchmark, rates, derived):
    sampler = RateSampler(rates)
    rng = np.random.default_rng(4)
    drawn = benchmark.pedantic(sampler.draw, args=(rng, BATCH), rounds=20, warmup_rounds=2)
    assert drawn.size == BATCH and drawn.max() < rates.size
    best = benchlib.best(benchmark.stats)
    derived(draws=BATCH, ns_per_draw=best / BATCH * 1e9 if best else None)
