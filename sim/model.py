"""RecruitingModel: population, platforms, strategy and delivery wired together.

SimPy owns the clock (unit: hours). The Mesa model's :meth:`RecruitingModel.step`
advances one simulated day: it runs the SimPy environment through the day's 24
hourly delivery events, then hands the strategy the day's report (ads manager plus
applicant tracking system) and applies any revised plan.

Randomness: one :class:`numpy.random.SeedSequence` per run, spawned into the
components (population, market, behaviour, pipeline, strategy). Common random numbers
come from giving every strategy of replication *r* the same component seeds — see
:func:`run_seeds`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import mesa
import numpy as np
import simpy

from sim import occupations
from sim.campaign import CampaignBrief, PlatformInfo, Strategy, VacancyBrief
from sim.employer import Employer
from sim.interests import TOPIC_NAMES
from sim.market import Market
from sim.metrics import Truth, by_group, daily_row, distinct, summarize
from sim.network import OrganicSharing
from sim.people import People
from sim.pipeline import HiringPipeline
from sim.platforms import PLATFORM_INDEX, PLATFORMS
from sim.population import AGE_SHARES, EMPLOYED, LABOUR_BY_AGE, Population, generate, qualified_mask
from sim.scenario import Scenario
from sim.units import Units

COMPONENTS = ("population", "market", "behaviour", "pipeline", "strategy")


@dataclass(frozen=True)
class RunSeeds:
    """The seed sequences of one replication, one per component."""

    root_entropy: int
    replication: int
    population: np.random.SeedSequence
    market: np.random.SeedSequence
    behaviour: np.random.SeedSequence
    pipeline: np.random.SeedSequence
    strategy: np.random.SeedSequence

    def spawn_keys(self) -> dict[str, list[int]]:
        """Each component's spawn key (for the manifest)."""
        return {c: list(getattr(self, c).spawn_key) for c in COMPONENTS}


def run_seeds(seed: int, replication: int) -> RunSeeds:
    """Seeds of replication ``replication`` under root seed ``seed``.

    The root ``SeedSequence(seed)`` is spawned per replication and each replication's
    child per component, so replication *r* gets the same streams whatever strategy,
    executor or order runs it.
    """
    root = np.random.SeedSequence(seed)
    rep = np.random.SeedSequence(seed, spawn_key=(replication,))
    children = rep.spawn(len(COMPONENTS))
    return RunSeeds(int(root.entropy), replication, *children)


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
    for spec in scenario.platforms:
        p = PLATFORMS[spec.name]
        users = pop.sessions[PLATFORM_INDEX[spec.name]] > 0
        counts = np.bincount(pop.age_band[users], minlength=len(occupations.AGE_BANDS))
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


