"""The market: auctions against other advertisers, budget pacing and the delivery optimiser.

Delivery works hour by hour. For each active ad set and hour:

1. **Opportunities.** People in the ad set's audience open the app at their own rates
   (sessions per day x share of the day's use in this hour x ad slots per session).
   Their number is Poisson; an opportunity falls on person *i* with probability
   proportional to *i*'s rate (a binary search in the audience's cumulative rates).
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
5. **Pacing.** ``lambda`` is adjusted every hour so spend tracks an even daily budget
   spread over the day in proportion to use; unspent money carries forward.

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

import numpy as np

from sim import behavior, geography, occupations
from sim import interests as topics
from sim.audience import AdvertiserData, PlatformView, resolve
from sim.campaign import AdSet, AdSetReport, DeliveryReport
from sim.dynamics import SearchDynamics
from sim.errors import BudgetError, PolicyError, UnknownNameError
from sim.platforms import PIXEL_MATCH_RATE, PLATFORM_INDEX, PLATFORMS, Platform
from sim.population import OPEN_PASSIVE, Population, distance_km, qualified_mask
from sim.scenario import MarketSpec, Scenario

RESPONSE = behavior.DEFAULT_RESPONSE
CLICK_STATE = np.asarray(RESPONSE.search_state)
APPLY_STATE = np.asarray(RESPONSE.apply_state)
AIDED_AWARENESS = 0.3  # awareness from which a person recalls the employer when asked (estimate)
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
        overlap = self.view.interest_overlap(idx, self._topics)
        ibucket = np.where(overlap >= 0.5, 2, np.where(overlap > 0, 1, 0))
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
    # Per audience member, shape (k,); set by DeliveryEngine._resolve.
    audience: np.ndarray = field(default_factory=lambda: _empty(np.int32))  # person index
    cum_rate: np.ndarray = field(default_factory=lambda: _empty(np.float64))  # opportunities
    value: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # predicted value
    price_mult: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # competition
    p_click: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # first exposure
    p_apply: np.ndarray = field(default_factory=lambda: _empty(np.float32))  # after a click
    gender: np.ndarray = field(default_factory=lambda: _empty(np.uint8))
    # Fatigue memory per person (allocated at first delivery): fading exposure count and
    # the hour of the last exposure.
    remembered: np.ndarray | None = None
    last_seen: np.ndarray | None = None
    brand: bool = False
    # Variance reduction: bid multipliers by sex and the audience's share of women.
    group_mult: np.ndarray = field(default_factory=lambda: np.ones(2))
    target_female: float = 0.5
    status: str = "active"
    day_budget: float = 0.0
    spent_today: float = 0.0
    impressions: int = 0
    reach: int = 0
    clicks: int = 0
    spend: float = 0.0
    impressions_by_gender: list = field(default_factory=lambda: [0, 0])

    @property
    def daily_opportunities(self) -> float:
        return float(self.cum_rate[-1]) if self.cum_rate.size else 0.0


class ImpressionLog:
    """Every impression bought, as columns (appended per hour, joined on demand)."""

    COLUMNS = ("person", "adset", "hour", "price", "clicked", "applied")

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {c: [] for c in self.COLUMNS}

    def append(self, **cols: np.ndarray) -> None:
        for c in self.COLUMNS:
            self._parts[c].append(cols[c])

    def arrays(self) -> dict[str, np.ndarray]:
        """The log as arrays, each of shape (n_impressions,)."""
        dtypes = dict(person=np.int32, adset=np.int16, hour=np.int32, price=np.float64,
                      clicked=bool, applied=bool)  # fmt: skip
        out = {}
        for c, parts in self._parts.items():
            out[c] = np.concatenate(parts).astype(dtypes[c]) if parts else np.zeros(0, dtypes[c])
            self._parts[c] = [out[c]] if parts else []
        return out


class DeliveryEngine:
    """Runs the campaign's ad sets through the platforms' auctions, hour by hour.

    Parameters
    ----------
    scenario : Scenario
    pop : Population
    qualified : numpy.ndarray of bool, shape (n,)
        Ground truth, used only for the applicant tracking system's screening.
    market_rng, behaviour_rng : numpy.random.Generator
        Separate streams for the market (opportunities, competition, optimiser) and for
        people's responses, so that common random numbers line up across strategies.
    """

    def __init__(
        self,
        scenario: Scenario,
        pop: Population,
        qualified: np.ndarray,
        market_rng: np.random.Generator,
        behaviour_rng: np.random.Generator,
    ) -> None:
        self.scenario = scenario
        self.pop = pop
        self.qualified = qualified
        self.market_rng = market_rng
        self.behaviour_rng = behaviour_rng
        # A sampled population stands for `weight` real people per simulated person. Money
        # is kept in simulated units (budget / weight) so each simulated person sees as many
        # ads as a real one would; reports convert back to real money and people.
        self.weight = pop.weight
        self.budget_total = scenario.budget.total / self.weight
        self.days = scenario.campaign.days
        self.applied = np.zeros(pop.size, dtype=bool)
        self.clicked = np.zeros(pop.size, dtype=bool)
        self._applications: list[np.ndarray] = []  # the ATS: (hour, ad set, qualified) columns
        self.log = ImpressionLog()
        self.price_mult = segment_multipliers(scenario.market, pop.age, pop.gender)
        self._views: dict[str, PlatformView] = {}
        self._optimisers: dict[tuple, DeliveryOptimiser] = {}
        self._states: dict[str, _AdSetState] = {}
        self._order: list[str] = []  # every ad set name ever planned, in order (log key)
        self.spend = 0.0
        # The employer's side: career-site visits (from clicks and organic traffic, seen by
        # each platform's pixel for the users it can match) and the uploaded employee list.
        # Their randomness comes from one draw of the market stream, made here, so that it
        # does not depend on what the strategy does.
        advertiser_rng = np.random.default_rng(int(market_rng.integers(2**63)))
        self.visited = np.zeros(pop.size, dtype=bool)
        self._pixel_key = advertiser_rng.integers(0, 1000, size=pop.size, dtype=np.int16)
        self._visit_weights = _organic_visit_weights(pop, scenario.vacancy)
        self._visit_rng = np.random.default_rng(advertiser_rng.integers(2**63))
        self.employee_seed = _employee_seed(pop, scenario, qualified, advertiser_rng)
        # People change over the campaign: search states and labour status move (run-local
        # copies), and exposure to the employer's ads builds awareness that fades.
        spec = scenario.population
        self.dynamics = SearchDynamics(
            pop, spec.search_state, spec.state_change_per_day, spec.layoffs_per_year,
            np.random.default_rng(int(behaviour_rng.integers(2**63))),
            moves_per_year=spec.moves_per_year, graduations_per_year=spec.graduations_per_year,
        )  # fmt: skip
        # Qualification as of now (people move); the ground truth the metrics use is the
        # population at the campaign's start.
        self.qualified = qualified.copy()
        self._could_qualify = qualified_mask(pop, scenario.vacancy, ignore_distance=True)
        self.move_factor = np.ones(pop.size, dtype=np.float32)  # relevance after a move
        self.awareness = np.zeros(pop.size, dtype=np.float32)
        self.aided_awareness: list[float] = []  # share of the qualified aware, each day
        # Called as on_applications(hour, people, qualified, search_state) for new ones.
        self.on_applications = None
        # Organic reach: employees share the post to their networks; referrals.
        self._sharing_rng = np.random.default_rng(int(advertiser_rng.integers(2**63)))
        self.organic = {"sharers": 0, "exposed": 0, "referred": 0, "clicks": 0,
                        "applications": 0, "qualified_applications": 0}  # fmt: skip
        self.organic_exposed = np.zeros(0, dtype=np.int32)
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
        left = (self.budget_total - self.spend) * self.weight
        planned = sum(a.budget for a in adsets)
        for a in adsets:
            self._check(a)
        if planned > left * (1 + 1e-9) + 1e-6:
            raise BudgetError(
                f"ad sets plan {planned:,.2f} but only {left:,.2f} "
                f"{self.scenario.budget.currency} of the budget is left"
            )
        new_states = {}
        for a in adsets:
            old = self._states.get(a.name)
            same = old is not None and (old.adset.platform, old.adset.targeting,
                                        old.adset.creative, old.adset.objective) == (
                a.platform, a.targeting, a.creative, a.objective)  # fmt: skip
            st = old if same else self._activate(a, old)
            st.adset = a
            st.budget_left = a.budget / self.weight
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
        in_play = [p.name for p in self.scenario.platforms]
        if a.platform not in in_play:
            raise UnknownNameError("platform in this scenario", a.platform, in_play)
        platform = PLATFORMS[a.platform]
        policy = self.scenario.platform(a.platform).policy
        platform.check(a.targeting, policy)
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

    def advertiser_data(self, platform: str) -> AdvertiserData:
        """The custom-audience data ``platform`` holds for this advertiser today."""
        matched = self._pixel_key < round(PIXEL_MATCH_RATE * 1000) + PLATFORM_INDEX[platform]
        return AdvertiserData(site_visitors=self.visited & matched,
                              employee_seed=self.employee_seed)  # fmt: skip

    def _activate(self, a: AdSet, old: _AdSetState | None) -> _AdSetState:
        platform = PLATFORMS[a.platform]
        price = self.scenario.market.price_level * platform.median_cpm
        st = _AdSetState(
            key=self._order.index(a.name) if a.name in self._order else len(self._order),
            adset=a, platform=platform,
            objective=a.objective or self.scenario.campaign.objective,
            freq=old.freq if old is not None else np.zeros(self.pop.size, dtype=np.uint16),
            budget_left=a.budget / self.weight,
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
        audience = resolve(view, a.targeting, self.advertiser_data(a.platform))
        real = audience.size * self.pop.weight
        custom = a.targeting.custom_audience is not None
        minimum = platform.min_custom_audience if custom else platform.min_audience
        st.status = "active"
        if real < minimum:  # the platform will not publish it
            st.status = (
                f"rejected: audience of about {real:,.0f} people is below "
                f"{platform.label}'s minimum of {minimum:,}"
            )
            audience = audience[:0]
        vacancy = self.scenario.vacancy
        creative = a.creative or vacancy.creative
        if a.platform not in self._optimisers:
            self._optimisers[a.platform] = DeliveryOptimiser(
                self.scenario.optimiser, view, self.pop, vacancy, self.market_rng
            )
        rate = view.sessions[audience].astype(np.float64) * platform.ads_per_session
        st.audience = audience
        st.cum_rate = np.cumsum(rate)
        st.value = self._optimisers[a.platform].predict(audience, st.objective, creative)
        st.price_mult = self.price_mult[audience]
        st.gender = view.gender[audience]
        st.target_female = float(st.gender.mean()) if audience.size else 0.5
        # Computed for an open-passive person; the current search state is applied at
        # impression time (states change during the campaign).
        neutral = np.full(audience.size, OPEN_PASSIVE, dtype=np.uint8)
        ctr = platform.link_ctr * self.scenario.platform(a.platform).ctr_scale
        st.p_click = behavior.click_probability(
            self.pop, audience, vacancy, creative, ctr, search_state=neutral
        ).astype(np.float32)
        st.p_apply = behavior.apply_probability(
            self.pop, audience, vacancy, qualified=self.qualified, search_state=neutral
        ).astype(np.float32)
        st.brand = creative.message == "employer-brand"
        if st.brand:  # no vacancy in the ad: a click rarely ends in an application
            st.p_apply = st.p_apply * np.float32(RESPONSE.brand_apply)

    # ----------------------------------------------------------------- delivery
    def start_day(self, day: int) -> None:
        """Start a day: organic site visits, fresh custom audiences, the day's budgets.

        Each ad set's budget for the day is what it has left spread over the days left.
        """
        self._organic_visits()
        if self.scenario.organic.sharing and day == self.scenario.organic.share_day:
            self._share_organically(24 * day)
        if day > 0:
            self.dynamics.step_day()
            self._apply_moves()
            self.awareness *= np.float32(0.5 ** (1 / RESPONSE.awareness_half_life_days))
        for st in self._active:
            if st.adset.targeting.custom_audience is not None and day > 0:
                self._resolve(st)
            end = self.days if st.adset.end_day is None else min(st.adset.end_day, self.days)
            st.day_budget = st.budget_left / (end - day) if end > day else 0.0
            st.spent_today = 0.0

    def _organic_visits(self) -> None:
        """People who find the career site on their own today (a Poisson number)."""
        total = self._visit_weights[-1] if self._visit_weights.size else 0.0
        expected = self.scenario.campaign.organic_site_visitors / self.weight
        if total <= 0 or expected <= 0:
            return
        k = self._visit_rng.poisson(expected)
        who = np.searchsorted(self._visit_weights, self._visit_rng.random(k) * total, side="right")
        self.visited[np.minimum(who, self.pop.size - 1)] = True

    def deliver_hour(self, hour: int) -> None:
        """Run every active ad set's auctions for absolute hour ``hour``."""
        if self.stopped:
            return
        for st in self._active:
            if st.budget_left > 0 and st.audience.size:
                self._deliver(st, hour)

    def _deliver(self, st: _AdSetState, hour: int) -> None:
        a, platform, market = st.adset, st.platform, self.scenario.market
        hod = hour % 24
        if a.hours and hod not in a.hours:
            return
        weights = platform.hour_weights
        open_hours = [h for h in range(hod, 24) if not a.hours or h in a.hours]
        target = max(st.day_budget - st.spent_today, 0.0) * weights[hod] / weights[open_hours].sum()
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
        local = _draw_members(st.cum_rate, rng.random(n) * st.cum_rate[-1])
        z = rng.standard_normal((2, n))
        competing = median * demand * st.price_mult[local] * np.exp(market.bid_dispersion * z[0])
        clearing = np.maximum(competing, FLOOR_SHARE * median)
        value = st.value[local]
        noisy = st.objective not in ("reach", "awareness")
        if noisy and self.scenario.optimiser.prediction_noise > 0:
            value = value * np.exp(self.scenario.optimiser.prediction_noise * z[1])
        bid = st.lam * value
        if self.scenario.optimiser.variance_reduction:
            bid = bid * st.group_mult[st.gender[local]]
        if a.bid_cap is not None:
            bid = np.minimum(bid, a.bid_cap)
        won = np.flatnonzero(bid > clearing)
        price = (clearing if market.auction == "second-price" else bid)[won] / 1000.0
        who = local[won]
        rank = _rank_within(who)
        if a.frequency_cap is not None:
            ok = st.freq[st.audience[who]].astype(np.int64) + rank < a.frequency_cap
            won, price, who = won[ok], price[ok], who[ok]
            rank = _rank_within(who)
        limit = min(st.budget_left, HOURLY_OVERSPEND * target, self.budget_total - self.spend)
        paid = np.cumsum(price)
        keep = (paid - price) < limit  # the auction that crosses the limit still counts
        won, price, who, rank = won[keep], price[keep], who[keep], rank[keep]
        spent = float(price.sum())
        self._respond(st, hour, who, rank, price)
        st.spent_today += spent
        st.budget_left -= spent
        st.spend += spent
        self.spend += spent
        if self.scenario.optimiser.variance_reduction:
            self._reduce_variance(st)
        # Pacing: move the bid multiplier toward the hour's target (damped).
        ratio = spent / target
        st.lam *= float(np.clip((1.0 / max(ratio, 0.05)) ** 0.5, 0.6, 1.6))
        st.lam = float(np.clip(st.lam, 0.02 * median, 100.0 * median))

    def _apply_moves(self) -> None:
        """People who moved today: new distance to the job, so new relevance and fit."""
        moved = self.dynamics.moved_today
        if moved.size == 0:
            return
        v = self.scenario.vacancy
        cx, cy = geography.centre_km(v.location)
        new = np.hypot(self.dynamics.x_km[moved] - cx, self.dynamics.y_km[moved] - cy)
        old = distance_km(self.pop, v.location, moved)
        self.move_factor[moved] = behavior.distance_multiplier(new) / (
            behavior.distance_multiplier(old)
        )
        self.qualified[moved] = self._could_qualify[moved] & (new <= v.max_distance_km)

    def _share_organically(self, hour: int) -> None:
        """Employees share the job post; their contacts see it and some click and apply.

        A shared post is seen like an ad on Facebook (the same click model, at no cost);
        referred people are contacted personally and apply ``referral_apply_lift`` times as
        often. Organic applications go to the recruiting pipeline like paid ones.
        """
        from sim.network import choose_sharers, organic_exposures, referrals

        spec, rng = self.scenario.organic, self._sharing_rng
        graph = self.pop.social_graph(spec)
        staff = self.employee_seed
        sharers = choose_sharers(staff, rng, spec)
        exposed = organic_exposures(graph, sharers, rng, spec, exclude=staff)
        referred = referrals(graph, sharers, self.qualified, rng, spec, exclude=staff)
        vacancy = self.scenario.vacancy
        state = self.dynamics.search_state
        p_click = behavior.click_probability(
            self.pop, exposed, vacancy, vacancy.creative, PLATFORMS["facebook"].link_ctr,
            search_state=state[exposed],
        )  # fmt: skip
        clicked = exposed[rng.random(exposed.size) < p_click]
        candidates = np.union1d(clicked, referred).astype(np.int64)
        p_apply = behavior.apply_probability(
            self.pop, candidates, vacancy, qualified=self.qualified,
            search_state=state[candidates],
        )  # fmt: skip
        lifted = np.minimum(p_apply * spec.referral_apply_lift, 0.9)
        p_apply = np.where(np.isin(candidates, referred), lifted, p_apply)
        applied = candidates[(rng.random(candidates.size) < p_apply) & ~self.applied[candidates]]
        self.applied[applied] = True
        self.visited[clicked] = True
        self.organic_exposed = exposed
        if applied.size and self.on_applications is not None:
            self.on_applications(hour, applied, self.qualified[applied], state[applied])
        self.organic.update(
            sharers=int(sharers.size), exposed=int(exposed.size), referred=int(referred.size),
            clicks=int(clicked.size), applications=int(applied.size),
            qualified_applications=int(self.qualified[applied].sum()),
        )  # fmt: skip

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

    def _respond(self, st, hour, who, rank, price) -> None:
        """People's response to the impressions just bought; log and count them."""
        k = who.size
        if k == 0:
            return
        rng = self.behaviour_rng
        person = st.audience[who]
        before = st.freq[person].astype(np.int64)
        if st.remembered is None:
            st.remembered = np.zeros(self.pop.size, dtype=np.float32)
            st.last_seen = np.zeros(self.pop.size, dtype=np.int32)
        # Fatigue: exposures are remembered but fade (half-life fatigue_recovery_days).
        fade = 0.5 ** ((hour - st.last_seen[person]) / (24 * RESPONSE.fatigue_recovery_days))
        memory = st.remembered[person] * fade + rank
        st.remembered[person] = memory + 1
        st.last_seen[person] = hour
        # The creative wears out as the audience has seen it more.
        wear = 1 / (1 + RESPONSE.wear_out * st.impressions / max(st.audience.size, 1))
        state = self.dynamics.search_state[person]
        aware = self.awareness[person]
        u = rng.random((2, k))
        p = (
            st.p_click[who]
            * self.move_factor[person]
            * (CLICK_STATE[state] / CLICK_STATE[OPEN_PASSIVE])
            * behavior.fatigue(memory + 1)
            * wear
            * (1 + RESPONSE.awareness_click * aware)
        )
        p = np.where(self.clicked[person], p * RESPONSE.repeat_click, p)
        p = np.minimum(p, 0.5)
        gain = RESPONSE.awareness_gain_brand if st.brand else RESPONSE.awareness_gain
        self.awareness[person] = aware + np.float32(gain) * (1 - aware)
        clicked = u[0] < p
        self.clicked[person[clicked]] = True
        self.visited[person[clicked]] = True  # a click lands on the career site
        p_apply = np.minimum(
            st.p_apply[who]
            * (APPLY_STATE[state] / APPLY_STATE[OPEN_PASSIVE])
            * (1 + RESPONSE.awareness_apply * aware),
            0.9,
        )
        applied = clicked & (u[1] < p_apply) & ~self.applied[person]
        if applied.any():  # a person applies once, at their first applying click
            idx = np.flatnonzero(applied)
            _, first = np.unique(person[idx], return_index=True)
            applied[:] = False
            applied[idx[first]] = True
            self.applied[person[applied]] = True
            k_apps = int(applied.sum())
            if self.on_applications is not None:  # the recruiting pipeline takes them
                self.on_applications(hour, person[applied], self.qualified[person[applied]],
                                     state[applied])  # fmt: skip
            self._applications.append(
                np.stack([np.full(k_apps, hour), np.full(k_apps, st.key),
                          self.qualified[person[applied]].astype(np.int64)])
            )  # fmt: skip
        np.add.at(st.freq, person, 1)
        st.impressions += k
        st.reach += int(np.count_nonzero((before == 0) & (rank == 0)))
        st.clicks += int(clicked.sum())
        females = int(self.pop.gender[person].sum())
        st.impressions_by_gender[0] += k - females
        st.impressions_by_gender[1] += females
        self.log.append(
            person=person, adset=np.full(k, st.key, dtype=np.int16),
            hour=np.full(k, hour, dtype=np.int32), price=price, clicked=clicked,
            applied=applied,
        )  # fmt: skip

    # ----------------------------------------------------------------- reports
    @property
    def ad_set_names(self) -> list[str]:
        """Names of every ad set planned so far, indexed by the log's ``adset`` column."""
        return list(self._order)

    def ad_set_platforms(self) -> list[str]:
        """Platform of every ad set in :attr:`ad_set_names` order."""
        return [self._states[name].adset.platform for name in self._order]

    def end_day(self, day: int) -> None:
        """Record the day's aided awareness among the qualified (share with awareness >= 0.3)."""
        q = self.qualified
        aware = int(np.count_nonzero(self.awareness[q] >= AIDED_AWARENESS))
        self.aided_awareness.append(aware / max(int(q.sum()), 1))

    def report(self, day: int) -> DeliveryReport:
        """What the advertiser sees after ``day``: the ads manager plus the ATS."""
        apps = np.hstack(self._applications) if self._applications else np.zeros((3, 0), int)
        self._applications = [apps]
        hour, adset, qualified = apps
        now = (day + 1) * 24
        screened = hour < now - 24 * self.scenario.campaign.ats_delay_days
        reports = []

        def w(count) -> int:  # simulated people -> real people
            return round(int(count) * self.weight)

        for name in self._order:
            st = self._states[name]
            mine = adset == st.key
            reports.append(
                AdSetReport(
                    name=name,
                    platform=st.adset.platform,
                    status=st.status
                    if st.budget_left > 0 or st.status != "active"
                    else ("paused" if st not in self._active else "budget spent"),
                    impressions=w(st.impressions),
                    reach=w(st.reach),
                    clicks=w(st.clicks),
                    spend=round(st.spend * self.weight, 6),
                    impressions_by_gender={
                        "male": w(st.impressions_by_gender[0]),
                        "female": w(st.impressions_by_gender[1]),
                    },
                    applications=w(mine.sum()),
                    qualified_applications=w((mine & screened & (qualified == 1)).sum()),
                )
            )
        return DeliveryReport(
            day=day,
            days_left=self.days - day - 1,
            budget_left=max(self.budget_total - self.spend, 0.0) * self.weight,
            ad_sets=tuple(reports),
        )


