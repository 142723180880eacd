"""The market: auctions against other advertisers, budget pacing and the delivery optimiser.

Delivery works hour by hour. For each active ad set and hour:

1. **Opportunities.** People in the ad set's audience open the app at their own rates
   (sessions per day x share of the day's use in this hour x ad slots per session).
   Their number is Poisson; an opportunity falls on person *i* with probability
   proportional to *i*'s rate (drawn in constant time by :class:`sim.sampling.RateSampler`,
   built once when the audience is resolved).
2. **Throttling.** The ad set enters at most ``participation`` x (the impressions its
   hourly budget buys at the platform's median price) of them, so the work grows with
   the budget, not with population x hours.
3. **Auction.** The highest competing bid is log-normal around the platform's median
   CPM times the person's segment multiplier (other advertisers value some groups more:
   women 25-44 by default) and the hour's demand; a floor applies. The ad set bids
   ``lambda x value``: value is 1 for reach and the optimiser's predicted engagement for
   clicks or applications. It wins when its bid beats the competition; it pays the
   competing bid (second price) or its own (first price).
   Every bid is capped (:func:`bid_ceiling`): at the ad set's ``bid_cap`` if it has
   one, and at ``BID_CAP_FACTOR`` x the platform's median price, as automatic bidding
   does, so pacing can never bid more than an ad set could rationally pay.
4. **Frequency cap and budget.** Impressions beyond the cap are not bought. Money is
   billed in integer micros (:mod:`sim.units`) and the lifetime budgets of the ad set
   and of the campaign are hard limits: delivery stops *before* the purchase that would
   cross either of them (a platform stops delivery when the budget is used up; it
   neither overspends nor charges a part of an impression); the hour's pacing cap is
   soft (the auction that crosses it still counts). With a
   heavy sampling weight one simulated impression costs ``weight`` real ones, so a
   campaign may end up to one such impression short of its budget.
5. **Response.** The people who saw the ad respond (:meth:`sim.people.People.respond`);
   applications go to the employer's applicant tracking system.
6. **Pacing.** ``lambda`` is adjusted every hour so spend tracks an even daily budget
   spread over the day in proportion to use; unspent money carries forward.

:class:`Market` is the actor: it validates and keeps the campaign's ad sets, runs their
auctions hour by hour and writes the ads-manager report. It works in simulated units
(money is ``budget / weight``, see :mod:`sim.units`).

The **delivery optimiser** predicts engagement from what the platform knows: sex and
age band (when the platform uses them, even if the advertiser did not target them),
inferred interests, declared titles and the creative's image. It is trained on
historical engagement with similar job ads: the mean true click (and apply)
probability of the platform's users in each cell of those features. This is the
mechanism behind skewed delivery of neutral job ads (Ali et al. 2019).

With ``optimiser.learning`` on, each ad set's optimiser also **learns from the campaign's
own results** (:class:`CellLearner`): per feature cell a Beta posterior on the
optimisation event rate (clicks per impression, or applications per impression for the
applications objective) whose prior is the historical table, updated every hour. While
the ad set has fewer than ``learning_events`` events (Meta's *learning phase*, about 50)
it explores by Thompson sampling; afterwards it bids on the posterior means.

**Platform events** (``[[events]]`` in a scenario, :meth:`Market.apply_events`) change a
platform under the running campaign from a given day: a targeting option withdrawn, a
policy switched on, a price shock, an optimiser change. The advertiser sees them only as
the ads manager would show them: ad sets refused with the platform's wording, prices and
results that change.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from dataclasses import dataclass, field
from typing import ClassVar

import mesa
import numpy as np

from sim import behavior, occupations
from sim import interests as topics
from sim.audience import PlatformView, resolve
from sim.campaign import AdSet, AdSetReport, AdSetStatus, DeliveryReport
from sim.employer import Employer
from sim.errors import BudgetError, PolicyError, UnknownNameError
from sim.people import People
from sim.platforms import PLATFORMS, Platform
from sim.population import OPEN_PASSIVE, Population, by_chunks
from sim.sampling import RateSampler, sorted_subset
from sim.scenario import EventSpec, MarketSpec, OptimiserSpec, PlatformSpec, VacancySpec
from sim.units import Units

RESPONSE = behavior.DEFAULT_RESPONSE
FLOOR_SHARE = 0.1  # reserve price as a share of the median competing bid (estimate)
HOUR_DEMAND_ELASTICITY = 0.3  # competitors' bids rise mildly with traffic (estimate)
HOURLY_OVERSPEND = 2.0  # an hour may spend up to 2x its pacing target (estimate)
# Automatic bidding never bids more than this many times the platform's median price
# (estimate: platforms bound their automated bids to protect advertisers, but do not
# publish the rule; 10x the median CPM is far above what the competition asks).
BID_CAP_FACTOR = 10.0
TRAINING_SAMPLE = 60_000  # users the optimiser's engagement table is estimated from
CELL_PRIOR = 20.0  # pseudo-count shrinking small cells toward the overall mean


# The optimiser's feature cells: sex x age band x 3 interest x 3 title buckets, in a byte.
N_CELLS = 2 * len(occupations.AGE_BANDS) * 9
CELL_DTYPE = np.uint8 if N_CELLS <= 256 else np.uint16


def segment_multipliers(market: MarketSpec, age: np.ndarray, gender: np.ndarray) -> np.ndarray:
    """Competitors' price multiplier for each person (product over matching segments).

    The product is taken once per (age, sex) in a small table, in the segments' order,
    and looked up for each person.

    Parameters
    ----------
    market : MarketSpec
    age : numpy.ndarray of int, shape (n,)
        Ages in whole years.
    gender : numpy.ndarray of int, shape (n,)
        0 male, 1 female.

    Returns
    -------
    numpy.ndarray of float32, shape (n,)
    """
    oldest = int(age.max()) if age.size else 0
    ages = np.arange(oldest + 1)[:, None]  # (ages, 1) x sexes (1, 2)
    table = np.ones((oldest + 1, 2), dtype=np.float32)
    for seg in market.segments:
        in_age = (ages >= seg.age_min) & (ages <= seg.age_max)
        sexes = np.arange(2) == (1 if seg.gender == "female" else 0)
        if seg.gender == "any":
            sexes[:] = True
        table[in_age & sexes] *= np.float32(seg.price_multiplier)
    key = age.astype(np.intp) * 2 + gender
    return table.reshape(-1)[key]


class DeliveryOptimiser:
    """A platform's engagement model for one vacancy's ads.

    Cells are (sex, age band) — only where the platform and the scenario let the
    optimiser use demographics — x inferred-interest overlap with the occupation's
    topics (none / some / most) x declared title (none / the occupation / other).

    Parameters
    ----------
    spec : OptimiserSpec
    view : PlatformView
    pop : Population
        Used only to simulate the historical engagement the platform learned from.
    vacancy : VacancySpec
    rng : numpy.random.Generator
    qualified : numpy.ndarray of bool, shape (n,), optional
        Who meets the vacancy's rule (:func:`sim.population.qualified_mask` if not given).
    distance_factor : numpy.ndarray of float, shape (n,), optional
        Everyone's distance factor of relevance (as in
        :func:`sim.behavior.relevance_multiplier`), when the caller has it.
    """

    N_CELLS = N_CELLS

    def __init__(
        self,
        spec,
        view: PlatformView,
        pop: Population,
        vacancy,
        rng,
        qualified: np.ndarray | None = None,
        distance_factor: np.ndarray | None = None,
    ) -> None:
        self.platform = view.platform
        self.view = view
        occ = occupations.get(vacancy.occupation)
        self._topics = [topics.topic_index(t) for t in occ.interests]
        self._target = occupations.occupation_index(vacancy.occupation)
        users = np.flatnonzero(view.sessions > 0)
        if users.size > TRAINING_SAMPLE:
            users = users[sorted_subset(rng, users.size, TRAINING_SAMPLE)]
        neutral = behavior.Creative()
        clicks = behavior.click_probability(pop, users, vacancy, neutral, self.platform.link_ctr,
                                            distance_factor=distance_factor)  # fmt: skip
        applies = clicks * behavior.apply_probability(pop, users, vacancy, qualified=qualified)
        self._history = (users, clicks, applies)
        self.retrain(spec)

    def retrain(self, spec: OptimiserSpec) -> None:
        """(Re)build the engagement tables from history under ``spec``'s feature settings.

        Used at the start and when a platform changes its optimiser mid-campaign (an
        ``optimiser_change`` event); the historical sample is kept, so no randomness is
        drawn.
        """
        self.spec = spec
        self.use_demographics = spec.use_demographics and self.platform.optimiser_demographics
        self.use_creative = spec.use_creative and self.platform.optimiser_creative
        self.noise = spec.prediction_noise
        users, clicks, applies = self._history
        cells = self.cells(users)
        count = np.bincount(cells, minlength=self.N_CELLS)
        self.click_table = self._shrunk(cells, clicks, count, self.N_CELLS)
        self.apply_table = self._shrunk(cells, applies, count, self.N_CELLS)

    @staticmethod
    def _shrunk(cells, values, count, n_cells) -> np.ndarray:
        overall = values.mean() if values.size else 0.0
        sums = np.bincount(cells, weights=values, minlength=n_cells)
        return (sums + CELL_PRIOR * overall) / (count + CELL_PRIOR)

    def cells(self, idx: np.ndarray) -> np.ndarray:
        """Feature cell of people ``idx``, shape (k,) uint8.

        ``(demo x 3 + interest bucket) x 3 + title bucket``, each part looked up from a
        small table by the person's codes and added in small integers.
        """
        # Interest overlap (share of the occupation's topics the platform believes people
        # have): none, some, or at least half — counted in small integers.
        n_topics = len(self._topics)
        count = np.zeros(idx.size, dtype=np.uint8)
        for t in self._topics:
            count += self.view.interest(t)[idx]
        c = np.arange(n_topics + 1)
        ibucket = np.where(2 * c >= max(n_topics, 1), 2, np.where(c > 0, 1, 0))
        # Declared titles are occupation codes, -1 (the table's last entry) for none.
        tbucket = np.full(len(occupations.OCCUPATIONS) + 1, 2)
        tbucket[-1], tbucket[self._target] = 0, 1
        cell = (3 * ibucket).astype(CELL_DTYPE)[count]
        if self.platform.declares_titles:  # (otherwise nobody has one: bucket 0)
            cell += tbucket.astype(CELL_DTYPE)[self.view.titles[idx]]
        if self.use_demographics:
            n_bands = len(occupations.AGE_BANDS)
            cell += self.view.gender[idx].astype(CELL_DTYPE) * CELL_DTYPE(9 * n_bands)
            cell += self.view.age_band[idx].astype(CELL_DTYPE) * CELL_DTYPE(9)
        return cell

    def rates(self, idx: np.ndarray, objective: str, creative) -> np.ndarray:
        """Predicted optimisation events per impression for people ``idx``, shape (k,).

        Clicks per impression for the clicks objective, applications per impression for
        the applications objective: the historical table of the person's cell, times the
        image's appeal to their sex when the optimiser reads the creative.
        """
        table = self.click_table if objective == "clicks" else self.apply_table
        cells = self.cells(idx)
        if not self.use_creative:
            return table[cells]
        # One value per (cell, sex): the same products, looked up.
        by_sex = behavior.image_multiplier(creative, np.arange(2))
        key = cells.astype(np.intp) * 2 + self.view.gender[idx]
        return (table[:, None] * by_sex).reshape(-1)[key]

    def predict(self, idx: np.ndarray, objective: str, creative) -> np.ndarray:
        """Predicted value of showing the ad to people ``idx`` (mean 1), shape (k,)."""
        if objective in ("reach", "awareness") or idx.size == 0:
            return np.ones(idx.size, dtype=np.float32)
        return _mean_one(self.rates(idx, objective, creative))


def _mean_one(value: np.ndarray) -> np.ndarray:
    """``value`` divided by its mean (ones where the mean is 0), float32, shape like it."""
    mean = value.mean() if value.size else 0.0
    return (value / mean if mean > 0 else np.ones(value.size)).astype(np.float32)


class CellLearner:
    """What one ad set's optimiser learns from its own delivery.

    Per feature cell *c* of the optimiser (:meth:`DeliveryOptimiser.cells`) the rate of
    optimisation events per impression (clicks, or applications for the applications
    objective) has a Beta prior centred on the historical prediction ``m_c`` (the mean of
    :meth:`DeliveryOptimiser.rates` over the audience members in the cell). The history
    is worth ``prior_events`` events in all, spread over the cells like the audience:
    ``n_c = (prior_events / m) (k_c / k)`` impressions in cell *c* (``m`` the audience's
    mean rate, ``k_c`` of its ``k`` members in the cell), so once the campaign has had
    about ``prior_events`` events of its own, they weigh as much as the history::

        rate_c ~ Beta(n_c m_c + e_c, n_c (1 - m_c) + i_c - e_c)

    with ``i_c`` impressions and ``e_c`` events the ad set has had in the cell. These are
    counted as the model drew them: a simulated person stands for ``weight`` real people
    but is one random draw, and counting it as ``weight`` events would make the learner
    sure of itself after a handful of draws (so in a down-sampled population the learner
    sees less evidence than the real platform would; it is never more certain than its
    data). The learning phase is counted in real events, as the platform reports it:
    while the ad set has fewer than ``learning_events`` events in all, the rates are drawn from the
    posteriors every hour (Thompson sampling: uncertain cells get their chance); after
    it, the posterior means are used (concentration). A person's value is their
    historical prediction times ``rate_c / m_c`` for their cell, scaled to mean 1.

    Parameters
    ----------
    cells : numpy.ndarray of CELL_DTYPE, shape (k,)
        Each audience member's cell.
    prior : numpy.ndarray of float, shape (k,)
        Each member's historical prediction (events per impression).
    spec : OptimiserSpec
        ``learning_events`` (real events) and ``prior_events`` (draws).
    weight : float
        Real people per simulated person.
    rng : numpy.random.Generator
        For the Thompson draws (its own stream: learning does not shift the market's).
    """

    def __init__(self, cells, prior, spec: OptimiserSpec, weight: float, rng) -> None:
        n = DeliveryOptimiser.N_CELLS
        self.spec = spec
        self.weight = weight
        self.rng = rng
        self.impressions = np.zeros(n)  # simulated impressions per cell
        self.events = np.zeros(n)  # simulated events per cell
        self.total_events = 0.0  # real events (the learning phase)
        self.rebind(cells, prior)

    def rebind(self, cells: np.ndarray, prior: np.ndarray) -> None:
        """A new audience (custom audiences are refreshed daily); the counts are kept."""
        n = DeliveryOptimiser.N_CELLS
        self.cells = cells
        count = np.bincount(cells, minlength=n)
        rate = np.bincount(cells, weights=prior, minlength=n) / np.maximum(count, 1)
        self.rate = np.clip(rate, 1e-9, 1 - 1e-9)
        mean = float(prior.mean()) if prior.size else 0.0
        self.n0 = self.spec.prior_events / max(mean, 1e-9) * count / max(cells.size, 1)
        self.used = count > 0

    @property
    def learning(self) -> bool:
        """Still in the learning phase (fewer than ``learning_events`` events)."""
        return self.total_events < self.spec.learning_events

    def observe(self, local: np.ndarray, events: np.ndarray) -> None:
        """Count impressions of audience members ``local`` (k,) and their events (k,) bool."""
        c = self.cells[local]
        n = DeliveryOptimiser.N_CELLS
        self.impressions += np.bincount(c, minlength=n)
        hits = np.bincount(c, weights=events.astype(np.float64), minlength=n)
        self.events += hits
        self.total_events += self.weight * float(hits.sum())

    def ratios(self) -> np.ndarray:
        """Learned rate over the historical rate per cell, shape (n_cells,)."""
        u = self.used
        a = self.n0[u] * self.rate[u] + self.events[u]
        b = self.n0[u] * (1 - self.rate[u]) + np.maximum(self.impressions[u] - self.events[u], 0)
        out = np.ones(self.rate.size)
        out[u] = (self.rng.beta(a, b) if self.learning else a / (a + b)) / self.rate[u]
        return out


def _empty(dtype) -> np.ndarray:
    return np.zeros(0, dtype=dtype)


@dataclass(eq=False)
class _AdSetState:
    """An ad set being delivered: its audience and running counters."""

    key: int
    adset: AdSet
    platform: Platform
    objective: str
    freq: np.ndarray  # uint16 (n,): impressions each person has had from this ad set
    budget_micros: int  # lifetime budget left, real money in micros
    lam: float
    # Per audience member, shape (k,); set by Market._resolve.
    audience: np.ndarray = field(default_factory=lambda: _empty(np.int32))  # person index
    # Who gets each ad opportunity: drawn in proportion to the members' session rates.
    sampler: RateSampler = field(default_factory=lambda: RateSampler(_empty(np.float32)))
    rate_total: float = 0.0  # ad opportunities per day in the whole audience
    # The optimiser's predicted value and other advertisers' price multiplier side by
    # side, float32 (k, 2): the auctions gather both for every ad opportunity, in one
    # memory access as an 8-byte record. Read and set through ``value`` and ``price_mult``.
    members: np.ndarray = field(default_factory=lambda: np.zeros((0, 2), dtype=np.float32))
    p_click: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # first exposure
    p_apply: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # after a click
    gender: np.ndarray = field(default_factory=lambda: _empty(np.uint8))  # (variance reduction)
    brand: bool = False
    # Variance reduction: bid multipliers by sex and the audience's share of women.
    group_mult: np.ndarray = field(default_factory=lambda: np.ones(2))
    target_female: float = 0.5
    status: AdSetStatus = field(default_factory=lambda: AdSetStatus("active"))
    day_budget: float = 0.0
    spent_today: float = 0.0  # simulated money, for pacing
    impressions: int = 0
    reach: int = 0
    clicks: int = 0
    spend_micros: int = 0  # real money
    floor_cost: int = 1  # micros: the cheapest impression (at the floor price), at least 1
    impressions_by_gender: list = field(default_factory=lambda: [0, 0])
    # The optimiser's historical prediction per audience member (k,; kept only while the
    # ad set learns) and what the ad set has learned from its own results (None: learning
    # off or nothing to optimise).
    prior_value: np.ndarray = field(default_factory=lambda: _empty(np.float64))
    learner: CellLearner | None = None

    @property
    def daily_opportunities(self) -> float:
        return self.rate_total

    @property
    def value(self) -> np.ndarray:
        """The optimiser's predicted value of each member (mean 1), float32 shape (k,)."""
        return self.members[:, 0]

    @value.setter
    def value(self, value: np.ndarray) -> None:
        self._set_member(0, value)

    @property
    def price_mult(self) -> np.ndarray:
        """Other advertisers' price multiplier for each member, float32 shape (k,)."""
        return self.members[:, 1]

    @price_mult.setter
    def price_mult(self, price_mult: np.ndarray) -> None:
        self._set_member(1, price_mult)

    def _set_member(self, column: int, values: np.ndarray) -> None:
        # A new array each time: what was read before (a journey's snapshot) stays as it was.
        both = np.empty((values.size, 2), dtype=np.float32)
        both[:, column] = values
        other = self.members[:, 1 - column]
        both[:, 1 - column] = other if other.size == values.size else np.nan  # (set next)
        self.members = both

    def pairs(self) -> np.ndarray:
        """Each member's ``(value, price_mult)`` record as one int64, shape (k,)."""
        return self.members.view(np.int64)[:, 0]


class ImpressionLog:
    """Every impression bought, as columns (appended per hour, joined on demand).

    Columns, each of shape (n_impressions,) in time order (within an hour, auction
    order): ``person`` (int32), ``adset`` (int16, index into the market's ad set names),
    ``hour`` (int32), ``price`` (float64, simulated money), ``p_click`` (float32, the
    probability the click was drawn with), ``clicked`` and ``applied`` (bool).

    Rows are copied into blocks of :attr:`BLOCK` rows in the columns' own types as they
    come (18 bytes per impression, no per-hour allocations that the allocator keeps
    after the log is joined); a batch's ad set and hour are the same for all its rows,
    so they are kept once per batch and spread over the rows only when read.
    """

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "person", "adset", "hour", "price", "p_click", "clicked", "applied",
    )  # fmt: skip
    DTYPES: ClassVar[dict] = dict(person=np.int32, adset=np.int16, hour=np.int32, price=np.float64,
                  p_click=np.float32, clicked=bool, applied=bool)  # fmt: skip
    CONSTANT: ClassVar[tuple[str, ...]] = ("adset", "hour")  # one value per batch
    BLOCK: ClassVar[int] = 1 << 18  # rows per block

    def __init__(self) -> None:
        self._blocks: dict[str, list[np.ndarray]] = {
            c: [] for c in self.COLUMNS if c not in self.CONSTANT
        }
        self._starts: list[int] = []  # first row of each block
        self._batches: dict[str, list[int]] = {c: [] for c in self.CONSTANT}
        self._lengths: list[int] = []  # rows of each batch
        self._batch_starts: list[int] = []  # first row of each batch
        self.size = 0  # rows so far

    def append(self, **cols) -> None:
        """Add a batch of impressions: every column, equal lengths (``adset`` and
        ``hour`` single values: the batch's ad set and hour)."""
        k = len(cols["person"])
        for c in self.CONSTANT:
            self._batches[c].append(int(cols[c]))
        self._lengths.append(k)
        self._batch_starts.append(self.size)
        done = 0
        while done < k:
            end = self._starts[-1] + self._blocks["person"][-1].size if self._starts else 0
            if end == self.size:  # the last block is full
                self._starts.append(self.size)
                for c, blocks in self._blocks.items():
                    blocks.append(np.empty(self.BLOCK, dtype=self.DTYPES[c]))
                end = self.size + self.BLOCK
            at = self.size - self._starts[-1]
            n = min(k - done, end - self.size)
            for c, blocks in self._blocks.items():
                blocks[-1][at : at + n] = cols[c][done : done + n]
            done += n
            self.size += n

    def _rows(self, c: str, start: int) -> np.ndarray:
        """Column ``c``'s rows ``start`` to the end, joined (a new array)."""
        if c in self.CONSTANT:  # the batches from the one holding row `start`
            b = max(bisect.bisect_right(self._batch_starts, start) - 1, 0)
            lengths = np.asarray(self._lengths[b:], dtype=np.int64)
            if lengths.size:
                lengths[0] -= start - self._batch_starts[b]
            return np.repeat(np.asarray(self._batches[c][b:], dtype=self.DTYPES[c]), lengths)
        parts = []
        for first, block in zip(self._starts, self._blocks[c], strict=True):
            stop = min(first + block.size, self.size)
            if stop > start:
                parts.append(block[max(start - first, 0) : stop - first])
        return np.concatenate(parts) if parts else np.zeros(0, self.DTYPES[c])

    def arrays(self) -> dict[str, np.ndarray]:
        """The log as arrays, each of shape (n_impressions,).

        The blocks of each column are joined into one (and freed) column by column,
        so the log's memory grows by at most one column while it is joined.
        """
        out = {c: self._rows(c, 0) for c in self.CONSTANT}
        joined = {}
        for c, blocks in self._blocks.items():
            joined[c] = self._rows(c, 0)
            blocks[:] = [joined[c]]  # later rows go to new blocks
        self._starts = [0] if self.size else []
        if not self.size:
            for blocks in self._blocks.values():
                blocks.clear()
        out.update(joined)
        return {c: out[c] for c in self.COLUMNS}

    def since(self, start: int) -> dict[str, np.ndarray]:
        """Rows ``start`` to the end (e.g. one day's impressions), each of shape (m,)."""
        return {c: self._rows(c, start) for c in self.COLUMNS}


