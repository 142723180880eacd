"""Run invariants over many random valid scenarios x strategies (the property suite).

``RECRUITSIM_PROPERTY_CASES`` random cases (300 by default; ``make test-long`` runs
2,000) are drawn from a fixed seed: a bundled scenario cut to a small population —
so one simulated person may stand for hundreds of real ones — with a random budget
(10 NOK upwards), length, objective, auction, market heat, policies and hiring goal,
and a random built-in strategy. Each case runs once; each test below checks one
invariant over all of them and names the cases that break it, with the command line
that reproduces each:

- spend <= budget (exactly, at any sampling weight);
- clicks <= impressions, reach <= impressions, qualified reach <= reach;
- hires <= hires wanted;
- no NaN or infinity anywhere in the run summary;
- the daily series and the per-platform breakdown sum to the totals;
- the same seed gives the same JSON (every tenth case is run twice).
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from helpers import nan_paths

import strategies
from sim.errors import RecruitsimError
from sim.model import run
from sim.scenario import load_scenario
from strategies.registry import builtin_ids

N_CASES = int(os.environ.get("RECRUITSIM_PROPERTY_CASES", "300"))
SCENARIOS = ("tiny", "electrician-bergen", "store-manager-oslo", "nurse-nordland",
             "truck-driver-norway")  # fmt: skip
PLATFORMS = ("facebook", "instagram", "linkedin", "snapchat", "tiktok", "jobboard")


def draw_case(rng: np.random.Generator) -> tuple[str, dict, str, int]:
    """One random valid case: (scenario name, --set overrides, strategy id, seed)."""
    chosen = [p for p in PLATFORMS if rng.random() < 0.6] or ["facebook"]
    overrides = {
        "population.size": int(rng.integers(1_500, 6_000)),
        "campaign.days": int(rng.integers(1, 6)),
        "budget.total": round(float(10 ** rng.uniform(1.0, 4.5)), 2),
        "campaign.objective": str(rng.choice(["reach", "awareness", "clicks", "applications"])),
        "campaign.ats_delay_days": int(rng.integers(0, 4)),
        "market.auction": str(rng.choice(["second-price", "first-price"])),
        "market.price_level": round(float(10 ** rng.uniform(-0.5, 0.5)), 3),
        "market.bid_dispersion": round(float(rng.uniform(0.0, 1.5)), 3),
        "vacancy.hires_wanted": int(rng.integers(1, 4)),
        "pipeline.stop_when_filled": bool(rng.random() < 0.5),
        "platforms": [
            {"name": p, "policy": str(rng.choice(["standard", "employment"]))} for p in chosen
        ],
    }
    sid = str(rng.choice(sorted(builtin_ids())))
    return str(rng.choice(SCENARIOS)), overrides, sid, int(rng.integers(0, 2**32))


def command(case) -> str:
    """The command line that reproduces a case."""
    name, overrides, sid, seed = case
    sets = " ".join(f"--set '{k}={json.dumps(v)}'" for k, v in overrides.items())
    return f"recruitsim run {name} --strategy {sid} --seed {seed} {sets}"


def _run(case) -> dict:
    name, overrides, sid, seed = case
    scenario = load_scenario(name, overrides)
    try:
        result = run(scenario, strategies.make(sid), seed=seed)
    except RecruitsimError as exc:  # a valid scenario must not fail: see test_every_run_finishes
        return {"_crash": f"{type(exc).__name__}: {exc}"}
    summary = result.to_dict()
    summary["ad_sets"] = result.ad_sets
    summary["_budget"] = scenario.budget.total
    summary["_hires_wanted"] = scenario.vacancy.hires_wanted
    return summary


@pytest.fixture(scope="module")
def runs() -> list[tuple[tuple, dict]]:
    rng = np.random.default_rng(np.random.SeedSequence(20261130))
    cases = [draw_case(rng) for _ in range(N_CASES)]
    return [(case, _run(case)) for case in cases]


def _violations(runs, broken) -> list[str]:
    """What ``broken`` finds wrong in each finished run (crashed runs are checked apart)."""
    bad = [f"{why}: {command(c)}" for c, s in runs if "_crash" not in s and (why := broken(s))]
    return bad[:5] + ([f"... {len(bad) - 5} more"] if len(bad) > 5 else [])


def test_every_run_finishes(runs):
    bad = [f"{s['_crash']}: {command(c)}" for c, s in runs if "_crash" in s]
    assert not bad, f"{len(bad)} of {len(runs)} runs failed:\n" + "\n".join(bad[:5])


def test_there_are_enough_cases(runs):
    assert len(runs) == N_CASES >= 300 or os.environ.get("RECRUITSIM_PROPERTY_CASES")
    finished = [s for _, s in runs if "_crash" not in s]
    assert len({s["strategy"] for s in finished}) >= 10
    assert sum(1 for s in finished if s["metrics"]["impressions"] > 0) > N_CASES // 2


def test_spend_never_exceeds_the_budget(runs):
    def broken(s):
        spend, budget = s["metrics"]["spend"], s["_budget"]
        return f"spent {spend:.2f} of {budget:.2f}" if spend > budget else ""

    assert not (bad := _violations(runs, broken)), "\n".join(bad)


def test_funnel_and_reach_are_ordered(runs):
    def broken(s):
        m = s["metrics"]
        if not 0 <= m["clicks"] <= m["impressions"]:
            return f"clicks {m['clicks']} > impressions {m['impressions']}"
        if not 0 <= m["reach"] <= m["impressions"]:
            return f"reach {m['reach']} > impressions {m['impressions']}"
        if not 0 <= m["qualified_reach"] <= m["reach"]:
            return f"qualified reach {m['qualified_reach']} > reach {m['reach']}"
        return ""

    assert not (bad := _violations(runs, broken)), "\n".join(bad)


def test_hires_never_exceed_the_hires_wanted(runs):
    def broken(s):
        hires = s["metrics"]["hires"]
        return f"hired {hires} of {s['_hires_wanted']}" if hires > s["_hires_wanted"] else ""

    assert not (bad := _violations(runs, broken)), "\n".join(bad)


def test_no_nan_or_infinity_anywhere(runs):
    def broken(s):
        paths = nan_paths(s)
        return f"not finite: {paths[:3]}" if paths else ""

    assert not (bad := _violations(runs, broken)), "\n".join(bad)
    for _, s in runs[:20]:
        json.dumps(s, allow_nan=False)


COUNTS = ("impressions", "clicks", "applications")


def _sum_mismatch(rows, m) -> str:
    for key in (*COUNTS, "spend"):
        total = sum(r[key] for r in rows)
        if not math.isclose(total, m[key], rel_tol=1e-9, abs_tol=1e-6):
            return f"{key}: parts sum to {total} against a total of {m[key]}"
    return ""


def test_daily_series_sums_to_the_totals(runs):
    def broken(s):
        return _sum_mismatch(s["daily"], s["metrics"])

    assert not (bad := _violations(runs, broken)), "\n".join(bad)


def test_per_platform_breakdown_sums_to_the_totals(runs):
    def broken(s):
        rows = list(s["by_platform"].values())
        if not rows:
            return ""
        mismatch = _sum_mismatch(rows, s["metrics"])
        reach = sum(r["reach"] for r in rows)
        if not mismatch and reach < s["metrics"]["reach"]:
            mismatch = f"per-platform reach sums to {reach} < total reach {s['metrics']['reach']}"
        return mismatch

    assert not (bad := _violations(runs, broken)), "\n".join(bad)


def test_same_seed_gives_the_same_json(runs):
    def broken(case, s):
        again = _run(case)
        return (
            "" if json.dumps(again, sort_keys=True) == json.dumps(s, sort_keys=True) else "differs"
        )

    bad = [f"{why}: {command(c)}" for c, s in runs[::10] if (why := broken(c, s))]
    assert not bad, "\n".join(bad)
