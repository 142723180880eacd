"""A per-agent Mesa reference of recruitsim's delivery and behaviour.

recruitsim delivers ads with a few vectorised operations per ad set and hour. This
module writes the same mechanisms the way a Mesa user would: one :class:`mesa.Agent`
per person, an hourly :meth:`ReferenceModel.step` that calls every agent in random order
(``model.agents.shuffle_do("step")``), and plain Python in each agent's step. It serves
twice:

- as a **statistical oracle** (``tests/test_reference_oracle.py``): on small
  populations its impressions, spend, CPM, reach, clicks and applications must agree
  with ``sim.model.run`` within sampling error;
- as the **speed baseline** of ``make bench`` (group ``reference``).

What is shared with recruitsim, and what is not
-----------------------------------------------
Shared (model inputs, computed once per run): the scenario, the population
(:func:`sim.population.generate` from the same seed as ``sim.model.run``), the
advertiser's brief and the strategy's plan, the platforms' audiences
(:func:`sim.audience.resolve` on a :class:`~sim.audience.PlatformView`), the platform
and market parameters, and the first-exposure click and apply probabilities
(:func:`sim.behavior.click_probability`, :func:`sim.behavior.apply_probability`, the
one place those formulas live).

Not shared: nothing of the vectorised delivery code (``sim.market`` is never imported).
The delivery optimiser's **predicted value** is a model input — the platform's
engagement table, learned once per run from the historical engagement of a sample of
its users — and this module re-derives it from the documented mechanism in its own
code (:class:`EngagementTable`); the few market constants are repeated below with the
same values, and the oracle test checks that they still equal ``sim.market``'s.

The mechanisms, per ad set and hour (every agent in the ad set's audience):

1. **Opportunities** (first stage of the hour, ``shuffle_do("open_apps")``). The person
   opens the app a Poisson number of times, at mean ``sessions x ads_per_session x hour
   weight``; each opening is an ad opportunity.
2. **Throttling** (second stage, ``shuffle_do("step")``). The ad set enters at most
   ``participation x`` (the impressions its hourly budget buys at the median price)
   auctions in the hour, a uniform random subset of the hour's opportunities (selection
   sampling as the agents come, in random order).
3. **Auction.** The highest competing bid is log-normal around the median CPM x the
   person's segment multiplier x the hour's demand, with a floor. The ad set bids
   ``lambda x value`` (value: 1 for reach, the optimiser's prediction with log-normal
   noise for clicks and applications; a variance-reduction multiplier by sex where the
   scenario turns it on; the bid cap). It wins when its bid beats the competition and
   pays the competing bid (second price) or its own (first price).
4. **Frequency cap and budget.** No impression beyond the cap; no auction once the
   hour has spent its limit (``min(budget left, 2 x the hour's target, campaign budget
   left)``; the auction that crosses it still counts).
5. **Response.** Fatigue memory (fading exposures), creative wear-out, awareness, the
   person's current search state, then a click and an application draw with the same
   probabilities as recruitsim.
6. **Pacing.** After the hour, ``lambda`` moves toward the hour's spending target.

Out of scope (the oracle turns them off): people's daily life events (search-state
changes, moves), organic sharing, custom audiences and lookalikes, the hiring pipeline,
and strategies that revise their plan (the reference delivers the first plan for the
whole campaign).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import mesa
import numpy as np

from sim import behavior, occupations
from sim import interests as topics
from sim.audience import PlatformView, resolve
from sim.campaign import AdSet
from sim.model import make_brief, run_seeds
from sim.platforms import PLATFORMS
from sim.population import OPEN_PASSIVE, Population, generate, qualified_mask
from sim.scenario import Scenario

RESPONSE = behavior.DEFAULT_RESPONSE
# The market's constants: the same estimates as recruitsim's market module (the oracle
# test checks they are equal).
FLOOR_SHARE = 0.1  # reserve price as a share of the median competing bid (estimate)
HOUR_DEMAND_ELASTICITY = 0.3  # competitors' bids rise mildly with traffic (estimate)
HOURLY_OVERSPEND = 2.0  # an hour may spend up to 2x its pacing target (estimate)
TRAINING_SAMPLE = 60_000  # users the optimiser's engagement table is estimated from
CELL_PRIOR = 20.0  # pseudo-count shrinking small cells toward the overall mean


class EngagementTable:
    """The delivery optimiser's prediction: mean engagement by feature cell.

    Cells are (sex, age band) where the platform and the scenario let the optimiser use
    demographics, x inferred-interest overlap with the occupation's topics (none / some
    / most) x declared title (none / the occupation / other). Each cell's value is the
    mean first-exposure click (or click x apply) probability of a sample of the
    platform's users, shrunk toward the overall mean by :data:`CELL_PRIOR` pseudo-counts.

    Parameters
    ----------
    scenario : Scenario
    view : PlatformView
    pop : Population
    rng : numpy.random.Generator
        Draws the training sample when the platform has more users than
        :data:`TRAINING_SAMPLE`.
    """

    def __init__(self, scenario: Scenario, view: PlatformView, pop: Population, rng) -> None:
        spec, vacancy = scenario.optimiser, scenario.vacancy
        self.view = view
        self.use_demographics = spec.use_demographics and view.platform.optimiser_demographics
        self.use_creative = spec.use_creative and view.platform.optimiser_creative
        self.topics = [topics.topic_index(t) for t in occupations.get(vacancy.occupation).interests]
        self.target = occupations.occupation_index(vacancy.occupation)
        users = np.flatnonzero(view.sessions > 0)
        if users.size > TRAINING_SAMPLE:
            users = np.sort(rng.choice(users, TRAINING_SAMPLE, replace=False))
        neutral = behavior.Creative()
        clicks = behavior.click_probability(pop, users, vacancy, neutral, view.platform.link_ctr)
        applies = clicks * behavior.apply_probability(pop, users, vacancy)
        cells = np.array([self.cell(int(i)) for i in users], dtype=np.int64)
        n_cells = 2 * len(occupations.AGE_BANDS) * 9
        count = np.bincount(cells, minlength=n_cells)
        self.tables = {}
        for name, values in (("clicks", clicks), ("applications", applies)):
            overall = values.mean() if values.size else 0.0
            sums = np.bincount(cells, weights=values, minlength=n_cells)
            self.tables[name] = (sums + CELL_PRIOR * overall) / (count + CELL_PRIOR)

    def cell(self, i: int) -> int:
        """Feature cell of person ``i``."""
        view = self.view
        overlap = (
            sum(bool(view.interest(t)[i]) for t in self.topics) / len(self.topics)
            if self.topics
            else 0.0
        )
        ibucket = 2 if overlap >= 0.5 else (1 if overlap > 0 else 0)
        title = int(view.titles[i])
        tbucket = 0 if title < 0 else (1 if title == self.target else 2)
        demo = 0
        if self.use_demographics:
            demo = int(view.gender[i]) * len(occupations.AGE_BANDS) + int(view.age_band[i])
        return (demo * 3 + ibucket) * 3 + tbucket

    def predict(self, people: np.ndarray, objective: str, creative) -> list[float]:
        """Predicted value of showing the ad to each of ``people`` (mean 1 over them)."""
        if objective in ("reach", "awareness") or people.size == 0:
            return [1.0] * people.size
        table = self.tables["clicks" if objective == "clicks" else "applications"]
        values = []
        for i in people:
            v = float(table[self.cell(int(i))])
            if self.use_creative:
                v *= float(behavior.image_multiplier(creative, self.view.gender[i]))
            values.append(v)
        mean = sum(values) / len(values)
        return [v / mean for v in values] if mean > 0 else [1.0] * len(values)


@dataclass(eq=False)
class AdSetState:
    """An ad set being delivered: its settings, pacing and counters (simulated money)."""

    key: int
    adset: AdSet
    objective: str
    audience_size: int
    median: float  # the platform's median competing bid x the market's price level
    budget_left: float
    lam: float
    brand: bool
    target_female: float
    members: list = field(default_factory=list)
    end_day: int = 0
    day_budget: float = 0.0
    spent_today: float = 0.0
    group_mult: list = field(default_factory=lambda: [1.0, 1.0])
    # This hour (set by ReferenceModel._open_hour).
    open_now: bool = False
    hour_weight: float = 0.0
    demand: float = 1.0
    target: float = 0.0
    n_max: int = 0
    limit: float = 0.0
    available: int = 0  # opportunities in the audience this hour
    seen: int = 0
    entered: int = 0  # auctions entered this hour
    hour_spent: float = 0.0
    # Running totals (what the ads manager shows).
    impressions: int = 0
    reach: int = 0
    clicks: int = 0
    applications: int = 0
    spend: float = 0.0
    impressions_by_gender: list = field(default_factory=lambda: [0, 0])


@dataclass(eq=False)
class Membership:
    """One person in one ad set's audience: the constants and the person's memory of it."""

    adset: AdSetState
    rate: float  # ad opportunities per day on the ad set's platform
    value: float  # the optimiser's predicted value
    price_mult: float  # competitors' price multiplier for this person
    p_click: float  # first-exposure click probability (open-passive state)
    p_apply: float  # apply probability after a click (open-passive state)
    opportunities: int = 0  # this hour's
    freq: int = 0
    remembered: float = 0.0
    last_seen: int = 0


class Person(mesa.Agent):
    """A person who uses some of the platforms and is in some ad set's audience.

    Parameters
    ----------
    model : ReferenceModel
    index : int
        Row in the population.
    """

    def __init__(self, model: ReferenceModel, index: int) -> None:
        super().__init__(model)
        self.index = index
        pop = model.population
        self.gender = int(pop.gender[index])
        self.search_state = int(pop.search_state[index])
        self.qualified = bool(model.qualified[index])
        self.memberships: list[Membership] = []
        self.awareness = 0.0
        self.awareness_day = 0  # the day ``awareness`` was last brought up to date
        self.clicked = False
        self.applied = False
        self.impressions = 0

    def open_apps(self) -> None:
        """The hour's first stage: how often the person opens each platform's app.

        A Poisson number of openings per ad set the person is in (by inversion), at mean
        ``sessions x ads_per_session x hour weight``; the ad set counts them all.
        """
        rnd = self.random
        for mem in self.memberships:
            ad = mem.adset
            if not ad.open_now:
                mem.opportunities = 0
                continue
            mean = mem.rate * ad.hour_weight
            u, k, p = rnd.random(), 0, math.exp(-mean)
            cum = p
            while u > cum:
                k += 1
                p *= mean / k
                cum += p
            mem.opportunities = k
            ad.available += k

    def step(self) -> None:
        """The hour's second stage: the auctions for the person's opportunities.

        Throttling: the ad set enters ``n_max`` of the hour's ``available`` opportunities,
        a uniform random subset (selection sampling: each opportunity in turn is entered
        with probability still-wanted / still-unseen).
        """
        rnd = self.random
        for mem in self.memberships:
            ad = mem.adset
            for _ in range(mem.opportunities):
                wanted = ad.n_max - ad.entered
                unseen = ad.available - ad.seen
                ad.seen += 1
                if wanted > 0 and rnd.random() * unseen < wanted:
                    ad.entered += 1
                    self.auction(ad, mem)
            mem.opportunities = 0

    def auction(self, ad: AdSetState, mem: Membership) -> None:
        """One auction for this person's attention; buy and show the ad if it wins."""
        model, rnd, a = self.model, self.random, ad.adset
        market, optimiser = model.scenario.market, model.scenario.optimiser
        competing = (
            ad.median * ad.demand * mem.price_mult * math.exp(market.bid_dispersion * rnd.gauss())
        )
        clearing = max(competing, FLOOR_SHARE * ad.median)
        value = mem.value
        if ad.objective not in ("reach", "awareness") and optimiser.prediction_noise > 0:
            value *= math.exp(optimiser.prediction_noise * rnd.gauss())
        bid = ad.lam * value
        if optimiser.variance_reduction:
            bid *= ad.group_mult[self.gender]
        if a.bid_cap is not None:
            bid = min(bid, a.bid_cap)
        if bid <= clearing:
            return
        if a.frequency_cap is not None and mem.freq >= a.frequency_cap:
            return
        if ad.hour_spent >= ad.limit:
            return
        price = (clearing if market.auction == "second-price" else bid) / 1000.0
        ad.hour_spent += price
        self.see(ad, mem, price)

    def see(self, ad: AdSetState, mem: Membership, price: float) -> None:
        """The ad is shown: fatigue, wear-out, awareness, then a click and an apply draw."""
        model, rnd = self.model, self.random
        hour = model.hour
        memory = mem.remembered * 0.5 ** (
            (hour - mem.last_seen) / (24 * RESPONSE.fatigue_recovery_days)
        )
        mem.remembered = memory + 1
        mem.last_seen = hour
        wear = 1 / (1 + RESPONSE.wear_out * ad.impressions / max(ad.audience_size, 1))
        if self.awareness_day != model.day:
            self.awareness *= model.awareness_decay ** (model.day - self.awareness_day)
            self.awareness_day = model.day
        aware = self.awareness
        state = self.search_state
        fatigue = max(max(memory + 1, 1.0) ** -RESPONSE.fatigue_beta, RESPONSE.fatigue_floor)
        p = (
            mem.p_click
            * (RESPONSE.search_state[state] / RESPONSE.search_state[OPEN_PASSIVE])
            * fatigue
            * wear
            * (1 + RESPONSE.awareness_click * aware)
        )
        if self.clicked:
            p *= RESPONSE.repeat_click
        p = min(p, 0.5)
        gain = RESPONSE.awareness_gain_brand if ad.brand else RESPONSE.awareness_gain
        self.awareness = aware + gain * (1 - aware)
        u_click, u_apply = rnd.random(), rnd.random()
        clicked = u_click < p
        applied = False
        if clicked:
            self.clicked = True
            p_apply = min(
                mem.p_apply
                * (RESPONSE.apply_state[state] / RESPONSE.apply_state[OPEN_PASSIVE])
                * (1 + RESPONSE.awareness_apply * aware),
                0.9,
            )
            if u_apply < p_apply and not self.applied:
                applied = self.applied = True
        if mem.freq == 0:
            ad.reach += 1
        mem.freq += 1
        self.impressions += 1
        ad.impressions += 1
        ad.impressions_by_gender[self.gender] += 1
        ad.clicks += clicked
        ad.applications += applied
        ad.spend += price
        ad.budget_left -= price
        ad.spent_today += price
        model.record(self, price, clicked, applied)


