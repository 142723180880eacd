"""Directional checks: the mechanisms point the way the design says they do."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import audience_of, binomial_se, run_model

import strategies
from sim.model import run
from sim.scenario import load_scenario


def test_broad_reach_objective_reaches_qualified_people_at_their_audience_share():
    """With objective "reach" the optimiser values everyone alike, so the qualified share
    of the people reached is the qualified share of the audience (within a few SE)."""
    scenario = load_scenario(
        "tiny",
        {"population.size": 60_000, "budget.total": 15_000, "campaign.objective": "reach"},
    )
    strategy = strategies.make("broad", platforms=("facebook",))
    model = run_model(scenario, strategy, seed=3)
    log = model.log.arrays()
    (adset,) = model.strategy.plan()
    audience = audience_of(model.population, adset)
    share = model.qualified[audience].mean()
    reached = np.unique(log["person"])
    relevance = model.qualified[reached].mean()
    assert reached.size > 5000 and share > 0
    assert abs(relevance - share) <= 4 * binomial_se(share, reached.size), (relevance, share)
    # The run summary reports the same relevance.
    result = run(scenario, strategies.make("broad", platforms=("facebook",)), seed=3)
    assert result.metrics["relevance"] == pytest.approx(relevance, rel=0.02)


@pytest.mark.parametrize("occupation", ["accountant-economist", "software-developer"])
def test_job_titles_on_linkedin_beat_broad_for_office_work(occupation):
    scenario = load_scenario(
        "tiny",
        {
            "population.size": 60_000,
            "population.regions": ["Oslo", "Akershus"],
            "vacancy.occupation": occupation,
            "vacancy.location": "Oslo",
            "vacancy.min_experience_years": 0,
            "budget.total": 15_000,
        },
    )
    broad = run(scenario, strategies.make("broad"), seed=2).metrics
    titles = run(scenario, strategies.make("job-title", platforms=("linkedin",)), seed=2).metrics
    assert titles["reach"] > 500 and broad["reach"] > 10_000
    assert titles["relevance"] > 0.5
    assert titles["relevance"] > 10 * broad["relevance"]
    assert titles["wasted_spend_share"] < broad["wasted_spend_share"]


def test_interest_targeting_lifts_relevance_over_broad():
    """calibration.md R8: interest targeting should lift relevance above broad."""
    scenario = load_scenario("tiny", {"population.size": 60_000, "budget.total": 10_000})
    broad = run(scenario, strategies.make("broad"), seed=4).metrics
    interest = run(scenario, strategies.make("interest"), seed=4).metrics
    assert interest["relevance"] > 1.3 * broad["relevance"]


@pytest.mark.parametrize("sid", ["broad", "demographic", "interest", "job-title"])
@pytest.mark.parametrize("budget", [1000, 4000])
def test_more_budget_never_means_less_reach(tiny, sid, budget):
    reach = []
    for total in (budget, 2 * budget):
        scenario = load_scenario("tiny", {"budget.total": total})
        reach.append(run(scenario, strategies.make(sid), seed=12).metrics["reach"])
    assert reach[1] >= reach[0], reach
    if sid == "broad":
        assert reach[1] > 1.3 * reach[0]  # far from saturation, doubling budget adds reach
