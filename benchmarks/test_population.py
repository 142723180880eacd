"""Population generation: drawing the synthetic adults (``sim.population.generate``).

Group ``population``: one benchmark per size in the size profile (100k and 1M people
over all of Norway's places in the full profile). The target is at least one million
people per second; ``people_per_s`` (from the best round) is recorded as a derived
figure. The 4.3 million of the whole country are timed by ``scaling_table.py``.
"""

from __future__ import annotations

import benchlib
import numpy as np
import pytest

from sim import population

pytestmark = pytest.mark.benchmark(group="population")


def test_generate(benchmark, derived, generation_size):
    spec = benchlib.generation_spec(generation_size)
    # A new SeedSequence each round: `generate` spawns children from the one it is given.
    pop = benchmark.pedantic(
        population.generate,
        setup=lambda: ((spec, np.random.SeedSequence(generation_size)), {}),
        rounds=10 if generation_size <= 200_000 else 5,
        warmup_rounds=1,
    )
    assert pop.size == generation_size
    best = benchlib.best(benchmark.stats)
    derived(
        people=pop.size,
        bytes_per_person=pop.nbytes() / pop.size,
        **({"people_per_s": pop.size / best} if best else {}),
    )
