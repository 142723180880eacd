"""RecruitingModel: population, platforms, strategy and delivery wired together.

SimPy owns the clock (unit: hours). The Mesa model's :meth:`RecruitingModel.step`
advances one simulated day: it runs the SimPy environment through the day's 24
hourly delivery events, then hands the strategy the day's report (ads manager plus
applicant tracking system) and applies any revised plan.

Randomness: one :class:`numpy.random.SeedSequence` per run, spawned per replication
and into the named components of :data:`COMPONENTS` (:mod:`sim.streams`). Common random
numbers come from giving every strategy of replication *r* the same component seeds —
see :func:`run_seeds`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import mesa
import numpy as np
import simpy

from sim import journeys as sim_journeys
from sim import occupations
from sim.campaign import CampaignBrief, PlatformInfo, Strategy, VacancyBrief
from sim.employer import Employer
from sim.errors import StrategyError
from sim.exchange import AdExchange, competition_outcomes, market_summary
from sim.interests import TOPIC_NAMES
from sim.market import Market
from sim.metrics import Truth, by_group, combine, daily_series, distinct, report, tally
from sim.network import OrganicSharing
from sim.people import People
from sim.pipeline import CandidatePool, HiringPipeline
from sim.platforms import PLATFORM_INDEX, PLATFORMS
from sim.population import AGE_SHARES, EMPLOYED, LABOUR_BY_AGE, Population, generate
from sim.scenario import Scenario
from sim.streams import named_children, replication_seed
from sim.units import Units

# The run's random streams, one named child of the replication's SeedSequence each (new
# names go at the end, so the others keep their streams):
COMPONENTS = (
    "population",  # the synthetic population, its platform views and social graph
    "market",  # opportunities, competing bids, the optimiser's training sample
    "behaviour",  # people's responses to impressions (clicks, applications)
    "pipeline",  # the hiring pipeline
    "strategy",  # the strategy's own stream
    "dynamics",  # search-state transitions and life events
    "employer",  # pixel match keys and the staff list
    "site_visits",  # organic career-site visitors
    "sharing",  # employees' sharing of the post
    "model",  # the Mesa model's own generator (``Model.rng``; no mechanism draws from it)
    "learning",  # the learning optimisers' Thompson draws (``optimiser.learning``)
)


@dataclass(frozen=True)
class RunSeeds:
    """The seed sequences of one replication, one per component of :data:`COMPONENTS`."""

    root_entropy: int
    replication: int
    population: np.random.SeedSequence
    market: np.random.SeedSequence
    behaviour: np.random.SeedSequence
    pipeline: np.random.SeedSequence
    strategy: np.random.SeedSequence
    dynamics: np.random.SeedSequence
    employer: np.random.SeedSequence
    site_visits: np.random.SeedSequence
    sharing: np.random.SeedSequence
    model: np.random.SeedSequence
    learning: np.random.SeedSequence

    def spawn_keys(self) -> dict[str, list[int]]:
        """Each component's spawn key (for the manifest)."""
        return {c: list(getattr(self, c).spawn_key) for c in COMPONENTS}

    def rng(self, component: str) -> np.random.Generator:
        """A generator on ``component``'s stream."""
        return np.random.default_rng(getattr(self, component))


def run_seeds(seed: int, replication: int) -> RunSeeds:
    """Seeds of replication ``replication`` under root seed ``seed``.

    The root ``SeedSequence(seed)`` is spawned per replication and each replication's
    child into the named components, so replication *r* gets the same streams whatever
    strategy, executor or order runs it.
    """
    rep = replication_seed(seed, replication)
    children = named_children(rep, COMPONENTS)
    return RunSeeds(int(np.random.SeedSequence(seed).entropy), replication, **children)


