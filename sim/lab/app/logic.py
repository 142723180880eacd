"""The classroom page's logic: a campaign form → a scenario and a strategy → a run → numbers.

Nothing here writes HTML. :class:`CampaignForm` is what a recruiter fills in (parsed
from the query string, every value checked, names only from fixed lists: the page
never takes a file path); :func:`build` turns it into a scenario and a strategy;
:func:`run_campaign` runs it on a sampled population (cached per population spec and
seed, so a class re-running a campaign waits only for the delivery) and keeps the run
summary JSON — everything the page shows comes from that JSON (see :func:`recruiter_view`).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import strategies
from sim import geography, interests, occupations
from sim.campaign import AdSet, Location, TargetingSpec
from sim.errors import PolicyError, RecruitsimError, ScenarioError
from sim.model import run, run_seeds
from sim.platforms import PLATFORMS
from sim.population import Population, generate
from sim.scenario import Scenario, load_scenario, to_dict
from strategies.base import Strategy

# The bundled vacancies a class starts from (scenario names, not paths).
VACANCIES = ("electrician-bergen", "store-manager-oslo", "nurse-nordland", "truck-driver-norway")
# Simulated adults per run: each stands for several real people, so a regional campaign
# answers in about a second on a laptop (measured; see the README's "The classroom").
APP_POPULATION = 30_000
JOURNEYS = 200  # people followed per run (40 from each group of sim.journeys.choose)
# Platforms with an employment special ad category (Meta and TikTok; calibration §4).
SAC_PLATFORMS = ("facebook", "instagram", "tiktok")
# Strategies offered in the form, in the order an agency would present them.
STRATEGY_CHOICES = (
    "broad-v1", "interest-v1", "job-title-v1", "demographic-v1", "platform-optimized-v1",
    "multichannel-v1", "lookalike-v1", "retargeting-v1", "adjacent-skills-v1",
    "exclusion-v1", "dayparting-v1", "bandit-v1", "branding-then-hire-v1",
)  # fmt: skip
MAX_BUDGET = 10_000_000  # NOK; a classroom bound, not a model limit
MAX_DAYS = 120
MONEY_STEP = 100.0


def _one(query: dict[str, list[str]], key: str, default: str) -> str:
    values = query.get(key)
    return values[-1].strip() if values else default


def _number(query, key: str, default: float, lo: float, hi: float, integer=False) -> float:
    text = _one(query, key, "")
    if text == "":
        return default
    try:
        value = float(text.replace(",", ".").replace(" ", ""))
    except ValueError:
        raise ScenarioError("form", key, f"expected a number, got {text[:40]!r}") from None
    if not (lo <= value <= hi) or (integer and value != int(value)):
        kind = "a whole number" if integer else "a number"
        raise ScenarioError(
            "form", key, f"expected {kind} from {lo:g} to {hi:g}, got {text[:40]!r}"
        )
    return int(value) if integer else value


def _choice(query, key: str, default: str, allowed) -> str:
    value = _one(query, key, default)
    if value not in allowed:
        raise ScenarioError("form", key, f"unknown value {value[:40]!r}")
    return value


def _choices(query, key: str, allowed) -> tuple[str, ...]:
    values = tuple(v for v in query.get(key, []) if v)
    for v in values:
        if v not in allowed:
            raise ScenarioError("form", key, f"unknown value {v[:40]!r}")
    return tuple(dict.fromkeys(values))


@dataclass(frozen=True)
class CampaignForm:
    """A campaign as a recruiter builds it in the page.

    ``targeting`` is a strategy id or ``"manual"``; the ``m_*`` fields are the manual
    targeting (location and radius, ages, sex, interests, job titles).
    """

    vacancy: str = "electrician-bergen"
    occupation: str = "electrician"
    place: str = "Bergen"
    experience: float = 2.0
    platforms: tuple[str, ...] = ("facebook", "instagram", "linkedin", "jobboard")
    sac: bool = True
    targeting: str = "broad-v1"
    budget: float = 20_000.0
    days: int = 30
    m_place: str = ""
    m_radius: float = 45.0
    m_age_min: int = 18
    m_age_max: int = 0  # 0: no upper limit
    m_gender: str = "any"
    m_interests: tuple[str, ...] = ()
    m_titles: tuple[str, ...] = ()
    seed: int = 1
    extra: tuple[tuple[str, Any], ...] = field(default=())  # lesson overrides (dotted paths)

    @classmethod
    def from_query(cls, query: dict[str, list[str]], prefix: str = "") -> CampaignForm:
        """Parse (and check) a form from a parsed query string.

        Raises
        ------
        ScenarioError
            Naming the form field and what was wrong.
        """
        q = {k[len(prefix) :]: v for k, v in query.items() if k.startswith(prefix)}
        d = cls()
        vacancy = _choice(q, "vacancy", d.vacancy, (*VACANCIES, "custom"))
        platforms = _choices(q, "platform", PLATFORMS) if "platform" in q else d.platforms
        if "submitted" in q and "platform" not in q:
            platforms = ()
        return cls(
            vacancy=vacancy,
            occupation=_choice(q, "occupation", d.occupation, occupations.OCCUPATION_IDS),
            place=_choice(q, "place", d.place, geography.PLACE_OR_REGION_NAMES),
            experience=_number(q, "experience", d.experience, 0, 40),
            platforms=platforms,
            sac=_one(q, "sac", "on" if "submitted" not in q else "off") == "on",
            targeting=_choice(q, "targeting", d.targeting, (*STRATEGY_CHOICES, "manual")),
            budget=_number(q, "budget", d.budget, 100, MAX_BUDGET),
            days=int(_number(q, "days", d.days, 1, MAX_DAYS, integer=True)),
            m_place=_choice(q, "m_place", "", ("", *geography.PLACE_OR_REGION_NAMES)),
            m_radius=_number(q, "m_radius", d.m_radius, 0, 500),
            m_age_min=int(_number(q, "m_age_min", 18, 18, 100, integer=True)),
            m_age_max=int(_number(q, "m_age_max", 0, 0, 100, integer=True)),
            m_gender=_choice(q, "m_gender", "any", ("any", "male", "female")),
            m_interests=_choices(q, "m_interest", interests.TOPIC_NAMES),
            m_titles=_choices(q, "m_title", occupations.OCCUPATION_IDS),
            seed=int(_number(q, "seed", d.seed, 0, 2**31, integer=True)),
        )

    def query(self, prefix: str = "") -> list[tuple[str, str]]:
        """The form as query pairs (the inverse of :meth:`from_query`, without ``extra``)."""
        pairs = [("submitted", "1"), ("vacancy", self.vacancy)]
        if self.vacancy == "custom":
            pairs += [("occupation", self.occupation), ("place", self.place),
                      ("experience", f"{self.experience:g}")]  # fmt: skip
        pairs += [("platform", p) for p in self.platforms]
        pairs += [("sac", "on" if self.sac else "off"), ("targeting", self.targeting),
                  ("budget", f"{self.budget:g}"), ("days", str(self.days))]  # fmt: skip
        if self.targeting == "manual":
            pairs += [("m_place", self.m_place), ("m_radius", f"{self.m_radius:g}"),
                      ("m_age_min", str(self.m_age_min)), ("m_age_max", str(self.m_age_max)),
                      ("m_gender", self.m_gender)]  # fmt: skip
            pairs += [("m_interest", t) for t in self.m_interests]
            pairs += [("m_title", t) for t in self.m_titles]
        if self.seed != 1:
            pairs.append(("seed", str(self.seed)))
        return [(prefix + k, v) for k, v in pairs]


class ManualTargeting(Strategy):
    """The recruiter's own targeting: one ad set per chosen platform, budget split evenly.

    Options a platform does not offer at all (job titles on Facebook, interests on the job
    board) are left out on that platform, as an ads manager hides them; options it offers
    but its policy forbids are sent as they are, so the platform refuses them.
    """

    id = "manual"
    description = "the recruiter's own targeting"

    def __init__(self, *, place="", radius_km=45.0, age_min=18, age_max=0, gender="any",
                 interests=(), job_titles=()):  # fmt: skip
        self.place = place
        self.radius_km = radius_km
        self.age_min = age_min
        self.age_max = age_max
        self.gender = gender
        self.interests = interests
        self.job_titles = job_titles

    def spec_for(self, platform: str) -> TargetingSpec:
        """The targeting spec sent to ``platform``."""
        offered = PLATFORMS[platform].targeting_options
        place = self.place or self.brief_.vacancy.location
        radius = self.radius_km if "radius" in offered else 0.0
        return TargetingSpec(
            locations=(Location(place, radius),),
            age_min=self.age_min if "age" in offered else 18,
            age_max=(self.age_max or None) if "age" in offered else None,
            genders=(self.gender,) if self.gender != "any" and "gender" in offered else (),
            interests=tuple(self.interests) if "interests" in offered else (),
            job_titles=tuple(self.job_titles) if "job_titles" in offered else (),
        )

    def plan(self) -> list[AdSet]:
        infos = list(self.brief_.platforms)
        share = int(self.brief_.budget / max(len(infos), 1) * 100) / 100  # whole øre, down
        budgets = [share] * len(infos)
        return [
            AdSet(name=f"manual-{info.name}", platform=info.name,
                  targeting=self.spec_for(info.name), budget=budget, frequency_cap=8)
            for info, budget in zip(infos, budgets, strict=True)
        ]  # fmt: skip


def build(form: CampaignForm) -> tuple[Scenario, Strategy]:
    """The scenario and (unreset) strategy of a form.

    Raises
    ------
    ScenarioError
        No platform chosen, or a value the scenario refuses.
    """
    if not form.platforms:
        raise ScenarioError("form", "platform", "choose at least one platform")
    policy = {p: "employment" if form.sac and p in SAC_PLATFORMS else "standard"
              for p in form.platforms}  # fmt: skip
    overrides: dict[str, Any] = {
        "population.size": APP_POPULATION,
        "budget.total": form.budget,
        "campaign.days": form.days,
        "platforms": [{"name": p, "policy": policy[p]} for p in PLATFORMS if p in policy],
    }
    base = form.vacancy
    if form.vacancy == "custom":
        base = "electrician-bergen"
        place = form.place
        region = place if place in geography.REGION_NAMES or place == "Norway" else (
            geography.PLACES[geography.place_index(place)].region
        )  # fmt: skip
        overrides.update({
            "name": "custom", "vacancy.occupation": form.occupation,
            "vacancy.location": place, "vacancy.min_experience_years": form.experience,
            "population.regions": [region],
        })  # fmt: skip
    overrides.update(dict(form.extra))
    scenario = load_scenario(base, overrides)
    if form.targeting == "manual":
        strategy: Strategy = ManualTargeting(
            place=form.m_place, radius_km=form.m_radius, age_min=form.m_age_min,
            age_max=form.m_age_max, gender=form.m_gender, interests=form.m_interests,
            job_titles=form.m_titles,
        )  # fmt: skip
    else:
        strategy = strategies.make(form.targeting)
    return scenario, strategy


def refusals(form: CampaignForm, scenario: Scenario) -> list[str]:
    """The platforms' refusals of a manual campaign, worded as the platforms word them."""
    if form.targeting != "manual":
        return []
    probe = ManualTargeting(
        place=form.m_place, radius_km=form.m_radius, age_min=form.m_age_min,
        age_max=form.m_age_max, gender=form.m_gender, interests=form.m_interests,
        job_titles=form.m_titles,
    )  # fmt: skip
    probe.brief_ = _BriefStub(scenario.vacancy.location)
    out = []
    for spec in scenario.platforms:
        try:
            PLATFORMS[spec.name].check(probe.spec_for(spec.name), spec.policy)
        except PolicyError as exc:
            out.append(str(exc))
    return out