class RecruitingModel(mesa.Model):
    """One campaign of one strategy in one scenario.

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

    Parameters
    ----------
    scenario : Scenario
    strategy : Strategy
        Reset here with its own stream and the brief.
    seeds : RunSeeds
    population : Population, optional
        Reuse a population drawn from ``seeds.population`` (common random numbers).
    """

    def __init__(
        self,
        scenario: Scenario,
        strategy: Strategy,
        seeds: RunSeeds,
        population: Population | None = None,
    ) -> None:
        super().__init__(rng=np.random.default_rng(seeds.pipeline))
        self.scenario = scenario
        self.strategy = strategy
        self.seeds = seeds
        self.population = population or generate(scenario.population, seeds.population)
        pop = self.population
        self.units = Units(pop.weight)
        self.qualified = qualified_mask(pop, scenario.vacancy)
        market_rng = np.random.default_rng(seeds.market)
        behaviour_rng = np.random.default_rng(seeds.behaviour)
        employer_rng = np.random.default_rng(int(market_rng.integers(2**63)))
        dynamics_rng = np.random.default_rng(int(behaviour_rng.integers(2**63)))
        self.people = People(
            self, pop, scenario.population, scenario.vacancy, self.qualified,
            dynamics_rng, behaviour_rng,
        )  # fmt: skip
        self.employer = Employer(
            self, pop, self.people, scenario.vacancy, scenario.campaign, self.units, employer_rng
        )
        self.sharing = OrganicSharing(
            self, scenario.organic, scenario.vacancy, pop, self.people, self.employer,
            np.random.default_rng(int(employer_rng.integers(2**63))),
        )  # fmt: skip
        self.market = Market(
            self, pop, self.people, self.employer, scenario.platforms, scenario.market,
            scenario.optimiser, scenario.vacancy, scenario.campaign.objective,
            scenario.campaign.days, scenario.budget.total, scenario.budget.currency,
            self.units, market_rng, events=scenario.events,
        )  # fmt: skip
        self.brief = make_brief(scenario, pop)
        self.reports = []
        self.truth = Truth(self.qualified, pop.gender, pop.search_state)
        self._seen = np.zeros(pop.size, dtype=bool)
        self._day_start = 0  # first log row of the current day
        self.datacollector = mesa.DataCollector(model_reporters={"daily": self._daily_row})
        self.env = simpy.Environment()
        spec = scenario.pipeline
        self.pipeline = HiringPipeline(
            self.env, spec,
            np.random.default_rng(
                np.random.SeedSequence(seeds.pipeline.entropy,
                                       spawn_key=(*seeds.pipeline.spawn_key, 0))
            ),
            hires_wanted=scenario.vacancy.hires_wanted, salary=scenario.vacancy.salary,
            on_filled=self._filled, weight=pop.weight,
        )  # fmt: skip
        self.employer.on_applications = self.pipeline.submit
        strategy.reset(rng=np.random.default_rng(seeds.strategy), brief=self.brief)
        self.market.set_ad_sets(strategy.plan(), day=0)
        self.env.process(self._clock())

    @property
    def day(self) -> int:
        """Days done (Mesa's ``steps``)."""
        return self.steps

    @property
    def log(self):
        """The impression log (:class:`sim.market.ImpressionLog`): ``log.arrays()``."""
        return self.market.log

    def _filled(self, hour: float) -> None:
        """The vacancy is filled: stop the campaign if the scenario says so."""
        if self.scenario.pipeline.stop_when_filled:
            self.market.stopped = True

    def _clock(self):
        """The SimPy process that delivers ads hour by hour until the campaign ends."""
        for hour in range(24 * self.scenario.campaign.days):
            if hour % 24 == 0:
                for actor in DAY_ORDER:
                    self.agents_by_type[actor].do("start_day", hour // 24)
            self.market.deliver_hour(hour)
            yield self.env.timeout(1)

    def _daily_row(self) -> dict:
        """The day's row of the daily series (a DataCollector model reporter)."""
        day = self.steps - 1
        log = self.market.log
        spent = self.datacollector.model_vars["daily"][-1]["cumulative_spend"] if day else 0.0
        row = daily_row(day, log.since(self._day_start), self.truth, self._seen, spent,
                        self.units.weight)  # fmt: skip
        self._day_start = log.size
        row["aided_awareness_qualified"] = self.people.aided_awareness[day]
        return row

    def step(self) -> None:
        """Advance one day: 24 hours of delivery, then the strategy's daily update."""
        day = self.steps - 1  # Mesa counts the step before running it
        self.env.run(until=(day + 1) * 24)
        for actor in DAY_ORDER:
            self.agents_by_type[actor].do("end_day", day)
        self.datacollector.collect(self)
        report = self.market.report(day)
        self.reports.append(report)
        if self.steps >= self.scenario.campaign.days:
            self.running = False
            return
        revised = self.strategy.update(report)
        if revised is not None:
            self.market.set_ad_sets(revised, day=self.steps)

    def run(self) -> None:
        """Step until the campaign ends, then let the hiring pipeline run its extra days."""
        while self.running:
            self.step()
        end = 24 * (self.scenario.campaign.days + self.scenario.pipeline.extra_days)
        if end > self.env.now:
            self.env.run(until=end)


@dataclass
class RunResult:
    """The outcome of one run: summary metrics, daily series, per-platform breakdown."""

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

    def to_dict(self) -> dict:
        """The run summary JSON object (DESIGN.md contract) with the series added."""
        return {
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


def run(
    scenario: Scenario,
    strategy,
    seed: int | None = None,
    replication: int = 0,
    population: Population | None = None,
) -> RunResult:
    """Run one campaign and summarise it.

    Parameters
    ----------
    scenario : Scenario
    strategy : Strategy
        An unfitted strategy instance (it is reset here).
    seed : int, optional
        Root seed; the scenario's ``seed`` by default.
    replication : int
        Replication index (selects the spawned streams).
    population : Population, optional
        A population already drawn for this seed and replication.

    Returns
    -------
    RunResult
    """
    start = time.perf_counter()
    seed = scenario.seed if seed is None else seed
    seeds = run_seeds(seed, replication)
    model = RecruitingModel(scenario, strategy, seeds, population)
    model.run()
    market, units = model.market, model.units
    log = market.log.arrays()
    pop = model.population
    truth = model.truth
    platform_names = sorted(set(market.ad_set_platforms()))
    platform_of_adset = np.array(
        [platform_names.index(p) for p in market.ad_set_platforms()] or [0]
    )
    platform_codes = platform_of_adset[log["adset"]]
    horizon = scenario.campaign.days + scenario.pipeline.extra_days
    spend = units.money(log["price"].sum())
    hiring = model.pipeline.metrics(spend, horizon)
    for key in ("hires", "applications", "applications_screened", "interviews", "offers",
                "offers_declined", "dropouts", "withdrawn", "in_pipeline"):  # fmt: skip
        hiring[key] = round(units.real_people(hiring[key]))
    # A sampled hire stands for `weight` people, but the vacancy closes at hires_wanted.
    hiring["hires"] = min(hiring["hires"], scenario.vacancy.hires_wanted)
    hiring["cost_per_hire"] = spend / hiring["hires"] if hiring["hires"] else None
    hiring["dropouts_by_stage"] = {
        k: round(units.real_people(v)) for k, v in hiring["dropouts_by_stage"].items()
    }
    hiring["filled_day"] = (
        None if model.pipeline.filled_hour is None else (model.pipeline.filled_hour / 24)
    )
    hiring["campaign_stopped_early"] = market.stopped
    counts = model.sharing.counts
    organic = {key: round(units.real_people(v)) for key, v in counts.items()}
    paid = int(log["applied"].sum())  # simulated people, like the organic counts
    both = paid + counts["applications"]
    organic["share_of_applications"] = counts["applications"] / both if both else None
    hiring["organic"] = organic
    hiring["search_state_events"] = {
        k: round(units.real_people(v)) for k, v in model.people.dynamics.events.items()
    }
    metrics = summarize(log, truth, weight=pop.weight, hires=hiring["hires"],
                        time_to_hire_days=hiring["time_to_hire_days"])  # fmt: skip
    metrics["cost_per_hire"] = hiring["cost_per_hire"]
    series = model.datacollector.model_vars["daily"]
    per_platform = by_group(log, truth, platform_codes, platform_names, pop.weight)
    delivery = delivery_by_group(log, pop, model.qualified)
    return RunResult(
        scenario=scenario.name,
        strategy=getattr(strategy, "id", type(strategy).__name__),
        seed=seed,
        replication=replication,
        population=pop.size,
        days=scenario.campaign.days,
        currency=scenario.budget.currency,
        metrics=metrics,
        daily=series,
        by_platform=per_platform,
        params=strategy.get_params() if hasattr(strategy, "get_params") else {},
        wall_time_s=time.perf_counter() - start,
        delivery=delivery,
        pipeline=hiring,
    )


def delivery_by_group(log: dict, pop: Population, qualified: np.ndarray) -> dict:
    """People reached and qualified people in the population, by sex and age band.

    Returns
    -------
    dict
        ``{"age_bands": [...], "reach": {"male": [...], "female": [...]},
        "qualified": {"male": [...], "female": [...]}}``, counts in real people.
    """
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
