"""The one boundary between simulated and real-world units.

A run simulates a sample of the population: each simulated person stands for
``weight`` real people (``Population.weight``). Inside the model everything is counted
in **simulated units**: simulated people, and money scaled down by the same factor
(a budget of ``B`` real NOK is ``B / weight`` simulated NOK), so each simulated person
sees as many ads as a real one would. The scenario (its budget, audience minimums,
visitor counts, staff list size) and everything the advertiser or a researcher reads
(reports, run summaries) are in **real units**.

Every conversion goes through :class:`Units`; no other module multiplies or divides by
the weight.
"""

from __future__ import annotations

from dataclasses import dataclass


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
