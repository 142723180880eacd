"""The employer: career site, pixel and custom audiences, staff list, applicant tracking.

- **Career site.** People land on it by clicking an ad (:meth:`sim.people.People.respond`
  marks them) or find it on their own: each day a Poisson number of organic visitors
  (``campaign.organic_site_visitors`` real people a day), drawn in proportion to their
  relevance to the vacancy times their search state's click multiplier.
- **Pixel and custom audiences.** Each platform's pixel recognises the visitors it can
  match to an account (a fixed per-person key against the platform's match rate); what
  it has seen is the ``site-visitors`` custom audience (:meth:`Employer.advertiser_data`).
- **Staff list.** The uploaded list of current employees and past hires, the seed of
  lookalike audiences and the people who share the post (:mod:`sim.network`).
- **Applicant tracking system.** Every application is passed on to the recruiting
  pipeline; paid ones are recorded with their ad set, and the ads-manager report gets
  the counts, qualified ones only after the screening delay (``ats_delay_days``).

Counts are in simulated people; the staff-list size and visitor numbers are converted
from real people at construction.
"""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np

from sim import behavior, occupations
from sim.audience import AdvertiserData
from sim.people import People
from sim.platforms import PIXEL_MATCH_RATE, PLATFORM_INDEX
from sim.population import Population, distance_km
from sim.scenario import CampaignSpec, VacancySpec
from sim.units import Units

# Called as on_applications(hour, people, qualified, search_state) for new applications.
ApplicationSink = Callable[[int, np.ndarray, np.ndarray, np.ndarray], None]


class Employer(mesa.Agent):
    """The employer's side of one run.

    Parameters
    ----------
    model : mesa.Model
        The model this actor is an agent of.
    pop : Population
    people : People
        The run's people (who visited, who is qualified now).
    vacancy : VacancySpec
    campaign : CampaignSpec
        Organic site visitors, staff-list size and the ATS delay.
    units : Units
    rng : numpy.random.Generator
        The employer's stream: pixel keys and the staff list.
    visit_rng : numpy.random.Generator
        The stream of organic career-site visits.

    Attributes
    ----------
    employee_seed : numpy.ndarray of int, shape (s,)
        The uploaded staff list (sorted person indices).
    on_applications : callable or None
        Where applications go (the recruiting pipeline's ``submit``).
    """

    def __init__(
        self,
        model: mesa.Model,
        pop: Population,
        people: People,
        vacancy: VacancySpec,
        campaign: CampaignSpec,
        units: Units,
        rng: np.random.Generator,
        visit_rng: np.random.Generator,
    ) -> None:
        super().__init__(model)
        self.pop = pop
        self.people = people
        self.ats_delay_days = campaign.ats_delay_days
        self._pixel_key = rng.integers(0, 1000, size=pop.size, dtype=np.int16)
        self._visits = OrganicVisitWeights(pop, vacancy, people.relevance(vacancy.creative))
        self._visit_rng = visit_rng
        self._visitors_per_day = units.sim_people(campaign.organic_site_visitors)
        size = round(units.sim_people(campaign.employee_seed_size))
        self.employee_seed = _employee_seed(pop, vacancy, size, rng)
        self.on_applications: ApplicationSink | None = None
        self._applications: list[np.ndarray] = []  # the ATS: (hour, ad set, qualified) columns

    # ----------------------------------------------------------------- career site
    def start_day(self, day: int) -> None:
        """People who find the career site on their own today (a Poisson number)."""
        self.organic_visits()

    def end_day(self, day: int) -> None:
        """Nothing to close at the end of a day."""

    def organic_visits(self) -> None:
        """Mark today's organic career-site visitors."""
        total = self._visits.total
        expected = self._visitors_per_day
        if total <= 0 or expected <= 0:
            return
        k = self._visit_rng.poisson(expected)
        who = self._visits.search(self._visit_rng.random(k) * total)
        self.people.visited[np.minimum(who, self.pop.size - 1)] = True

    def advertiser_data(self, platform: str) -> AdvertiserData:
        """The custom-audience data ``platform`` holds for this advertiser today."""
        matched = self._pixel_key < round(PIXEL_MATCH_RATE * 1000) + PLATFORM_INDEX[platform]
        return AdvertiserData(site_visitors=self.people.visited & matched,
                              employee_seed=self.employee_seed)  # fmt: skip

    # ----------------------------------------------------------------- ATS
    def receive(
        self,
        hour: int,
        person: np.ndarray,
        state: np.ndarray,
        adset: int | None = None,
    ) -> None:
        """New applications from ``person`` (shape (k,)) at ``hour``.

        ``state`` (shape (k,)) is their search state; ``adset`` the key of the ad set they
        came from (``None`` for organic ones, which the ads manager does not count).
        """
        qualified = self.people.qualified[person]
        if self.on_applications is not None:  # the recruiting pipeline takes them
            self.on_applications(hour, person, qualified, state)
        if adset is not None:
            k = person.size
            self._applications.append(
                np.stack([np.full(k, hour), np.full(k, adset), qualified.astype(np.int64)])
            )

    def ats_counts(self, day: int, keys: list[int]) -> list[tuple[int, int]]:
        """(applications, screened qualified applications) per ad set after ``day``.

        Simulated people; qualified ones count once older than the ATS delay.
        """
        apps = np.hstack(self._applications) if self._applications else np.zeros((3, 0), int)
        self._applications = [apps]
        hour, adset, qualified = apps
        now = (day + 1) * 24
        screened = hour < now - 24 * self.ats_delay_days
        out = []
        for key in keys:
            mine = adset == key
            out.append((int(mine.sum()), int((mine & screened & (qualified == 1)).sum())))
        return out