def make_brief(scenario: Scenario, pop: Population) -> CampaignBrief:
    """What the advertiser knows: the vacancy as written, public statistics, platform offers.

    ``audience_by_age`` is public survey-style data: account holders by age band in the
    simulated regions, in real people (rounded to the thousand, as surveys publish).
    """
    v = scenario.vacancy
    occ = occupations.get(v.occupation)
    lo, hi = typical_age(v.occupation)
    vacancy = VacancyBrief(
        occupation=v.occupation,
        occupation_name=occ.name,
        location=v.location,
        max_distance_km=v.max_distance_km,
        min_experience_years=v.min_experience_years,
        salary=v.salary,
        apply_flow=v.apply_flow,
        creative=v.creative,
        typical_interests=occ.typical_interests,
        adjacent_occupations=occ.adjacent,
        female_share=occ.female,
        typical_age=(lo, hi),
        accepts_adjacent=v.accept_adjacent,
    )
    infos = []
    users_by_age = account_holders_by_age_band(pop, [spec.name for spec in scenario.platforms])
    for spec, counts in zip(scenario.platforms, users_by_age, strict=True):
        p = PLATFORMS[spec.name]
        by_age = {
            label: int(round(Units(pop.weight).real_people(c), -3))
            for label, c in zip(occupations.AGE_BAND_LABELS, counts, strict=True)
        }
        infos.append(
            PlatformInfo(
                name=p.name,
                label=p.label,
                policy=spec.policy,
                targeting_options=p.targeting_options,
                allowed_options=p.allowed_options(spec.policy),
                interest_catalogue=TOPIC_NAMES if "interests" in p.targeting_options else (),
                job_title_catalogue=occupations.OCCUPATION_IDS if p.declares_titles else (),
                min_radius_km=p.min_radius_km(spec.policy),
                min_audience=p.min_audience,
                median_cpm=p.median_cpm * scenario.market.price_level,
                audience_by_age=by_age,
                hour_profile=tuple(float(x) for x in p.hour_weights),
                min_custom_audience=p.min_custom_audience,
            )
        )
    return CampaignBrief(
        vacancy=vacancy,
        budget=scenario.budget.total,
        currency=scenario.budget.currency,
        days=scenario.campaign.days,
        objective=scenario.campaign.objective,
        platforms=tuple(infos),
        ats_delay_days=scenario.campaign.ats_delay_days,
    )


def account_holders_by_age_band(pop: Population, platforms: list[str]) -> list[np.ndarray]:
    """Simulated account holders of each of ``platforms`` by age band, one pass over people.

    Each person's code is their age band and one bit per platform (has an account);
    one histogram of the codes gives every platform's counts.

    Returns
    -------
    list of numpy.ndarray of int, each of shape (n_age_bands,)
    """
    n_bands, n = len(occupations.AGE_BANDS), len(platforms)
    code = pop.age_band.astype(np.uint16) << np.uint16(n)
    for j, name in enumerate(platforms):
        has = pop.sessions[PLATFORM_INDEX[name]] > 0
        code |= has.view(np.uint8).astype(np.uint16) << np.uint16(j)
    table = np.bincount(code, minlength=n_bands << n).reshape(n_bands, 1 << n)
    bits = np.arange(1 << n)
    return [table[:, (bits >> j) & 1 == 1].sum(axis=1) for j in range(n)]


def typical_age(occupation: str, coverage: float = 0.7) -> tuple[int, int]:
    """The narrowest run of age bands holding ``coverage`` of an occupation's workers.

    Public knowledge (SSB publishes employment by occupation and age): the share of
    workers in each band is the adult age distribution x the employment rate by age x
    the occupation's age profile. The upper end is capped at 67, the retirement age.
    """
    profile = np.asarray(occupations.AGE_PROFILES[occupations.get(occupation).age])
    mass = AGE_SHARES * LABOUR_BY_AGE[:, EMPLOYED] * profile
    mass = mass / mass.sum()
    best = (0, len(mass) - 1)
    for width in range(1, len(mass) + 1):
        windows = [(mass[i : i + width].sum(), i) for i in range(len(mass) - width + 1)]
        top, start = max(windows)
        if top >= coverage:
            best = (start, start + width - 1)
            break
    lo = occupations.AGE_BANDS[best[0]][0]
    hi = min(occupations.AGE_BANDS[best[1]][1], 67)
    return lo, hi


DAY_ORDER = (Employer, OrganicSharing, People, Market)  # who acts first at a day's start


# Streams every employer shares: the population and the people's search dynamics (which
# the first seat steps), and the Mesa model's own generator.
SHARED_COMPONENTS = ("population", "dynamics", "model")


def seat_seeds(seeds: RunSeeds, seat: int) -> RunSeeds:
    """The streams of employer ``seat`` in a run with competing employers.

    Seat 0 has the run's own streams (so a one-employer run is unchanged). Seat *k* > 0
    has, for each component but the shared ones (:data:`SHARED_COMPONENTS`), the named
    child ``"seat:k"`` of the run's stream of that component (:mod:`sim.streams`:
    children ``seat:1``, ``seat:2``, ... in that order).
    """
    if seat == 0:
        return seeds
    names = tuple(f"seat:{k}" for k in range(1, seat + 1))
    streams = {
        c: getattr(seeds, c)
        if c in SHARED_COMPONENTS
        else named_children(getattr(seeds, c), names)[f"seat:{seat}"]
        for c in COMPONENTS
    }
    return RunSeeds(seeds.root_entropy, seeds.replication, **streams)


