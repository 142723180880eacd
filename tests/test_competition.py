"""Competing employers (issue 14): the [[employers]] schema, shared auctions, hiring
competition, what is measured, and the league."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import simpy

import strategies
from sim.errors import ScenarioError, StrategyError
from sim.lab.league import play, seatings, standings
from sim.lab.stats import Estimate
from sim.model import RecruitingModel, run, run_seeds
from sim.pipeline import DECLINED, DROPPED, HIRED, LEFT, LOST, CandidatePool, HiringPipeline
from sim.population import ACTIVE
from sim.scenario import PipelineSpec, load_scenario, scenario_from_dict

REPO = Path(__file__).resolve().parents[1]
REPS = 6
SEED = 5


def shops(salaries=(0.2, 0.2), budgets=(6000.0, 6000.0), **extra) -> object:
    """Two shops in Alta hiring shop assistants from the same people (Finnmark, 40 %)."""
    data = {
        "name": "two-shops",
        "population": {"regions": ["Finnmark"], "scale": 0.4},
        "vacancy": {"occupation": "shop-assistant", "location": "Alta", "max_distance_km": 80,
                    "apply_flow": "short-form", "hires_wanted": 1000},
        "budget": {"total": 6000},
        "campaign": {"days": 14},
        "platforms": [{"name": "facebook", "policy": "employment"},
                      {"name": "instagram", "policy": "employment"}],
        "pipeline": {"recruiters": 20, "screening_hours": 0.25, "recruiter_hours_per_day": 8,
                     "extra_days": 20, "stop_when_filled": False, "interview_delay_days": 2,
                     "offer_delay_days": 1, "interview_pass_rate": 0.8,
                     "patience_days_active": 30, "patience_days_passive": 40},
        "employers": [
            {"name": f"shop {k}", "budget": b, "vacancy": {"salary": s}}
            for k, (s, b) in enumerate(zip(salaries, budgets, strict=True))
        ],
    }  # fmt: skip
    data.update(extra)
    return scenario_from_dict(data)


def broad_pair():
    return [strategies.make("broad"), strategies.make("broad")]


def hires_by_employer(result) -> list[int]:
    """Simulated hires of each employer (who hired whom)."""
    count = Counter(h["employer"] for h in result.market["hires"])
    return [count[name] for name in result.market["employers"]]


@pytest.fixture(scope="module")
def identical_runs():
    return [run(shops(), broad_pair(), seed=SEED, replication=r, alone=False) for r in range(REPS)]


@pytest.fixture(scope="module")
def richer_salary_runs():
    return [
        run(shops(salaries=(0.2, 0.4)), broad_pair(), seed=SEED, replication=r, alone=False)
        for r in range(REPS)
    ]


# ----------------------------------------------------------------------------- schema


def test_employers_inherit_the_scenario_tables_and_change_only_their_keys():
    sc = load_scenario("electricians-bergen-competition")
    assert sc.n_employers == 3
    first, third = sc.employer(0), sc.employer(2)
    assert first.vacancy.occupation == third.vacancy.occupation == sc.vacancy.occupation
    assert (first.vacancy.salary, third.vacancy.salary) == (0.5, -0.2)
    assert first.budget.total == 40000 and third.budget.total == 8000
    assert first.strategy.id == "interest-v1" and sc.employer(1).strategy.id == "broad-v1"
    assert third.pipeline.recruiters == 1 and first.pipeline == sc.pipeline
    assert first.employers == () and first.n_employers == 1


def test_the_single_vacancy_form_is_one_employer_the_scenario_itself():
    sc = load_scenario("tiny")
    assert sc.employers == () and sc.n_employers == 1 and sc.employer(0) is sc


@pytest.mark.parametrize(
    "employers, path, says",
    [
        ([{"name": "a", "budget": 100, "vacancy": {"salry": 1}}], "employers[0].vacancy.salry",
         "did you mean 'salary'"),
        ([{"name": "a", "budget": 100}, {"name": "b", "budget": 0}], "employers[1].budget",
         "expected a budget > 0"),
        ([{"name": "a", "budget": 100}, {"name": "a", "budget": 100}], "employers",
         "listed twice"),
        ([{"name": "a", "budget": 100, "vacancy": {"occupation": "electrishan"}}],
         "employers[0].vacancy.occupation", "did you mean 'electrician'"),
        ([{"budget": 100}], "employers[0].name", "missing required field"),
    ],
)  # fmt: skip
def test_a_bad_employer_is_refused_with_its_field_path(employers, path, says):
    data = {"name": "x", "vacancy": {"occupation": "electrician", "location": "Bergen"},
            "budget": {"total": 1000}, "employers": employers}  # fmt: skip
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data, "x.toml")
    assert f"x.toml: {path}: " in str(err.value) and says in str(err.value)


def test_several_employers_need_a_strategy_each():
    with pytest.raises(StrategyError, match=r"2 employer.*got 1"):
        RecruitingModel(shops(), strategies.make("broad"), run_seeds(SEED, 0))


# ----------------------------------------------------------------------------- auctions


def test_an_employer_alone_pays_less_per_impression_than_against_a_richer_rival():
    ratios = []
    for r in range(3):
        result = run(shops(budgets=(6000.0, 18000.0)), broad_pair(), seed=SEED, replication=r)
        price = result.market["price_of_competition"]["shop 0"]
        assert price["cpm"] > price["cpm_alone"]
        ratios.append(price["cpm_ratio"])
    assert np.mean(ratios) > 1.05


def test_frequency_caps_are_per_employer():
    plays = [strategies.make("broad", frequency_cap=1) for _ in range(2)]
    model = RecruitingModel(shops(), plays, run_seeds(SEED, 0))
    model.run()
    logs = [s.market.log.arrays() for s in model.seats]
    for log in logs:  # at most one impression per person from each of an employer's ad sets
        pairs = log["adset"].astype(np.int64) * model.population.size + log["person"]
        assert np.unique(pairs).size == pairs.size
    # ... while the other employer's cap is its own: people see both employers' ads
    assert np.intersect1d(logs[0]["person"], logs[1]["person"]).size > 0


# ----------------------------------------------------------------------------- hiring


def test_two_identical_employers_split_hires_and_spend_evenly(identical_runs):
    hires = np.array([hires_by_employer(r) for r in identical_runs])
    spend = np.array([[e["metrics"]["spend"] for e in r.employers] for r in identical_runs])
    assert hires.sum() >= 20, "too few hires to compare"
    for diff in (hires[:, 0] - hires[:, 1], spend[:, 0] - spend[:, 1]):
        est = Estimate.of(diff.tolist())
        assert est.low <= 0 <= est.high, est


def test_doubling_one_employers_salary_raises_its_share_of_hires(
    identical_runs, richer_salary_runs
):
    before = np.array([hires_by_employer(r) for r in identical_runs], dtype=float)
    after = np.array([hires_by_employer(r) for r in richer_salary_runs], dtype=float)
    assert after[:, 1].sum() / after.sum() > before[:, 1].sum() / before.sum()
    paired = after[:, 1] / after.sum(axis=1) - before[:, 1] / before.sum(axis=1)
    assert paired.mean() > 0


def test_a_candidate_is_never_hired_twice_and_leaves_the_other_pipeline():
    model = RecruitingModel(shops(budgets=(12000.0, 12000.0)), broad_pair(), run_seeds(SEED, 1))
    model.run()
    records = [s.pipeline.records() for s in model.seats]
    both = np.intersect1d(records[0]["person"], records[1]["person"])
    assert both.size > 0, "no one applied to both employers: the test would prove nothing"
    hired = np.concatenate([r["person"][r["outcome"] == HIRED] for r in records])
    assert hired.size > 0 and np.unique(hired).size == hired.size
    assert sorted(p for p, _, _ in model.pool.hires) == sorted(hired.tolist())


def _pool_pair(seed: int, salaries=(0.0, 0.0)):
    env = simpy.Environment()
    pool = CandidatePool(env)
    spec = PipelineSpec(screening="rolling", interview_pass_rate=1.0, acceptance=(0.9, 0.9, 0.9),
                        patience_days_active=1000, patience_days_passive=1000)  # fmt: skip
    rng = np.random.default_rng(seed)
    pipes = [HiringPipeline(env, spec, rng, hires_wanted=5, salary=s, pool=pool) for s in salaries]
    return env, pool, pipes


@pytest.mark.parametrize("seed", range(12))
def test_a_person_hired_by_one_employer_leaves_the_other(seed):
    env, pool, pipes = _pool_pair(seed)
    for p in pipes:
        p.submit(0.0, np.array([7]), np.array([True]), np.array([ACTIVE]))
    env.run(until=24 * 200)
    outcomes = sorted(int(p.records()["outcome"][0]) for p in pipes)
    assert outcomes.count(HIRED) <= 1
    if HIRED in outcomes:
        assert len(pool.hires) == 1
        other = next(o for o in outcomes if o != HIRED)
        assert other in (LEFT, LOST, DECLINED, DROPPED)  # DROPPED: patience ran out first


def test_the_better_paid_offer_wins_more_candidates():
    won = Counter()
    for seed in range(60):
        env, pool, pipes = _pool_pair(seed, salaries=(-1.0, 1.0))
        for p in pipes:
            p.submit(0.0, np.arange(5), np.ones(5, bool), np.full(5, ACTIVE))
        env.run(until=24 * 200)
        won.update(seat for _, seat, _ in pool.hires)
    assert won[1] > won[0]


# ----------------------------------------------------------------------------- measured


def test_a_competition_run_reports_every_employer_and_the_market(identical_runs):
    result = identical_runs[0]
    d = json.loads(json.dumps(result.to_dict(), allow_nan=False))
    assert [e["name"] for e in d["employers"]] == ["shop 0", "shop 1"]
    assert d["metrics"] == d["employers"][0]["metrics"]
    for e in d["employers"]:
        assert {"offers_lost_to_competitor", "left_for_competitor"} <= set(e["pipeline"])
    market = d["market"]
    assert set(market) >= {"hires", "offers_lost_to_competitor", "qualified_reached_by_several"}
    assert market["qualified_reached_by_several"] > 0
    assert all({"person", "employer", "day"} == set(h) for h in market["hires"])


def test_a_one_employer_run_keeps_its_json_contract():
    sc = load_scenario("tiny", {"population.size": 3000, "campaign.days": 2})
    d = run(sc, strategies.make("broad"), seed=1).to_dict()
    assert "employers" not in d and "market" not in d


# ----------------------------------------------------------------------------- league


@pytest.mark.parametrize("n, seats", [(2, 2), (4, 2), (3, 3), (4, 3)])
def test_every_strategy_sits_in_every_seat_equally_often(n, seats):
    ids = [f"s{i}" for i in range(n)]
    games = seatings(ids, seats)
    assert len(set(games)) == len(games)
    for seat in range(seats):
        count = Counter(g[seat] for g in games)
        assert set(count) == set(ids) and len(set(count.values())) == 1


def test_a_league_ranks_every_strategy_with_intervals():
    sc = load_scenario("tiny", {"population.size": 3000, "campaign.days": 3})
    rows = play(sc, ["broad", "interest"], replications=2, seed=3)
    assert len(rows) == 2 * 2 * 2  # games x seats x replications
    parallel = play(sc, ["broad", "interest"], replications=2, seed=3, workers=2)
    for a, b in zip(parallel, rows, strict=True):  # the same games, whatever the workers
        assert {**a, "wall_time_s": 0} == {**b, "wall_time_s": 0}
    table = standings(rows)
    assert {t["strategy"] for t in table} == {"broad-v1", "interest-v1"}
    assert all(t["spend_n"] == 2 and t["spend_low"] is not None for t in table)


def test_the_league_runs_from_the_command_line(tmp_path):
    out = tmp_path / "league"
    cmd = [sys.executable, "-m", "sim", "league", "tiny", "--strategies", "broad,job-title",
           "--replications", "2", "--population", "3000", "--set", "campaign.days=2",
           "--out", str(out)]  # fmt: skip
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Standings" in done.stdout
    for name in ("report.md", "report.html", "games.csv", "standings.csv"):
        assert (out / name).is_file()


def test_a_league_with_one_strategy_is_refused_in_one_line():
    cmd = [sys.executable, "-m", "sim", "league", "tiny", "--strategies", "broad"]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "at least 2 strategies" in done.stderr


def test_run_plays_a_competition_scenarios_rivals_from_the_command_line(tmp_path):
    out = tmp_path / "run.json"
    cmd = [sys.executable, "-m", "sim", "run", "store-managers-oslo-competition",
           "--strategy", "broad", "--population", "3000", "--set", "campaign.days=2",
           "--json", str(out)]  # fmt: skip
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Kjede Nord · broad-v1" in done.stdout and "Butikk Sør · broad-v1" in done.stdout
    d = json.loads(out.read_text())
    assert d["strategy"] == "broad-v1" and len(d["employers"]) == 2
    assert set(d["market"]["price_of_competition"]) == {"Kjede Nord", "Butikk Sør"}