@dataclass(frozen=True)
class _VacancyStub:
    location: str


class _BriefStub:
    """Just enough of a brief for :meth:`ManualTargeting.spec_for`."""

    def __init__(self, location: str) -> None:
        self.vacancy = _VacancyStub(location)


# --------------------------------------------------------------------------- running
@dataclass
class Outcome:
    """A finished run as the page uses it: the form, the run JSON and how long it took."""

    form: CampaignForm
    scenario: Scenario
    summary: dict  # RunResult.to_dict(), with "journeys"
    seconds: float
    error: str | None = None
    refused: list[str] = field(default_factory=list)


class _Cache:
    """A small thread-safe LRU cache."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_POPULATIONS = _Cache(6)
_RUNS = _Cache(64)
_RUN_LOCK = threading.Lock()  # one simulation at a time: two cores are shared


def population_for(scenario: Scenario, seed: int) -> Population:
    """The population of ``scenario`` under ``seed`` (replication 0), cached."""
    key = (repr(to_dict(scenario.population)), seed)
    pop = _POPULATIONS.get(key)
    if pop is None:
        pop = generate(scenario.population, run_seeds(seed, 0).population)
        _POPULATIONS.put(key, pop)
    return pop


def run_campaign(form: CampaignForm) -> Outcome:
    """Run a form's campaign (cached by the form) and keep its run JSON.

    Bad input and the platforms' refusals come back in ``error``/``refused``; nothing
    is raised for them.
    """
    key = (form, APP_POPULATION)
    cached = _RUNS.get(key)
    if cached is not None:
        return cached
    try:
        scenario, strategy = build(form)
    except RecruitsimError as exc:
        return Outcome(form, None, {}, 0.0, error=str(exc))  # type: ignore[arg-type]
    refused = refusals(form, scenario)
    if refused:
        return Outcome(form, scenario, {}, 0.0, refused=refused)
    with _RUN_LOCK:
        start = time.perf_counter()
        try:
            pop = population_for(scenario, form.seed)
            result = run(scenario, strategy, seed=form.seed, population=pop, journeys=JOURNEYS)
        except PolicyError as exc:
            return Outcome(form, scenario, {}, 0.0, refused=[str(exc)])
        except RecruitsimError as exc:
            return Outcome(form, scenario, {}, 0.0, error=str(exc))
        seconds = time.perf_counter() - start
    outcome = Outcome(form, scenario, result.to_dict(), seconds)
    _RUNS.put(key, outcome)
    return outcome


# --------------------------------------------------------------------------- numbers
def picture_of_100(by_fit: dict) -> list[tuple[str, str]]:
    """100 people in the proportions of those reached: ``(fit, sex)`` each.

    Largest-remainder rounding of the six (fit x sex) counts of ``reached_by_fit`` to 100;
    empty when nobody was reached.
    """
    cells = [(f, s, by_fit[f][s]) for f in ("qualified", "trainable", "cannot")
             for s in ("male", "female")]  # fmt: skip
    total = sum(c for *_, c in cells)
    if total <= 0:
        return []
    exact = [100 * c / total for *_, c in cells]
    counts = [int(x) for x in exact]
    order = sorted(range(len(cells)), key=lambda i: exact[i] - counts[i], reverse=True)
    for i in order[: 100 - sum(counts)]:
        counts[i] += 1
    return [(f, s) for (f, s, _), k in zip(cells, counts, strict=True) for _ in range(k)]


def share(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` or None when the whole is zero or missing."""
    if part is None or not whole:
        return None
    return part / whole