class _SharedDynamics:
    """Another employer's view of the people's search dynamics: it never steps them.

    The people's search states, jobs and homes are one process whatever the number of
    employers; the first seat's :class:`~sim.people.People` steps it each day and the
    others read it (their ``start_day`` runs after the first seat's).
    """

    def __init__(self, dynamics) -> None:
        self._dynamics = dynamics

    def step_day(self) -> None:
        """Stepped by the first seat's people."""

    def __getattr__(self, name: str):
        return getattr(self._dynamics, name)


@dataclass(eq=False)
class Seat:
    """One employer's actors in a run: its people's response, site, ads, pipeline, strategy.

    Attributes
    ----------
    seat : int
        Index of the employer in the scenario's ``employers`` (0 for the single form).
    scenario : Scenario
        The employer's one-employer scenario (:meth:`Scenario.employer`).
    qualified : numpy.ndarray of bool, shape (n,)
        Ground truth for this employer's vacancy at the campaign's start.
    """

    seat: int
    name: str
    scenario: Scenario
    strategy: Strategy
    qualified: np.ndarray
    people: People
    employer: Employer
    sharing: OrganicSharing
    market: Market
    brief: CampaignBrief
    truth: Truth
    pipeline: HiringPipeline | None = None
    reports: list = field(default_factory=list)
    seen: np.ndarray | None = None  # reached so far (the daily series)
    day_start: int = 0  # first log row of the current day
    # Each platform's daily tallies and people reached so far (the by-platform summary),
    # kept only while the ad sets use more than one platform (else they are the above).
    platform_tallies: dict = field(default_factory=dict)
    platform_seen: dict = field(default_factory=dict)


