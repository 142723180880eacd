"""Search-state dynamics: people move between closed, open-passive and active over time.

Each day a share ``state_change_per_day`` of employed people re-draw their job-search
state from the calibrated shares, so the shares stay where they are without campaigns
while individuals come and go (a reversible chain whose stationary distribution is the
calibration). Life events happen as events at their yearly rates: layoffs make an
employed person unemployed (and active); the unemployed find work again at the rate that
keeps unemployment where it was; students of 20 and over graduate and start looking;
people move to a new home in the simulated regions (which changes their distance to the
job, so their interest in it and whether they qualify). Everything acts on run-local
copies: the population itself (shared by all strategies of a replication) is never
changed.
"""

from __future__ import annotations

import math

import numpy as np

from sim import geography
from sim.population import ACTIVE, EMPLOYED, STUDENT, UNEMPLOYED, Population


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

    def __init__(
        self,
        pop: Population,
        shares,
        state_change_per_day: float,
        layoffs_per_year: float,
        rng: np.random.Generator,
        moves_per_year: float = 0.0,
        graduations_per_year: float = 0.0,
    ) -> None:
        self.pop = pop
        self.search_state = pop.search_state.copy()
        self.labour = pop.labour.copy()
        self.rng = rng
        self.change = state_change_per_day
        self.layoff = layoffs_per_year / 365.0
        self.move = moves_per_year / 365.0
        self.graduate = graduations_per_year / 365.0
        self.moved_today = np.zeros(0, dtype=np.int64)
        # Today's movers' new homes, shape like moved_today (in the population's dtype):
        # all a run needs of the moves (relevance and fit are measured from the home at
        # the start), so no run-local copy of everyone's home.
        self.moved_x_km = np.zeros(0, dtype=pop.x_km.dtype)
        self.moved_y_km = np.zeros(0, dtype=pop.y_km.dtype)
        self._adult_students = np.flatnonzero((self.labour == STUDENT) & (pop.age >= 20))
        places = geography.places_in(pop.spec.regions)
        weights = np.array([geography.PLACES[i].population for i in places], dtype=float)
        self._place_p = weights / weights.sum()
        # The places' centres (km) and scatter of homes around them, looked up per mover.
        self._place_x, self._place_y = geography.to_km(
            np.array([geography.PLACES[i].lat for i in places]),
            np.array([geography.PLACES[i].lon for i in places]),
        )
        self._place_scatter = np.array([geography.PLACES[i].scatter_km for i in places]) / 1.5
        employed = int((self.labour == EMPLOYED).sum())
        unemployed = int((self.labour == UNEMPLOYED).sum())
        # People of each labour status, kept as they change (step_day draws from them
        # without listing them).
        self._count = {EMPLOYED: employed, UNEMPLOYED: unemployed}
        # Inflow equals outflow: unemployed * exit = employed * layoff.
        self.exit = self.layoff * employed / unemployed if unemployed else 0.0
        self.cum = np.cumsum([shares.closed, shares.open_passive, shares.active])
        self.events = {"state_changes": 0, "layoffs": 0, "hires_elsewhere": 0, "moves": 0,
                       "graduations": 0}  # fmt: skip

    def _pick(self, members: np.ndarray | int, rate: float) -> np.ndarray:
        """A random subset of ``members`` (sorted indices; an int ``n``: everyone below
        ``n``), each chosen with ``rate``."""
        size = members if isinstance(members, int) else members.size
        k = self.rng.binomial(size, min(rate, 1.0)) if size else 0
        if not k:
            return np.zeros(0, dtype=np.int64)
        return self.rng.choice(members, size=k, replace=False)

    def _pick_with(self, status: int, rate: float) -> np.ndarray:
        """A random subset of the people whose labour status is ``status``, each chosen
        with ``rate``; the same distribution as :meth:`_pick` over their sorted indices.

        How many: binomial over their count (kept as statuses change). Who: the first
        of them in a uniformly random sample of everyone drawn without replacement, large
        enough to hold them almost always (a uniform subset of them); only when it falls
        short are they listed with a pass over everyone. No pass over the population.
        """
        count = self._count[status]
        k = self.rng.binomial(count, min(rate, 1.0)) if count else 0
        if not k:
            return np.zeros(0, dtype=np.int64)
        n = self.labour.size
        share = count / n
        m = min(n, int((k + 4.0 * math.sqrt(k) + 16) / share))
        sample = self.rng.choice(n, size=m, replace=False)
        hits = sample[self.labour[sample] == status]
        if hits.size >= k:
            return hits[:k]
        return self.rng.choice(np.flatnonzero(self.labour == status), size=k, replace=False)

    def _draw_states(self, k: int) -> np.ndarray:
        u = self.rng.random(k) * self.cum[-1]
        return np.minimum(np.searchsorted(self.cum, u, side="right"), ACTIVE).astype(np.uint8)

    def step_day(self) -> None:
        """One day of transitions and life events."""
        # (drawn from the statuses at the start of the day, without listing anyone)
        movers = self._pick_with(EMPLOYED, self.change)
        self.search_state[movers] = self._draw_states(movers.size)
        laid_off = self._pick_with(EMPLOYED, self.layoff)
        found = self._pick_with(UNEMPLOYED, self.exit)
        self.labour[laid_off] = UNEMPLOYED
        self.search_state[laid_off] = ACTIVE
        self.labour[found] = EMPLOYED
        self.search_state[found] = self._draw_states(found.size)
        # Graduation: students of 20 and over finish and start looking for work.
        # Students only leave (nobody becomes one), so the students of 20 and over at the
        # start, still students today, are today's candidates (in the same order).
        grads = self._pick(self._adult_students[self.labour[self._adult_students] == STUDENT],
                           self.graduate)  # fmt: skip
        self.labour[grads] = UNEMPLOYED
        self.search_state[grads] = ACTIVE
        self._count[EMPLOYED] += found.size - laid_off.size
        self._count[UNEMPLOYED] += laid_off.size - found.size + grads.size
        # Moves: a new home somewhere in the simulated regions.
        self.moved_today = self._pick(self.labour.size, self.move)
        self.moved_x_km, self.moved_y_km = self.moved_x_km[:0], self.moved_y_km[:0]
        if self.moved_today.size:
            k = self.moved_today.size
            place = self.rng.choice(self._place_p.size, size=k, p=self._place_p)
            cx, cy = self._place_x[place], self._place_y[place]
            scatter = self._place_scatter[place]
            jitter = self.rng.standard_normal((2, k))
            self.moved_x_km = (cx + jitter[0] * scatter).astype(self.pop.x_km.dtype)
            self.moved_y_km = (cy + jitter[1] * scatter).astype(self.pop.y_km.dtype)
        self.events["state_changes"] += int(movers.size)
        self.events["layoffs"] += int(laid_off.size)
        self.events["hires_elsewhere"] += int(found.size)
        self.events["graduations"] += int(grads.size)
        self.events["moves"] += int(self.moved_today.size)
