"""Random streams: every one is a named child of a ``numpy.random.SeedSequence``.

A run's randomness is a tree. The root ``SeedSequence(seed)`` is spawned once per
replication; a replication's sequence is spawned into the run's components
(:data:`sim.model.COMPONENTS`); the population's sequence into its own children
(:data:`sim.population.POPULATION_STREAMS`), each platform view's into one child per
interest topic. Every level spawns its children with :func:`named_children`, in the
order of a fixed tuple of names, so a name always gets the same child; new names are
added at the end of their tuple so that existing streams stay where they are.

No stream is seeded from a number drawn from another stream, and none extends a spawn
key by hand: ``tests/test_seeding.py`` enumerates every stream of a run and checks that
no two coincide.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def named_children(
    seed: np.random.SeedSequence, names: Sequence[str]
) -> dict[str, np.random.SeedSequence]:
    """The children of ``seed``, one per name, by ``SeedSequence.spawn``.

    ``spawn`` counts the children a sequence has already made, so it is called on a
    fresh copy of ``seed``: the same seed always gives the same children, whatever was
    spawned from it before.

    Parameters
    ----------
    seed : numpy.random.SeedSequence
    names : sequence of str
        Distinct names, in a fixed order (the i-th name is the i-th child).

    Returns
    -------
    dict of str to numpy.random.SeedSequence
    """
    if len(set(names)) != len(names):
        raise ValueError(f"stream names must be distinct, got {list(names)}")
    fresh = np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key, pool_size=seed.pool_size)
    return dict(zip(names, fresh.spawn(len(names)), strict=True))


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """Replication ``replication``'s sequence: that child of ``SeedSequence(seed)``."""
    return np.random.SeedSequence(seed).spawn(replication + 1)[replication]
