"""The hiring timeline inside whole runs: the application deadline and stop_when_filled.

The pipeline's own mechanics are tested in ``test_pipeline.py`` with synthetic
application streams; here the deadline is checked against what the delivery engine
actually sends it, and the scenario's fields are validated.
"""

from __future__ import annotations

import numpy as np
import pytest

import strategies
from sim.errors import ScenarioError
from sim.model import RecruitingModel, run, run_seeds
from sim.pipeline import LATE
from sim.scenario import load_scenario

OVERRIDES = {"population.size": 60_000, "budget.total": 30_000, "vacancy.hires_wanted": 2}


def _model(overrides, replication=0):
    scenario = load_scenario("store-manager-oslo", {**OVERRIDES, **overrides})
    model = RecruitingModel(scenario, strategies.make("broad"), run_seeds(7, replication))
    model.run()
    return model


@pytest.mark.parametrize("deadline_day", [0, 12])
def test_with_a_deadline_no_interview_happens_before_it(deadline_day):
    model = _model({"pipeline.screening": "after-deadline", "pipeline.deadline_day": deadline_day})
    rec = model.pipeline.records()
    closes = 24 * (deadline_day or model.scenario.campaign.days)
    assert model.pipeline.deadline_hour == closes
    assert rec["applied"].size > 10  # enough applications to check the rule on (about 20)
    interviewed = rec["interviewed"][~np.isnan(rec["interviewed"])]
    assert interviewed.size > 0
    assert interviewed.min() >= closes
    screened = rec["screened"][~np.isnan(rec["screened"])]
    assert screened.min() >= closes
    late = rec["applied"] >= closes
    assert np.all(rec["outcome"][late] == LATE)
    if deadline_day:
        assert late.any()  # the ads ran on after the deadline


def test_stop_when_filled_stops_only_a_campaign_still_running():
    """With screening after a deadline at the campaign's end, the campaign cannot be cut
    short by the hire; with rolling screening it can."""
    deadline = {"pipeline.screening": "after-deadline", "vacancy.hires_wanted": 1}
    rolling = {"pipeline.screening": "rolling", "vacancy.hires_wanted": 1}
    stopped = {"deadline": 0, "rolling": 0}
    for rep in range(3):
        for name, over in (("deadline", deadline), ("rolling", rolling)):
            scenario = load_scenario("store-manager-oslo", {**OVERRIDES, **over})
            result = run(scenario, strategies.make("job-title"), seed=5, replication=rep)
            p = result.pipeline
            stopped[name] += p["campaign_stopped_early"]
            if name == "deadline" and p["filled_day"] is not None:
                assert p["filled_day"] >= scenario.campaign.days
    assert stopped["deadline"] == 0
    assert stopped["rolling"] > 0


def test_deadline_after_the_campaign_is_refused():
    with pytest.raises(ScenarioError, match=r"pipeline\.deadline_day: expected a day within"):
        load_scenario("tiny", {"pipeline.deadline_day": 8})
    with pytest.raises(ScenarioError, match=r"pipeline\.screening: expected after-deadline"):
        load_scenario("tiny", {"pipeline.screening": "weekly"})


def test_time_to_hire_is_reported_from_the_ad_and_from_the_application():
    hired = 0
    for rep in range(3):
        scenario = load_scenario("store-manager-oslo", {**OVERRIDES, "vacancy.hires_wanted": 1})
        result = run(scenario, strategies.make("job-title"), seed=5, replication=rep)
        m, p = result.metrics, result.pipeline
        assert p["deadline_day"] == scenario.campaign.days
        assert p["mean_days_to_decision"] is not None and p["mean_days_to_decision"] > 0
        if not m["hires"]:
            continue
        hired += 1
        # From the ad's first day: the day the vacancy was filled.
        assert m["time_to_hire_days"] == p["time_to_hire_days"] == pytest.approx(p["filled_day"])
        # From the application: shorter, since the hire applied after the ad went up.
        assert 0 < p["mean_days_to_hire"] < m["time_to_hire_days"]
    assert hired > 0
