"""Each built-in strategy's defining behaviour, run through the real simulation.

Campaigns are small (the ``tiny`` scenario cut to a few thousand people and a few days)
and seeded, so every comparison below is reproducible; where a comparison is between
two strategies they share the replication's seeds (common random numbers), and
statistical claims have margins of several standard errors at these sizes.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from helpers import audience_of, run_model

from sim import interests, occupations
from sim.campaign import (
    AdSet,
    AdSetReport,
    CampaignBrief,
    DeliveryReport,
    Location,
    TargetingSpec,
)
from sim.errors import PolicyError
from sim.model import RecruitingModel, make_brief, run, run_seeds
from sim.platforms import PLATFORM_NAMES, PLATFORMS
from sim.population import LABOUR_LABELS, generate
from sim.scenario import load_scenario, replace_path
from strategies import Strategy, make
from strategies.adjacent_skills import AdjacentSkills
from strategies.bandit import Bandit
from strategies.broad import Broad
from strategies.dayparting import Dayparting
from strategies.exclusion import Exclusion
from strategies.lookalike import Lookalike
from strategies.multichannel import Multichannel
from strategies.platform_optimized import PlatformOptimized
from strategies.retargeting import Retargeting

SEED = 20261125
ELECTRICIAN = occupations.occupation_index("electrician")


def tiny(size: int = 8000, days: int = 3, platforms=None, **overrides):
    """The ``tiny`` scenario (electrician in Bergen) cut down; ``platforms``: name -> policy."""
    values = {"population.size": size, "campaign.days": days, **overrides}
    if platforms is not None:
        values["platforms"] = [{"name": n, "policy": p} for n, p in platforms.items()]
    return load_scenario("tiny", values)


def brief_of(scenario) -> CampaignBrief:
    """The brief a strategy gets in ``scenario`` (from a small population of its regions)."""
    return make_brief(scenario, generate(scenario.population, np.random.SeedSequence(SEED)))


def planned(strategy: Strategy, brief: CampaignBrief) -> list[AdSet]:
    strategy.reset(rng=np.random.default_rng(SEED), brief=brief)
    return list(strategy.plan())


def reached(model, adset_name: str | None = None) -> np.ndarray:
    """People who saw an impression (of one ad set, or of any)."""
    log = model.log.arrays()
    person = log["person"]
    if adset_name is not None:
        person = person[log["adset"] == model.market.ad_set_names.index(adset_name)]
    return np.unique(person)


class FixedPlan(Strategy):
    """Plans the ad sets it is given (to put a spec in front of the engine)."""

    id = "fixed-plan-v1"
    description = "test helper: a fixed list of ad sets"

    def __init__(self, *, ad_sets=()):
        self.ad_sets = ad_sets

    def plan(self) -> list[AdSet]:
        return list(self.ad_sets)


# --------------------------------------------------------------------------- lookalike


def test_lookalike_targeting_is_refused_under_the_special_ad_category():
    spec = TargetingSpec(locations=(Location("Bergen", 45),), lookalike_percent=2)
    with pytest.raises(PolicyError, match=r"'lookalike'.*special ad category"):
        PLATFORMS["facebook"].check(spec, "employment")
    PLATFORMS["facebook"].check(spec, "standard")  # allowed outside the category

    scenario = tiny(platforms={"facebook": "employment"})
    strategy = FixedPlan(ad_sets=(AdSet("lal-facebook", "facebook", spec, 1000.0),))
    with pytest.raises(PolicyError, match="lookalike"):
        RecruitingModel(scenario, strategy, run_seeds(SEED, 0))


def test_lookalike_plans_only_where_the_policy_allows_it():
    scenario = tiny(platforms={"facebook": "employment", "snapchat": "standard"})
    brief = brief_of(scenario)
    assert "lookalike" not in brief.platform("facebook").allowed_options
    plan = planned(Lookalike(), brief)
    assert [a.platform for a in plan] == ["snapchat"]
    assert plan[0].targeting.lookalike_percent == 3.0
    assert plan[0].budget <= brief.budget

    both = brief_of(tiny(platforms={"facebook": "standard", "snapchat": "standard"}))
    assert sorted(a.platform for a in planned(Lookalike(), both)) == ["facebook", "snapchat"]


def test_lookalike_reaches_people_like_the_employees():
    """Pooled over eight replications: more electricians, men and trade interests than broad.

    Objective "reach", so the comparison is of the audiences, not of the delivery
    optimiser (which skews a neutral electrician ad toward men on its own).
    """
    scenario = tiny(20000, platforms={"facebook": "employment", "snapchat": "standard"})
    scenario = replace_path(scenario, "campaign.objective", "reach")
    topics = [interests.topic_index(t) for t in occupations.get("electrician").typical_interests]
    stats = {"lookalike": [], "broad": []}
    for rep in range(8):
        for key, strategy in (
            ("lookalike", Lookalike()),
            ("broad", Broad(platforms=("snapchat",))),
        ):
            model = run_model(scenario, strategy, seed=SEED, replication=rep)
            pop, people = model.population, reached(model)
            assert people.size > 50, key
            if key == "lookalike":  # platforms leave the seed list itself out
                assert not np.isin(model.employer.employee_seed, people).any()
            stats[key].append(
                (
                    people.size,
                    np.count_nonzero(pop.occupation[people] == ELECTRICIAN),
                    np.count_nonzero(pop.gender[people] == 0),
                    np.count_nonzero(pop.topic_count(topics, people)),
                )
            )
    lal, broad = (np.sum(stats[k], axis=0) for k in ("lookalike", "broad"))
    lal_share, broad_share = lal[1:] / lal[0], broad[1:] / broad[0]
    assert lal_share[0] > broad_share[0]  # electricians
    assert lal_share[1] > broad_share[1] + 0.15  # men, as the (male) staff
    assert lal_share[2] > broad_share[2] + 0.1  # the trade's interests


# --------------------------------------------------------------------------- retargeting


def _record_pixel_audiences(model, platform: str) -> list[np.ndarray]:
    """Each day's site-visitor audience on ``platform`` as it is when the day starts.

    The day starts with the employer's organic site visits; the market rebuilds the
    custom audiences after them (``sim.model.DAY_ORDER``); recording right after the
    organic visits gives exactly the visitors the day's retargeting audience was built from.
    """
    employer = model.employer
    organic_visits = employer.organic_visits
    seen: list[np.ndarray] = []

    def visits_then_record() -> None:
        organic_visits()
        seen.append(employer.advertiser_data(platform).site_visitors.copy())

    employer.organic_visits = visits_then_record
    return seen


def test_retargeting_reaches_only_earlier_site_visitors():
    scenario = tiny(days=5, **{"campaign.organic_site_visitors": 300.0})
    model = RecruitingModel(scenario, Retargeting(), run_seeds(SEED, 0))
    visitors_by_day = _record_pixel_audiences(model, "facebook")
    model.run()
    assert len(visitors_by_day) == 5

    log = model.log.arrays()
    names = model.market.ad_set_names
    mine = log["adset"] == names.index("retargeting-facebook")
    assert np.count_nonzero(mine) > 20
    for person, hour in zip(log["person"][mine], log["hour"][mine], strict=True):
        assert visitors_by_day[hour // 24][person], (person, hour)
    assert model.people.visited[log["person"][mine]].all()

    prospecting = audience_of(model.population, model.strategy.plan()[0])
    retargeted = reached(model, "retargeting-facebook")
    assert np.isin(retargeted, prospecting).all()
    assert 0 < retargeted.size < 0.05 * prospecting.size


def test_retargeting_is_rejected_until_the_audience_is_big_enough():
    scenario = tiny(days=5, **{"campaign.organic_site_visitors": 300.0})
    model = run_model(scenario, Retargeting(), seed=SEED)
    first = model.reports[0].by_name("retargeting-facebook")
    assert first.status.startswith("rejected: audience")
    assert first.impressions == 0 and first.spend == 0
    later = [r.by_name("retargeting-facebook").status for r in model.reports[1:]]
    assert "active" in later

    brief = model.brief
    plan = planned(Retargeting(), brief)
    assert [a.name for a in plan] == ["prospecting-facebook", "retargeting-facebook"]
    assert plan[1].targeting.custom_audience == "site-visitors"
    # not yet published: it keeps a day's worth of its share; prospecting gets the rest
    assert plan[1].budget <= 0.3 * brief.budget / brief.days + 0.01
    assert plan[0].budget + plan[1].budget == pytest.approx(brief.budget, abs=0.02)


# --------------------------------------------------------------------------- platform-optimized


def _female_shares(model) -> tuple[float, float]:
    """Women's share of the impressions and of the planned audiences."""
    pop = model.population
    log = model.log.arrays()
    audience = np.unique(np.concatenate([audience_of(pop, a) for a in model.strategy.plan()]))
    return float(pop.gender[log["person"]].mean()), float(pop.gender[audience].mean())


