"""Drawing audience members in proportion to their rates: a bucketed rejection sampler.

Every hour each ad set draws its ad opportunities from its audience, member *i* with
probability ``w[i] / sum(w)`` (``w`` the member's session rate). The audience may have
millions of members and is resolved once per run (and again each day for custom
audiences), while the draws are a few thousand an hour: the table must be cheap to build
and O(1) per draw.

:class:`RateSampler` groups the members by the leading bits of their float32 rate (the
exponent and the first :data:`MANTISSA_BITS` bits of the mantissa), so the rates within a
bucket lie in ``[lower, upper)`` with ``lower / upper >= 16 / 17``. An attempt picks a
bucket with probability proportional to ``count x upper`` (its envelope), a member of
the bucket uniformly, and keeps it with probability ``w[i] / upper``: member *i* is kept
with probability proportional to ``w[i]``, exactly, and at least 16 / 17 of the attempts
are kept. One float64 uniform serves a whole attempt: the uniforms that draw member *i*
form one interval of length ``w[i] / envelope`` (the bucket, the member and the
acceptance are read off its successive digits, each stage's remainder being uniform and
independent of the choices before it).

Building the table is a radix sort of the members by a 16-bit key, about three times
faster than building a Walker alias table (which pairs small and large weights); an
attempt costs about what an alias-table draw costs (one random read of the member table),
and attempts are made in batches (:data:`BATCH`) so numpy's cost per call is not paid
every hour.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["BATCH", "MANTISSA_BITS", "RateSampler", "sorted_subset"]

# Mantissa bits in a bucket's key: rates within a bucket differ by at most 1 / 16 of the
# upper bound, so at least 16 / 17 of the attempts are kept (design choice).
MANTISSA_BITS = 4
_SHIFT = 23 - MANTISSA_BITS  # float32 has 23 mantissa bits
# Cells of the guide table that maps a uniform draw to its bucket (a power of two, so
# scaling a uniform by it is exact; design choice).
_GUIDE = 4096
# Attempts drawn at least at a time (design choice: a few hours of a typical ad set's
# opportunities; a run leaves at most one batch per audience unused, under a millisecond).
BATCH = 1 << 14


class RateSampler:
    """Draws members ``i`` of an audience with probability ``w[i] / sum(w)``.

    Parameters
    ----------
    weights : numpy.ndarray of float, shape (k,)
        Each member's rate: finite, non-negative (members with rate 0 are never drawn).
        Converted to float32 (the rates' own precision in :class:`sim.population.Population`).

    Attributes
    ----------
    size : int
        Members ``k``.
    total : float
        ``sum(w)`` in float64.
    acceptance : float
        Share of attempts kept (``sum(w)`` over the envelope's mass), 0 when empty.
    """

    def __init__(self, weights: np.ndarray) -> None:
        w = np.asarray(weights, dtype=np.float32)
        if w.ndim != 1:
            raise ValueError(f"rates must be one-dimensional, got shape {w.shape}")
        self.size = int(w.size)
        if w.size and not (np.isfinite(w).all() and w.min() >= 0):
            raise ValueError("rates must be finite and non-negative")
        # The bucket key: exponent and leading mantissa bits of the float32 (the sign bit
        # masked: -0.0 is 0).
        key = (w.view(np.uint32) >> np.uint32(_SHIFT)).astype(np.uint16)
        key &= np.uint16((1 << (31 - _SHIFT)) - 1)
        order = np.argsort(key, kind="stable")  # a radix sort on 16-bit keys
        count = np.bincount(key)
        start = np.zeros(count.size, dtype=np.int64)
        np.cumsum(count[:-1], out=start[1:])
        if count.size:
            count[0] = 0  # key 0: rate 0 (or a subnormal below 2**-130): never drawn
        used = np.flatnonzero(count)
        count, start = count[used], start[used]
        # Each bucket's upper bound: the float32 whose key is one more.
        upper = ((used.astype(np.uint32) + np.uint32(1)) << np.uint32(_SHIFT)).view(np.float32)
        self.total = float(w.sum(dtype=np.float64))
        mass = count * upper.astype(np.float64)
        envelope = float(mass.sum())
        self.acceptance = self.total / envelope if envelope > 0 else 0.0
        # Cumulative envelope in guide units, the last end exactly _GUIDE; a bucket runs
        # from the previous bucket's end to its own.
        end = np.cumsum(mass) * (_GUIDE / envelope) if envelope > 0 else mass
        if end.size:
            end[-1] = _GUIDE
        begin = np.zeros(end.size)
        begin[1:] = end[:-1]
        with np.errstate(divide="ignore", invalid="ignore"):  # (a bucket too light to
            scale = count / (end - begin)  # show is never drawn): members per guide unit
        self._end, self._scale = end, scale
        # x in bucket b is member start + (x - begin) x scale of the table, and the
        # fraction left over decides whether it is kept.
        self._offset = start - begin * scale
        self._guide = np.searchsorted(end, np.arange(_GUIDE), side="right").astype(np.intp)
        # The members in bucket order with their chance to be kept (rate / the bucket's
        # upper bound) side by side: one memory access reads both (the table has millions
        # of rows). A last row that is never kept catches a position rounded past either
        # end of the table.
        table = np.zeros(w.size + 1, dtype=[("keep", np.float32), ("i", np.int32)])
        keep = w[order]
        zero = w.size - int(count.sum())  # rate 0 (key 0) sorts first: never kept
        keep[:zero] = 0.0
        keep[zero:] /= np.repeat(upper, count)
        table["keep"][:-1] = keep
        table["i"][:-1] = order
        self._keep, self._i = table["keep"], table["i"]
        self._drawn, self._next = np.zeros(0, dtype=np.int32), 0  # drawn, not yet handed out

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """The next ``n`` members drawn, int32 shape (n,) (indices into the weights).

        Members are drawn from ``rng`` in batches of at least :data:`BATCH` attempts and
        handed out in order, so successive calls return one sequence of independent
        draws whatever their sizes (and ``rng`` is used only when a batch runs out):
        numpy's cost per call is paid once per batch, not once per hour of delivery.
        The returned array is a view of the batch; it is not changed by later calls.

        Raises
        ------
        ValueError
            If ``n > 0`` and every rate is 0.
        """
        if n <= 0:
            return np.zeros(0, dtype=np.int32)
        if self.acceptance <= 0:
            raise ValueError("cannot draw from rates that are all 0")
        while self._drawn.size - self._next < n:
            need = n - (self._drawn.size - self._next)
            # Enough attempts for ``need`` kept ones, nearly always in one round.
            m = max(math.ceil(need / self.acceptance + 4 * math.sqrt(need) + 8), BATCH)
            self._drawn = np.concatenate([self._drawn[self._next :], self._attempt(rng, m)])
            self._next = 0
        out = self._drawn[self._next : self._next + n]
        self._next += n
        return out

    def _attempt(self, rng: np.random.Generator, m: int) -> np.ndarray:
        """Members kept from ``m`` attempts, in attempt order, int32 shape (<= m,)."""
        x = rng.random(m)
        x *= _GUIDE
        b = self._guide[x.astype(np.intp)]
        # The guide gives the first bucket that can hold x; the few x past its end (in a
        # guide cell that holds a bucket's end) are looked up.
        past = np.flatnonzero(self._end[b] <= x)
        if past.size:
            b[past] = np.searchsorted(self._end, x[past], side="right")
        # x's place in the table: the member's row and (the fraction) what is left of x.
        x *= self._scale[b]
        x += self._offset[b]
        j = x.astype(np.intp)
        x -= j
        kept = np.flatnonzero(x < self._keep[j])
        return self._i[j[kept]]


def sorted_subset(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """A uniformly random subset of ``k`` of ``0 .. n - 1``, sorted, int64 shape (k,).

    The distinct values among iid uniform draws, in the order they first appear, are a
    uniformly random sequence without repetition (the draws are exchangeable), so the
    first ``k`` of them are a uniform ``k``-subset. Drawing ``k`` plus the expected
    repeats (``k**2 / 2n``) with a margin and marking each value's first draw costs O(k)
    and a sort of the ``k`` (60,000 of 1.5 M: 3 ms), where
    ``rng.choice(n, k, replace=False)`` shuffles all ``n`` once ``k > n / 50`` (33 ms).
    """
    if not 0 <= k <= n:
        raise ValueError(f"cannot take {k} of {n} without replacement")
    if 4 * k > n:  # a large share: one permutation is as cheap
        return np.sort(rng.permutation(n)[:k])
    found = np.zeros(0, dtype=np.int64)
    stamp = np.empty(n, dtype=np.int32)  # scratch: only the drawn values' entries are used
    while found.size < k:
        need = k - found.size
        m = need + math.ceil(k * k / (2 * n) + 4 * math.sqrt(k) + 16)
        draws = np.concatenate([found, rng.integers(0, n, size=m)])
        # Each value's first draw: positions written last to first, so the first stays.
        position = np.arange(draws.size, dtype=np.int32)  # (m < k + 2k: far below 2**31)
        stamp[draws[::-1]] = position[::-1]
        first = stamp[draws] == position
        found = draws[first][:k]  # (the ones kept so far stay first)
    return np.sort(found)
