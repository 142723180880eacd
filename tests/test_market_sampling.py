"""The delivery hot path's sampling helpers: drawing members (sim/sampling.py) and ranks.

Issue 10 replaced the binary search over an audience's cumulative rates by a sampler that
is O(1) per draw (first a Walker alias table, then the cheaper-to-build bucketed
rejection sampler :class:`sim.sampling.RateSampler`) and ``np.add.at`` by an update
through each member's last entry. These tests check the helpers exactly (each member's
share of the unit interval, ranks) and statistically (draw frequencies); the oracle test
(``test_reference_oracle.py``) and the golden runs check whole campaigns.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.market import _last_entries, _rank_within
from sim.sampling import BATCH, RateSampler, sorted_subset


class _Grid:
    """A stand-in for a random generator whose uniforms are the midpoints of a fine grid."""

    def __init__(self, m: int) -> None:
        self.m = m

    def random(self, m: int) -> np.ndarray:
        assert m <= self.m
        return (np.arange(self.m) + 0.5) / self.m


def _shares(w: np.ndarray, points: int = 1 << 20) -> np.ndarray:
    """How many of ``points`` evenly spread uniforms draw each member (one attempt each)."""
    sampler = RateSampler(w)
    kept = sampler._attempt(_Grid(points), points)
    return np.bincount(kept, minlength=w.size), sampler


_SHAPES = ["gamma", "with-zeros", "heavy-tailed", "equal", "spread-over-decades"]


def _weights(shape: str, k: int) -> np.ndarray:
    rng = np.random.default_rng(k)
    w = {
        "gamma": rng.gamma(1.5, size=k),
        "with-zeros": np.where(rng.random(k) < 0.3, 0.0, rng.gamma(1.5, size=k)),
        "heavy-tailed": rng.pareto(0.8, size=k) + 1e-6,
        "equal": np.ones(k),
        "spread-over-decades": 10.0 ** rng.uniform(-12, 12, size=k),
    }[shape].astype(np.float32)
    w[0] = max(w[0], 0.1)  # not all zero
    return w


@pytest.mark.parametrize("k", [1, 2, 3, 10, 257, 5000])
@pytest.mark.parametrize("shape", _SHAPES)
def test_the_uniforms_that_draw_a_member_are_a_share_equal_to_its_weight(k, shape):
    # One uniform decides an attempt: bucket, member and acceptance come from its digits,
    # so the uniforms that draw member i form an interval of length w[i] / envelope.
    w = _weights(shape, k)
    points = 1 << 20
    counts, sampler = _shares(w, points)
    expected = points * w.astype(np.float64) / (sampler.total / sampler.acceptance)
    assert np.all(np.abs(counts - expected) <= 2), "each member's interval has its length"
    assert counts[w == 0].sum() == 0, "members without weight are never drawn"
    assert sampler.acceptance >= 16 / 17 - 1e-9  # rates within a bucket differ by < 1/16


def test_draws_follow_the_weights():
    rng = np.random.default_rng(3)
    w = rng.gamma(1.5, size=500)
    w[:50] = 0.0
    sampler = RateSampler(w)
    drawn = np.concatenate([sampler.draw(rng, n) for n in (1, 7000, 150_000, 242_999)])
    assert drawn.dtype == np.int32 and drawn.size == 400_000
    counts = np.bincount(drawn, minlength=w.size)
    assert counts[:50].sum() == 0, "members without weight are never drawn"
    expected = 400_000 * w[50:] / w.sum()
    assert stats.chisquare(counts[50:], expected).pvalue > 1e-4


def test_draws_in_pieces_are_one_sequence_and_use_the_generator_only_when_needed():
    w = np.random.default_rng(4).gamma(1.5, size=3000)
    one, pieces = RateSampler(w), RateSampler(w)
    whole = one.draw(np.random.default_rng(5), 1105)
    rng = np.random.default_rng(5)
    first = pieces.draw(rng, 5)
    kept = first.copy()
    state = rng.bit_generator.state
    parts = [first, pieces.draw(rng, 100), pieces.draw(rng, 1000)]
    assert rng.bit_generator.state == state, "a batch serves several calls"
    assert np.array_equal(np.concatenate(parts), whole)
    pieces.draw(rng, 3 * BATCH)  # (a new batch)
    assert np.array_equal(first, kept), "a returned array is not changed by later calls"


def test_negative_zero_and_subnormal_rates_are_never_drawn():
    w = np.array([-0.0, 1e-45, 2.0, 1.0], dtype=np.float32)
    counts, _ = _shares(w)
    assert counts[0] == 0 and counts[1] == 0 and counts[2] > counts[3] > 0


def test_bad_rates_are_refused_in_one_line():
    for bad in (np.array([1.0, -1.0]), np.array([1.0, np.nan]), np.array([1.0, np.inf])):
        with pytest.raises(ValueError, match="finite and non-negative"):
            RateSampler(bad)
    with pytest.raises(ValueError, match="one-dimensional"):
        RateSampler(np.ones((2, 2)))
    empty = RateSampler(np.zeros(0))
    assert empty.draw(np.random.default_rng(0), 0).size == 0 and empty.total == 0.0
    with pytest.raises(ValueError, match="all 0"):
        RateSampler(np.zeros(3)).draw(np.random.default_rng(0), 1)


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


@pytest.mark.parametrize(("n", "k"), [(50, 5), (1000, 100), (400, 120)])
def test_a_sorted_subset_is_uniform(n, k):
    # (k = 120 of 400 takes the permutation branch, the others the draws-and-dedupe one)
    rng = np.random.default_rng(n + k)
    counts = np.zeros(n)
    pairs = np.zeros(2)  # how often {0, 1} and {0, n - 1} are both in: equally often
    reps = 4000
    for _ in range(reps):
        s = sorted_subset(rng, n, k)
        assert s.size == k and np.all(np.diff(s) > 0) and s[0] >= 0 and s[-1] < n
        counts[s] += 1
        pairs += [s[0] == 0 and s[1] == 1 if k > 1 else 0, s[0] == 0 and s[-1] == n - 1]
    assert stats.chisquare(counts, np.full(n, reps * k / n)).pvalue > 1e-4
    expected = reps * k * (k - 1) / (n * (n - 1))
    assert np.all(np.abs(pairs - expected) < 5 * np.sqrt(expected) + 3)


def test_a_sorted_subset_refuses_more_than_there_are():
    assert sorted_subset(np.random.default_rng(0), 5, 0).size == 0
    assert list(sorted_subset(np.random.default_rng(0), 5, 5)) == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="cannot take 6 of 5"):
        sorted_subset(np.random.default_rng(0), 5, 6)