def test_platform_optimized_skews_a_male_job_towards_men_more_than_reach():
    strategy = PlatformOptimized()
    scenario = tiny(**{"budget.total": 15000.0})
    plan = planned(strategy, brief_of(scenario))
    assert {a.objective for a in plan} == {"applications"}
    assert all(a.frequency_cap is None for a in plan)
    assert all(a.targeting.options_used() <= {"location", "radius"} for a in plan)

    optimized = run_model(scenario, strategy, seed=SEED)
    assert optimized.brief.vacancy.female_share < 0.2
    shown, audience = _female_shares(optimized)
    assert optimized.log.arrays()["person"].size > 2000
    optimized_skew = audience - shown
    assert optimized_skew > 0.07

    reach = tiny(**{"budget.total": 15000.0, "campaign.objective": "reach"})
    shown, audience = _female_shares(run_model(reach, Broad(), seed=SEED))
    assert abs(audience - shown) < optimized_skew - 0.03


# --------------------------------------------------------------------------- multichannel


def _with_platform_data(brief: CampaignBrief, data: dict) -> CampaignBrief:
    """``brief`` with only the platforms in ``data``, given (audience_by_age, median_cpm)."""
    infos = tuple(
        dataclasses.replace(
            info, audience_by_age=dict(data[info.name][0]), median_cpm=data[info.name][1]
        )
        for info in brief.platforms
        if info.name in data
    )
    return dataclasses.replace(brief, platforms=infos)