def recruiter_view(summary: dict) -> dict:
    """The numbers a recruiter sees, each taken from (or computed from) the run JSON.

    Returns
    -------
    dict
        ``metrics`` (the JSON's), ``of_100`` (qualified/trainable/cannot of every 100
        reached), ``picture`` (see :func:`picture_of_100`), ``wasted_money``,
        ``men_reached``, ``men_qualified`` (shares), ``funnel`` (label, value) pairs.
    """
    m = summary["metrics"]
    by_fit = summary["journeys"]["reached_by_fit"]
    picture = picture_of_100(by_fit)
    reach_g, qual_g = m["reach_by_gender"], m["qualified_by_gender"]
    return {
        "metrics": m,
        "picture": picture,
        "of_100": {
            f: sum(1 for x, _ in picture if x == f) for f in ("qualified", "trainable", "cannot")
        },
        "wasted_money": m["spend"] * m["wasted_spend_share"]
        if m["wasted_spend_share"] is not None
        else None,
        "men_reached": share(reach_g.get("male", 0), sum(reach_g.values())),
        "men_qualified": share(qual_g.get("male", 0), sum(qual_g.values())),
        "funnel": [
            ("impressions", m["impressions"]),
            ("clicks", m["clicks"]),
            ("applications", m["applications"]),
            ("qualified_applications", m["qualified_applications"]),
            ("hires", m["hires"]),
        ],
    }


