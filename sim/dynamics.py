"""Search-state dynamics: people move between closed, open-passive and active over time.

Each day a share ``state_change_per_day`` of employed people re-draw their job-search
state from the calibrated shares, so the shares stay where they are without campaigns
while individuals come and go (a reversible chain whose stationary distribution is the
calibration). Life events happen as events at their yearly rates: layoffs make an
employed person unemployed (and active); the unemployed find work again at the rate that
keeps unemployment where it was. Everything acts on run-local copies: the population
itself (shared by all strategies of a replication) is never changed.
"""

from __future__ import annotations

import numpy as np

from sim.population import ACTIVE, EMPLOYED, UNEMPLOYED, Population


class SearchDynamics:
    """Daily transitions of search state and labour status for one run.

    Parameters
    ----------
    pop : Population
    shares : SearchStateShares
        The calibrated shares among the employed (stationary distribution).
    state_change_per_day : float
        Daily probability that an employed person re-draws their search state.
    layoffs_per_year : float
        Yearly probability that an employed person is laid off.
    rng : numpy.random.Generator

    Attributes
    ----------
    search_state, labour : numpy.ndarray of uint8, shape (n,)
        The run's current states (copies of the population's).
    """

    def __init__(self, pop: Population, shares, state_change_per_day: float,
                 layoffs_per_year: float, rng: np.random.Generator) -> None:  # fmt: skip
        self.search_state = pop.search_state.copy()
        self.labour = pop.labour.copy()
        self.rng = rng
        self.change = state_change_per_day
        self.layoff = layoffs_per_year / 365.0
        employed = int((self.labour == EMPLOYED).sum())
        unemployed = int((self.labour == UNEMPLOYED).sum())
        # Inflow equals outflow: unemployed * exit = employed * layoff.
        self.exit = self.layoff * employed / unemployed if unemployed else 0.0
        self.cum = np.cumsum([shares.closed, shares.open_passive, shares.active])
        self.events = {"state_changes": 0, "layoffs": 0, "hires_elsewhere": 0}

    def _pick(self, mask: np.ndarray, rate: float) -> np.ndarray:
        """A Poisson-thinned random subset of ``mask``'s people, each chosen with ``rate``."""
        members = np.flatnonzero(mask)
        k = self.rng.binomial(members.size, min(rate, 1.0)) if members.size else 0
        return self.rng.choice(members, size=k, replace=False) if k else members[:0]

    def _draw_states(self, k: int) -> np.ndarray:
        u = self.rng.random(k) * self.cum[-1]
        return np.minimum(np.searchsorted(self.cum, u, side="right"), ACTIVE).astype(np.uint8)

    def step_day(self) -> None:
        """One day of transitions and life events."""
        employed = self.labour == EMPLOYED
        movers = self._pick(employed, self.change)
        self.search_state[movers] = self._draw_states(movers.size)
        laid_off = self._pick(employed, self.layoff)
        found = self._pick(self.labour == UNEMPLOYED, self.exit)
        self.labour[laid_off] = UNEMPLOYED
        self.search_state[laid_off] = ACTIVE
        self.labour[found] = EMPLOYED
        self.search_state[found] = self._draw_states(found.size)
        self.events["state_changes"] += int(movers.size)
        self.events["layoffs"] += int(laid_off.size)
        self.events["hires_elsewhere"] += int(found.size)
