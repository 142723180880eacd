"""The faster population generator describes the same population as the one before it.

Issue 10 replaced the generator's floating-point draws and binary searches with 16-bit
integer draws, lookup tables and quantile tables (``sim/population.py``). The random
numbers changed, so the test is distributional: one large sample from each generator
(``tests/population_before.py`` is the old one, frozen) and, for every attribute, a
two-sample test that the marginal distributions are equal — chi-square for categories,
Kolmogorov-Smirnov for continuous values — at a significance level of 1e-4 per check
(about a hundred checks; the seeds are fixed, so the test is deterministic).
"""

from __future__ import annotations

import numpy as np
import population_before
import pytest
from scipy import stats

from sim import interests
from sim.platforms import PLATFORM_NAMES
from sim.population import EMPLOYED, Population, _lookup_table, _thresholds, generate
from sim.scenario import load_scenario

ALPHA = 1e-4
PEOPLE = 300_000


@pytest.fixture(scope="module")
def pair() -> tuple[Population, Population]:
    spec = load_scenario(
        "tiny", {"population.size": PEOPLE, "population.regions": ["Norway"]}
    ).population
    return (
        population_before.generate(spec, np.random.SeedSequence(11)),
        generate(spec, np.random.SeedSequence(12)),
    )


def _same_categories(a: np.ndarray, b: np.ndarray, what: str) -> None:
    values = np.union1d(np.unique(a), np.unique(b))
    table = np.array([[np.count_nonzero(x == v) for v in values] for x in (a, b)])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return
    p = stats.chi2_contingency(table)[1]
    assert p > ALPHA, f"{what}: p = {p:.2g}\n{table}"


def _same_continuous(a: np.ndarray, b: np.ndarray, what: str) -> None:
    p = stats.ks_2samp(a, b).pvalue
    assert p > ALPHA, f"{what}: KS p = {p:.2g}"


@pytest.mark.slow
def test_categorical_marginals_are_unchanged(pair):
    old, new = pair
    assert old.size == new.size and old.weight == new.weight
    for name in ("age", "gender", "age_band", "place", "education", "labour", "occupation",
                 "search_state", "declared_title", "jobboard_title"):  # fmt: skip
        _same_categories(getattr(old, name), getattr(new, name), name)
    employed = (old.labour == EMPLOYED, new.labour == EMPLOYED)
    _same_categories(old.search_state[employed[0]], new.search_state[employed[1]], "search state")


@pytest.mark.slow
def test_interests_and_platform_use_are_unchanged(pair):
    old, new = pair
    for t in range(interests.N_TOPICS):
        _same_categories(old.has_interest(t), new.has_interest(t), interests.TOPIC_NAMES[t])
    for j, name in enumerate(PLATFORM_NAMES):
        _same_categories(old.sessions[j] > 0, new.sessions[j] > 0, f"{name} account")
        users = old.sessions[j] > 0, new.sessions[j] > 0
        _same_continuous(old.sessions[j][users[0]], new.sessions[j][users[1]], f"{name} sessions")


@pytest.mark.slow
def test_continuous_attributes_are_unchanged(pair):
    old, new = pair
    workers = old.occupation >= 0, new.occupation >= 0
    _same_continuous(old.experience[workers[0]], new.experience[workers[1]], "experience")
    _same_continuous(old.propensity, new.propensity, "propensity")
    _same_continuous(old.x_km, new.x_km, "x_km")
    _same_continuous(old.y_km, new.y_km, "y_km")
    # Within a place too (the scatter around its centre).
    for name in ("x_km", "y_km"):
        a = getattr(old, name)[old.place == 0]
        b = getattr(new, name)[new.place == 0]
        _same_continuous(a, b, f"{name} around place 0")


def test_lookup_tables_and_thresholds_honour_probabilities_to_1_in_65536():
    weights = np.array([[1.0, 2.0, 3.0, 0.0, 4.0], [0.5, 0.0, 0.0, 0.0, 0.5]])
    table = _lookup_table(weights)
    shares = np.array([np.bincount(row, minlength=5) for row in table]) / 65536
    assert np.abs(shares - weights / weights.sum(axis=1, keepdims=True)).max() <= 1 / 65536
    assert shares[0, 3] == 0 and shares[1, 1:4].sum() == 0  # impossible stays impossible
    t = _thresholds(np.array([0.0, 0.25, 1.0]))
    assert list(t) == [0, 16384, 65535]