def test_multichannel_spreads_the_budget_over_platforms():
    brief = brief_of(tiny())
    plan = planned(Multichannel(), brief)
    assert len({a.platform for a in plan}) > 1
    assert sum(a.budget for a in plan) <= brief.budget
    lo, hi = brief.vacancy.typical_age
    bands = [
        label
        for (a, b), label in zip(occupations.AGE_BANDS, occupations.AGE_BAND_LABELS, strict=True)
        if a <= hi and b >= lo
    ]

    def users_per_krone(platform: str) -> float:
        info = brief.platform(platform)
        return sum(info.audience_by_age[label] for label in bands) / info.median_cpm

    by_budget = sorted(plan, key=lambda a: a.budget)
    assert by_budget == sorted(plan, key=lambda a: users_per_krone(a.platform))
    assert by_budget[-1].budget > 2 * by_budget[0].budget


def test_multichannel_budget_follows_users_in_the_typical_ages_per_krone():
    brief = brief_of(tiny())
    lo, hi = brief.vacancy.typical_age
    assert (lo, hi) == (25, 54)
    in_range = {"25-34": 40000, "35-44": 40000, "45-54": 20000}
    data = {
        # facebook: 100,000 users aged 25-54 at 80 per 1000 impressions
        "facebook": ({"18-24": 5000, **in_range, "65-74": 5000}, 80.0),
        # instagram: as many in range, many more outside it, twice the price: half as much
        "instagram": ({"18-24": 900000, **in_range, "75+": 900000}, 160.0),
    }
    plan = planned(Multichannel(min_share=0.0), _with_platform_data(brief, data))
    budget = {a.platform: a.budget for a in plan}
    assert budget["facebook"] == pytest.approx(2 * budget["instagram"], rel=1e-3)
    assert sum(budget.values()) == pytest.approx(brief.budget, abs=0.02)

    data["instagram"] = ({label: 3 * n for label, n in in_range.items()}, 80.0)
    budget = {
        a.platform: a.budget for a in planned(Multichannel(), _with_platform_data(brief, data))
    }
    assert budget["instagram"] == pytest.approx(3 * budget["facebook"], rel=1e-3)


# --------------------------------------------------------------------------- bandit


def _report(
    day: int, brief: CampaignBrief, arms: dict[str, tuple[float, int, str]]
) -> DeliveryReport:
    """A report with each arm's (cumulative spend, qualified applications, status)."""
    ad_sets = tuple(
        AdSetReport(
            name=name,
            platform=name.rsplit("-", 1)[1],
            status=status,
            impressions=int(spend * 12),
            reach=int(spend * 10),
            clicks=int(spend / 20),
            spend=spend,
            impressions_by_gender={"male": int(spend * 6), "female": int(spend * 6)},
            applications=qualified,
            qualified_applications=qualified,
        )
        for name, (spend, qualified, status) in arms.items()
    )
    spent = sum(a.spend for a in ad_sets)
    return DeliveryReport(day, brief.days - day - 1, brief.budget - spent, ad_sets)