def _draw_members(cum: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Members hit by points ``u`` on the cumulative weights ``cum``, in the order of ``u``.

    The points are looked up in sorted order (cache-friendly on large audiences) and put
    back in their arrival order; the result is the same as a plain ``searchsorted``.
    """
    order = np.argsort(u)
    hit = np.empty(u.size, dtype=np.int64)
    hit[order] = np.searchsorted(cum, u[order], side="right")
    return np.minimum(hit, cum.size - 1)


def _rank_within(who: np.ndarray) -> np.ndarray:
    """For each entry, how many earlier entries name the same person, shape like ``who``."""
    if who.size == 0:
        return np.zeros(0, dtype=np.int64)
    order = np.argsort(who, kind="stable")
    s = who[order]
    start = np.r_[True, s[1:] != s[:-1]]
    pos = np.arange(s.size)
    first = np.maximum.accumulate(np.where(start, pos, 0))
    rank = np.empty(s.size, dtype=np.int64)
    rank[order] = pos - first
    return rank


def _organic_visit_weights(pop: Population, vacancy) -> np.ndarray:
    """Cumulative weights of who visits the career site unprompted, shape (n,).

    Proportional to the person's relevance to the vacancy times their search state's
    click multiplier: people in the trade who are looking find the site most often.
    """
    everyone = np.arange(pop.size)
    w = behavior.relevance_multiplier(pop, everyone, vacancy, vacancy.creative)
    w = w * np.asarray(behavior.DEFAULT_RESPONSE.search_state)[pop.search_state]
    return np.cumsum(w)


def _employee_seed(pop: Population, scenario: Scenario, qualified, rng) -> np.ndarray:
    """The employer's uploaded list: current employees and past hires of the occupation.

    Drawn from people working in the occupation near the workplace (the employer's
    staff), ``employee_seed_size`` real people, i.e. that divided by the population
    weight in simulated people (at least one). Returns indices, shape (k,).
    """
    target = occupations.occupation_index(scenario.vacancy.occupation)
    near = distance_km(pop, scenario.vacancy.location) <= scenario.vacancy.max_distance_km
    staff = np.flatnonzero((pop.occupation == target) & near)
    k = min(staff.size, max(1, round(scenario.campaign.employee_seed_size / pop.weight)))
    return np.sort(rng.choice(staff, size=k, replace=False)) if k else staff