class RecruitingModel(mesa.Model):
    """One campaign of one strategy — or several competing employers — in one scenario.

    The actors are the model's Mesa agents: the :class:`~sim.people.People` (one agent
    holding columns), the :class:`~sim.employer.Employer`, the employees' organic
    :class:`~sim.network.OrganicSharing` and the :class:`~sim.market.Market` (every
    platform's auctions). SimPy owns the clock (hours); :meth:`step` is one day and
    Mesa's ``steps`` counts the days done. One day:

    1. at hour 0, every actor's ``start_day`` in :data:`DAY_ORDER`: the employer's
       organic site visits; the staff share the post (on its day); the people's day
       (search states, life events, moves, fading awareness); the market's fresh custom
       audiences and daily budgets;
    2. each of the 24 hours: the market's auctions (people respond to each impression
       bought; applications go to the employer's ATS and on to the hiring pipeline),
       then the pipeline's events due in that hour;
    3. every actor's ``end_day`` (the people's aided awareness), the
       :class:`mesa.DataCollector` gathers the day's row of the daily series, and the
       strategy reads the day's report and may revise its ad sets.

    **Competing employers.** A scenario with ``[[employers]]`` gets one :class:`Seat`
    per employer: its own people's response (awareness, fatigue, clicks and applications
    per person and per employer), career site, ads (frequency caps per employer), ATS,
    pipeline and strategy, and its own streams (:func:`seat_seeds`). They share the
    population, its search dynamics, the platforms and the background competition; an
    :class:`~sim.exchange.AdExchange` puts each employer's bids into the others' auctions
    and a :class:`~sim.pipeline.CandidatePool` their candidates on one clock. The first
    seat's actors are also the model's ``people``, ``employer``, ``market`` ...

    Parameters
    ----------
    scenario : Scenario
    strategy : Strategy or sequence of Strategy
        Reset here with its own stream and the brief; one per employer when the scenario
        lists several.
    seeds : RunSeeds
    population : Population, optional
        Reuse a population drawn from ``seeds.population`` (common random numbers).
    seats : sequence of int, optional
        Which employers' streams the employers take (default 0, 1, ...); a one-employer
        scenario of employer *k* run alone with ``seats=(k,)`` meets the same streams as
        employer *k* in the competition (the price of competition).
    """

    def __init__(
        self,
        scenario: Scenario,
        strategy: Strategy | Sequence[Strategy],
        seeds: RunSeeds,
        population: Population | None = None,
        seats: Sequence[int] | None = None,
    ) -> None:
        super().__init__(rng=seeds.rng("model"))
        n = scenario.n_employers
        strategies = list(strategy) if isinstance(strategy, list | tuple) else [strategy]
        if len(strategies) != n:
            raise StrategyError(
                f"scenario {scenario.name!r} has {n} employer(s): give one strategy for each, "
                f"got {len(strategies)}"
            )
        seats = tuple(range(n)) if seats is None else tuple(seats)
        self.scenario = scenario
        self.seeds = seeds
        self.population = population or generate(scenario.population, seeds.population)
        pop = self.population
        self.units = Units(pop.weight)
        self.env = simpy.Environment()
        self.pool = CandidatePool(self.env) if n > 1 else None
        self.seats: list[Seat] = []
        for k, (seat, strat) in enumerate(zip(seats, strategies, strict=True)):
            self.seats.append(self._seat(scenario.employer(k), seat, strat, first=k == 0))
        first = self.seats[0]
        self.strategy, self.people, self.employer = first.strategy, first.people, first.employer
        self.sharing, self.market, self.brief = first.sharing, first.market, first.brief
        self.qualified, self.truth, self.reports = first.qualified, first.truth, first.reports
        self.pipeline = first.pipeline
        self.exchange = AdExchange([s.market for s in self.seats]) if n > 1 else None
        for s in self.seats:
            s.market.exchange = self.exchange
        reporters = {"daily": [self._daily_row, [self.seats[0]]]}
        reporters.update({f"daily_{s.seat}": [self._daily_row, [s]] for s in self.seats[1:]})
        self.datacollector = mesa.DataCollector(model_reporters=reporters)
        for s in self.seats:
            s.strategy.reset(rng=seat_seeds(seeds, s.seat).rng("strategy"), brief=s.brief)
            s.market.set_ad_sets(s.strategy.plan(), day=0)
        self.env.process(self._clock())

    def _seat(self, scenario: Scenario, seat: int, strategy: Strategy, first: bool) -> Seat:
        """Build employer ``seat``'s actors (the first seat's people step the dynamics)."""
        pop, seeds = self.population, seat_seeds(self.seeds, seat)
        # The search dynamics are everyone's: a later seat's people read the first seat's.
        shared = None if first else _SharedDynamics(self.seats[0].people.dynamics)
        people = People(
            self, pop, scenario.population, scenario.vacancy, None,
            None if shared else seeds.rng("dynamics"), seeds.rng("behaviour"), dynamics=shared,
        )  # fmt: skip
        qualified = people.qualified_at_start  # the vacancy's rule at the start (ground truth)
        employer = Employer(
            self, pop, people, scenario.vacancy, scenario.campaign, self.units,
            seeds.rng("employer"), seeds.rng("site_visits"),
        )  # fmt: skip
        sharing = OrganicSharing(
            self, scenario.organic, scenario.vacancy, pop, people, employer,
            seeds.rng("sharing"),
        )  # fmt: skip
        market = Market(
            self, pop, people, employer, scenario.platforms, scenario.market,
            scenario.optimiser, scenario.vacancy, scenario.campaign.objective,
            scenario.campaign.days, scenario.budget.total, scenario.budget.currency,
            self.units, seeds.rng("market"), events=scenario.events,
            learning_rng=seeds.rng("learning"),
        )  # fmt: skip
        names = self.scenario.employers
        s = Seat(
            seat=seat, name=names[seat].name if names else scenario.name, scenario=scenario,
            strategy=strategy, qualified=qualified, people=people, employer=employer,
            sharing=sharing, market=market, brief=make_brief(scenario, pop),
            truth=Truth(qualified, pop.gender, pop.search_state),
            seen=np.zeros(pop.size, dtype=bool),
        )  # fmt: skip
        spec = scenario.pipeline
        s.pipeline = HiringPipeline(
            self.env, spec, seeds.rng("pipeline"),
            hires_wanted=scenario.vacancy.hires_wanted, salary=scenario.vacancy.salary,
            on_filled=lambda hour: self._filled(s, hour), weight=pop.weight, pool=self.pool,
            campaign_days=s.scenario.campaign.days,
        )  # fmt: skip
        employer.on_applications = s.pipeline.submit
        return s

    @property
    def day(self) -> int:
        """Days done (Mesa's ``steps``)."""
        return self.steps

    @property
    def log(self):
        """The impression log (:class:`sim.market.ImpressionLog`): ``log.arrays()``."""
        return self.market.log

    def _filled(self, seat: Seat, hour: float) -> None:
        """An employer's vacancy is filled: stop its campaign if its scenario says so and it
        still runs."""
        if seat.scenario.pipeline.stop_when_filled and hour < 24 * seat.scenario.campaign.days:
            seat.market.stopped = True

    def _clock(self):
        """The SimPy process that delivers ads hour by hour until the campaign ends."""
        for hour in range(24 * self.scenario.campaign.days):
            if hour % 24 == 0:
                for actor in DAY_ORDER:
                    self.agents_by_type[actor].do("start_day", hour // 24)
            if self.exchange is None:
                self.market.deliver_hour(hour)
            else:
                self.exchange.deliver_hour(hour)
            yield self.env.timeout(1)

    def _daily_row(self, seat: Seat) -> dict:
        """An employer's simulated counts of the day (a DataCollector model reporter).

        ``tally``: :func:`sim.metrics.tally` of the day's impressions; ``reached``:
        simulated people reached so far; ``aided_awareness_qualified``. They become the
        employer's daily series, converted to real units all days together, in
        :func:`seat_summary`.
        """
        day = self.steps - 1
        log = seat.market.log.since(seat.day_start)
        seat.day_start = seat.market.log.size
        whole = self._platform_tallies(seat, log)
        seat.seen[log["person"]] = True
        return {
            "tally": whole,
            "reached": int(np.count_nonzero(seat.seen)),
            "aided_awareness_qualified": seat.people.aided_awareness[day],
        }

    def _platform_tallies(self, seat: Seat, log: dict) -> dict[str, int]:
        """The day's tally (:func:`sim.metrics.tally` of ``log``), kept per platform too.

        While the ad sets use one platform the day's tally is that platform's and the
        people reached are the daily series' (``seat.seen``); once they use several, each
        platform's impressions are tallied apart, its people marked on a mask of its own
        (the days before belonged to the one platform), and the day's tally is the
        platforms' added up (:func:`sim.metrics.combine`). Called before the day's people
        are marked on ``seat.seen``.
        """
        names = sorted(set(seat.market.ad_set_platforms()))
        if len(names) <= 1 and not seat.platform_seen:
            whole = tally(log, seat.truth, weight=self.units.weight)
            if names:
                seat.platform_tallies.setdefault(names[0], []).append(whole)
            return whole
        if not seat.platform_seen:  # a second platform from today
            for name in seat.platform_tallies:  # (at most one: every day so far)
                seat.platform_seen[name] = seat.seen.copy()
        names, codes = platform_codes(seat.market, log["adset"])
        parts = []
        for i, name in enumerate(names):
            mine = codes == i
            seen = seat.platform_seen.setdefault(name, np.zeros(seat.seen.size, dtype=bool))
            parts.append(tally(log, seat.truth, mine, weight=self.units.weight))
            seat.platform_tallies.setdefault(name, []).append(parts[-1])
            seen[log["person"][mine]] = True
        return combine(parts, seat.truth, distinct(log["person"], seat.seen.size))

    def by_platform(self, seat: Seat) -> dict[str, dict]:
        """An employer's metrics per platform (the run summary's ``by_platform``).

        Each platform's daily tallies added up (:func:`sim.metrics.combine`), converted
        together (:func:`sim.metrics.report`); platforms without impressions are left
        out. The same as :func:`sim.metrics.by_group` over the whole log by platform.
        """
        names, parts = [], []
        for name in sorted(seat.platform_tallies):
            days = seat.platform_tallies[name]
            if sum(d["impressions"] for d in days) == 0:
                continue
            seen = seat.platform_seen.get(name, seat.seen)
            names.append(name)
            parts.append(combine(days, seat.truth, np.flatnonzero(seen)))
        rows = report(parts, seat.truth, self.population.weight)
        return dict(zip(names, rows, strict=True))

    def step(self) -> None:
        """Advance one day: 24 hours of delivery, then the strategies' daily update."""
        day = self.steps - 1  # Mesa counts the step before running it
        self.env.run(until=(day + 1) * 24)
        for actor in DAY_ORDER:
            self.agents_by_type[actor].do("end_day", day)
        self.datacollector.collect(self)
        for s in self.seats:
            s.reports.append(s.market.report(day))
        if self.steps >= self.scenario.campaign.days:
            self.running = False
            return
        for s in self.seats:
            revised = s.strategy.update(s.reports[-1])
            if revised is not None:
                s.market.set_ad_sets(revised, day=self.steps)

    def run(self) -> None:
        """Step until the campaign ends, then let the hiring pipeline run its extra days."""
        while self.running:
            self.step()
        end = 24 * (self.scenario.campaign.days + self.scenario.pipeline.extra_days)
        if end > self.env.now:
            self.env.run(until=end)

    def _daily_rows(self, seat: Seat) -> list[dict]:
        """The DataCollector's rows of an employer (:meth:`_daily_row`), one a day."""
        key = "daily" if seat is self.seats[0] else f"daily_{seat.seat}"
        return self.datacollector.model_vars[key]

    def daily(self, seat: Seat) -> list[dict]:
        """An employer's daily series, in real units (the days add up to the run's totals).

        Built from the DataCollector's daily tallies (``daily`` for the first seat,
        ``daily_{seat}`` for the others), converted all days together
        (:func:`sim.metrics.daily_series`).
        """
        days = self._daily_rows(seat)
        series = daily_series([d["tally"] for d in days], [d["reached"] for d in days],
                              seat.truth, self.units.weight)  # fmt: skip
        for row, d in zip(series, days, strict=True):
            row["aided_awareness_qualified"] = d["aided_awareness_qualified"]
        return series


@dataclass
class RunResult:
    """The outcome of one run: summary metrics, daily series, per-platform breakdown.

    With several employers, ``metrics`` and the other per-employer fields are the first
    employer's (the seat the run's first strategy plays); ``employers`` holds every
    employer's and ``market`` what the competition did (:func:`sim.exchange.market_summary`).
    """

    scenario: str
    strategy: str
    seed: int
    replication: int
    population: int
    days: int
    currency: str
    metrics: dict
    daily: list[dict]
    by_platform: dict[str, dict]
    params: dict = field(default_factory=dict)
    wall_time_s: float = 0.0
    delivery: dict = field(default_factory=dict)
    pipeline: dict = field(default_factory=dict)
    journeys: dict | None = None  # sim.journeys.sample(...) when the run recorded journeys
    # The first employer's ad sets as its ads manager showed them after the last day
    # (name, platform, status text, impressions, spend); the lab adds them to its records.
    ad_sets: list[dict] = field(default_factory=list)
    employers: list[dict] = field(default_factory=list)
    market: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        """The run summary JSON object (DESIGN.md contract) with the series added.

        ``employers`` and ``market`` appear only when several employers competed.
        """
        out = {
            "scenario": self.scenario,
            "strategy": self.strategy,
            "seed": self.seed,
            "replication": self.replication,
            "population": self.population,
            "days": self.days,
            "currency": self.currency,
            "metrics": self.metrics,
            "daily": self.daily,
            "by_platform": self.by_platform,
            "delivery": self.delivery,
            "pipeline": self.pipeline,
        }
        if self.employers:
            out["employers"] = self.employers
            out["market"] = self.market
        if self.journeys is not None:
            out["journeys"] = self.journeys
        return out


def run(
    scenario: Scenario,
    strategy,
    seed: int | None = None,
    replication: int = 0,
    population: Population | None = None,
    journeys: int = 0,
    alone: bool = True,
) -> RunResult:
    """Run one campaign — or several competing employers' — and summarise it.

    Parameters
    ----------
    scenario : Scenario
    strategy : Strategy or sequence of Strategy
        An unfitted strategy instance (it is reset here); one per employer when the
        scenario lists several (``scenario.n_employers``).
    seed : int, optional
        Root seed; the scenario's ``seed`` by default.
    replication : int
        Replication index (selects the spawned streams).
    population : Population, optional
        A population already drawn for this seed and replication.
    journeys : int
        Record the journeys of this many people (``sim.journeys``; 0: none).
    alone : bool
        With several employers, also run each employer alone on the same streams for the
        price of competition (``market["alone"]``; one extra run per employer).

    Returns
    -------
    RunResult
    """
    start = time.perf_counter()
    seed = scenario.seed if seed is None else seed
    seeds = run_seeds(seed, replication)
    model = RecruitingModel(scenario, strategy, seeds, population)
    model.run()
    result = summarise(model, seed, alone=alone)
    if journeys > 0:  # built after the run from its own stream: the metrics do not change
        result.journeys = sim_journeys.sample(model, journeys)
    release(model)
    result.wall_time_s = time.perf_counter() - start
    return result


def release(model: mesa.Model) -> None:
    """Let go of a model whose run is over and summarised (its memory can be freed).

    Mesa 3.3 numbers agents from a class-level ``mesa.Agent._ids`` that keeps a counter
    per model *as a key*, so every model ever built stays alive (about 4 MB a run; a
    sweep or a validate run of hundreds of runs would hold them all). :func:`run` calls
    this after the summary is built; code that runs a :class:`RecruitingModel` itself
    (``model.run()``) and is done with it should call it too. No agent may be added to
    the model afterwards (their ids would start again at 1).
    """
    getattr(mesa.Agent, "_ids", {}).pop(model, None)


def final_ad_sets(reports: list) -> list[dict]:
    """Every ad set of the campaign as the ads manager showed it after the last day.

    Parameters
    ----------
    reports : list of DeliveryReport
        An employer's daily reports (each lists every ad set planned so far).

    Returns
    -------
    list of dict
        ``{"name", "platform", "status", "impressions", "spend"}`` per ad set, in the
        order they were first planned; ``status`` is the report's text (``"active"``,
        ``"budget spent"``, ``"rejected: ..."``).
    """
    if not reports:
        return []
    return [
        {"name": r.name, "platform": r.platform, "status": str(r.status),
         "impressions": r.impressions, "spend": r.spend}
        for r in reports[-1].ad_sets
    ]  # fmt: skip


def summarise(model: RecruitingModel, seed: int, alone: bool = False) -> RunResult:
    """The run summary of a model that has run (:func:`run` does both).

    The first seat's :func:`seat_summary` is the run's; with several employers,
    ``employers`` holds every seat's and ``market`` what the competition did.

    Parameters
    ----------
    model : RecruitingModel
        After :meth:`RecruitingModel.run`.
    seed : int
        The root seed it was run with.
    alone : bool
        With several employers, also run each employer alone on the same streams (the
        price of competition, ``market["alone"]``).

    Returns
    -------
    RunResult
    """
    scenario = model.scenario
    per_seat = [seat_summary(model, s) for s in model.seats]
    first = per_seat[0]
    result = RunResult(
        scenario=scenario.name,
        strategy=first["strategy"],
        seed=seed,
        replication=model.seeds.replication,
        population=model.population.size,
        days=scenario.campaign.days,
        currency=scenario.budget.currency,
        metrics=first["metrics"],
        daily=first["daily"],
        by_platform=first["by_platform"],
        params=first["params"],
        delivery=first["delivery"],
        pipeline=first["pipeline"],
        ad_sets=final_ad_sets(model.reports),
    )
    if len(model.seats) > 1:
        result.employers = per_seat
        solo = []
        if alone:
            for s in model.seats:
                twin = _fresh(s.strategy)
                m = RecruitingModel(
                    s.scenario, twin, model.seeds, model.population, seats=(s.seat,)
                )
                m.run()
                solo.append(seat_summary(m, m.seats[0])["metrics"])
                release(m)
        result.market = market_summary(model, per_seat, solo)
    return result


def _strategy_id(strategy) -> str:
    return getattr(strategy, "id", type(strategy).__name__)


def _fresh(strategy):
    """An unfitted copy of ``strategy`` (same class and parameters)."""
    params = strategy.get_params() if hasattr(strategy, "get_params") else {}
    return type(strategy)(**params)


def seat_summary(model: RecruitingModel, seat: Seat) -> dict:
    """One employer's outcome: the run summary's fields for that employer.

    Spend is the employer's billed micros converted once; cost per hire is computed once
    from it (:func:`sim.metrics.report`) and shown in both ``metrics`` and ``pipeline``.

    Returns
    -------
    dict
        ``name``, ``strategy``, ``params``, ``metrics``, ``daily``, ``by_platform``,
        ``delivery`` and ``pipeline`` (with ``offers_lost_to_competitor`` and
        ``left_for_competitor`` when employers compete).
    """
    scenario, market, units = seat.scenario, seat.market, model.units
    pop = model.population
    truth = seat.truth
    horizon = scenario.campaign.days + scenario.pipeline.extra_days
    # The whole log's tally from the daily ones: every impression is bought on some
    # campaign day and tallied that day; the daily series marked the people reached,
    # and the days' tallies by platform give the platforms' (no pass over the log).
    # (A model stopped within a day has impressions no day tallied: read the log.)
    reached = np.flatnonzero(seat.seen)
    whole = combine([row["tally"] for row in model._daily_rows(seat)], truth, reached)
    if whole["impressions"] == market.log.size:
        by_platform = model.by_platform(seat)
    else:
        log = market.log.arrays()
        whole = tally(log, truth, weight=units.weight)
        reached = distinct(log["person"], pop.size)
        names, codes = platform_codes(market, log["adset"])
        by_platform = by_group(log, truth, codes, names, pop.weight)
    spend = units.money_from_micros(whole["cost"])
    hiring = seat.pipeline.metrics(spend, horizon)
    for key in ("hires", "applications", "applications_screened", "interviews", "offers",
                "offers_declined", "dropouts", "withdrawn", "in_pipeline",
                "late_applications"):  # fmt: skip
        hiring[key] = round(units.real_people(hiring[key]))
    # A sampled hire stands for `weight` people, but the vacancy closes at hires_wanted.
    hiring["hires"] = min(hiring["hires"], scenario.vacancy.hires_wanted)
    metrics = report([whole], truth, pop.weight, hires=hiring["hires"],
                     time_to_hire_days=hiring["time_to_hire_days"])[0]  # fmt: skip
    hiring["cost_per_hire"] = metrics["cost_per_hire"]
    hiring["dropouts_by_stage"] = {
        k: round(units.real_people(v)) for k, v in hiring["dropouts_by_stage"].items()
    }
    hiring["filled_day"] = (
        None if seat.pipeline.filled_hour is None else (seat.pipeline.filled_hour / 24)
    )
    hiring["campaign_stopped_early"] = market.stopped
    counts = seat.sharing.counts
    organic = {key: round(units.real_people(v)) for key, v in counts.items()}
    paid = whole["applications"]  # simulated people, like the organic counts
    both = paid + counts["applications"]
    organic["share_of_applications"] = counts["applications"] / both if both else None
    hiring["organic"] = organic
    hiring["search_state_events"] = {
        k: round(units.real_people(v)) for k, v in seat.people.dynamics.events.items()
    }
    if model.pool is not None:
        hiring.update(competition_outcomes(seat.pipeline, horizon, units))
    return {
        "name": seat.name,
        "strategy": _strategy_id(seat.strategy),
        "params": seat.strategy.get_params() if hasattr(seat.strategy, "get_params") else {},
        "metrics": metrics,
        "daily": model.daily(seat),
        "by_platform": by_platform,
        "delivery": delivery_by_group(None, pop, seat.qualified, reached),
        "pipeline": hiring,
    }


def platform_codes(market: Market, adset: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The platforms of a market's ad sets (sorted names) and each impression's platform.

    ``adset`` (shape (m,)) is the log's column; returns the names and, shape (m,) uint8,
    each impression's index into them (a few platforms: a byte each).
    """
    platforms = market.ad_set_platforms()  # by ad set key
    names = sorted(set(platforms))
    of_adset = np.array([names.index(p) for p in platforms] or [0], dtype=np.uint8)
    return names, of_adset[adset]


def delivery_by_group(
    log: dict | None, pop: Population, qualified: np.ndarray, reached: np.ndarray | None = None
) -> dict:
    """People reached and qualified people in the population, by sex and age band.

    ``reached`` (shape (r,), any order) are the distinct people in the log, when the
    caller has them (then ``log`` may be None); otherwise they are found here.

    Returns
    -------
    dict
        ``{"age_bands": [...], "reach": {"male": [...], "female": [...]},
        "qualified": {"male": [...], "female": [...]}}``, counts in real people.
    """
    if reached is None:
        reached = distinct(log["person"], pop.size)
    bands = len(occupations.AGE_BANDS)

    def table(idx: np.ndarray) -> dict:
        cell = pop.gender[idx].astype(np.int64) * bands + pop.age_band[idx]
        counts = Units(pop.weight).real_people(np.bincount(cell, minlength=2 * bands))
        return {
            "male": [round(float(c)) for c in counts[:bands]],
            "female": [round(float(c)) for c in counts[bands:]],
        }

    return {
        "age_bands": list(occupations.AGE_BAND_LABELS),
        "reach": table(reached),
        "qualified": table(np.flatnonzero(qualified)),
    }
