"""The market: auctions against other advertisers, budget pacing and the delivery optimiser.

Delivery works hour by hour. For each active ad set and hour:

1. **Opportunities.** People in the ad set's audience open the app at their own rates
   (sessions per day x share of the day's use in this hour x ad slots per session).
   Their number is Poisson; an opportunity falls on person *i* with probability
   proportional to *i*'s rate (drawn in constant time from an alias table over the
   audience's rates, built once when the audience is resolved).
2. **Throttling.** The ad set enters at most ``participation`` x (the impressions its
   hourly budget buys at the platform's median price) of them, so the work grows with
   the budget, not with population x hours.
3. **Auction.** The highest competing bid is log-normal around the platform's median
   CPM times the person's segment multiplier (other advertisers value some groups more:
   women 25-44 by default) and the hour's demand; a floor applies. The ad set bids
   ``lambda x value``: value is 1 for reach and the optimiser's predicted engagement for
   clicks or applications. It wins when its bid beats the competition; it pays the
   competing bid (second price) or its own (first price).
4. **Frequency cap and budget.** Impressions beyond the cap are not bought; spending
   stops once the hour's cap or the lifetime budget is reached (at most one auction's
   price over).
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
"""

from __future__ import annotations

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
from sim.population import OPEN_PASSIVE, Population
from sim.scenario import MarketSpec, OptimiserSpec, PlatformSpec, VacancySpec
from sim.units import Units

RESPONSE = behavior.DEFAULT_RESPONSE
FLOOR_SHARE = 0.1  # reserve price as a share of the median competing bid (estimate)
HOUR_DEMAND_ELASTICITY = 0.3  # competitors' bids rise mildly with traffic (estimate)
HOURLY_OVERSPEND = 2.0  # an hour may spend up to 2x its pacing target (estimate)
TRAINING_SAMPLE = 60_000  # users the optimiser's engagement table is estimated from
CELL_PRIOR = 20.0  # pseudo-count shrinking small cells toward the overall mean