def showcase(summary: dict, occupation: str, place: str) -> dict[str, dict | None]:
    """The two people a class follows first, chosen from the run's recorded journeys.

    ``her``: someone who saw the ad and cannot take the job — ideally a woman living in
    the vacancy's place whom the platform believes has one of the occupation's typical
    interests (for the electrician: "home improvement"). ``him``: a qualified person,
    open to offers, who never saw it — ideally a man. The best match is taken when no
    one fits every wish.
    """
    people = summary.get("journeys", {}).get("people", [])
    typical = list(occupations.get(occupation).interests)

    def believed(j) -> set[str]:
        return {t for p in j["platforms"] for t in p["believed_interests"]}

    def score_her(j) -> tuple:
        hit = [t for t in typical if t in believed(j) and t not in j["interests"]]
        return (
            j["sex"] == "female",
            bool(hit),
            j["home"] == place,
            bool(believed(j) & set(typical)),
            len(j["impressions"]),
        )

    def score_him(j) -> tuple:
        return (j["search_state"] != "closed", j["sex"] == "male", j["age"] < 60,
                j["home"] == place, -j["person"])  # fmt: skip

    hers = [j for j in people if j["reached"] and j["fit"] == "cannot"]
    his = [j for j in people if j["qualified"] and not j["reached"]]
    return {
        "her": max(hers, key=score_her) if hers else None,
        "him": max(his, key=score_him) if his else None,
    }