class Market(mesa.Agent):
    """The campaign's ad sets in the platforms' auctions, hour by hour.

    Parameters
    ----------
    model : mesa.Model
        The model this actor is an agent of.
    pop : Population
    people : People
        Who responds to the impressions.
    employer : Employer
        Custom-audience data (pixel, staff list) and the applicant tracking system.
    platforms : tuple of PlatformSpec
        The platforms in play and their policies.
    market : MarketSpec
    optimiser : OptimiserSpec
    vacancy : VacancySpec
    objective : str
        The campaign's objective (an ad set's default).
    days : int
        Campaign length.
    budget : float
        The campaign's budget in real money (converted to simulated money here).
    currency : str
    units : Units
    rng : numpy.random.Generator
        The market's stream (opportunities, competition, the optimiser's training sample).
    events : tuple of EventSpec
        Platform changes during the campaign, applied on their day (:meth:`apply_events`).
    learning_rng : numpy.random.Generator, optional
        The learning optimisers' stream (Thompson draws; the run's ``learning``
        component, so learning does not shift the market's draws). Needed only when
        ``optimiser.learning`` is on for some platform.
    """

    def __init__(
        self,
        model: mesa.Model,
        pop: Population,
        people: People,
        employer: Employer,
        platforms: tuple[PlatformSpec, ...],
        market: MarketSpec,
        optimiser: OptimiserSpec,
        vacancy: VacancySpec,
        objective: str,
        days: int,
        budget: float,
        currency: str,
        units: Units,
        rng: np.random.Generator,
        events: tuple[EventSpec, ...] = (),
        learning_rng: np.random.Generator | None = None,
    ) -> None:
        super().__init__(model)
        self.pop = pop
        self.people = people
        self.employer = employer
        self.platforms = {spec.name: spec.policy for spec in platforms}
        self.ctr_scale = {spec.name: spec.ctr_scale for spec in platforms}  # calibration
        self.market = market
        self.optimiser = optimiser
        self.vacancy = vacancy
        self.objective = objective
        self.days = days
        self.currency = currency
        self.units = units
        self.market_rng = rng
        self.budget_micros = units.micros(budget)
        self.log = ImpressionLog()
        self._views: dict[str, PlatformView] = {}
        self._location_masks: dict = {}  # people in each set of locations (audience.resolve)
        self._optimisers: dict[str, DeliveryOptimiser] = {}
        self._shares: dict[tuple, tuple] = {}  # hour weights by (platform, hours)
        self._stamp = np.empty(0, dtype=np.int32)
        self._states: dict[str, _AdSetState] = {}
        self._active: list[_AdSetState] = []
        self._order: list[str] = []  # every ad set name ever planned, in order (log key)
        self.spend_micros = 0
        self.stopped = False  # the vacancy is filled and the campaign stopped
        self.exchange = None  # an AdExchange when competing employers share the auctions
        self._position_cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # see _positions
        self.events = tuple(events)
        self._planned_policy = dict(self.platforms)  # what the advertiser was told
        self._optimiser_specs = {name: optimiser for name in self.platforms}
        self._price_shock = {name: 1.0 for name in self.platforms}
        self._withdrawn: dict[str, list[tuple[str, frozenset[str], int]]] = {}
        self._learning_rng = learning_rng

    # ----------------------------------------------------------------- ad sets
    def view(self, platform: str) -> PlatformView:
        """The platform's view of the population (cached)."""
        if platform not in self._views:
            self._views[platform] = PlatformView(self.pop, PLATFORMS[platform])
        return self._views[platform]

    def set_ad_sets(self, adsets: list[AdSet], day: int) -> None:
        """Validate and (re)activate ad sets; ad sets not listed are paused.

        An ad set keeps its counters when a later plan names it again with the same
        platform, targeting, creative and objective (a budget, bid, cap or hours change);
        otherwise its audience is resolved anew.

        Raises
        ------
        PolicyError, BudgetError, UnknownNameError
        """
        adsets = list(adsets)
        names = [a.name for a in adsets]
        if len(set(names)) != len(names):
            raise PolicyError(f"ad set names must be unique, got {names}")
        left = self.units.money_from_micros(self.budget_micros - self.spend_micros)
        planned = sum(a.budget for a in adsets)
        for a in adsets:
            self._check(a)
        if planned > left * (1 + 1e-9) + 1e-6:
            raise BudgetError(
                f"ad sets plan {planned:,.2f} but only {left:,.2f} "
                f"{self.currency} of the budget is left"
            )
        new_states = {}
        for a in adsets:
            old = self._states.get(a.name)
            same = old is not None and (old.adset.platform, old.adset.targeting,
                                        old.adset.creative, old.adset.objective) == (
                a.platform, a.targeting, a.creative, a.objective)  # fmt: skip
            st = old if same else self._activate(a, old)
            st.adset = a
            st.budget_micros = self.units.micros(a.budget)
            st.day_budget = 0.0
            new_states[a.name] = st
            if a.name not in self._order:
                self._order.append(a.name)
        for name, st in self._states.items():
            if name not in new_states:
                st.budget_micros = 0
        self._states.update(new_states)
        self._active = [self._states[a.name] for a in adsets]

    def _check(self, a: AdSet) -> None:
        in_play = list(self.platforms)
        if a.platform not in in_play:
            raise UnknownNameError("platform in this scenario", a.platform, in_play)
        platform = PLATFORMS[a.platform]
        # Bad input is judged by the rules the advertiser was given; a rule a platform
        # changed during the campaign refuses the ad set instead (see _refusal).
        platform.check(a.targeting, self._planned_policy[a.platform])
        if not (a.budget >= 0 and math.isfinite(a.budget)):
            raise BudgetError(f"ad set {a.name!r}: budget must be >= 0, got {a.budget!r}")
        if a.bid_cap is not None and not a.bid_cap > 0:
            raise BudgetError(f"ad set {a.name!r}: bid_cap must be > 0, got {a.bid_cap!r}")
        if a.frequency_cap is not None and a.frequency_cap < 1:
            raise PolicyError(
                f"ad set {a.name!r}: frequency_cap must be >= 1, got {a.frequency_cap!r}"
            )
        if any(not 0 <= h <= 23 for h in a.hours):
            raise PolicyError(f"ad set {a.name!r}: hours must be 0-23, got {a.hours}")
        if a.objective not in (None, "reach", "awareness", "clicks", "applications"):
            raise PolicyError(f"ad set {a.name!r}: unknown objective {a.objective!r}")

    def _activate(self, a: AdSet, old: _AdSetState | None) -> _AdSetState:
        platform = PLATFORMS[a.platform]
        price = self.market.price_level * platform.median_cpm
        st = _AdSetState(
            key=self._order.index(a.name) if a.name in self._order else len(self._order),
            adset=a, platform=platform,
            objective=a.objective or self.objective,
            freq=old.freq if old is not None else np.zeros(self.pop.size, dtype=np.uint16),
            budget_micros=self.units.micros(a.budget),
            lam=float(price) if old is None else old.lam,
        )  # fmt: skip
        floor = self.units.cost_micros(np.array([FLOOR_SHARE * price / 1000.0]))
        st.floor_cost = max(int(floor[0]), 1)
        self._resolve(st)
        if old is not None:  # keep the running totals the ads manager shows
            st.impressions, st.reach, st.clicks = old.impressions, old.reach, old.clicks
            st.spend_micros, st.impressions_by_gender = old.spend_micros, old.impressions_by_gender
        return st

    def _resolve(self, st: _AdSetState) -> None:
        """(Re)compute an ad set's audience and the per-member arrays that depend on it."""
        a, platform = st.adset, st.platform
        view = self.view(a.platform)
        t = a.targeting
        uses_data = t.custom_audience is not None or t.lookalike_percent is not None
        data = self.employer.advertiser_data(a.platform) if uses_data else None
        audience = resolve(view, t, data, location_masks=self._location_masks)
        real = self.units.real_people(audience.size)
        custom = a.targeting.custom_audience is not None
        minimum = platform.min_custom_audience if custom else platform.min_audience
        st.status = AdSetStatus("active")
        refusal = self._refusal(a)
        if refusal:  # a platform change since the campaign started
            st.status = AdSetStatus("rejected", refusal)
            audience = audience[:0]
        elif real < minimum:  # the platform will not publish it
            st.status = AdSetStatus(
                "rejected",
                f"audience of about {real:,.0f} people is below "
                f"{platform.label}'s minimum of {minimum:,}",
            )
            audience = audience[:0]
        vacancy = self.vacancy
        creative = a.creative or vacancy.creative
        if a.platform not in self._optimisers:
            self._optimisers[a.platform] = DeliveryOptimiser(
                self._optimiser_specs[a.platform], view, self.pop, vacancy, self.market_rng,
                qualified=self.people.qualified_at_start,
                distance_factor=self.people.distance_factor,
            )  # fmt: skip
        st.audience = audience
        st.sampler = RateSampler(view.sessions[audience])
        st.rate_total = st.sampler.total * platform.ads_per_session
        self._predict(st)
        # (for the audience only: nobody else's multiplier is ever needed)
        st.price_mult = by_chunks(
            lambda i: segment_multipliers(self.market, self.pop.age[i], self.pop.gender[i]),
            audience, np.float32,
        )  # fmt: skip
        if self._price_shock[a.platform] != 1.0:
            st.price_mult = st.price_mult * np.float32(self._price_shock[a.platform])
        gender = view.gender[audience]
        st.target_female = float(gender.mean()) if audience.size else 0.5
        # (kept per member only for variance reduction, the one thing that bids by sex)
        st.gender = gender if self.optimiser.variance_reduction else _empty(np.uint8)
        del gender
        # Computed for an open-passive person; the current search state is applied at
        # impression time (states change during the campaign).
        ctr = platform.link_ctr * self.ctr_scale[a.platform]
        relevance = self.people.relevance(creative)
        st.p_click = by_chunks(
            lambda i: behavior.click_probability(
                self.pop, i, vacancy, creative, ctr, search_state=OPEN_PASSIVE,
                relevance=relevance,
            ),
            audience, np.float32,
        )  # fmt: skip
        st.p_apply = by_chunks(
            lambda i: behavior.apply_probability(
                self.pop, i, vacancy, qualified=self.people.qualified,
                search_state=OPEN_PASSIVE, dtype=np.float32,
            ),
            audience, np.float32,
        )  # fmt: skip
        st.brand = creative.message == "employer-brand"
        if st.brand:  # no vacancy in the ad: a click rarely ends in an application
            st.p_apply = st.p_apply * np.float32(RESPONSE.brand_apply)

    # ----------------------------------------------------------------- optimiser
    def _predict(self, st: _AdSetState) -> None:
        """The optimiser's value of each audience member (and its learner, if learning)."""
        optimiser = self._optimisers[st.adset.platform]
        creative = st.adset.creative or self.vacancy.creative
        if st.objective in ("reach", "awareness") or st.audience.size == 0:
            st.value = optimiser.predict(st.audience, st.objective, creative)
            st.learner = None
            return
        spec = self._optimiser_specs[st.adset.platform]
        rates = by_chunks(lambda i: optimiser.rates(i, st.objective, creative), st.audience)
        if not spec.learning:  # (the historical prediction is needed only to learn)
            st.learner = None
            st.prior_value = _empty(np.float64)
            st.value = _mean_one(rates)
            return
        st.prior_value = rates
        cells = by_chunks(optimiser.cells, st.audience, CELL_DTYPE)
        if st.learner is None:
            st.learner = CellLearner(cells, st.prior_value, spec, self.units.weight,
                                     self._learning_stream())  # fmt: skip
        else:
            st.learner.spec = spec
            st.learner.rebind(cells, st.prior_value)
        self._refresh(st)

    def _learning_stream(self) -> np.random.Generator:
        """The learners' own stream (one per market, shared by its ad sets' learners)."""
        if self._learning_rng is None:
            raise ValueError("optimiser.learning needs the market's learning_rng stream")
        return self._learning_rng

    @staticmethod
    def _refresh(st: _AdSetState) -> None:
        """Re-score the audience from what the ad set has learned so far."""
        st.value = _mean_one(st.prior_value * st.learner.ratios()[st.learner.cells])

    def _learn(self, st: _AdSetState, who: np.ndarray, clicked, applied) -> None:
        """The optimiser sees the hour's impressions and events and re-scores the audience."""
        st.learner.observe(who, applied if st.objective == "applications" else clicked)
        self._refresh(st)

    # ----------------------------------------------------------------- platform events
    def apply_events(self, day: int) -> None:
        """Apply the platform changes scheduled for ``day`` (at the start of the day).

        ``remove_targeting_option`` withdraws an option (or some of its values) and
        ``policy`` switches a platform's policy: ad sets that now break the rules are
        refused (status ``rejected`` with the platform's wording), as are later plans that
        use them. ``price_shock`` multiplies competitors' bids on the platform from this
        day. ``optimiser_change`` retrains the platform's optimiser with the new settings
        and re-scores its ad sets' audiences. The advertiser is not told otherwise.
        """
        for e in self.events:
            if e.day != day:
                continue
            if e.kind == "remove_targeting_option":
                self._withdrawn.setdefault(e.platform, []).append(
                    (e.option, frozenset(e.values), day)
                )
            elif e.kind == "policy":
                self.platforms[e.platform] = e.policy
            elif e.kind == "price_shock":
                self._price_shock[e.platform] *= e.price_multiplier
                for st in self._on(e.platform):
                    st.price_mult = st.price_mult * np.float32(e.price_multiplier)
                continue
            elif e.kind == "optimiser_change":
                flags = {
                    k: getattr(e, k) == "on"
                    for k in ("use_demographics", "use_creative", "learning")
                    if getattr(e, k)
                }
                spec = dataclasses.replace(self._optimiser_specs[e.platform], **flags)
                self._optimiser_specs[e.platform] = spec
                if e.platform in self._optimisers:
                    self._optimisers[e.platform].retrain(spec)
                for st in self._on(e.platform):
                    if st.audience.size:
                        self._predict(st)
                continue
            for st in self._on(e.platform):  # the rules changed: refuse what breaks them
                refusal = self._refusal(st.adset)
                if refusal and st.status.state == "active":
                    st.status = AdSetStatus("rejected", refusal)
                    st.audience = st.audience[:0]
                    st.rate_total = 0.0
                    st.sampler = RateSampler(_empty(np.float32))

    def _on(self, platform: str) -> list[_AdSetState]:
        return [st for st in self._states.values() if st.adset.platform == platform]

    def _refusal(self, a: AdSet) -> str:
        """Why the platform now refuses ad set ``a`` after a change ('' if it does not)."""
        platform = PLATFORMS[a.platform]
        policy = self.platforms[a.platform]
        if policy != self._planned_policy[a.platform]:
            try:
                platform.check(a.targeting, policy)
            except PolicyError as exc:
                return f"{exc} (policy in force since the campaign started)"
        t = a.targeting
        chosen = {"interests": t.interests, "job_titles": t.job_titles,
                  "exclude_interests": t.exclude_interests}  # fmt: skip
        used = t.options_used()
        for option, values, day in self._withdrawn.get(a.platform, ()):
            if option not in used:
                continue
            if not values:
                return (f"{platform.label} no longer offers {option!r} targeting "
                        f"(withdrawn on day {day}); edit the ad set to continue")  # fmt: skip
            gone = sorted(values & set(chosen.get(option, ())))
            if gone:
                return (f"{platform.label} no longer offers the {option} option(s) "
                        f"{', '.join(map(repr, gone))} (withdrawn on day {day}); "
                        "edit the ad set to continue")  # fmt: skip
        return ""

    # ----------------------------------------------------------------- delivery
    def start_day(self, day: int) -> None:
        """Start a day: fresh custom audiences and each ad set's budget for the day.

        Each ad set's budget for the day is what it has left spread over the days left.
        """
        self.apply_events(day)
        for st in self._active:
            if st.adset.targeting.custom_audience is not None and day > 0:
                self._resolve(st)
            end = self.days if st.adset.end_day is None else min(st.adset.end_day, self.days)
            left = self.units.sim_money(self.units.money_from_micros(st.budget_micros))
            st.day_budget = left / (end - day) if end > day else 0.0
            st.spent_today = 0.0

    def end_day(self, day: int) -> None:
        """Nothing to close at the end of a day (budgets are reset in :meth:`start_day`)."""

    def deliver_hour(self, hour: int) -> None:
        """Run every active ad set's auctions for absolute hour ``hour``."""
        if self.stopped:
            return
        for st in self._active:
            if st.audience.size and not self._spent(st):
                self._deliver(st, hour)

    def _deliver(self, st: _AdSetState, hour: int) -> None:
        a, platform, market = st.adset, st.platform, self.market
        hod = hour % 24
        if a.hours and hod not in a.hours:
            return
        weights, open_share = self._hour_shares(platform, a.hours)
        target = max(st.day_budget - st.spent_today, 0.0) * weights[hod] / open_share[hod]
        if target <= 0:
            return
        rng = self.market_rng
        median = market.price_level * platform.median_cpm
        demand = (24 * weights[hod]) ** HOUR_DEMAND_ELASTICITY
        n_avail = rng.poisson(st.daily_opportunities * weights[hod])
        n_max = math.ceil(market.participation * target / (median * demand / 1000))
        n = min(int(n_avail), n_max)
        if n == 0:
            return
        local = st.sampler.draw(rng, n)
        both = st.pairs()[local].view(np.float32)  # (value, price_mult) of each draw
        value, price_mult = both[0::2], both[1::2]
        z = standard_normal_pairs(rng, n)
        competing = median * demand * price_mult * np.exp(market.bid_dispersion * z[0])
        if self.exchange is not None:  # competing employers' ad sets bid too
            rivals = self.exchange.rival_bids(self, a.platform, st.audience[local], hour)
            competing = np.maximum(competing, rivals)
        clearing = np.maximum(competing, FLOOR_SHARE * median)
        noisy = st.objective not in ("reach", "awareness")
        if noisy and self.optimiser.prediction_noise > 0:
            value = value * np.exp(self.optimiser.prediction_noise * z[1])
        bid = self._bid(st, value, local)
        won = np.flatnonzero(bid > clearing)
        # (money in float64 from here: the auction's arithmetic may be float32)
        paid_cpm = (clearing if market.auction == "second-price" else bid)[won]
        price = paid_cpm.astype(np.float64) / 1000.0
        who = local[won]
        if self._stamp.size < st.audience.size:  # scratch for _rank_within, shared
            self._stamp = np.empty(st.audience.size, dtype=np.int32)
        rank, last = _rank_within(who, self._stamp)
        person = st.audience[who]
        before = st.freq[person]  # the platform's count of earlier impressions
        if a.frequency_cap is not None:
            ok = before.astype(np.int64) + rank < a.frequency_cap
            # The cap drops each person's latest entries, so the kept ones keep their rank.
            won, price, who, rank, last = won[ok], price[ok], who[ok], rank[ok], None
            person, before = person[ok], before[ok]
        u = self.units
        budget = min(st.budget_micros, self.budget_micros - self.spend_micros)
        hourly = u.micros(u.money(HOURLY_OVERSPEND * target))
        cost = u.cost_micros(price)
        paid = np.cumsum(cost)
        # The lifetime budgets are hard: stop before the purchase that would cross them.
        # The hour's pacing cap is soft: the auction that crosses it still counts.
        keep = (paid <= budget) & ((paid - cost) < hourly)
        if last is None or not keep.all():  # entries were dropped: find the last ones again
            won, price, who, rank, cost = won[keep], price[keep], who[keep], rank[keep], cost[keep]
            person, before = person[keep], before[keep]
            last = _last_entries(who, self._stamp)
        spent, spent_micros = float(price.sum()), int(cost.sum())
        self._respond(st, hour, who, person, before, rank, last, price)
        st.spent_today += spent
        st.budget_micros -= spent_micros
        st.spend_micros += spent_micros
        self.spend_micros += spent_micros
        if self.optimiser.variance_reduction:
            self._reduce_variance(st)
        # Pacing: move the bid multiplier toward the hour's target (damped).
        ratio = spent / target
        # (lambda stays a Python float: bids are computed in the precision of the values)
        st.lam *= float(min(max((1.0 / max(ratio, 0.05)) ** 0.5, 0.6), 1.6))
        st.lam = float(min(max(st.lam, 0.02 * median), 100.0 * median))

    def _hour_shares(self, platform: Platform, hours: tuple[int, ...]) -> tuple:
        """A platform's hour weights and, for each hour, the weight of the open hours left.

        Returns ``(weights, open_share)``, each of shape (24,) float64 (numpy scalars keep
        the arithmetic below in float64); computed once per platform and set of hours.
        """
        key = (platform.name, hours)
        if key not in self._shares:
            weights = platform.hour_weights
            open_share = np.array(
                [
                    weights[[h for h in range(hod, 24) if not hours or h in hours]].sum()
                    if not hours or hod in hours
                    else 0.0
                    for hod in range(24)
                ]
            )
            self._shares[key] = (weights, open_share)
        return self._shares[key]

    def _bid(self, st: _AdSetState, value: np.ndarray, local: np.ndarray) -> np.ndarray:
        """The ad set's bids (CPM, simulated money) for members ``local`` of predicted ``value``.

        ``lambda x value``, times the variance-reduction multiplier of the member's sex,
        capped at :func:`bid_ceiling` (the ad set's bid cap and ``BID_CAP_FACTOR`` x the
        platform's median price); shape like ``local``. A rival's bids in the
        :class:`sim.exchange.AdExchange` come from here too, so they are capped the same.
        """
        bid = st.lam * value
        if self.optimiser.variance_reduction:
            bid = bid * st.group_mult[st.gender[local]]
        ceiling = bid_ceiling(st.adset, st.platform, self.market)
        if bid.dtype == np.float32:  # (the cap in float32 must not round above it)
            below = np.float32(ceiling)
            ceiling = below if float(below) <= ceiling else np.nextafter(below, np.float32(0))
        return np.minimum(bid, ceiling)

    def bids_for(self, platform: str, person: np.ndarray, hour: int) -> np.ndarray:
        """What this market's ad sets bid for ``person`` (shape (k,)) on ``platform`` now.

        For a competing employer's auctions (:class:`sim.exchange.AdExchange`): the
        highest bid among the active ad sets on ``platform`` that have the person in
        their audience, are open this hour, have money left today and have not reached
        the person's frequency cap, at the predicted value (the auction's own noise is
        the winner's); 0 where none bids. Shape (k,), CPM in simulated money.
        """
        best = np.zeros(person.size)
        if self.stopped:
            return best
        for st in self._active:
            a = st.adset
            if a.platform != platform or not st.audience.size or self._spent(st):
                continue
            if (a.hours and hour % 24 not in a.hours) or st.spent_today >= st.day_budget:
                continue
            pos = self._positions(st)[person]
            member = pos >= 0
            if a.frequency_cap is not None:
                member &= st.freq[person] < a.frequency_cap
            if member.any():
                local = pos[member]
                best[member] = np.maximum(best[member], self._bid(st, st.value[local], local))
        return best

    def _positions(self, st: _AdSetState) -> np.ndarray:
        """Each person's place in the ad set's audience (-1 if not in it), int32 shape (n,).

        Kept while the audience array stays the same (a rival's auctions look people up
        every hour).
        """
        cached = self._position_cache.get(st.key)
        if cached is None or cached[0] is not st.audience:
            pos = np.full(self.pop.size, -1, dtype=np.int32)
            pos[st.audience] = np.arange(st.audience.size, dtype=np.int32)
            cached = self._position_cache[st.key] = (st.audience, pos)
        return cached[1]

    @staticmethod
    def _reduce_variance(st: _AdSetState) -> None:
        """Nudge the bid multipliers by sex so delivery tracks the eligible audience's mix.

        Like Meta's Variance Reduction System (calibration.md §4-5): it compares the
        shares of impressions delivered so far with the audience's shares and raises the
        bids for the under-served group (damped, bounded). It costs reach at a fixed
        budget because the under-served group is usually the dearer one.
        """
        delivered = np.asarray(st.impressions_by_gender, dtype=float)
        if delivered.sum() < 50:
            return
        share = delivered / delivered.sum()
        target = np.array([1 - st.target_female, st.target_female])
        step = np.clip((target / np.maximum(share, 1e-3)) ** 0.5, 0.8, 1.25)
        st.group_mult = np.clip(st.group_mult * step, 0.2, 5.0)
        st.group_mult /= float(target @ st.group_mult)  # the audience-weighted bid stays put

    def _respond(self, st: _AdSetState, hour: int, who, person, before, rank, last, price) -> None:
        """People's response to the impressions just bought; log and count them.

        ``who`` are audience members (local indices), ``person`` their rows in the
        population, ``before`` the platform's count of earlier impressions of each.
        """
        k = who.size
        if k == 0:
            return
        # The creative wears out as the audience has seen it more.
        wear = 1 / (1 + RESPONSE.wear_out * st.impressions / max(st.audience.size, 1))
        state = self.people.search_state[person]
        p_click, clicked, applied = self.people.respond(
            st.key, person, rank, hour, st.p_click[who], lambda c: st.p_apply[who[c]], wear,
            st.brand, state=state,
        )  # fmt: skip
        if applied.any():  # the employer's applicant tracking system takes them
            self.employer.receive(hour, person[applied], state[applied], adset=st.key)
        if st.learner is not None:
            self._learn(st, who, clicked, applied)
        # Each member's last entry carries their count this hour (rank + 1).
        # (``before`` was read this hour and nothing else counts these people meanwhile)
        st.freq[person[last]] = before[last] + (rank[last] + 1).astype(np.uint16)
        st.impressions += k
        st.reach += int(np.count_nonzero((before == 0) & (rank == 0)))
        st.clicks += int(clicked.sum())
        # (by the sex the platform knows: what its ads manager reports and the variance
        # reduction controller balances)
        females = int(self.view(st.adset.platform).gender[person].sum())
        st.impressions_by_gender[0] += k - females
        st.impressions_by_gender[1] += females
        self.log.append(
            person=person, adset=st.key, hour=hour, price=price, p_click=p_click,
            clicked=clicked, applied=applied,
        )  # fmt: skip

    # ----------------------------------------------------------------- reports
    @property
    def ad_set_names(self) -> list[str]:
        """Names of every ad set planned so far, indexed by the log's ``adset`` column."""
        return list(self._order)

    def ad_set_platforms(self) -> list[str]:
        """Platform of every ad set in :attr:`ad_set_names` order."""
        return [self._states[name].adset.platform for name in self._order]

    def audiences(self) -> list[np.ndarray]:
        """The current audience of every ad set (person indices), in planning order."""
        return [self._states[name].audience for name in self._order]

    def _spent(self, st: _AdSetState) -> bool:
        """Whether the ad set cannot pay for one more impression (at the floor price).

        Also when the campaign's budget is used up.
        """
        left = min(st.budget_micros, self.budget_micros - self.spend_micros)
        return left < st.floor_cost

    def status(self, st: _AdSetState) -> AdSetStatus:
        """An ad set's status as the ads manager shows it."""
        if st.status.state != "active" or not self._spent(st):
            return st.status
        return AdSetStatus("paused" if st not in self._active else "budget_spent")

    def report(self, day: int) -> DeliveryReport:
        """What the advertiser sees after ``day``: the ads manager plus the ATS."""
        u = self.units
        states = [self._states[name] for name in self._order]
        ats = self.employer.ats_counts(day, [st.key for st in states])
        reports = []
        for name, st, (apps, q_apps) in zip(self._order, states, ats, strict=True):
            reports.append(
                AdSetReport(
                    name=name,
                    platform=st.adset.platform,
                    status=self.status(st),
                    impressions=u.people(st.impressions),
                    reach=u.people(st.reach),
                    clicks=u.people(st.clicks),
                    spend=u.money_from_micros(st.spend_micros),
                    impressions_by_gender={
                        "male": u.people(st.impressions_by_gender[0]),
                        "female": u.people(st.impressions_by_gender[1]),
                    },
                    applications=u.people(apps),
                    qualified_applications=u.people(q_apps),
                )
            )
        return DeliveryReport(
            day=day,
            days_left=self.days - day - 1,
            budget_left=u.money_from_micros(self.budget_micros - self.spend_micros),
            ad_sets=tuple(reports),
        )


