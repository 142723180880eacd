"""Shared fixtures: small scenarios and populations drawn once per test session.

Populations are the expensive part of a run, so the statistical tests share a few
session-scoped ones. Every fixture uses a fixed seed; tests that compare runs pass
their own seeds explicitly.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.population import generate
from sim.scenario import Scenario, load_scenario

SEED = 20261125


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    """The bundled ``tiny`` scenario (20,000 people in Vestland, 7 days)."""
    return load_scenario("tiny")


@pytest.fixture(scope="session")
def tiny_pop(tiny):
    """The population of ``tiny`` (20,000 people)."""
    return generate(tiny.population, np.random.SeedSequence(SEED))


@pytest.fixture(scope="session")
def vestland() -> Scenario:
    """``tiny`` with 100,000 people: enough for share tests with tight error bars."""
    return load_scenario("tiny", {"population.size": 100_000, "population.regions": ["Vestland"]})


@pytest.fixture(scope="session")
def vestland_pop(vestland):
    """A 100,000-person population of Vestland."""
    return generate(vestland.population, np.random.SeedSequence(SEED + 1))


@pytest.fixture(scope="session")
def national() -> Scenario:
    """``tiny`` over the whole of Norway with 250,000 people."""
    return load_scenario("tiny", {"population.size": 250_000, "population.regions": ["Norway"]})


@pytest.fixture(scope="session")
def national_pop(national):
    """A 250,000-person population of Norway."""
    return generate(national.population, np.random.SeedSequence(SEED + 2))