def segment_multipliers(market: MarketSpec, age: np.ndarray, gender: np.ndarray) -> np.ndarray:
    """Competitors' price multiplier for each person (product over matching segments).

    Returns
    -------
    numpy.ndarray of float32, shape (n,)
    """
    mult = np.ones(age.shape[0], dtype=np.float32)
    for seg in market.segments:
        m = (age >= seg.age_min) & (age <= seg.age_max)
        if seg.gender != "any":
            m &= gender == (1 if seg.gender == "female" else 0)
        mult[m] *= np.float32(seg.price_multiplier)
    return mult


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
    """

    def __init__(self, spec, view: PlatformView, pop: Population, vacancy, rng) -> None:
        self.platform = view.platform
        self.view = view
        self.use_demographics = spec.use_demographics and self.platform.optimiser_demographics
        self.use_creative = spec.use_creative and self.platform.optimiser_creative
        self.noise = spec.prediction_noise
        occ = occupations.get(vacancy.occupation)
        self._topics = [topics.topic_index(t) for t in occ.interests]
        self._target = occupations.occupation_index(vacancy.occupation)
        users = np.flatnonzero(view.sessions > 0)
        if users.size > TRAINING_SAMPLE:
            users = np.sort(rng.choice(users, TRAINING_SAMPLE, replace=False))
        neutral = behavior.Creative()
        clicks = behavior.click_probability(pop, users, vacancy, neutral, self.platform.link_ctr)
        applies = clicks * behavior.apply_probability(pop, users, vacancy)
        cells = self.cells(users)
        n_cells = 2 * len(occupations.AGE_BANDS) * 9
        count = np.bincount(cells, minlength=n_cells)
        self.click_table = self._shrunk(cells, clicks, count, n_cells)
        self.apply_table = self._shrunk(cells, applies, count, n_cells)

    @staticmethod
    def _shrunk(cells, values, count, n_cells) -> np.ndarray:
        overall = values.mean() if values.size else 0.0
        sums = np.bincount(cells, weights=values, minlength=n_cells)
        return (sums + CELL_PRIOR * overall) / (count + CELL_PRIOR)

    def cells(self, idx: np.ndarray) -> np.ndarray:
        """Feature cell of people ``idx``, shape (k,) int64."""
        # Interest overlap (share of the occupation's topics the platform believes people
        # have): none, some, or at least half — counted in small integers.
        count = np.zeros(idx.size, dtype=np.int16)
        for t in self._topics:
            count += self.view.interest(t)[idx]
        ibucket = np.where(2 * count >= max(len(self._topics), 1), 2, np.where(count > 0, 1, 0))
        titles = self.view.titles[idx]
        tbucket = np.where(titles < 0, 0, np.where(titles == self._target, 1, 2))
        if self.use_demographics:
            demo = self.view.gender[idx].astype(np.int64) * len(occupations.AGE_BANDS)
            demo = demo + self.view.age_band[idx]
        else:
            demo = np.zeros(idx.size, dtype=np.int64)
        return (demo * 3 + ibucket) * 3 + tbucket

    def predict(self, idx: np.ndarray, objective: str, creative) -> np.ndarray:
        """Predicted value of showing the ad to people ``idx`` (mean 1), shape (k,)."""
        if objective in ("reach", "awareness") or idx.size == 0:
            return np.ones(idx.size, dtype=np.float32)
        table = self.click_table if objective == "clicks" else self.apply_table
        value = table[self.cells(idx)]
        if self.use_creative:
            value = value * behavior.image_multiplier(creative, self.view.gender[idx])
        mean = value.mean()
        return (value / mean if mean > 0 else np.ones(idx.size)).astype(np.float32)


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
    budget_left: float
    lam: float
    # Per audience member, shape (k,); set by Market._resolve.
    audience: np.ndarray = field(default_factory=lambda: _empty(np.int32))  # person index
    # Who gets each ad opportunity: a Walker alias table over the members' session rates.
    alias_prob: np.ndarray = field(default_factory=lambda: _empty(np.float32))
    alias: np.ndarray = field(default_factory=lambda: _empty(np.int32))
    rate_total: float = 0.0  # ad opportunities per day in the whole audience
    value: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # predicted value
    price_mult: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # competition
    p_click: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # first exposure
    p_apply: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # after a click
    gender: np.ndarray = field(default_factory=lambda: _empty(np.uint8))
    brand: bool = False
    # Variance reduction: bid multipliers by sex and the audience's share of women.
    group_mult: np.ndarray = field(default_factory=lambda: np.ones(2))
    target_female: float = 0.5
    status: AdSetStatus = field(default_factory=lambda: AdSetStatus("active"))
    day_budget: float = 0.0
    spent_today: float = 0.0
    impressions: int = 0
    reach: int = 0
    clicks: int = 0
    spend: float = 0.0
    impressions_by_gender: list = field(default_factory=lambda: [0, 0])

    @property
    def daily_opportunities(self) -> float:
        return self.rate_total


class ImpressionLog:
    """Every impression bought, as columns (appended per hour, joined on demand).

    Columns, each of shape (n_impressions,) in time order (within an hour, auction
    order): ``person`` (int32), ``adset`` (int16, index into the market's ad set names),
    ``hour`` (int32), ``price`` (float64, simulated money), ``p_click`` (float32, the
    probability the click was drawn with), ``clicked`` and ``applied`` (bool).
    """

    COLUMNS: ClassVar[tuple[str, ...]] = (
        "person", "adset", "hour", "price", "p_click", "clicked", "applied",
    )  # fmt: skip
    DTYPES: ClassVar[dict] = dict(person=np.int32, adset=np.int16, hour=np.int32, price=np.float64,
                  p_click=np.float32, clicked=bool, applied=bool)  # fmt: skip

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {c: [] for c in self.COLUMNS}
        self._lengths: list[int] = []  # rows of each part
        self.size = 0  # rows so far

    def append(self, **cols: np.ndarray) -> None:
        """Add a batch of impressions (every column, equal lengths)."""
        for c in self.COLUMNS:
            self._parts[c].append(cols[c])
        self._lengths.append(len(cols["person"]))
        self.size += self._lengths[-1]

    def arrays(self) -> dict[str, np.ndarray]:
        """The log as arrays, each of shape (n_impressions,)."""
        out = {}
        for c, parts in self._parts.items():
            dtype = self.DTYPES[c]
            out[c] = np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
            self._parts[c] = [out[c]] if parts else []
        self._lengths = [self.size] if self._lengths else []
        return out

    def since(self, start: int) -> dict[str, np.ndarray]:
        """Rows ``start`` to the end (e.g. one day's impressions), each of shape (m,)."""
        first, offset = len(self._lengths), self.size
        while first > 0 and offset > start:
            first -= 1
            offset -= self._lengths[first]
        out = {}
        for c, parts in self._parts.items():
            tail = parts[first:]
            if not tail:
                out[c] = np.zeros(0, self.DTYPES[c])
                continue
            if offset < start:
                tail = [tail[0][start - offset :], *tail[1:]]
            out[c] = np.concatenate(tail).astype(self.DTYPES[c])
        return out


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
    ) -> None:
        super().__init__(model)
        self.pop = pop
        self.people = people
        self.employer = employer
        self.platforms = {spec.name: spec.policy for spec in platforms}
        self.market = market
        self.optimiser = optimiser
        self.vacancy = vacancy
        self.objective = objective
        self.days = days
        self.currency = currency
        self.units = units
        self.market_rng = rng
        self.budget_total = units.sim_money(budget)
        self.log = ImpressionLog()
        self.price_mult = segment_multipliers(market, pop.age, pop.gender)
        self._views: dict[str, PlatformView] = {}
        self._optimisers: dict[str, DeliveryOptimiser] = {}
        self._shares: dict[tuple, tuple] = {}  # hour weights by (platform, hours)
        self._stamp = np.empty(0, dtype=np.int32)
        self._states: dict[str, _AdSetState] = {}
        self._active: list[_AdSetState] = []
        self._order: list[str] = []  # every ad set name ever planned, in order (log key)
        self.spend = 0.0
        self.stopped = False  # the vacancy is filled and the campaign stopped

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
        left = self.units.money(self.budget_total - self.spend)
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
            st.budget_left = self.units.sim_money(a.budget)
            st.day_budget = 0.0
            new_states[a.name] = st
            if a.name not in self._order:
                self._order.append(a.name)
        for name, st in self._states.items():
            if name not in new_states:
                st.budget_left = 0.0
        self._states.update(new_states)
        self._active = [self._states[a.name] for a in adsets]

    def _check(self, a: AdSet) -> None:
        in_play = list(self.platforms)
        if a.platform not in in_play:
            raise UnknownNameError("platform in this scenario", a.platform, in_play)
        platform = PLATFORMS[a.platform]
        platform.check(a.targeting, self.platforms[a.platform])
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
            budget_left=self.units.sim_money(a.budget),
            lam=float(price) if old is None else old.lam,
        )  # fmt: skip
        self._resolve(st)
        if old is not None:  # keep the running totals the ads manager shows
            st.impressions, st.reach, st.clicks = old.impressions, old.reach, old.clicks
            st.spend, st.impressions_by_gender = old.spend, old.impressions_by_gender
        return st

    def _resolve(self, st: _AdSetState) -> None:
        """(Re)compute an ad set's audience and the per-member arrays that depend on it."""
        a, platform = st.adset, st.platform
        view = self.view(a.platform)
        audience = resolve(view, a.targeting, self.employer.advertiser_data(a.platform))
        real = self.units.real_people(audience.size)
        custom = a.targeting.custom_audience is not None
        minimum = platform.min_custom_audience if custom else platform.min_audience
        st.status = AdSetStatus("active")
        if real < minimum:  # the platform will not publish it
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
                self.optimiser, view, self.pop, vacancy, self.market_rng
            )
        rate = view.sessions[audience].astype(np.float64) * platform.ads_per_session
        st.audience = audience
        st.rate_total = float(rate.sum())
        st.alias_prob, st.alias = _interleaved(*alias_table(rate))
        st.value = self._optimisers[a.platform].predict(audience, st.objective, creative)
        st.price_mult = self.price_mult[audience]
        st.gender = view.gender[audience]
        st.target_female = float(st.gender.mean()) if audience.size else 0.5
        # Computed for an open-passive person; the current search state is applied at
        # impression time (states change during the campaign).
        neutral = np.full(audience.size, OPEN_PASSIVE, dtype=np.uint8)
        st.p_click = behavior.click_probability(
            self.pop, audience, vacancy, creative, platform.link_ctr, search_state=neutral,
            distance_factor=self.people.distance_factor,
        ).astype(np.float32)  # fmt: skip
        st.p_apply = behavior.apply_probability(
            self.pop, audience, vacancy, qualified=self.people.qualified, search_state=neutral
        ).astype(np.float32)
        st.brand = creative.message == "employer-brand"
        if st.brand:  # no vacancy in the ad: a click rarely ends in an application
            st.p_apply = st.p_apply * np.float32(RESPONSE.brand_apply)

    # ----------------------------------------------------------------- delivery
    def start_day(self, day: int) -> None:
        """Start a day: fresh custom audiences and each ad set's budget for the day.

        Each ad set's budget for the day is what it has left spread over the days left.
        """
        for st in self._active:
            if st.adset.targeting.custom_audience is not None and day > 0:
                self._resolve(st)
            end = self.days if st.adset.end_day is None else min(st.adset.end_day, self.days)
            st.day_budget = st.budget_left / (end - day) if end > day else 0.0
            st.spent_today = 0.0

    def end_day(self, day: int) -> None:
        """Nothing to close at the end of a day (budgets are reset in :meth:`start_day`)."""

    def deliver_hour(self, hour: int) -> None:
        """Run every active ad set's auctions for absolute hour ``hour``."""
        if self.stopped:
            return
        for st in self._active:
            if st.budget_left > 0 and st.audience.size:
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
        local = _draw_members(st.alias_prob, st.alias, rng.random(n))
        z = rng.standard_normal((2, n))
        competing = median * demand * st.price_mult[local] * np.exp(market.bid_dispersion * z[0])
        clearing = np.maximum(competing, FLOOR_SHARE * median)
        value = st.value[local]
        noisy = st.objective not in ("reach", "awareness")
        if noisy and self.optimiser.prediction_noise > 0:
            value = value * np.exp(self.optimiser.prediction_noise * z[1])
        bid = st.lam * value
        if self.optimiser.variance_reduction:
            bid = bid * st.group_mult[st.gender[local]]
        if a.bid_cap is not None:
            bid = np.minimum(bid, a.bid_cap)
        won = np.flatnonzero(bid > clearing)
        price = (clearing if market.auction == "second-price" else bid)[won] / 1000.0
        who = local[won]
        if self._stamp.size < st.audience.size:  # scratch for _rank_within, shared
            self._stamp = np.empty(st.audience.size, dtype=np.int32)
        rank, last = _rank_within(who, self._stamp)
        if a.frequency_cap is not None:
            ok = st.freq[st.audience[who]].astype(np.int64) + rank < a.frequency_cap
            # The cap drops each person's latest entries, so the kept ones keep their rank.
            won, price, who, rank, last = won[ok], price[ok], who[ok], rank[ok], None
        limit = min(st.budget_left, HOURLY_OVERSPEND * target, self.budget_total - self.spend)
        paid = np.cumsum(price)
        keep = (paid - price) < limit  # the auction that crosses the limit still counts
        if last is None or not keep.all():  # entries were dropped: find the last ones again
            won, price, who, rank = won[keep], price[keep], who[keep], rank[keep]
            last = _last_entries(who, self._stamp)
        spent = float(price.sum())
        self._respond(st, hour, who, rank, last, price)
        st.spent_today += spent
        st.budget_left -= spent
        st.spend += spent
        self.spend += spent
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

    def _respond(self, st: _AdSetState, hour: int, who, rank, last, price) -> None:
        """People's response to the impressions just bought; log and count them."""
        k = who.size
        if k == 0:
            return
        person = st.audience[who]
        before = st.freq[person].astype(np.int64)
        # The creative wears out as the audience has seen it more.
        wear = 1 / (1 + RESPONSE.wear_out * st.impressions / max(st.audience.size, 1))
        state = self.people.search_state[person]
        p_click, clicked, applied = self.people.respond(
            st.key, person, rank, hour, st.p_click[who], st.p_apply[who], wear, st.brand
        )
        if applied.any():  # the employer's applicant tracking system takes them
            self.employer.receive(hour, person[applied], state[applied], adset=st.key)
        # Each member's last entry carries their count this hour (rank + 1).
        st.freq[person[last]] += (rank[last] + 1).astype(np.uint16)
        st.impressions += k
        st.reach += int(np.count_nonzero((before == 0) & (rank == 0)))
        st.clicks += int(clicked.sum())
        females = int(self.pop.gender[person].sum())
        st.impressions_by_gender[0] += k - females
        st.impressions_by_gender[1] += females
        self.log.append(
            person=person, adset=np.full(k, st.key, dtype=np.int16),
            hour=np.full(k, hour, dtype=np.int32), price=price, p_click=p_click,
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

    def status(self, st: _AdSetState) -> AdSetStatus:
        """An ad set's status as the ads manager shows it."""
        if st.budget_left > 0 or st.status.state != "active":
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
                    spend=round(u.money(st.spend), 6),
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
            budget_left=u.money(max(self.budget_total - self.spend, 0.0)),
            ad_sets=tuple(reports),
        )


