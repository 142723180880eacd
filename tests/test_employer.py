"""The employer (sim/employer.py): organic career-site visitors."""

from __future__ import annotations

import numpy as np
import pytest

from sim import behavior, occupations
from sim.employer import OrganicVisitWeights
from sim.population import distance_km


@pytest.mark.parametrize(("block", "chunk"), [(1, 1 << 16), (7, 1 << 16), (32, 1 << 16),
                                             (256, 1 << 16), (7, 1000), (32, 333)])  # fmt: skip
def test_visitors_are_found_as_in_the_full_cumulative_table(
    tiny, tiny_pop, block, chunk, monkeypatch
):
    # Only block ends are kept (summed a chunk of people at a time); every draw must land
    # on the person a full table gives, at points drawn at random, on table entries
    # exactly and just below them.
    monkeypatch.setattr(OrganicVisitWeights, "BLOCK", block)
    monkeypatch.setattr(OrganicVisitWeights, "CHUNK", chunk)
    v = tiny.vacancy
    factor = behavior.distance_multiplier(distance_km(tiny_pop, v))
    relevance = behavior.relevance_multiplier(
        tiny_pop, np.arange(tiny_pop.size), v, v.creative, distance_factor=factor
    )
    visits = OrganicVisitWeights(tiny_pop, v, relevance)
    cum = np.cumsum(visits.weights(np.arange(tiny_pop.size)))
    assert visits.total == cum[-1] > 0
    rng = np.random.default_rng(block)
    on = cum[rng.integers(0, cum.size, 2000)]
    points = np.concatenate(
        [rng.random(20_000) * visits.total, on, np.nextafter(on, 0), [0.0, cum[0], visits.total]]
    )
    assert np.array_equal(visits.search(points), np.searchsorted(cum, points, side="right"))


def test_visit_weights_favour_the_trade(tiny, tiny_pop):
    visits = OrganicVisitWeights(tiny_pop, tiny.vacancy)
    w = visits.weights(np.arange(tiny_pop.size))
    target = tiny_pop.occupation == occupations.occupation_index(tiny.vacancy.occupation)
    assert target.any()
    assert w[target].mean() > 2 * w[~target].mean()