def _run_bandit(brief: CampaignBrief, good: str, rejected: str | None = None) -> list[list[AdSet]]:
    """Feed the bandit daily reports where each arm spends its day's budget.

    Arm ``good`` gets one qualified application per 50 of spend, the others none;
    arm ``rejected`` is reported rejected and spends nothing. Returns every plan.
    """
    bandit = Bandit()
    plans = [planned(bandit, brief)]
    spend = dict.fromkeys((a.name for a in plans[0]), 0.0)
    for day in range(brief.days - 1):
        days_left = brief.days - day
        for a in plans[-1]:
            if a.name != rejected:
                spend[a.name] += a.budget / days_left
        arms = {
            name: (
                s,
                int(s / 50) if name == good else 0,
                "rejected: audience below the minimum" if name == rejected else "active",
            )
            for name, s in spend.items()
        }
        report = _report(day, brief, arms)
        plans.append(list(bandit.update(report)))
        assert sum(a.budget for a in plans[-1]) <= report.budget_left
        assert all(a.budget >= 0 for a in plans[-1])
    return plans


def _shares(plan: list[AdSet]) -> dict[str, float]:
    total = sum(a.budget for a in plan)
    return {a.name: a.budget / total for a in plan}


def test_bandit_moves_budget_to_the_arm_with_cheaper_qualified_applications():
    brief = brief_of(tiny(days=7))
    plans = _run_bandit(brief, good="interest-facebook")
    first, last = _shares(plans[0]), _shares(plans[-1])
    assert len(first) >= 4
    assert first["interest-facebook"] == pytest.approx(1 / len(first), abs=0.01)
    assert last["interest-facebook"] > 2 * first["interest-facebook"]
    assert max(last, key=last.get) == "interest-facebook"
    assert all(last[name] >= 0.03 for name in last)  # the floor keeps every arm learning


def test_bandit_gives_a_rejected_arm_no_budget():
    brief = brief_of(tiny(days=7))
    plans = _run_bandit(brief, good="interest-facebook", rejected="broad-instagram")
    for plan in plans[1:]:
        budgets = {a.name: a.budget for a in plan}
        assert budgets["broad-instagram"] == 0
        assert all(b > 0 for name, b in budgets.items() if name != "broad-instagram")


# --------------------------------------------------------------------------- dayparting


@pytest.mark.parametrize("n_hours", [8, 4])
def test_dayparting_delivers_only_in_its_busiest_hours(n_hours):
    model = run_model(tiny(), Dayparting(n_hours=n_hours), seed=SEED)
    log = model.log.arrays()
    assert log["hour"].size > 100
    for adset in model.strategy.plan():
        info = model.brief.platform(adset.platform)
        assert len(adset.hours) == n_hours
        profile = np.asarray(info.hour_profile)
        others = np.setdiff1d(np.arange(24), adset.hours)
        assert profile[list(adset.hours)].min() >= profile[others].max()
        mine = log["adset"] == model.market.ad_set_names.index(adset.name)
        assert np.count_nonzero(mine) > 0
        assert np.isin(log["hour"][mine] % 24, adset.hours).all()


# --------------------------------------------------------------------------- exclusion


def test_exclusion_excludes_students_only_where_the_platform_and_policy_allow():
    brief = brief_of(
        tiny(
            platforms={
                "facebook": "standard",
                "instagram": "employment",
                "snapchat": "standard",
            }
        )
    )
    specs = {a.platform: a.targeting for a in planned(Exclusion(), brief)}
    assert specs["facebook"].exclude_interests == ("student life",)
    assert specs["facebook"].age_max == 66
    assert specs["instagram"].exclude_interests == ()  # employment: no exclusions
    assert specs["instagram"].age_max is None  # nor age
    # Snapchat does not offer detailed-targeting exclusions at all; age is allowed.
    assert "exclude_interests" not in brief.platform("snapchat").targeting_options
    assert specs["snapchat"].exclude_interests == ()
    assert specs["snapchat"].age_max == 66
    for name, spec in specs.items():
        PLATFORMS[name].check(spec, brief.platform(name).policy)