def alias_table(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Walker's alias table: draw member ``i`` with probability ``weights[i] / sum``.

    With ``p = k w / sum(w)`` (mean 1), column ``c`` keeps member ``c`` with probability
    ``prob[c]`` and gives the rest to ``alias[c]``. Built without a Python loop (Vose's
    algorithm with smalls and larges taken in index order): the smalls' deficits
    ``1 - p`` and the larges' surpluses ``p - 1`` are laid end to end on two lines of
    equal length; a small takes its deficit from the large whose surplus segment holds
    the start of it; a large whose surplus runs out in the middle of a deficit becomes a
    column itself (what is left of it) and takes the rest from the next large.

    Parameters
    ----------
    weights : numpy.ndarray of float, shape (k,)
        Non-negative, not all zero.

    Returns
    -------
    prob : numpy.ndarray of float32, shape (k,)
    alias : numpy.ndarray of int32, shape (k,)
    """
    w = np.asarray(weights, dtype=np.float64)
    k = w.size
    prob = np.ones(k, dtype=np.float32)
    alias = np.arange(k, dtype=np.int32)
    if k == 0:
        return prob, alias
    p = w * (k / w.sum())
    is_small = p < 1.0
    small = np.flatnonzero(is_small).astype(np.int32)
    np.logical_not(is_small, out=is_small)
    large = np.flatnonzero(is_small).astype(np.int32)
    del is_small
    if small.size == 0 or large.size == 0:
        return prob, alias
    # (temporaries are reused in place: this runs on audiences of millions)
    ps = p[small]
    prob[small] = ps
    d = np.subtract(1.0, ps, out=ps)  # deficits
    d_end = np.cumsum(d)
    start = np.subtract(d_end, d, out=d)  # where each deficit starts
    pl = p[large]
    del p
    e_end = np.cumsum(np.subtract(pl, 1.0, out=pl))
    del pl
    # Each small: the large whose surplus segment holds the start of its deficit.
    j = np.searchsorted(e_end, start, side="right")
    del start
    np.minimum(j, large.size - 1, out=j)
    alias[small] = large[j]
    del j
    # Each large but the last: what is left of it when its surplus runs out, and the
    # large whose segment starts there.
    e = e_end[:-1]
    c = np.searchsorted(d_end, e, side="right")
    inside = c < small.size
    left = 1.0 - (d_end[np.minimum(c, small.size - 1)] - e)
    nxt = np.minimum(np.searchsorted(e_end, e, side="right"), large.size - 1)
    prob[large[:-1]] = np.where(inside, np.clip(left, 0.0, 1.0), 1.0)
    alias[large[:-1]] = np.where(inside, large[nxt], large[:-1])
    return prob, alias


def _interleaved(prob: np.ndarray, alias: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """An alias table's two columns as views of one array of (prob, alias) records.

    A draw reads a column's probability and its alias: side by side they come in one
    memory access, which matters when the table has millions of columns. Returns views
    of shape (k,) (float32 and int32, stride 8 bytes) with the same values.
    """
    table = np.empty(prob.size, dtype=[("prob", np.float32), ("alias", np.int32)])
    table["prob"], table["alias"] = prob, alias
    return table["prob"], table["alias"]


def _draw_members(prob: np.ndarray, alias: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Members drawn by uniform points ``u`` (shape (n,)) from an :func:`alias_table`.

    ``u x k`` picks the column and its fractional part decides between the column's
    member and its alias: O(1) per draw whatever the audience's size. Returns (n,) int64.
    """
    x = u * prob.size
    col = x.astype(np.int64)
    np.minimum(col, prob.size - 1, out=col)
    x -= col
    return np.where(x < prob[col], col, alias[col])


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
    the entries are sorted by member.
    """
    k = who.size
    if k == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    position = np.arange(k, dtype=np.int32)
    stamp[who] = position
    last = stamp[who] == position
    if last.all():
        return np.zeros(k, dtype=np.int64), last
    order = np.argsort(who, kind="stable")
    s = who[order]
    start = np.empty(k, dtype=bool)
    start[0] = True
    np.not_equal(s[1:], s[:-1], out=start[1:])
    pos = np.arange(k)
    first = np.maximum.accumulate(np.where(start, pos, 0))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = pos - first
    return rank, last