def bid_ceiling(adset: AdSet, platform: Platform, market: MarketSpec) -> float:
    """The highest bid (per 1000 impressions) an ad set may place on ``platform``.

    The lower of the ad set's own ``bid_cap`` and ``BID_CAP_FACTOR`` x the platform's
    median price (``market.price_level`` x its median CPM). No impression costs more than
    this / 1000: first price pays the bid, second price the competing bid, which is lower.
    """
    ceiling = BID_CAP_FACTOR * market.price_level * platform.median_cpm
    return ceiling if adset.bid_cap is None else min(ceiling, adset.bid_cap)


def standard_normal_pairs(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two rows of ``n`` independent standard normal draws, float32 shape (2, n).

    Box and Muller's transform of ``n`` pairs of float32 uniforms: exact in distribution
    and about three times faster than ``rng.standard_normal((2, n))`` (the auctions draw
    two normals per ad opportunity, tens of millions in a national run). Float32
    uniforms (multiples of 2**-24) bound the draws at about 5.8 standard deviations.
    """
    u = rng.random((2, n), dtype=np.float32)
    radius = np.sqrt(np.float32(-2.0) * np.log1p(-u[0]))  # 1 - u in (0, 1]
    angle = np.float32(2 * np.pi) * u[1]
    z = np.empty((2, n), dtype=np.float32)
    np.multiply(radius, np.cos(angle), out=z[0])
    np.multiply(radius, np.sin(angle), out=z[1])
    return z


def _last_entries(who: np.ndarray, stamp: np.ndarray) -> np.ndarray:
    """Whether each entry is its member's last one, shape like ``who`` (see _rank_within)."""
    position = np.arange(who.size, dtype=np.int32)
    stamp[who] = position
    return stamp[who] == position


def _rank_within(who: np.ndarray, stamp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each entry, how many earlier entries name the same member, and whether it is
    the member's last entry; both shaped like ``who``.

    ``stamp`` is scratch space with an entry per audience member (int32; its contents do
    not matter): writing each entry's position there and reading it back marks the last
    entries. When every entry is a last one (nobody twice) all ranks are 0; otherwise
    only the entries of members named more than once are sorted by member (marked by
    writing -1 at the members of the entries that are not last).
    """
    k = who.size
    if k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    last = _last_entries(who, stamp)
    rank = np.zeros(k, dtype=np.int64)
    if last.all():
        return rank, last
    stamp[who[~last]] = -1
    repeated = np.flatnonzero(stamp[who] == -1)  # entries of members named twice or more
    sub = who[repeated]
    order = np.argsort(sub, kind="stable")
    s = sub[order]
    m = s.size
    start = np.empty(m, dtype=bool)
    start[0] = True
    np.not_equal(s[1:], s[:-1], out=start[1:])
    pos = np.arange(m)
    first = np.maximum.accumulate(np.where(start, pos, 0))
    rank[repeated[order]] = pos - first
    return rank, last