def test_exclusion_reaches_fewer_students_than_broad():
    student = LABOUR_LABELS.index("student")
    scenario = tiny(platforms={"facebook": "standard"}, **{"budget.total": 5000.0})
    counts = {}
    for key, strategy in (
        ("exclusion", Exclusion(platforms=("facebook",))),
        ("broad", Broad(platforms=("facebook",))),
    ):
        total = students = 0
        for rep in range(2):
            model = run_model(scenario, strategy.clone(), seed=SEED, replication=rep)
            people = reached(model)
            total += people.size
            students += np.count_nonzero(model.population.labour[people] == student)
        counts[key] = (students, total)
    (ex_students, ex_total), (br_students, br_total) = counts["exclusion"], counts["broad"]
    assert ex_total > 1000 and br_total > 1000
    assert ex_students < br_students
    assert ex_students / ex_total < 0.8 * br_students / br_total


# --------------------------------------------------------------------------- adjacent skills


def test_adjacent_skills_targets_neighbouring_trades_with_a_career_change_ad():
    scenario = load_scenario("store-manager-oslo", {"population.size": 8000, "campaign.days": 3})
    brief = brief_of(scenario)
    v = brief.vacancy
    assert v.accepts_adjacent and v.adjacent_occupations
    plan = planned(AdjacentSkills(), brief)
    assert plan
    own_interests = set(v.typical_interests)
    for a in plan:
        assert a.creative is not None and a.creative.message == "career-change"
        assert a.creative.image == v.creative.image
        if a.targeting.job_titles:
            assert set(v.adjacent_occupations) <= set(a.targeting.job_titles)
        else:
            assert a.targeting.interests and not set(a.targeting.interests) & own_interests
    assert {"linkedin", "jobboard"} <= {a.platform for a in plan}
    without_own = planned(AdjacentSkills(include_own=False), brief)
    assert all(v.occupation not in a.targeting.job_titles for a in without_own)

    adjacent = run(scenario, AdjacentSkills(), seed=SEED).metrics
    broad = run(scenario, Broad(), seed=SEED).metrics
    assert adjacent["relevance"] > 2 * broad["relevance"]


# --------------------------------------------------------------------------- allowed options

POLICY_MIXES = {
    "tiny": None,
    "all-standard": dict.fromkeys(PLATFORM_NAMES, "standard"),
    "all-employment": dict.fromkeys(PLATFORM_NAMES, "employment"),
}


@pytest.fixture(scope="module")
def briefs() -> dict[str, CampaignBrief]:
    return {key: brief_of(tiny(3000, platforms=mix)) for key, mix in POLICY_MIXES.items()}


@pytest.mark.parametrize("mix", list(POLICY_MIXES))
@pytest.mark.parametrize("sid", ["broad", "demographic", "interest", "job-title"])
def test_plan_uses_only_options_the_platform_allows(sid, mix, briefs):
    brief = briefs[mix]
    plan = planned(make(sid), brief)
    assert plan, f"{sid} planned nothing in {mix}"
    assert len({a.name for a in plan}) == len(plan)
    assert sum(a.budget for a in plan) <= brief.budget
    for a in plan:
        info = brief.platform(a.platform)
        assert a.targeting.options_used() <= info.allowed_options, (a.name, info.policy)
        PLATFORMS[a.platform].check(a.targeting, info.policy)


def test_each_of_the_four_uses_its_own_kind_of_targeting(briefs):
    brief = briefs["all-standard"]
    v = brief.vacancy
    for a in planned(make("broad"), brief):
        assert a.targeting.options_used() <= {"location", "radius"}
    demographic = {a.platform: a.targeting for a in planned(make("demographic"), brief)}
    assert demographic["snapchat"].genders == ("male",)  # electricians: 3 % women
    assert (demographic["snapchat"].age_min, demographic["snapchat"].age_max) == v.typical_age
    for a in planned(make("interest"), brief):
        assert a.targeting.interests and set(a.targeting.interests) <= set(v.typical_interests)
    titles = planned(make("job-title"), brief)
    assert {a.platform for a in titles} == {"linkedin", "jobboard"}
    assert all(a.targeting.job_titles == (v.occupation,) for a in titles)

    employment = {a.platform: a for a in planned(make("demographic"), briefs["all-employment"])}
    assert all(not a.targeting.genders and a.targeting.age_max is None for a in employment.values())
    assert "tiktok" not in {a.platform for a in planned(make("interest"), briefs["all-employment"])}
