"""Invariants that hold for every scenario (hypothesis over random small scenarios).

Each example draws a scenario (budget, length, population size, objective, auction,
platform policies), a built-in strategy and its frequency cap, runs it once through
:class:`RecruitingModel` (to see the impression log and the ad sets) and once through
:func:`sim.model.run` (the summary users get) on the same population, and checks:

- spend <= budget (the campaign, and each ad set; money is billed in micros);
- clicks <= impressions, applications <= clicks, qualified applications <= applications;
- qualified_reach <= reach <= audience size (sum of the ad sets' audiences, and the
  population);
- no person gets more impressions from an ad set than its frequency cap;
- no NaN anywhere in the output JSON; one daily row per day.
"""

from __future__ import annotations

import json

import numpy as np
from helpers import DESIGN_METRIC_KEYS, audience_of, max_per_person, nan_paths, run_model
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import strategies
from sim.model import run, run_seeds
from sim.population import generate
from sim.scenario import load_scenario
from sim.units import Units

BUILT_INS = ("broad-v1", "demographic-v1", "interest-v1", "job-title-v1")
PLATFORMS = ("facebook", "instagram", "linkedin", "snapchat", "tiktok", "jobboard")
SHARES = (
    "ctr",
    "relevance",
    "impression_relevance",
    "wasted_spend_share",
    "passive_share_of_clicks",
)


def make_case(size, days, budget, objective, auction, policies, sid, cap, seed):
    """A (scenario, strategy id, frequency cap, seed) case from plain values."""
    overrides = {
        "population.size": size,
        "campaign.days": days,
        "budget.total": budget,
        "campaign.objective": objective,
        "market.auction": auction,
        "platforms": [
            {"name": name, "policy": policy}
            for name, policy in zip(PLATFORMS, policies, strict=True)
        ],
    }
    return load_scenario("tiny", overrides), sid, cap, seed


@st.composite
def cases(draw):
    return make_case(
        size=draw(st.integers(3_000, 15_000)),
        days=draw(st.integers(1, 5)),
        budget=draw(st.floats(50.0, 30_000.0, allow_nan=False)),
        objective=draw(st.sampled_from(("reach", "clicks", "applications"))),
        auction=draw(st.sampled_from(("second-price", "first-price"))),
        policies=[draw(st.sampled_from(("standard", "employment"))) for _ in PLATFORMS],
        sid=draw(st.sampled_from(BUILT_INS)),
        cap=draw(st.integers(1, 10)),
        seed=draw(st.integers(0, 2**32 - 1)),
    )


# A small budget on a small population: one simulated auction costs `weight` real ones
# (found by hypothesis when the auction crossing the budget still counted).
SMALL_BUDGET = make_case(
    3000, 1, 50.0, "clicks", "second-price", ["employment"] * 6, "broad-v1", 1, 0
)


SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@SETTINGS
@given(cases())
@example(SMALL_BUDGET)
def test_spend_stays_within_budget(case):
    """The campaign never spends more than its budget (billed in micros, see sim.units)."""
    scenario, sid, cap, seed = case
    model = run_model(scenario, strategies.make(sid, frequency_cap=cap), seed)
    log = model.log.arrays()
    spend_micros = int(model.units.cost_micros(log["price"]).sum())
    assert spend_micros <= Units.micros(scenario.budget.total), (spend_micros, scenario.budget)


@SETTINGS
@given(cases())
def test_run_invariants(case):
    scenario, sid, cap, seed = case
    pop = generate(scenario.population, run_seeds(seed, 0).population)
    model = run_model(scenario, strategies.make(sid, frequency_cap=cap), seed, population=pop)
    result = run(scenario, strategies.make(sid, frequency_cap=cap), seed=seed, population=pop)
    m = result.metrics
    log = model.log.arrays()
    weight = pop.weight

    # Money: each ad set stays within its budget.
    assert 0 <= m["spend"] <= scenario.budget.total
    cost = model.units.cost_micros(log["price"])
    if sid != "job-title-v1":  # job-title may move budget between ad sets mid-campaign
        budgets = {a.name: a.budget for a in model.strategy.plan()}
        for key, name in enumerate(model.market.ad_set_names):
            assert cost[log["adset"] == key].sum() <= Units.micros(budgets[name]), name
    assert round(m["spend"] * 1_000_000) == cost.sum()

    # Funnel.
    assert 0 <= m["clicks"] <= m["impressions"]
    assert 0 <= m["applications"] <= m["clicks"]
    assert 0 <= m["qualified_applications"] <= m["applications"]

    # Reach.
    # The first plan names every ad set (job-title's revisions keep a subset of them).
    audience = set()
    for adset in model.strategy.plan():
        audience.update(audience_of(pop, adset).tolist())
    bound = round(min(len(audience), pop.size) * weight)
    assert 0 <= m["qualified_reach"] <= m["reach"] <= bound
    assert m["reach"] <= m["impressions"]
    assert set(np.unique(log["person"]).tolist()) <= audience

    # Frequency caps, per person per ad set.
    if log["person"].size:
        assert max(max_per_person(log["adset"], log["person"]).values()) <= cap

    # The summary.
    data = result.to_dict()
    assert not nan_paths(data), nan_paths(data)
    json.dumps(data, allow_nan=False)
    assert set(data["metrics"]) == set(DESIGN_METRIC_KEYS)
    assert len(data["daily"]) == scenario.campaign.days
    assert [d["day"] for d in data["daily"]] == list(range(scenario.campaign.days))
    daily_spend = sum(d["spend"] for d in data["daily"])
    assert abs(daily_spend - m["spend"]) <= 1e-6 * max(1.0, m["spend"])
    for key in SHARES:
        assert m[key] is None or 0.0 <= m[key] <= 1.0, (key, m[key])
    for group in ("male", "female"):
        assert 0 <= m["reach_by_gender"][group] <= m["reach"]
    # The model and the summary agree (same seeds, same population).
    assert m["impressions"] == round(log["person"].size * weight)
