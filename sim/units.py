"""The one boundary between simulated and real-world units.

A run simulates a sample of the population: each simulated person stands for
``weight`` real people (``Population.weight``). Inside the model everything is counted
in **simulated units**: simulated people, and money scaled down by the same factor
(a budget of ``B`` real NOK is ``B / weight`` simulated NOK), so each simulated person
sees as many ads as a real one would. The scenario (its budget, audience minimums,
visitor counts, staff list size) and everything the advertiser or a researcher reads
(reports, run summaries) are in **real units**.

Money is billed in integer **micros** of the real currency (a millionth of a krone, as
ad platforms bill): a simulated impression bought at price ``p`` (per impression, the
CPM / 1000) stands for ``weight`` real impressions and costs
``round(p * weight * 1e6)`` micros (:meth:`Units.cost_micros`). Budgets are held and
enforced in micros, and every spend the model reports is a sum of those integers
converted once (:meth:`Units.money_from_micros`), so spend never exceeds a budget by a
rounding error and daily and per-platform spends add up exactly to the total.

Counts reported in parts (days, platforms) are converted together
(:meth:`Units.apportion`), so that the parts add up to the converted sum of the
simulated parts.

Every conversion goes through :class:`Units`; no other module multiplies or divides by
the weight.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

MICROS = 1_000_000  # micros per currency unit


@dataclass(frozen=True)
class Units:
    """Converts between simulated and real units for one population.

    Parameters
    ----------
    weight : float
        Real people per simulated person (> 0).
    """

    weight: float

    def people(self, count) -> int:
        """Simulated people (an integer count) as real people, rounded to whole people."""
        return round(int(count) * self.weight)

    def real_people(self, count) -> float:
        """Simulated people as real people, not rounded (for thresholds and shares)."""
        return count * self.weight

    def money(self, amount) -> float:
        """Simulated money as real money (currency units)."""
        return float(amount) * self.weight

    def sim_money(self, amount) -> float:
        """Real money (currency units) as simulated money."""
        return amount / self.weight

    def sim_people(self, count) -> float:
        """Real people as simulated people (fractional)."""
        return count / self.weight

    def cost_micros(self, price: np.ndarray) -> np.ndarray:
        """What simulated impressions at ``price`` (shape (k,)) cost, int64 micros, shape (k,)."""
        micros = np.asarray(price, dtype=np.float64) * (self.weight * MICROS)
        # (rounded in place: one temporary, not two; a scalar has no place to round in)
        return np.rint(micros, out=micros if micros.ndim else None).astype(np.int64)

    @staticmethod
    def micros(amount: float) -> int:
        """Real money as whole micros, rounded down (a budget is never exceeded)."""
        return math.floor(amount * MICROS)

    @staticmethod
    def money_from_micros(micros) -> float:
        """Whole micros as real money."""
        return int(micros) / MICROS

    def apportion(self, counts) -> list[int]:
        """Simulated counts of several parts as real people that add up.

        Each part gets ``floor(count * weight)``, and the parts with the largest
        remainders one more, until the parts add up to ``people(sum of counts)``
        (largest remainder method). Parameters: ``counts``, int, shape (k,). Returns a
        list of k ints.
        """
        counts = np.asarray(counts, dtype=np.int64)
        if counts.size == 0:
            return []
        exact = counts * self.weight
        base = np.floor(exact).astype(np.int64)
        short = self.people(int(counts.sum())) - int(base.sum())
        remainder = exact - base
        if short >= 0:
            base[np.argsort(-remainder, kind="stable")[:short]] += 1
        else:  # floating-point edge: a product rounded up to a whole number
            base[np.argsort(remainder + (base == 0), kind="stable")[:-short]] -= 1
        return [int(x) for x in base]
