"""The people of one run: their changing state and their response to each impression.

The population (:class:`sim.population.Population`) is drawn once per replication and
shared by every strategy; :class:`People` holds what changes during one run, as numpy
columns of shape (n,):

- job-search state and labour status (:class:`sim.dynamics.SearchDynamics`), and homes
  (people move, which changes their distance to the job, hence their interest in it
  and whether they qualify);
- awareness of the employer (built by its ads, fading with a half-life);
- fatigue memory per ad set (exposures remembered, fading; the hour last seen);
- who clicked, who applied, who visited the career site.

:meth:`People.start_day` is the people's day (transitions, moves, fading awareness);
:meth:`People.respond` draws the response to the impressions an ad set just bought,
with the probabilities computed by :mod:`sim.behavior` (the one place they live).
Everything here is in simulated people.
"""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np

from sim import behavior
from sim.creative import Creative
from sim.dynamics import SearchDynamics
from sim.population import (
    Population,
    by_chunks,
    distance_km,
    qualified_mask,
    within_reach,
    workplace_distance_km,
)
from sim.scenario import PopulationSpec, VacancySpec

RESPONSE = behavior.DEFAULT_RESPONSE
AIDED_AWARENESS = 0.3  # awareness from which a person recalls the employer when asked (estimate)


class FatigueMemory:
    """Remembered exposures to one ad set, per person (allocated at first use).

    Attributes
    ----------
    remembered : numpy.ndarray of float32, shape (n,)
        Fading count of exposures (half-life ``fatigue_recovery_days``).
    last_seen : numpy.ndarray of int32, shape (n,)
        Hour of the last exposure.
    """

    def __init__(self, n: int) -> None:
        # Two views of one array of records: an impression reads and writes both, and
        # side by side they come in one memory access (the arrays have millions of rows).
        both = np.zeros(n, dtype=[("remembered", np.float32), ("last_seen", np.int32)])
        self.remembered = both["remembered"]
        self.last_seen = both["last_seen"]
        self._fade = np.ones(1)  # share remembered after h hours, h = 0, 1, ..., shape (H,)

    def expose(self, person: np.ndarray, rank: np.ndarray, hour: int) -> np.ndarray:
        """Record exposures of ``person`` (rank: earlier ones this hour), shape (k,).

        Returns the remembered exposures before each one (fractional), shape (k,).
        """
        if self._fade.size <= hour:  # the hours are whole: the fading is looked up
            hours = np.arange(2 * hour + 1)
            self._fade = 0.5 ** (hours / (24 * RESPONSE.fatigue_recovery_days))
        memory = self.remembered[person] * self._fade[hour - self.last_seen[person]] + rank
        self.remembered[person] = memory + 1
        self.last_seen[person] = hour
        return memory


