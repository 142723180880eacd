"""The delivery hot path's sampling helpers (sim/market.py): alias tables and ranks.

Issue 10 replaced the binary search over an audience's cumulative rates by a Walker
alias table and ``np.add.at`` by an update through each member's last entry. These tests
check the helpers exactly (masses, ranks) and statistically (draw frequencies); the
oracle test (``test_reference_oracle.py``) and the golden runs check whole campaigns.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.market import _draw_members, _last_entries, _next_larger, _rank_within, alias_table


def _masses(weights: np.ndarray) -> np.ndarray:
    """Each member's total probability mass in the alias table, x the table's size."""
    prob, alias = alias_table(weights)
    mass = prob.astype(np.float64)
    np.add.at(mass, alias, 1.0 - prob)
    return mass


@pytest.mark.parametrize("k", [1, 2, 3, 10, 257, 10_000])
@pytest.mark.parametrize("shape", ["gamma", "with-zeros", "heavy-tailed", "equal"])
def test_alias_table_gives_each_member_its_share(k, shape):
    rng = np.random.default_rng(k)
    w = {
        "gamma": rng.gamma(1.5, size=k),
        "with-zeros": np.where(rng.random(k) < 0.3, 0.0, rng.gamma(1.5, size=k)),
        "heavy-tailed": rng.pareto(0.8, size=k) + 1e-6,
        "equal": np.ones(k),
    }[shape]
    w[0] = max(w[0], 0.1)  # not all zero
    expected = w * k / w.sum()
    assert np.allclose(_masses(w), expected, rtol=0, atol=1e-5)
    prob, alias = alias_table(w)
    assert prob.min() >= 0 and prob.max() <= 1
    assert alias.min() >= 0 and alias.max() < k
    assert np.all(w[alias[prob < 1]] > 0), "an alias is a member with some weight"


@pytest.mark.parametrize("k", [2, 3, 10, 1000])
def test_next_larger_is_the_sorted_search_it_replaces(k):
    # Running sums with ties (zero steps) and steps too small to move a large sum.
    rng = np.random.default_rng(k)
    for _ in range(20):
        end = np.cumsum(rng.choice([0.0, 0.0, 1e-300, 0.5, 1.0, 1e9], size=k))
        searched = np.minimum(np.searchsorted(end, end[:-1], side="right"), k - 1)
        assert np.array_equal(_next_larger(end), searched)


def test_draws_follow_the_weights():
    rng = np.random.default_rng(3)
    w = rng.gamma(1.5, size=500)
    w[:50] = 0.0
    prob, alias = alias_table(w)
    drawn = _draw_members(prob, alias, rng.random(400_000))
    counts = np.bincount(drawn, minlength=w.size)
    assert counts[:50].sum() == 0, "members without weight are never drawn"
    expected = 400_000 * w[50:] / w.sum()
    assert stats.chisquare(counts[50:], expected).pvalue > 1e-4


def test_a_point_at_the_top_stays_in_the_audience():
    prob, alias = alias_table(np.array([1.0, 2.0, 3.0]))
    assert _draw_members(prob, alias, np.array([0.0, np.nextafter(1.0, 0.0)])).max() < 3


def test_ranks_and_last_entries_match_a_plain_count():
    rng = np.random.default_rng(5)
    stamp = np.empty(40, dtype=np.int32)
    for k in (0, 1, 2, 5, 300, 300):
        who = rng.integers(0, 40, size=k)
        stamp[:] = rng.integers(-3, 40, size=40)  # scratch: its contents do not matter
        rank, last = _rank_within(who, stamp)
        assert list(rank) == [int(np.sum(who[:i] == who[i])) for i in range(k)]
        assert list(last) == [not np.any(who[i + 1 :] == who[i]) for i in range(k)]
        assert np.array_equal(_last_entries(who, stamp), last)
    distinct = np.array([7, 3, 9])
    rank, last = _rank_within(distinct, stamp)
    assert not rank.any() and last.all()


def test_counting_through_last_entries_equals_adding_each_entry():
    rng = np.random.default_rng(6)
    stamp = np.empty(30, dtype=np.int32)
    who = rng.integers(0, 30, size=200)
    rank, last = _rank_within(who, stamp)
    freq = np.zeros(30, dtype=np.uint16)
    freq[who[last]] += (rank[last] + 1).astype(np.uint16)
    expected = np.zeros(30, dtype=np.uint16)
    np.add.at(expected, who, 1)
    assert np.array_equal(freq, expected)


def test_standard_normal_pairs_are_independent_standard_normals():
    from sim.market import standard_normal_pairs

    z = standard_normal_pairs(np.random.default_rng(9), 200_000)
    assert z.shape == (2, 200_000) and z.dtype == np.float32
    for row in z:
        assert stats.kstest(row, "norm").pvalue > 0.001
    assert abs(np.corrcoef(z)[0, 1]) < 0.01  # the two rows are independent
    assert abs(np.corrcoef(z[0] ** 2, z[1] ** 2)[0, 1]) < 0.01  # (not only uncorrelated)
    assert np.isfinite(z).all() and np.abs(z).max() < 6.0


def test_the_impression_log_joins_batches_across_blocks():
    from sim.market import ImpressionLog

    class Small(ImpressionLog):
        BLOCK = 7  # batches cross blocks

    rng = np.random.default_rng(10)
    log, rows = Small(), {c: [] for c in ImpressionLog.COLUMNS}
    for step in range(40):
        k = int(rng.integers(0, 12))
        batch = dict(
            person=rng.integers(0, 100, k).astype(np.int32), adset=step % 3, hour=step,
            price=rng.random(k), p_click=rng.random(k), clicked=rng.random(k) < 0.5,
            applied=rng.random(k) < 0.1,
        )  # fmt: skip
        start = log.size
        log.append(**batch)
        for c in ImpressionLog.COLUMNS:
            v = batch[c]
            rows[c].append(np.full(k, v) if np.ndim(v) == 0 else v)
        day = log.since(start)
        assert all(day[c].size == k for c in ImpressionLog.COLUMNS)
        assert np.array_equal(day["person"], batch["person"]) and (day["hour"] == step).all()
        if step in (13, 29):  # joining in the middle keeps appending right
            whole = log.arrays()
            assert whole["person"].size == log.size
    whole = log.arrays()
    for c in ImpressionLog.COLUMNS:
        expected = np.concatenate(rows[c]).astype(ImpressionLog.DTYPES[c])
        assert whole[c].dtype == ImpressionLog.DTYPES[c]
        assert np.array_equal(whole[c], expected), c
    assert np.array_equal(log.since(5)["price"], whole["price"][5:])
    assert ImpressionLog().arrays()["person"].size == 0


def test_an_alias_table_built_in_place_is_the_same():
    w = np.random.default_rng(11).gamma(0.5, size=5000)
    prob, alias = alias_table(w)
    scratch = w.copy()
    prob2, alias2 = alias_table(scratch, overwrite=True)
    assert np.array_equal(prob, prob2) and np.array_equal(alias, alias2)
    assert prob.dtype == np.float32 and alias.dtype == np.int32
    assert np.allclose(scratch, w * (w.size / w.sum()))  # the weights were scaled in place
    untouched = w.copy()
    alias_table(untouched)
    assert np.array_equal(untouched, w)