@dataclass
class ReferenceResult:
    """Totals of a reference run, in real people and real money (like ``RunResult``)."""

    impressions: int
    reach: int
    clicks: int
    applications: int
    qualified_applications: int
    spend: float
    agents: int
    by_adset: dict[str, dict]

    @property
    def cpm(self) -> float | None:
        """Spend per 1000 impressions."""
        return 1000 * self.spend / self.impressions if self.impressions else None


class ReferenceModel(mesa.Model):
    """One campaign of one strategy, delivered person by person, hour by hour.

    Parameters
    ----------
    scenario : Scenario
    strategy : Strategy
        An unfitted strategy; it is reset with the brief and its first plan is delivered
        for the whole campaign.
    seed : int
        Root seed; the population is the one ``sim.model.run(scenario, strategy, seed,
        replication)`` draws.
    replication : int
    population : Population, optional
        A population already drawn for this seed and replication.
    """

    def __init__(
        self,
        scenario: Scenario,
        strategy,
        seed: int,
        replication: int = 0,
        population: Population | None = None,
    ) -> None:
        seeds = run_seeds(seed, replication)
        # The reference's own streams: children of the market seed that recruitsim never makes.
        own = np.random.SeedSequence(seeds.market.entropy, spawn_key=(*seeds.market.spawn_key, 7))
        optimiser_seed, agent_seed = own.spawn(2)
        super().__init__(rng=np.random.default_rng(agent_seed))
        self.scenario = scenario
        self.population = population or generate(scenario.population, seeds.population)
        pop = self.population
        self.weight = pop.weight
        self.qualified = qualified_mask(pop, scenario.vacancy)
        self.days = scenario.campaign.days
        self.budget_total = scenario.budget.total / self.weight
        self.spend = 0.0
        self.hour = 0
        self.day = 0
        self.awareness_decay = 0.5 ** (1 / RESPONSE.awareness_half_life_days)
        strategy.reset(rng=np.random.default_rng(seeds.strategy), brief=make_brief(scenario, pop))
        self.plan = list(strategy.plan())
        self.adsets: list[AdSetState] = []
        self.counts = {"impressions": 0, "clicks": 0, "applications": 0, "qualified_apps": 0}
        optimiser_rng = np.random.default_rng(optimiser_seed)
        tables: dict[str, EngagementTable] = {}
        people: dict[int, Person] = {}
        for key, a in enumerate(self.plan):
            platform = PLATFORMS[a.platform]
            platform.check(a.targeting, scenario.platform(a.platform).policy)
            if a.targeting.custom_audience is not None or a.targeting.lookalike_percent:
                raise NotImplementedError(
                    f"ad set {a.name!r}: the reference has no custom audiences or lookalikes"
                )
            view = PlatformView(pop, platform)
            audience = resolve(view, a.targeting)
            if audience.size * pop.weight < platform.min_audience:
                audience = audience[:0]  # the platform will not publish it
            if a.platform not in tables:
                tables[a.platform] = EngagementTable(scenario, view, pop, optimiser_rng)
            creative = a.creative or scenario.vacancy.creative
            objective = a.objective or scenario.campaign.objective
            median = scenario.market.price_level * platform.median_cpm
            gender = pop.gender[audience]
            ad = AdSetState(
                key=key,
                adset=a,
                objective=objective,
                audience_size=int(audience.size),
                median=median,
                budget_left=a.budget / self.weight,
                lam=median,
                brand=creative.message == "employer-brand",
                target_female=float(gender.mean()) if audience.size else 0.5,
                end_day=self.days if a.end_day is None else min(a.end_day, self.days),
            )
            self.adsets.append(ad)
            if audience.size == 0:
                continue
            value = tables[a.platform].predict(audience, objective, creative)
            neutral = np.full(audience.size, OPEN_PASSIVE, dtype=np.uint8)
            p_click = behavior.click_probability(
                pop, audience, scenario.vacancy, creative, platform.link_ctr, search_state=neutral
            )
            p_apply = behavior.apply_probability(
                pop, audience, scenario.vacancy, qualified=self.qualified, search_state=neutral
            )
            if ad.brand:  # no vacancy in the ad: a click rarely ends in an application
                p_apply = p_apply * RESPONSE.brand_apply
            sessions = view.sessions
            for j, i in enumerate(audience.tolist()):
                person = people.get(i)
                if person is None:
                    person = people[i] = Person(self, i)
                person.memberships.append(
                    Membership(
                        adset=ad,
                        rate=float(sessions[i]) * platform.ads_per_session,
                        value=float(value[j]),
                        price_mult=self.segment_multiplier(i),
                        p_click=float(p_click[j]),
                        p_apply=float(p_apply[j]),
                    )
                )

    def segment_multiplier(self, i: int) -> float:
        """Competitors' price multiplier for person ``i`` (product over matching segments)."""
        age, female = int(self.population.age[i]), int(self.population.gender[i])
        mult = 1.0
        for seg in self.scenario.market.segments:
            if seg.age_min <= age <= seg.age_max and (
                seg.gender == "any" or female == (seg.gender == "female")
            ):
                mult *= seg.price_multiplier
        return mult

    # ---------------------------------------------------------------- the clock
    def step(self) -> None:
        """One hour: open the ad sets' hour, let every person act, then pace."""
        if self.hour % 24 == 0:
            self.day = self.hour // 24
            for ad in self.adsets:
                left = ad.end_day - self.day
                ad.day_budget = ad.budget_left / left if left > 0 else 0.0
                ad.spent_today = 0.0
        for ad in self.adsets:
            self._open_hour(ad)
        self.agents.shuffle_do("open_apps")
        self.agents.shuffle_do("step")
        for ad in self.adsets:
            self._close_hour(ad)
        self.hour += 1
        if self.hour >= 24 * self.days:
            self.running = False

    def _open_hour(self, ad: AdSetState) -> None:
        ad.open_now, ad.hour_spent = False, 0.0
        ad.available = ad.seen = ad.entered = 0
        a, hod = ad.adset, self.hour % 24
        if ad.budget_left <= 0 or ad.audience_size == 0 or (a.hours and hod not in a.hours):
            return
        weights = PLATFORMS[a.platform].hour_weights
        open_share = sum(weights[h] for h in range(hod, 24) if not a.hours or h in a.hours)
        ad.target = max(ad.day_budget - ad.spent_today, 0.0) * weights[hod] / open_share
        if ad.target <= 0:
            return
        ad.hour_weight = float(weights[hod])
        ad.demand = (24 * ad.hour_weight) ** HOUR_DEMAND_ELASTICITY
        price = ad.median * ad.demand / 1000
        ad.n_max = math.ceil(self.scenario.market.participation * ad.target / price)
        ad.limit = min(ad.budget_left, HOURLY_OVERSPEND * ad.target, self.budget_total - self.spend)
        ad.open_now = True

    def _close_hour(self, ad: AdSetState) -> None:
        if not ad.open_now or min(ad.available, ad.n_max) == 0:
            return
        if self.scenario.optimiser.variance_reduction:
            self._reduce_variance(ad)
        ratio = ad.hour_spent / ad.target
        ad.lam *= min(max((1.0 / max(ratio, 0.05)) ** 0.5, 0.6), 1.6)
        ad.lam = min(max(ad.lam, 0.02 * ad.median), 100.0 * ad.median)

    @staticmethod
    def _reduce_variance(ad: AdSetState) -> None:
        """Nudge the bid multipliers by sex toward the audience's mix of impressions."""
        total = sum(ad.impressions_by_gender)
        if total < 50:
            return
        target = (1 - ad.target_female, ad.target_female)
        mult = []
        for g in (0, 1):
            share = max(ad.impressions_by_gender[g] / total, 1e-3)
            step = min(max((target[g] / share) ** 0.5, 0.8), 1.25)
            mult.append(min(max(ad.group_mult[g] * step, 0.2), 5.0))
        mean = target[0] * mult[0] + target[1] * mult[1]
        ad.group_mult = [m / mean for m in mult]

    def record(self, person: Person, price: float, clicked: bool, applied: bool) -> None:
        """Count an impression bought (called by the person who saw it)."""
        self.spend += price
        self.counts["impressions"] += 1
        self.counts["clicks"] += clicked
        self.counts["applications"] += applied
        self.counts["qualified_apps"] += applied and person.qualified

    def run(self) -> ReferenceResult:
        """Run the whole campaign and return its totals."""
        while self.running:
            self.step()
        return self.result()

    def result(self) -> ReferenceResult:
        """Totals so far, in real people and real money."""
        w = self.weight

        def real(count: int) -> int:
            return round(count * w)

        reach = sum(1 for person in self.agents if person.impressions > 0)
        by_adset = {
            ad.adset.name: {
                "impressions": real(ad.impressions),
                "reach": real(ad.reach),
                "clicks": real(ad.clicks),
                "applications": real(ad.applications),
                "spend": ad.spend * w,
            }
            for ad in self.adsets
        }
        return ReferenceResult(
            impressions=real(self.counts["impressions"]),
            reach=real(reach),
            clicks=real(self.counts["clicks"]),
            applications=real(self.counts["applications"]),
            qualified_applications=real(self.counts["qualified_apps"]),
            spend=self.spend * w,
            agents=len(self.agents),
            by_adset=by_adset,
        )


def run_reference(
    scenario: Scenario,
    strategy,
    seed: int | None = None,
    replication: int = 0,
    population: Population | None = None,
) -> ReferenceResult:
    """Run the per-agent reference of one campaign (the counterpart of ``sim.model.run``).

    Parameters
    ----------
    scenario : Scenario
    strategy : Strategy
        An unfitted strategy instance whose first plan is delivered throughout.
    seed : int, optional
        Root seed; the scenario's ``seed`` by default.
    replication : int
    population : Population, optional

    Returns
    -------
    ReferenceResult
    """
    seed = scenario.seed if seed is None else seed
    return ReferenceModel(scenario, strategy, seed, replication, population).run()