class People(mesa.Agent):
    """Per-run state of the simulated people and their day.

    Parameters
    ----------
    model : mesa.Model
        The model this actor is an agent of.
    pop : Population
    spec : PopulationSpec
        Rates of search-state transitions and life events.
    vacancy : VacancySpec
        The job: distance and qualification change as people move.
    qualified : numpy.ndarray of bool, shape (n,), or None
        Ground truth at the campaign's start; None: the vacancy's rule
        (:func:`sim.population.qualified_mask`), judged here from the distances this
        actor computes anyway.
    dynamics_rng : numpy.random.Generator or None
        The stream of the search-state dynamics and life events (None with ``dynamics``).
    response_rng : numpy.random.Generator
        The stream of people's responses to impressions (clicks, applications).
    dynamics : SearchDynamics-like, optional
        Dynamics another actor steps (a competing employer's view of the same people);
        by default these people have and step their own.
    """

    def __init__(
        self,
        model: mesa.Model,
        pop: Population,
        spec: PopulationSpec,
        vacancy: VacancySpec,
        qualified: np.ndarray | None,
        dynamics_rng: np.random.Generator | None,
        response_rng: np.random.Generator,
        dynamics=None,
    ) -> None:
        super().__init__(model)
        self.pop = pop
        self.response_rng = response_rng
        self.vacancy = vacancy
        self.dynamics = dynamics or SearchDynamics(
            pop, spec.search_state, spec.state_change_per_day, spec.layoffs_per_year, dynamics_rng,
            moves_per_year=spec.moves_per_year, graduations_per_year=spec.graduations_per_year,
        )  # fmt: skip
        self.could_qualify = qualified_mask(pop, vacancy, ignore_distance=True)
        # Everyone's distance to the job, once per run: the distance factor of relevance
        # at the start (shared by every ad set and platform; a move's change is applied
        # through move_factor) and the distance rule of qualification.
        km = distance_km(pop, vacancy)
        self.distance_factor = behavior.distance_multiplier(km)
        if qualified is None:  # qualified_mask's rule, from the distances above
            qualified = self.could_qualify & within_reach(km, vacancy)
        del km
        # Qualification at the campaign's start (the ground truth the metrics use) and as
        # of now (people move).
        self.qualified_at_start = qualified
        self.qualified = qualified.copy()
        # The qualified as indices, sorted (kept as people move): the day's aided
        # awareness looks at them only, not at everyone.
        self._qualified_idx = np.flatnonzero(self.qualified)
        # Read together at every impression: views of one record array (one memory access).
        both = np.zeros(pop.size, dtype=[("move_factor", np.float32), ("awareness", np.float32)])
        self.move_factor = both["move_factor"]  # relevance after a move
        self.move_factor[:] = 1.0
        self.awareness = both["awareness"]
        self.aided_awareness: list[float] = []  # share of the qualified aware, each day
        self.clicked = np.zeros(pop.size, dtype=bool)
        self.applied = np.zeros(pop.size, dtype=bool)
        self.visited = np.zeros(pop.size, dtype=bool)  # seen on the career site
        self.fatigue: dict[int, FatigueMemory] = {}  # per ad set key
        self._relevance: dict[bytes, np.ndarray] = {}  # per occupation factor table

    def relevance(self, creative: Creative) -> np.ndarray:
        """Everyone's relevance of the vacancy advertised with ``creative``, float64 (n,).

        :func:`sim.behavior.relevance_multiplier` of every person at the campaign's start
        (a move's change is applied through ``move_factor``), computed once per run for
        each table of occupation factors the creatives give (one for most runs: only a
        career-change message changes it) and shared by the career site's organic
        visitors, every ad set's click probabilities and the staff's shared post. Computed
        in chunks (:func:`sim.population.by_chunks`: no temporaries over everyone).
        """
        table = behavior.occupation_multiplier(self.vacancy.occupation, creative)
        key = table.tobytes()
        if key not in self._relevance:
            self._relevance[key] = by_chunks(
                lambda i: behavior.relevance_multiplier(
                    self.pop, i, self.vacancy, creative, distance_factor=self.distance_factor
                ),
                np.arange(self.pop.size),
            )
        return self._relevance[key]

    @property
    def size(self) -> int:
        """Number of simulated people."""
        return self.pop.size

    @property
    def search_state(self) -> np.ndarray:
        """Current job-search states, uint8 shape (n,)."""
        return self.dynamics.search_state

    # ----------------------------------------------------------------- the day
    def start_day(self, day: int) -> None:
        """A new day (after the first): transitions, life events, moves, fading awareness."""
        if day == 0:
            return
        self.dynamics.step_day()
        self._apply_moves()
        self.awareness *= np.float32(0.5 ** (1 / RESPONSE.awareness_half_life_days))

    def _apply_moves(self) -> None:
        """People who moved today: new distance to the job, so new relevance and fit."""
        moved = self.dynamics.moved_today
        if moved.size == 0:
            return
        v = self.vacancy
        new = workplace_distance_km(v, self.dynamics.moved_x_km, self.dynamics.moved_y_km)
        old = distance_km(self.pop, v, moved)
        self.move_factor[moved] = behavior.distance_multiplier(new) / (
            behavior.distance_multiplier(old)
        )
        now = self.could_qualify[moved] & within_reach(new, v)
        self.qualified[moved] = now
        # (sorted lists kept sorted: the movers are a few among many qualified people)
        q, moved_sorted = self._qualified_idx, np.sort(moved)
        at = np.searchsorted(q, moved_sorted)
        was = at[q[np.minimum(at, q.size - 1)] == moved_sorted] if q.size else at[:0]
        q = np.delete(q, was)
        joining = np.sort(moved[now])
        self._qualified_idx = np.insert(q, np.searchsorted(q, joining), joining)

    def end_day(self, day: int) -> None:
        """Record the day's aided awareness among the qualified (share >= 0.3)."""
        q = self._qualified_idx
        aware = int(np.count_nonzero(self.awareness[q] >= AIDED_AWARENESS))
        self.aided_awareness.append(aware / max(q.size, 1))

    # ----------------------------------------------------------------- response
    def respond(
        self,
        key: int,
        person: np.ndarray,
        rank: np.ndarray,
        hour: int,
        p_first: np.ndarray,
        p_apply_first: np.ndarray | Callable[[np.ndarray], np.ndarray],
        wear: float,
        brand: bool,
        state: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """People's response to ``k`` impressions of ad set ``key`` bought this hour.

        Parameters
        ----------
        key : int
            The ad set (its fatigue memory).
        person : numpy.ndarray of int, shape (k,)
        rank : numpy.ndarray of int, shape (k,)
            Earlier impressions of the same person in this batch.
        hour : int
        p_first, p_apply_first : numpy.ndarray of float32, shape (k,)
            First-exposure click and apply probabilities for an open-passive person
            (:func:`sim.behavior.click_probability`, :func:`sim.behavior.apply_probability`).
            ``p_apply_first`` may be a function of batch entries ``c`` (int array)
            giving theirs: only the clickers' are needed, so the caller need not read
            them all.
        wear : float
            The creative's wear-out factor.
        brand : bool
            An employer-branding ad (builds awareness faster).
        state : numpy.ndarray of uint8, shape (k,), optional
            The people's current search states, if the caller has read them already.

        Returns
        -------
        p_click : numpy.ndarray of float, shape (k,)
            The click probability each impression was drawn with.
        clicked, applied : numpy.ndarray of bool, shape (k,)
            ``applied`` marks a person's first applying click only.
        """
        k = person.size
        memory = self.fatigue.get(key)
        if memory is None:
            memory = self.fatigue[key] = FatigueMemory(self.pop.size)
        remembered = memory.expose(person, rank, hour)
        if state is None:
            state = self.dynamics.search_state[person]
        aware = self.awareness[person]
        u = self.response_rng.random((2, k))
        p = behavior.impression_click_probability(
            p_first, self.move_factor[person], state, remembered + 1, wear, aware,
            self.clicked[person],
        )  # fmt: skip
        gain = RESPONSE.awareness_gain_brand if brand else RESPONSE.awareness_gain
        self.awareness[person] = aware + np.float32(gain) * (1 - aware)
        clicked = u[0] < p
        c = np.flatnonzero(clicked)  # the apply draw only matters after a click
        self.clicked[person[c]] = True
        self.visited[person[c]] = True  # a click lands on the career site
        q_first = p_apply_first(c) if callable(p_apply_first) else p_apply_first[c]
        p_apply = behavior.impression_apply_probability(q_first, state[c], aware[c])
        applies = (u[1][c] < p_apply) & ~self.applied[person[c]]
        applied = np.zeros(k, dtype=bool)
        if applies.any():  # a person applies once, at their first applying click
            idx = c[applies]
            _, first = np.unique(person[idx], return_index=True)
            applied[idx[first]] = True
            self.applied[person[applied]] = True
        return p, clicked, applied
