"""Every scenario file shipped in scenarios/ loads and runs (cut down to a quick size)."""

from __future__ import annotations

import json

import pytest
from helpers import DESIGN_METRIC_KEYS, SCENARIO_FILES, nan_paths

import strategies
from sim.model import run
from sim.scenario import load_scenario

QUICK = {"population.size": 8000, "campaign.days": 2}
# A scenario that gives its population as a size this small or smaller runs at that size:
# it is quick already, and cutting it to 8,000 can leave a rare occupation without a
# qualified person (R6's general managers are 8 of 40,000 people).
SMALL = 60_000


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: str(p.relative_to(p.parents[1])))
def test_scenario_runs_with_its_default_strategy(path):
    full = load_scenario(path)
    quick = dict(QUICK)
    if 0 < full.population.size <= SMALL:
        quick["population.size"] = full.population.size
    scenario = load_scenario(path, quick)
    assert scenario.vacancy == full.vacancy and scenario.platforms == full.platforms
    seats = [scenario.employer(k) for k in range(scenario.n_employers)]
    plays = [strategies.make(s.strategy.id, **s.strategy.params) for s in seats]
    result = run(scenario, plays if len(plays) > 1 else plays[0], alone=False)
    m = result.metrics
    assert result.population == quick["population.size"]
    assert result.days == 2 and len(result.daily) == 2
    assert set(m) == set(DESIGN_METRIC_KEYS)
    assert m["impressions"] > 0, "the default strategy should deliver something"
    assert 0 < m["spend"] <= seats[0].budget.total * 1.05
    assert m["qualified_by_gender"]["male"] + m["qualified_by_gender"]["female"] > 0
    assert not nan_paths(result.to_dict())
    json.dumps(result.to_dict(), allow_nan=False)


def test_there_are_scenario_files():
    assert len(SCENARIO_FILES) >= 5
