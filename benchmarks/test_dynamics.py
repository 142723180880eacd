"""The cost of the recruiting dynamics (issue: pipeline, awareness, organic reach).

Group ``dynamics``:

- ``test_social_graph`` times drawing the social graph of 1 million people (the organic
  sharing's network; sparse, homophilous);
- ``test_default_run_with_organic_sharing`` times the default scenario with employees
  sharing the post (graph, exposures, referrals, organic applications in the pipeline),
  on a population drawn beforehand; compare with ``default-run``'s reused-population time
  for the cost of the organic mechanism.
"""

from __future__ import annotations

import benchlib
import numpy as np
import pytest

from sim import population
from sim.network import SocialGraph
from sim.scenario import OrganicSpec

pytestmark = pytest.mark.benchmark(group="dynamics")


def test_social_graph(benchmark, sizes, derived):
    people = 1_000_000 if sizes.name == "full" else 50_000
    pop = population.generate(benchlib.generation_spec(people), np.random.SeedSequence(1))
    spec = OrganicSpec(sharing=True)
    graph = benchmark.pedantic(
        SocialGraph.generate, args=(pop, np.random.default_rng(2), spec), rounds=3,
        warmup_rounds=1,
    )  # fmt: skip
    assert graph.size == pop.size
    assert abs(graph.n_ties / pop.size - spec.contacts) < 0.5
    derived(people=pop.size, graph_mb=graph.nbytes / 1e6)


def test_default_run_with_organic_sharing(benchmark, sizes, derived):
    sc = benchlib.scenario(
        benchlib.DEFAULT_SCENARIO, {**sizes.default_overrides, "organic.sharing": True}
    )
    pop = benchlib.generate(sc)
    result = benchmark.pedantic(
        benchlib.run, setup=lambda: ((sc, benchlib.fresh(pop)), {}), rounds=3, warmup_rounds=1
    )
    assert result.pipeline["organic"]["sharers"] > 0
    derived(people=result.population, impressions=result.metrics["impressions"])