class OrganicVisitWeights:
    """Who visits the career site unprompted: cumulative weights, kept at block ends.

    A person's weight is their relevance to the vacancy times their search state's click
    multiplier (people in the trade who are looking find the site most often). A visitor
    is the first person whose cumulative weight exceeds a uniform point of the total.
    Only every ``BLOCK``-th cumulative weight is kept; a point's block is found among
    them and the block's cumulative weights are summed again from its start, in the same
    order, so each draw finds the person a full table would (with 1/``BLOCK`` of its
    memory).

    Parameters
    ----------
    pop : Population
    vacancy : VacancySpec
    relevance : numpy.ndarray of float, shape (n,), optional
        Everyone's :func:`sim.behavior.relevance_multiplier` for the vacancy and its
        creative (:meth:`sim.people.People.relevance`); computed here when not given.
    """

    BLOCK = 32  # people per block (a draw sums one block's weights again)
    CHUNK = 1 << 16  # people weighed at a time while building

    def __init__(
        self, pop: Population, vacancy: VacancySpec, relevance: np.ndarray | None = None
    ) -> None:
        self.pop, self.vacancy, self.relevance = pop, vacancy, relevance
        # Summed a chunk of people at a time (small temporaries, no passes over millions),
        # each chunk's sum started from the last: the same additions in the same order
        # as one cumulative sum over everyone.
        ends, carry = [], np.zeros(1)
        for start in range(0, pop.size, self.CHUNK):
            w = self.weights(np.arange(start, min(start + self.CHUNK, pop.size)))
            cum = np.cumsum(np.concatenate([carry, w]))[1:]
            ends.append(cum[(self.BLOCK - 1 - start) % self.BLOCK :: self.BLOCK])
            carry = cum[-1:]
        # Each block's last cumulative weight (the last block may be short), shape (b,).
        self.ends = np.concatenate([*ends, carry])[: self.n_blocks] if ends else np.zeros(0)
        self.total = float(carry[0]) if ends else 0.0

    @property
    def n_blocks(self) -> int:
        return -(-self.pop.size // self.BLOCK)

    def weights(self, idx: np.ndarray) -> np.ndarray:
        """Visit weights of people ``idx``, float64 shape like ``idx``."""
        pop = self.pop
        flat = idx.reshape(-1)
        if self.relevance is None:
            w = behavior.relevance_multiplier(pop, flat, self.vacancy, self.vacancy.creative)
        else:
            w = self.relevance[flat]
        w = w * np.asarray(behavior.DEFAULT_RESPONSE.search_state)[pop.search_state[flat]]
        return w.reshape(idx.shape)

    def search(self, points: np.ndarray) -> np.ndarray:
        """``np.searchsorted(cumulative weights, points, side="right")``, shape like points.

        Parameters
        ----------
        points : numpy.ndarray of float, shape (k,)
        """
        n, b = self.pop.size, self.BLOCK
        block = np.searchsorted(self.ends, points, side="right")  # blocks wholly below
        inside = block < self.n_blocks
        out = np.full(points.shape, n, dtype=np.int64)  # (past every block: all of them)
        if not inside.any():
            return out
        blk, pts = block[inside], points[inside]
        people = blk[:, None] * b + np.arange(b)  # (m, BLOCK)
        real = people < n
        w = self.weights(np.minimum(people, n - 1))
        w[~real] = 0.0
        # The block's cumulative weights: from the previous block's end, in order.
        start = np.where(blk > 0, self.ends[np.maximum(blk - 1, 0)], 0.0)
        cum = np.cumsum(np.concatenate([start[:, None], w], axis=1), axis=1)[:, 1:]
        out[inside] = blk * b + np.count_nonzero((cum <= pts[:, None]) & real, axis=1)
        return out


def _employee_seed(
    pop: Population, vacancy: VacancySpec, size: int, rng: np.random.Generator
) -> np.ndarray:
    """The employer's uploaded list: current employees and past hires of the occupation.

    Drawn from people working in the occupation near the workplace (the employer's
    staff): ``size`` simulated people (``employee_seed_size`` real ones; at least one).
    Returns indices, shape (k,).
    """
    target = occupations.occupation_index(vacancy.occupation)
    trade = np.flatnonzero(pop.occupation == target)  # (distances for them only)
    staff = trade[distance_km(pop, vacancy, trade) <= vacancy.max_distance_km]
    k = min(staff.size, max(1, size))
    return np.sort(rng.choice(staff, size=k, replace=False)) if k else staff
