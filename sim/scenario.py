"""Scenarios: TOML files loaded into frozen dataclasses and validated at load.

A scenario is data, never code: nothing in it is executed. Loading walks the
dataclass tree below, checks every value's type, range and choices, rejects unknown
keys with a "did you mean", and raises :class:`~sim.errors.ScenarioError` naming the
file, the dotted field path, what was expected and what came.

Each field's unit and meaning live in its ``metadata`` (``doc``, ``unit``, ``min``,
``max``, ``choices``); ``scenarios/README.md`` documents the same fields and a test
checks that none is missing there.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.resources
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim import schema
from sim.creative import Creative  # re-exported: part of the scenario schema
from sim.errors import ScenarioError, did_you_mean
from sim.schema import FrozenParams, Scalar, set_dotted, to_dict
from sim.schema import documented as _f


def _bundled_dir() -> Path:
    """The bundled scenario files: the ``scenarios`` package (shipped in the wheel)."""
    try:
        files = importlib.resources.files("scenarios")
    except ModuleNotFoundError:  # a checkout without the package on the path
        return Path(__file__).resolve().parent.parent / "scenarios"
    return Path(str(files))


#: Largest root seed: results are stored as SQLite's signed 64-bit integers.
MAX_SEED = 2**63 - 1

#: Folder of the bundled scenarios (``recruitsim list scenarios``).
SCENARIO_DIR = _bundled_dir()


def bundled_scenarios() -> list[Path]:
    """The bundled scenario files (not the validation studies'), sorted by name."""
    return sorted(SCENARIO_DIR.glob("*.toml"))


# --------------------------------------------------------------------------- schema


@dataclass(frozen=True)
class SearchStateShares:
    """Shares of job-search states among employed adults (must sum to 1)."""

    # LinkedIn Talent Trends 2014-16 and FINN Jobbundersøkelsen 2021 (calibration.md §2):
    # suggested split active 15-25 %, open/warm passive 50-60 %, super-passive 15-25 %.
    active: float = _f(0.20, doc="share actively looking", unit="share", min=0.0, max=1.0)
    open_passive: float = _f(
        0.57, doc="share not looking but open to a good offer", unit="share", min=0.0, max=1.0
    )
    closed: float = _f(0.23, doc="share not open to moving", unit="share", min=0.0, max=1.0)


@dataclass(frozen=True)
class PopulationSpec:
    """Who lives in the simulated world."""

    regions: tuple[str, ...] = _f(
        ("Norway",),
        doc="counties (2024 structure) or cities to simulate; 'Norway' for the whole country",
        nonempty=True,
    )
    scale: float = _f(
        1.0, doc="fraction of the real adult population simulated", unit="share", min=1e-6, max=1.0
    )
    size: int = _f(
        0,
        doc="exact number of simulated adults; overrides scale when > 0 (at most 10 million: "
        "about twice Norway's adults; a larger sample adds nothing)",
        unit="people",
        min=0,
        max=10_000_000,
    )
    search_state: SearchStateShares = _f(
        SearchStateShares(), doc="job-search state shares among the employed"
    )
    state_change_per_day: float = _f(
        1 / 90,
        doc="daily probability that an employed person re-draws their job-search state from "
        "the shares above (a state lasts about 90 days on average; estimate)",
        unit="1/day",
        min=0.0,
        max=1.0,
    )
    layoffs_per_year: float = _f(
        0.02,
        doc="yearly probability that an employed person is laid off and starts looking "
        "(estimate in line with AKU unemployment of about 4 %)",
        unit="1/year",
        min=0.0,
        max=1.0,
    )
    moves_per_year: float = _f(
        0.05,
        doc="yearly probability that a person moves to a new home in the simulated regions "
        "(estimate: moves between municipalities, SSB order of magnitude)",
        unit="1/year",
        min=0.0,
        max=1.0,
    )
    graduations_per_year: float = _f(
        0.25,
        doc="yearly probability that a student aged 20 or over graduates and starts looking "
        "for work (estimate)",
        unit="1/year",
        min=0.0,
        max=1.0,
    )
    interest_miss_rate: float = _f(
        0.35,
        doc="share of a person's real interests a platform fails to infer",
        unit="share",
        min=0.0,
        max=1.0,
    )
    interest_false_positive_rate: float = _f(
        0.03,
        doc="probability a platform infers an interest a person does not have",
        unit="share",
        min=0.0,
        max=1.0,
    )


@dataclass(frozen=True)
class PlatformSpec:
    """A platform in play and the policy its ads run under."""

    name: str = _f(
        doc="platform id",
        choices=("facebook", "instagram", "linkedin", "snapchat", "tiktok", "jobboard"),
    )
    policy: str = _f(
        "standard",
        doc="'standard' or 'employment' (special ad category: no age, gender or postcode "
        "targeting, minimum radius, no lookalikes)",
        choices=("standard", "employment"),
    )
    ctr_scale: float = _f(
        1.0,
        doc="multiplier on the platform's baseline link CTR for this advertiser's job ads "
        "(1 keeps the sourced default; `recruitsim calibrate` estimates it from an export)",
        unit="factor",
        min=0.01,
        max=20.0,
    )


@dataclass(frozen=True)
class VacancySpec:
    """The job to fill and who counts as qualified (ground truth)."""

    occupation: str = _f(doc="occupation id from the taxonomy (recruitsim list occupations)")
    location: str = _f(doc="place of work: a city or county name")
    min_experience_years: float = _f(
        0.0, doc="minimum years in the occupation", unit="years", min=0.0, max=50.0
    )
    max_distance_km: float = _f(
        50.0,
        doc="furthest home a qualified person can commute from (Norway is about 1,750 km long)",
        unit="km",
        above=0.0,
        max=5000.0,
    )
    accept_adjacent: bool = _f(
        False, doc="adjacent occupations (trainable) also count as qualified"
    )
    salary: float = _f(
        0.0,
        doc="salary attractiveness against the market: -1 well below, 0 at, +1 well above",
        unit="index",
        min=-1.0,
        max=1.0,
    )
    apply_flow: str = _f(
        "full-application",
        doc="friction of applying",
        choices=("full-application", "short-form"),
    )
    apply_rate_scale: float = _f(
        1.0,
        doc="multiplier on the probability of applying after a click, relative to the "
        "apply_flow's default (below 1: more friction; `recruitsim calibrate` estimates it)",
        unit="factor",
        min=0.01,
        max=10.0,
    )
    hires_wanted: int = _f(
        1, doc="number of people to hire (one vacancy: at most 1,000)", unit="people", min=1,
        max=1000,
    )  # fmt: skip
    creative: Creative = _f(Creative(), doc="the ad creative")
    workplace: str = _f(
        "on-site",
        doc="where the work is done: 'on-site' at location (or the nearest of sites), or "
        "'anywhere' in location (remote or home-based work: no distance penalty inside it)",
        choices=("on-site", "anywhere"),
    )
    sites: tuple[str, ...] = _f(
        (),
        doc="further work sites (cities or counties) besides location; distance to the job "
        "is to the nearest site (on-site only)",
    )


@dataclass(frozen=True)
class BudgetSpec:
    """Money for the whole campaign."""

    # The upper bound is a sanity limit, not a calibrated figure: a billion NOK is about
    # the yearly digital ad spend of all of Norway (estimate), far beyond one vacancy.
    total: float = _f(
        doc="total budget over the campaign (at most 1e9)", unit="NOK", above=0.0, max=1e9
    )
    currency: str = _f("NOK", doc="currency of all money amounts", choices=("NOK",))


@dataclass(frozen=True)
class CampaignSpec:
    """How long and for what the campaign runs."""

    days: int = _f(30, doc="campaign length", unit="days", min=1, max=365)
    objective: str = _f(
        "clicks",
        doc="what the platform's delivery optimiser maximises ('awareness' buys reach)",
        choices=("reach", "awareness", "clicks", "applications"),
    )
    ats_delay_days: int = _f(
        2,
        doc="days before the applicant tracking system reports whether applications were qualified",
        unit="days",
        min=0,
        max=30,
    )
    organic_site_visitors: float = _f(
        30.0,
        doc="people who visit the employer's career site each day without an ad "
        "(estimate); they feed retargeting audiences",
        unit="people/day",
        min=0.0,
        max=1e6,
    )
    employee_seed_size: int = _f(
        150,
        doc="size of the employer's uploaded list of current employees and past hires "
        "(the seed of lookalike audiences; estimate)",
        unit="people",
        min=1,
        max=1_000_000,
    )


@dataclass(frozen=True)
class Segment:
    """A group of people other advertisers bid more (or less) for."""

    gender: str = _f("any", doc="'female', 'male' or 'any'", choices=("female", "male", "any"))
    age_min: int = _f(18, doc="youngest age in the segment", unit="years", min=0, max=120)
    age_max: int = _f(120, doc="oldest age in the segment", unit="years", min=0, max=120)
    price_multiplier: float = _f(
        1.0,
        doc="competitors' bids relative to the platform median (at most 100)",
        unit="factor",
        min=0.0,
        max=100.0,
    )


@dataclass(frozen=True)
class MarketSpec:
    """The auction and the competition from other advertisers."""

    auction: str = _f("second-price", doc="pricing rule", choices=("second-price", "first-price"))
    price_level: float = _f(
        1.0,
        doc="scales all competitors' bids (market heat; at most 100)",
        unit="factor",
        min=0.01,
        max=100.0,
    )
    bid_dispersion: float = _f(
        0.6,
        doc="log-normal sigma of the highest competing bid (estimate)",
        unit="log-sd",
        min=0.0,
        max=3.0,
    )
    # Lambrecht & Tucker 2019 (calibration.md §5c): women 25-54 priced higher by other
    # advertisers; Instagram $1.74 vs $0.95, Twitter ~17 % dearer per impression. The
    # 1.3 default is an estimate within the 1.2-1.5x range of recipe R1.
    segments: tuple[Segment, ...] = _f(
        (Segment(gender="female", age_min=25, age_max=44, price_multiplier=1.3),),
        doc="segment price multipliers; a person in several segments gets their product",
    )
    participation: float = _f(
        4.0,
        doc="how many auctions per hour an ad set enters, as a multiple of the impressions "
        "its hourly budget buys at the platform's median price (throttling; estimate)",
        unit="factor",
        min=1.0,
        max=100.0,
    )


@dataclass(frozen=True)
class OptimiserSpec:
    """What the platforms' delivery optimiser may use to predict engagement."""

    use_demographics: bool = _f(
        True, doc="use age and gender (even if the advertiser did not target them)"
    )
    use_creative: bool = _f(True, doc="use the creative's image features")
    prediction_noise: float = _f(
        0.3,
        doc="log-normal sigma of per-impression prediction error",
        unit="log-sd",
        min=0.0,
        max=5.0,
    )
    variance_reduction: bool = _f(
        False,
        doc="a variance-reduction controller (like Meta's VRS) steers each ad set's delivery "
        "by sex toward its eligible audience's mix",
    )
    # Meta Business Help Centre, "About the learning phase": an ad set needs about 50
    # optimisation events (within a week after its last significant edit) before its
    # delivery stabilises (calibration.md, learning phase).
    learning: bool = _f(
        False,
        doc="each ad set's optimiser updates its engagement predictions from the campaign's "
        "own impressions, clicks and applications (Beta posteriors per feature cell, Thompson "
        "sampling during the learning phase); off: history only (the ablation)",
    )
    learning_events: int = _f(
        50,
        doc="optimisation events (clicks, or applications for the applications objective) "
        "that end an ad set's learning phase (Meta: about 50)",
        unit="events",
        min=1,
    )
    prior_events: float = _f(
        50.0,
        doc="weight of the historical engagement table, in optimisation events spread over the "
        "feature cells like the audience (the Beta priors' pseudo-counts; estimate)",
        unit="events",
        min=0.1,
    )


EVENT_KINDS = ("remove_targeting_option", "policy", "price_shock", "optimiser_change")


@dataclass(frozen=True)
class EventSpec:
    """Something a platform changes under a running campaign, from a given day on."""

    day: int = _f(doc="campaign day the change takes effect (0 = the first day; a day after "
                  "the campaign never comes)", unit="day",
                  min=0)  # fmt: skip
    platform: str = _f(
        doc="platform id (one of the scenario's platforms)",
        choices=("facebook", "instagram", "linkedin", "snapchat", "tiktok", "jobboard"),
    )
    kind: str = _f(doc="what changes", choices=EVENT_KINDS)
    option: str = _f(
        "",
        doc="remove_targeting_option: the targeting option withdrawn (e.g. 'interests', "
        "'job_titles', 'gender')",
        choices=("", "location", "radius", "age", "gender", "interests", "job_titles",
                 "exclude_interests", "custom_audience", "lookalike"),
    )  # fmt: skip
    values: tuple[str, ...] = _f(
        (),
        doc="remove_targeting_option: only these interest topics or job titles are withdrawn "
        "(empty: the whole option)",
    )
    policy: str = _f(
        "",
        doc="policy: the platform's policy from this day ('standard' or 'employment')",
        choices=("", "standard", "employment"),
    )
    price_multiplier: float = _f(
        1.0,
        doc="price_shock: competitors' bids on the platform are multiplied by this from this day",
        unit="factor",
        min=0.01,
    )
    use_demographics: str = _f(
        "",
        doc="optimiser_change: 'on' or 'off' (empty: unchanged)",
        choices=("", "on", "off"),
    )
    use_creative: str = _f(
        "", doc="optimiser_change: 'on' or 'off' (empty: unchanged)", choices=("", "on", "off")
    )
    learning: str = _f(
        "", doc="optimiser_change: 'on' or 'off' (empty: unchanged)", choices=("", "on", "off")
    )


@dataclass(frozen=True)
class PipelineSpec:
    """The employer's hiring process: recruiter capacity, delays, candidates' patience."""

    # Estimate: a small employer's vacancy has one recruiter or hiring manager.
    recruiters: int = _f(
        1, doc="recruiters screening applications (estimate)", unit="people", min=1, max=100
    )
    # Estimate: a recruiter's first skim of a CV takes seconds (Ladders eye-tracking
    # study 2018: 7.4 s), but reading it, checking the ATS and replying takes longer.
    screening_hours: float = _f(
        0.5, doc="recruiter time to screen one application (estimate)", unit="hours", min=0.0,
        max=24.0,
    )  # fmt: skip
    # Estimate: recruiters hold several vacancies at once and screen part of the day.
    recruiter_hours_per_day: float = _f(
        4.0,
        doc="hours a recruiter spends on this vacancy per day (estimate)",
        unit="hours/day",
        min=0.1,
        max=24.0,
    )
    # The timeline below is checked against Glassdoor Economic Research (A. Chamberlain,
    # "How Long Does it Take to Hire? Interview Duration in 25 Countries", 9 Aug 2017,
    # glassdoor.com/research/time-to-hire-in-25-countries): ~84,000 interview reviews,
    # Jan-Jun 2017; application to offer or rejection letter averaged 23.7 days over the
    # 25 countries (US 23.8, Germany 28.5, UK 27.5, Netherlands 25.4, Poland 25.9;
    # Norway not in the study; US industries from 10.2 days, restaurants, to 53.8,
    # government). The delays themselves are estimates: a working week from screening to
    # each interview round, a few days to decide. With the default deadline at the end of
    # a 30-day ad and screening after it, application -> decision comes to 20-35 days
    # (recruitsim validate, study "T1-time-to-hire").
    interview_delay_days: float = _f(
        5.0,
        doc="mean time from passing screening to the first interview, and between rounds "
        "(exponential; estimate)",
        unit="days",
        min=0.0,
        max=365.0,
    )
    offer_delay_days: float = _f(
        3.0,
        doc="mean time from the last interview to the decision, an offer or a rejection "
        "(exponential; estimate)",
        unit="days",
        min=0.0,
        max=365.0,
    )
    interview_pass_rate: float = _f(
        0.5,
        doc="share of interviewed qualified candidates who get an offer (estimate)",
        unit="share",
        min=0.0,
        max=1.0,
    )
    # Estimates. Patience is the time until a candidate takes another job or gives up.
    # Other employers' processes run on the same three-to-four-week clock (Glassdoor
    # 2017, above), so an active job-seeker's competing offer comes after weeks, not days
    # (the recruiters' "off the market in ten days" has no traceable source); people not
    # looking have no competing process to leave for and wait longer.
    patience_days_active: float = _f(
        30.0,
        doc="mean time an active job-seeker waits for the next step before dropping out "
        "(exponential, counted from the application; estimate)",
        unit="days",
        min=0.1,
        max=365.0,
    )
    patience_days_passive: float = _f(
        60.0,
        doc="mean time an open-passive or closed candidate waits before dropping out "
        "(exponential, counted from the application; estimate)",
        unit="days",
        min=0.1,
        max=365.0,
    )
    # Estimate: below the 70-90 % offer acceptance that ATS vendors report for all
    # offers, because candidates reached by ads include people not looking to move.
    acceptance: tuple[float, float, float] = _f(
        (0.35, 0.55, 0.7),
        doc="probability an offer at market salary is accepted, by search state "
        "[closed, open-passive, active] (estimate)",
        unit="share",
    )
    acceptance_salary: float = _f(
        0.5,
        doc="log-odds of accepting added per unit of salary attractiveness (estimate)",
        unit="log-odds",
        min=0.0,
        max=5.0,
    )
    stop_when_filled: bool = _f(
        True, doc="stop the campaign once the vacancy is filled (hires_wanted hired)"
    )
    extra_days: int = _f(
        30,
        doc="days the pipeline runs on after the campaign ends (interviews, offers)",
        unit="days",
        min=0,
        max=365,
    )
    # Estimate: most Norwegian job ads carry an application deadline (søknadsfrist), often
    # two to four weeks after posting, and many employers screen only after it; others
    # screen as applications come ("fortløpende"). No count of the two was found.
    screening: str = _f(
        "after-deadline",
        doc="'after-deadline': applications are screened only once the application deadline "
        "has passed (søknadsfrist); 'rolling': screened as they come (fortløpende)",
        choices=("after-deadline", "rolling"),
    )
    deadline_day: int = _f(
        0,
        doc="the application deadline, the end of this campaign day counted from the ad's "
        "first day; later applications are not considered; 0 = the campaign's last day",
        unit="day",
        min=0,
        max=365,
    )
    # Estimate: a first and a second interview are common for skilled jobs.
    interview_rounds: int = _f(
        2,
        doc="interviews a shortlisted candidate goes through, each after interview_delay_days "
        "(estimate)",
        unit="rounds",
        min=1,
        max=5,
    )

    def __post_init__(self) -> None:
        a = self.acceptance
        if len(a) != 3 or not all(0.0 < x < 1.0 for x in a):
            raise ValueError(
                "acceptance: expected 3 probabilities in (0, 1) for [closed, open-passive, "
                f"active], got {list(a)!r}"
            )


@dataclass(frozen=True)
class OrganicSpec:
    """Employees sharing the job post to their social networks, and referrals."""

    sharing: bool = _f(
        False, doc="employees share the job post to their networks (the 'organic-sharing' option)"
    )
    # Estimate: a sparse network of close and professional ties; people have hundreds of
    # connections but a post reaches few of them (feed_reach).
    contacts: int = _f(
        12, doc="mean number of contacts per person (estimate)", unit="people", min=0, max=500
    )
    # Estimates: occupational and local/age homophily (direction after McPherson,
    # Smith-Lovin & Cook 2001, Annu. Rev. Sociol. 27 — recalled, strengths are estimates).
    same_occupation: float = _f(
        0.3,
        doc="share of a person's ties drawn among people of the same occupation (estimate)",
        unit="share",
        min=0.0,
        max=1.0,
    )
    same_place_age: float = _f(
        0.5,
        doc="share of a person's ties drawn among people of the same place and age band (estimate)",
        unit="share",
        min=0.0,
        max=1.0,
    )
    share_probability: float = _f(
        0.3,
        doc="share of the employer's staff who share the post (estimate)",
        unit="share",
        min=0.0,
        max=1.0,
    )
    share_day: int = _f(
        0, doc="campaign day on which the post is shared", unit="day", min=0, max=365
    )
    feed_reach: float = _f(
        0.35,
        doc="chance that a sharer's contact sees the shared post in their feed (estimate)",
        unit="share",
        min=0.0,
        max=1.0,
    )
    referral_probability: float = _f(
        0.15,
        doc="chance that a sharer personally refers each qualified contact (estimate)",
        unit="share",
        min=0.0,
        max=1.0,
    )
    referral_apply_lift: float = _f(
        3.0,
        doc="how many times more often a referred person applies than after a click (estimate)",
        unit="factor",
        min=1.0,
        max=20.0,
    )


@dataclass(frozen=True)
class StrategySpec:
    """The strategy the scenario runs by default and its parameters."""

    id: str = _f("broad-v1", doc="strategy id (recruitsim list strategies)")
    params: dict[str, Scalar | tuple[Scalar, ...]] = _f(
        FrozenParams(), doc="keyword parameters passed to the strategy"
    )


@dataclass(frozen=True)
class EmployerSpec:
    """One of several employers competing in the same run (an ``[[employers]]`` table).

    Its ``vacancy``, ``pipeline`` and ``strategy`` tables start from the scenario's own
    ``[vacancy]``, ``[pipeline]`` and ``[strategy]`` and change only the keys given.
    """

    name: str = _f(doc="the employer's name, used in results")
    budget: float = _f(
        doc="the employer's total budget over the campaign", unit="currency", min=0.0
    )
    vacancy: VacancySpec = _f(
        doc="the employer's job: the scenario's [vacancy] with these keys changed"
    )
    pipeline: PipelineSpec = _f(
        PipelineSpec(),
        doc="the employer's hiring process: the scenario's [pipeline] with these keys changed",
    )
    strategy: StrategySpec = _f(
        StrategySpec(),
        doc="the employer's strategy: the scenario's [strategy] with these keys changed",
    )


@dataclass(frozen=True)
class Scenario:
    """A complete, validated scenario."""

    name: str = _f(doc="short id, used in results", nonempty=True)
    vacancy: VacancySpec = _f(doc="the job")
    budget: BudgetSpec = _f(doc="the money")
    description: str = _f("", doc="what the scenario is about")
    population: PopulationSpec = _f(PopulationSpec(), doc="the simulated people")
    platforms: tuple[PlatformSpec, ...] = _f(
        (
            PlatformSpec(name="facebook", policy="employment"),
            PlatformSpec(name="instagram", policy="employment"),
            PlatformSpec(name="linkedin"),
            PlatformSpec(name="snapchat"),
            PlatformSpec(name="tiktok", policy="employment"),
            PlatformSpec(name="jobboard"),
        ),
        doc="platforms in play (as [[platforms]] tables)",
    )
    campaign: CampaignSpec = _f(CampaignSpec(), doc="length and objective")
    market: MarketSpec = _f(MarketSpec(), doc="auction and competition")
    optimiser: OptimiserSpec = _f(OptimiserSpec(), doc="delivery optimiser")
    pipeline: PipelineSpec = _f(PipelineSpec(), doc="the hiring process after the campaign")
    organic: OrganicSpec = _f(
        OrganicSpec(), doc="employees sharing the post to their networks, and referrals"
    )
    strategy: StrategySpec = _f(StrategySpec(), doc="default strategy")
    events: tuple[EventSpec, ...] = _f(
        (), doc="platform changes during the campaign (as [[events]] tables)"
    )
    seed: int = _f(20261125, doc="default root seed", min=0, max=MAX_SEED)
    employers: tuple[EmployerSpec, ...] = _f(
        (),
        doc="several employers competing for the same people (as [[employers]] tables); "
        "none means one employer: the scenario's own vacancy, budget, pipeline and strategy",
    )

    @property
    def content_hash(self) -> str:
        """SHA-256 of the scenario's canonical JSON form (its identity in results).

        A scenario without ``[[employers]]`` hashes as it did before the field existed.
        """
        data = to_dict(self)
        if not data["employers"]:
            del data["employers"]
        blob = json.dumps(data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()

    @property
    def n_employers(self) -> int:
        """How many employers compete in a run (1 for the single-vacancy form)."""
        return max(len(self.employers), 1)

    def employer(self, seat: int) -> Scenario:
        """The one-employer scenario of employer ``seat`` (as if it ran alone).

        The single-vacancy form has one employer, the scenario itself.
        """
        if not self.employers:
            if seat != 0:
                raise IndexError(seat)
            return self
        e = self.employers[seat]
        return dataclasses.replace(
            self,
            vacancy=e.vacancy,
            budget=dataclasses.replace(self.budget, total=e.budget),
            pipeline=e.pipeline,
            strategy=e.strategy,
            employers=(),
        )

    def platform(self, name: str) -> PlatformSpec:
        """The spec of platform ``name`` in this scenario."""
        for spec in self.platforms:
            if spec.name == name:
                return spec
        raise KeyError(name)


# --------------------------------------------------------------------------- loading


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read and validate a scenario file.

    Parameters
    ----------
    path : str or Path
        A TOML file, or the name of a scenario in ``scenarios/`` (with or without
        ``.toml``).
    overrides : dict, optional
        Dotted field paths to replace after reading (``{"budget.total": 10000}``).

    Returns
    -------
    Scenario

    Raises
    ------
    ScenarioError
        The file is missing, not TOML, or a field is unknown, of the wrong type or
        out of range.
    """
    file = resolve_scenario_path(path)
    source = str(path)
    data = schema.read_toml(file, source)
    for dotted, value in (overrides or {}).items():
        set_dotted(data, dotted, value, source)
    return scenario_from_dict(data, source)


def resolve_scenario_path(path: str | Path) -> Path:
    """Find a scenario by path, or by name in the bundled ``scenarios/`` folder."""
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    for name in (str(path), f"{path}.toml"):
        bundled = SCENARIO_DIR / name
        if bundled.is_file():
            return bundled
    known = [p.stem for p in SCENARIO_DIR.glob("*.toml")]
    raise ScenarioError(str(path), "", "no such scenario file" + did_you_mean(str(path), known))


def scenario_from_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate plain data (as read from TOML) into a :class:`Scenario`."""
    scenario = schema.build(Scenario, _employers_inherit(data), "", source)
    _check_cross_fields(scenario, source)
    return scenario


def _employers_inherit(data: dict[str, Any]) -> dict[str, Any]:
    """Fill each ``[[employers]]`` table's vacancy, pipeline and strategy from the scenario's."""
    employers = data.get("employers")
    if not isinstance(employers, list) or not all(isinstance(e, dict) for e in employers):
        return data  # absent, or malformed: _build names the problem
    out = dict(data, employers=[])
    for e in employers:
        e = dict(e)
        for key in ("vacancy", "pipeline", "strategy"):
            base, own = data.get(key, {}), e.get(key, {})
            if isinstance(base, dict) and isinstance(own, dict):
                e[key] = {**base, **own}
        out["employers"].append(e)
    return out


def replace_path(scenario: Scenario, dotted: str, value: Any, source: str = "--set") -> Scenario:
    """A copy of ``scenario`` with the field at ``dotted`` set to ``value`` (validated)."""
    data = to_dict(scenario)
    set_dotted(data, dotted, value, source)
    return scenario_from_dict(data, source)


def field_paths(cls: type = Scenario, prefix: str = "") -> list[tuple[str, dataclasses.Field]]:
    """Every documented field as ``(dotted path, Field)``, depth first."""
    return schema.field_paths(cls, prefix)


def _check_cross_fields(s: Scenario, source: str) -> None:
    """Checks that involve more than one field or the model's catalogues."""
    from sim import geography, occupations  # local: the catalogues import nothing from here

    shares = s.population.search_state
    total = shares.active + shares.open_passive + shares.closed
    if abs(total - 1.0) > 1e-6:
        raise ScenarioError(
            source, "population.search_state", f"expected shares summing to 1, got {total:.4g}"
        )
    for i, region in enumerate(s.population.regions):
        if region not in geography.PLACE_OR_REGION_NAMES:
            raise ScenarioError(
                source,
                f"population.regions[{i}]",
                f"unknown region {region!r}" + did_you_mean(region, geography.REGION_NAMES),
            )
    if s.vacancy.occupation not in occupations.OCCUPATION_IDS:
        raise ScenarioError(
            source,
            "vacancy.occupation",
            f"unknown occupation {s.vacancy.occupation!r}"
            + did_you_mean(s.vacancy.occupation, occupations.OCCUPATION_IDS),
        )
    if s.vacancy.location not in geography.PLACE_OR_REGION_NAMES:
        raise ScenarioError(
            source,
            "vacancy.location",
            f"unknown place {s.vacancy.location!r}"
            + did_you_mean(s.vacancy.location, geography.PLACE_OR_REGION_NAMES),
        )
    _check_workplace(s, source)
    _check_vacancy_reachable(s, source)
    if s.pipeline.deadline_day > s.campaign.days:
        raise ScenarioError(
            source,
            "pipeline.deadline_day",
            f"expected a day within the campaign (<= campaign.days = {s.campaign.days}), got "
            f"{s.pipeline.deadline_day}",
        )
    names = [p.name for p in s.platforms]
    if not names:
        raise ScenarioError(source, "platforms", "expected at least one platform, got none")
    if len(set(names)) != len(names):
        raise ScenarioError(source, "platforms", f"a platform is listed twice: {names}")
    o = s.organic
    if o.same_occupation + o.same_place_age > 1 + 1e-9:
        raise ScenarioError(
            source,
            "organic",
            "expected same_occupation + same_place_age <= 1, got "
            f"{o.same_occupation + o.same_place_age:g}",
        )
    _check_events(s, source)
    for i, seg in enumerate(s.market.segments):
        if seg.age_min > seg.age_max:
            raise ScenarioError(
                source,
                f"market.segments[{i}]",
                f"expected age_min <= age_max, got {seg.age_min} > {seg.age_max}",
            )
    for i, e in enumerate(s.employers):
        if not e.budget > 0:
            raise ScenarioError(
                source,
                f"employers[{i}].budget",
                f"expected a budget > 0 {s.budget.currency}, got {e.budget:g}",
            )
        seat = s.employer(i)
        try:
            _check_cross_fields(seat, source)
        except ScenarioError as exc:  # name the employer's field, not the top-level one
            detail = str(exc).removeprefix(f"{source}: {exc.path}: ")
            raise ScenarioError(source, f"employers[{i}].{exc.path}", detail) from None
    names = [e.name for e in s.employers]
    if len(set(names)) != len(names):
        raise ScenarioError(source, "employers", f"an employer is listed twice: {names}")


def _check_workplace(s: Scenario, source: str) -> None:
    """The vacancy's work sites are known places; 'anywhere' takes no further sites."""
    from sim import geography  # local: as in _check_cross_fields

    v = s.vacancy
    for i, site in enumerate(v.sites):
        if site not in geography.PLACE_OR_REGION_NAMES:
            raise ScenarioError(
                source,
                f"vacancy.sites[{i}]",
                f"unknown place {site!r}" + did_you_mean(site, geography.PLACE_OR_REGION_NAMES),
            )
    if len(set(v.sites) | {v.location}) != len(v.sites) + 1:
        raise ScenarioError(
            source, "vacancy.sites", f"a site is listed twice (location {v.location!r}, sites "
            f"{list(v.sites)})"
        )  # fmt: skip
    if v.workplace == "anywhere" and v.sites:
        raise ScenarioError(
            source,
            "vacancy.sites",
            "expected no sites when workplace = 'anywhere' (the job is done anywhere in "
            f"location {v.location!r}), got {list(v.sites)}",
        )


def _check_vacancy_reachable(s: Scenario, source: str) -> None:
    """Refuse a vacancy that nobody in the simulated regions could commute to.

    People live scattered around their place's centre (a normal spread of
    ``scatter_km / 1.5``, see :mod:`sim.population`); a place whose centre is more than
    ``max_distance_km`` plus four of those spreads from the place of work adds nobody.
    """
    from sim import geography

    places = geography.places_in(s.population.regions)
    v = s.vacancy
    if v.workplace == "anywhere" and set(places) & set(geography.area_places(v.location)):
        return  # work done at home anywhere in the area, and some people live there
    px, py = geography.to_km(
        [geography.PLACES[i].lat for i in places], [geography.PLACES[i].lon for i in places]
    )
    spread = np.array([geography.PLACES[i].scatter_km / 1.5 for i in places])
    # Distance from each place's centre to the nearest work site (or the area's places).
    sites = (
        tuple(geography.PLACE_NAMES[i] for i in geography.area_places(v.location))
        if v.workplace == "anywhere"
        else (v.location, *v.sites)
    )
    gaps = geography.nearest_km(np.asarray(px), np.asarray(py), sites) - 4 * spread
    if gaps.min() > s.vacancy.max_distance_km:
        raise ScenarioError(
            source,
            "vacancy.location",
            f"{s.vacancy.location!r} is about {gaps.min():,.0f} km from the nearest home in "
            f"population.regions {list(s.population.regions)}, beyond vacancy.max_distance_km "
            f"= {s.vacancy.max_distance_km:g}: nobody could qualify; simulate the vacancy's "
            "region too",
        )


def _check_events(s: Scenario, source: str) -> None:
    """Each ``[[events]]`` table names a platform in play, a campaign day and its fields."""
    names = [p.name for p in s.platforms]
    for i, e in enumerate(s.events):
        path = f"events[{i}]"
        if e.platform not in names:
            raise ScenarioError(
                source, f"{path}.platform",
                f"expected one of the scenario's platforms {names}, got {e.platform!r}",
            )  # fmt: skip
        needs = {"remove_targeting_option": ("option", e.option),
                 "policy": ("policy", e.policy)}.get(e.kind)  # fmt: skip
        if needs is not None and not needs[1]:
            raise ScenarioError(source, f"{path}.{needs[0]}", f"required for kind = {e.kind!r}")
        if e.kind == "optimiser_change" and not (e.use_demographics or e.use_creative
                                                 or e.learning):  # fmt: skip
            raise ScenarioError(
                source, path,
                "expected use_demographics, use_creative or learning for kind = "
                "'optimiser_change', got none",
            )  # fmt: skip
        if e.values and e.option not in ("interests", "job_titles", "exclude_interests"):
            raise ScenarioError(
                source, f"{path}.values",
                "expected values only with option 'interests', 'job_titles' or "
                f"'exclude_interests', got option {e.option!r}",
            )  # fmt: skip
