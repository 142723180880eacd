"""Journeys (sim/journeys.py): one person's story rebuilt from a finished run."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

import strategies
from sim import journeys, occupations
from sim.lab.cli import main
from sim.model import RecruitingModel, run, run_seeds
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def finished():
    """Finished models of the tiny scenario, by strategy, with their facts."""
    scenario = load_scenario("tiny")
    out = {}
    for sid in ("broad", "interest", "job-title"):
        # The first seed from 5 on whose broad run has applications (the stories need some).
        for seed in range(5, 40):
            model = RecruitingModel(scenario, strategies.make(sid), run_seeds(seed, 0))
            model.run()
            if sid != "broad" or model.pipeline.records()["person"].size:
                break
        out[sid] = (model, journeys._run_facts(model))
    return out


def _reached(facts) -> np.ndarray:
    return np.unique(facts.log["person"])


def test_recording_journeys_changes_no_number(tiny):
    plain = run(tiny, strategies.make("interest"), seed=3)
    recorded = run(tiny, strategies.make("interest"), seed=3, journeys=12)
    assert "journeys" not in plain.to_dict()
    d = recorded.to_dict()
    assert d["journeys"]["sampled"] == 12 and len(d["journeys"]["people"]) == 12
    for key in ("metrics", "daily", "by_platform", "delivery", "pipeline"):
        assert d[key] == plain.to_dict()[key], key
    json.dumps(d)  # JSON-ready


def test_same_seed_same_journeys(tiny):
    a = run(tiny, strategies.make("broad"), seed=4, journeys=8).journeys
    b = run(tiny, strategies.make("broad"), seed=4, journeys=8).journeys
    c = run(tiny, strategies.make("broad"), seed=5, journeys=8).journeys
    assert a == b
    assert [p["person"] for p in a["people"]] != [p["person"] for p in c["people"]]


def test_impressions_are_the_log_rows(finished):
    _, facts = finished["broad"]
    log = facts.log
    for p in _reached(facts)[:30]:
        j = journeys.journey(facts, int(p))
        rows = log["person"] == p
        assert j["reached"] and len(j["impressions"]) == int(rows.sum())
        assert sum(i["price"] for i in j["impressions"]) == pytest.approx(
            float(log["price"][rows].sum()), abs=1e-3
        )
        assert j["clicked"] == bool(log["clicked"][rows].any())
        hours = [i["hour"] for i in j["impressions"]]
        assert hours == sorted(hours)
        # every ad set that showed the ad counts the person in its audience
        for story in j["ad_sets"]:
            if story["impressions"]:
                assert story["in_audience"] and story["rule"] is not None


@pytest.mark.parametrize("sid", ["broad", "interest", "job-title"])
def test_clause_check_agrees_with_the_engines_audience(finished, sid):
    _, facts = finished[sid]
    rng = np.random.default_rng(0)
    people = np.r_[_reached(facts)[:40], rng.choice(facts.population.size, 60, replace=False)]
    checked = 0
    for p in people:
        j = journeys.journey(facts, int(p))
        for story in j["ad_sets"]:
            if story["rejected"]:
                assert not story["in_audience"]
                continue
            all_ok = all(c["ok"] for c in story["clauses"])
            assert story["in_audience"] == all_ok, (p, story["ad_set"], story["clauses"])
            assert (story["excluded_by"] is None) == all_ok
            checked += 1
    assert checked > 50


def test_interest_rule_names_the_matching_interest(finished):
    _, facts = finished["interest"]
    seen = 0
    for p in _reached(facts)[:40]:
        for story in journeys.journey(facts, int(p))["ad_sets"]:
            if not story["in_audience"]:
                continue
            rule = story["rule"]
            assert rule["clause"] == "interests" and rule["matched"]
            assert set(rule["matched"]) <= set(rule["targeted"])
            view = facts.views[story["platform"]]
            from sim.interests import topic_index

            assert all(view.interest(topic_index(t))[p] for t in rule["matched"])
            seen += 1
    assert seen > 0


def test_unreached_people_get_a_reason(finished):
    _, facts = finished["job-title"]
    reached = set(_reached(facts).tolist())
    used = {a.platform for a in facts.ad_sets}
    no_account = np.flatnonzero(
        np.all([facts.views[p].sessions == 0 for p in used], axis=0)
    )  # fmt: skip
    j = journeys.journey(facts, int(no_account[0]))
    assert not j["reached"] and j["not_reached"]["reason"] == "no-account"
    outside = [
        int(p)
        for p in np.flatnonzero(facts.views["linkedin"].sessions > 0)[:200]
        if p not in reached
    ]
    reasons = {journeys.journey(facts, p)["not_reached"]["reason"] for p in outside}
    assert "outside-audience" in reasons
    for p in outside[:50]:
        why = journeys.journey(facts, p)["not_reached"]
        if why["reason"] == "outside-audience":
            clauses = {c["clause"] for c in why["excluded_by"].values()}
            assert clauses <= {"account", "location", "job_titles"}


def test_in_audience_but_unreached_reasons_follow_the_numbers(finished):
    _, facts = finished["broad"]
    reached = np.zeros(facts.population.size, dtype=bool)
    reached[facts.log["person"]] = True
    members = np.unique(np.concatenate([a.audience for a in facts.ad_sets]))
    unreached = members[~reached[members]][:80]
    assert unreached.size
    for p in unreached:
        why = journeys.journey(facts, int(p))["not_reached"]
        assert why["approximate"]
        if why["reason"] == "budget-gone":
            assert why["expected_slots"] < journeys.FEW_SLOTS
        elif why["reason"] == "budget-small":
            assert why["expected_impressions"] < 1 <= why["expected_slots"]
        else:
            assert why["reason"] == "outbid" and why["expected_impressions"] >= 1


def test_fatigue_starts_at_one_and_falls_with_repeats(finished):
    _, facts = finished["broad"]
    counts = np.bincount(facts.log["person"])
    person = int(np.argmax(counts))
    assert counts[person] >= 3
    imps = journeys.journey(facts, person)["impressions"]
    by_set: dict[str, list[float]] = {}
    for i in imps:
        by_set.setdefault(i["ad_set"], []).append(i["fatigue"])
    for values in by_set.values():
        assert values[0] == 1.0
        if len(values) > 1:
            assert min(values[1:]) < 1.0


def test_applications_match_the_pipeline(finished):
    _, facts = finished["broad"]
    applicants = np.unique(facts.applications["person"])
    assert applicants.size
    for p in applicants[:10]:
        j = journeys.journey(facts, int(p))
        assert j["applied"] and j["application"]["outcome"] in journeys.OUTCOME_LABELS.values()
        paid = bool(facts.log["applied"][facts.log["person"] == p].any())
        assert j["application"]["channel"] == ("paid" if paid else "organic")


def test_sample_draws_from_each_group(finished):
    _, facts = finished["broad"]
    rng = np.random.default_rng(1)
    people, groups = journeys.choose(facts, 40, rng)
    assert people.size == 40 == sum(groups.values())
    assert len(set(people.tolist())) == 40
    reached = set(_reached(facts).tolist())
    assert sum(int(p) in reached for p in people) == (
        groups["reached-qualified"] + groups["reached-proxy"] + groups["reached-unqualified"]
    )
    for p in people:  # the proxy group: not qualified, believed to have a typical interest
        j = journeys.journey(facts, int(p))
        if j["reached"] and not j["qualified"]:
            believed = {t for v in j["platforms"] for t in v["believed_interests"]}
            typical = set(occupations.get("electrician").interests)
            if believed & typical - set(j["interests"]):
                break
    else:
        pytest.fail("no reached person believed to have a typical interest was sampled")
    small, _ = journeys.choose(facts, 10**9, rng)
    assert small.size == facts.population.size


def test_reached_by_fit_adds_up_to_the_reach(tiny):
    res = run(tiny, strategies.make("broad"), seed=2, journeys=1)
    by_fit = res.journeys["reached_by_fit"]
    total = sum(sum(v.values()) for v in by_fit.values())
    assert abs(total - res.metrics["reach"]) <= 6  # per-cell rounding to real people
    q = sum(by_fit["qualified"].values())
    assert abs(q - res.metrics["qualified_reach"]) <= 2


def test_journeys_module_is_model_side():
    tree = ast.parse(Path(journeys.__file__).read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module]
    assert not [m for m in names if m.startswith(("sim.lab", "strategies"))]


def test_cli_run_records_journeys(tmp_path, capsys):
    out = tmp_path / "run.json"
    assert main(["run", "tiny", "--journeys", "3", "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["journeys"]["sampled"] == 3
    assert main(["run", "tiny", "--journeys", "-1"]) == 2
    assert "--journeys" in capsys.readouterr().err