def find_person(summary: dict, person: int) -> dict | None:
    """A recorded journey by population row."""
    for j in summary.get("journeys", {}).get("people", []):
        if j["person"] == person:
            return j
    return None


def age_table(summary: dict) -> dict:
    """Shares of reach and of the qualified pool by sex and age band (from ``delivery``).

    Returns
    -------
    dict
        ``{"bands": [...], "reach": {"male": [...], "female": [...]}, "qualified": ...}``
        with shares of each total (lists of float, one per age band).
    """
    d = summary["delivery"]
    out = {"bands": d["age_bands"]}
    for key in ("reach", "qualified"):
        total = sum(sum(v) for v in d[key].values())
        out[key] = {
            sex: [c / total if total else 0.0 for c in d[key][sex]] for sex in ("male", "female")
        }
    return out


def with_extra(form: CampaignForm, **extra: Any) -> CampaignForm:
    """A form with scenario overrides by dotted path (used by the lessons)."""
    return replace(form, extra=tuple(sorted({**dict(form.extra), **extra}.items())))


def qualified_pool(summary: dict) -> int:
    """Qualified people in the population (real people)."""
    return int(sum(summary["metrics"]["qualified_by_gender"].values()))


def is_number(x) -> bool:
    """True for a finite int or float (not bool)."""
    return isinstance(x, int | float) and not isinstance(x, bool) and np.isfinite(x)
