"""The hiring pipeline (sim/pipeline.py), driven directly with synthetic application streams."""

from __future__ import annotations

import dataclasses
from dataclasses import replace

import numpy as np
import pytest
import simpy

from sim.pipeline import (
    DROPPED,
    HIRED,
    LATE,
    REJECTED,
    STAGES,
    WITHDRAWN,
    HiringPipeline,
    PipelineSpec,
    acceptance_probability,
)
from sim.population import ACTIVE, CLOSED, OPEN_PASSIVE

SEEDS = range(40)
DEFAULT = PipelineSpec()
# Rolling screening with one interview round: the queue and the delays without the wait
# for the deadline, for the tests of capacity, salary and weights.
ROLLING = PipelineSpec(screening="rolling", interview_rounds=1)
KEYS = {
    "hires", "cost_per_hire", "time_to_hire_days", "mean_days_to_hire", "applications",
    "applications_screened", "recruiter_hours", "recruiter_hours_unqualified", "interviews",
    "offers", "offers_declined", "dropouts", "dropouts_by_stage", "withdrawn", "in_pipeline",
    "mean_days_to_decision", "mean_days_to_offer", "late_applications", "deadline_day",
}  # fmt: skip


def stream(seed: int, n: int = 40, qualified: float = 0.25, days: int = 30, state=None):
    """``n`` applications at random hours over ``days``; search states as in the population."""
    rng = np.random.default_rng([seed, 0])
    hours = np.sort(rng.integers(0, days * 24, n))
    qual = rng.random(n) < qualified
    states = rng.choice(3, n, p=[0.23, 0.57, 0.20]) if state is None else np.full(n, state)
    return hours, qual, states


def run(
    spec: PipelineSpec = DEFAULT,
    seed: int = 0,
    apps=None,
    hires_wanted: int = 1,
    salary: float = 0.0,
    days: int = 30,
    on_filled=None,
    weight: float = 1.0,
) -> HiringPipeline:
    """Feed an application stream hour by hour and run the pipeline to the end of its days."""
    hours, qual, states = stream(seed) if apps is None else apps
    env = simpy.Environment()
    pipe = HiringPipeline(
        env, spec, np.random.default_rng([seed, 1]), hires_wanted, salary, on_filled, weight,
        campaign_days=days,
    )  # fmt: skip

    def feed():
        for h in np.unique(hours):
            yield env.timeout(h - env.now)
            now = hours == h
            pipe.submit(float(h), np.flatnonzero(now), qual[now], states[now])

    env.process(feed())
    env.run(until=(days + spec.extra_days) * 24)
    return pipe


def pooled(spec: PipelineSpec, apps, hires_wanted: int = 1) -> tuple[float, int]:
    """Mean time to hire (days, over filled runs) and total drop-outs over SEEDS."""
    times, dropouts = [], 0
    for seed in SEEDS:
        m = run(spec, seed, apps(seed), hires_wanted).metrics(1000.0, 60)
        dropouts += m["dropouts"]
        if m["time_to_hire_days"] is not None:
            times.append(m["time_to_hire_days"])
    return float(np.mean(times)), dropouts


def test_metrics_keys_and_types():
    m = run().metrics(spend=5000.0, days=60)
    assert set(m) == KEYS
    assert set(m["dropouts_by_stage"]) == set(STAGES)
    assert m["dropouts"] == sum(m["dropouts_by_stage"].values())
    assert m["applications"] == 40
    ratios = {"cost_per_hire", "time_to_hire_days", "mean_days_to_hire", "deadline_day",
              "mean_days_to_decision", "mean_days_to_offer"}  # fmt: skip
    hours = {"recruiter_hours", "recruiter_hours_unqualified"}
    for key in KEYS - ratios - hours - {"dropouts_by_stage"}:
        assert type(m[key]) is int, key  # plain JSON-ready ints, not numpy scalars
    for key in ratios | hours:
        assert m[key] is None or type(m[key]) is float, key


def test_no_applications_gives_no_hires_and_none_ratios():
    empty = (np.zeros(0, int), np.zeros(0, bool), np.zeros(0, int))
    pipe = run(apps=empty)
    m = pipe.metrics(spend=5000.0, days=60)
    assert m["hires"] == 0 and m["dropouts"] == 0 and m["recruiter_hours"] == 0.0
    assert m["cost_per_hire"] is None
    assert m["time_to_hire_days"] is None
    assert m["mean_days_to_hire"] is None
    assert pipe.filled_hour is None


def test_less_recruiter_capacity_means_slower_hires_and_more_dropouts():
    def busy(seed):  # 150 applications in 10 days: the queue binds
        return stream(seed, n=150, days=10)

    impatient = replace(ROLLING, patience_days_active=10.0, patience_days_passive=25.0)
    full = pooled(replace(impatient, recruiters=2), busy, hires_wanted=2)
    fewer = pooled(replace(impatient, recruiters=1), busy, hires_wanted=2)
    shorter = pooled(
        replace(impatient, recruiters=2, recruiter_hours_per_day=2.0), busy, hires_wanted=2
    )
    for half in (fewer, shorter):
        assert half[0] > full[0] + 0.5  # days to fill the vacancy
        assert half[1] > 1.5 * full[1]  # drop-outs


def test_unqualified_applications_cost_recruiter_hours_and_are_never_hired():
    hours, _, states = stream(3, n=60)
    none_qualified = (hours, np.zeros(60, bool), states)
    m = run(seed=3, apps=none_qualified).metrics(5000.0, 60)
    assert m["applications_screened"] > 0
    assert m["recruiter_hours_unqualified"] == pytest.approx(m["applications_screened"] * 0.5)
    assert m["recruiter_hours"] == m["recruiter_hours_unqualified"]
    assert m["hires"] == 0 and m["interviews"] == 0 and m["cost_per_hire"] is None
    # In mixed streams only qualified people are ever hired.
    for seed in SEEDS:
        rec = run(seed=seed, hires_wanted=3).records()
        assert not np.any((rec["outcome"] == HIRED) & ~rec["qualified"])


def test_higher_salary_means_more_acceptances():
    patient = {"patience_days_active": 1e7, "patience_days_passive": 1e7}
    spec = replace(ROLLING, interview_pass_rate=1.0, **patient)
    declined = {}
    for salary in (-1.0, 1.0):
        runs = [
            run(spec, s, stream(s, qualified=1.0), 1000, salary, days=300).metrics(0, 400)
            for s in SEEDS
        ]
        assert sum(m["offers"] for m in runs) == 40 * len(SEEDS)
        declined[salary] = np.array([m["offers_declined"] for m in runs])
    assert np.all(declined[1.0] <= declined[-1.0])  # common random numbers: paired
    assert declined[1.0].sum() < 0.8 * declined[-1.0].sum()
    states = np.array([CLOSED, OPEN_PASSIVE, ACTIVE])
    assert acceptance_probability(spec, states, 0.0) == pytest.approx(spec.acceptance)
    assert np.all(acceptance_probability(spec, states, 0.5) > spec.acceptance)


def test_active_candidates_drop_out_faster_than_passive():
    rates = {}
    for state in (ACTIVE, OPEN_PASSIVE):
        runs = [run(seed=s, apps=stream(s, state=state), hires_wanted=1000) for s in SEEDS]
        rates[state] = sum(p.metrics(0, 60)["dropouts"] for p in runs) / (40 * len(SEEDS))
    assert rates[ACTIVE] > 1.5 * rates[OPEN_PASSIVE]


def test_vacancy_closes_at_hires_wanted_and_calls_on_filled_once():
    calls = []
    apps = stream(7, n=120, qualified=0.8)
    pipe = run(seed=7, apps=apps, hires_wanted=3, on_filled=calls.append)
    m = pipe.metrics(5000.0, 60)
    rec = pipe.records()
    assert m["hires"] == 3
    assert calls == [pipe.filled_hour]
    assert pipe.filled_hour == rec["outcome_hour"][rec["outcome"] == HIRED].max()
    assert m["time_to_hire_days"] == pytest.approx(pipe.filled_hour / 24)
    assert m["cost_per_hire"] == pytest.approx(5000.0 / 3)
    assert m["withdrawn"] > 0 and m["in_pipeline"] == 0
    # Whoever was still waiting at the fill was withdrawn then, not counted as a drop-out.
    late = rec["outcome"] == WITHDRAWN
    assert np.all(rec["outcome_hour"][late] >= pipe.filled_hour)
    assert np.all(rec["outcome_hour"][rec["outcome"] == DROPPED] <= pipe.filled_hour)
    # Applications after the fill are withdrawn at once; on_filled is not called again.
    pipe.submit(pipe.env.now, np.array([1, 2]), np.array([True, True]), np.array([2, 2]))
    pipe.env.run(until=pipe.env.now + 24 * 30)
    assert calls == [pipe.filled_hour] and pipe.metrics(0, 200)["hires"] == 3


def test_hires_never_exceed_hires_wanted():
    for seed in SEEDS:
        for wanted in (1, 2, 5):
            apps = stream(seed, n=80, qualified=0.6)
            assert run(seed=seed, apps=apps, hires_wanted=wanted).metrics(0, 60)["hires"] <= wanted


def test_weight_scales_recruiter_load_and_hires():
    apps = stream(2, n=80, qualified=0.6)
    pipe = run(ROLLING, seed=2, apps=apps, hires_wanted=4, weight=2.0)
    m = pipe.metrics(6000.0, 60)
    assert m["hires"] == 2  # each simulated hire stands for two real ones
    assert m["cost_per_hire"] == pytest.approx(6000.0 / 4)
    assert m["recruiter_hours"] == pytest.approx(m["applications_screened"] * 0.5 * 2)
    assert pipe.screening_duration == pytest.approx(2 * 0.5 * 24 / 4.0)


def test_metrics_count_only_events_up_to_the_horizon():
    pipe = run(seed=4, hires_wanted=1000)
    early, late = pipe.metrics(0, 5), pipe.metrics(0, 60)
    assert early["applications_screened"] < late["applications_screened"]
    assert early["in_pipeline"] > 0
    assert early["interviews"] <= late["interviews"]


def test_same_seed_same_outcome_and_different_seed_differs():
    def outcome(seed):
        return run(seed=seed, apps=stream(0, n=80, qualified=0.5), hires_wanted=3).records()

    a, b, c = outcome(11), outcome(11), outcome(12)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])
    assert not np.array_equal(a["outcome_hour"], c["outcome_hour"], equal_nan=True)


def test_submit_refuses_arrays_of_unequal_length():
    pipe = HiringPipeline(simpy.Environment(), ROLLING, np.random.default_rng(0), 1, 0.0)
    with pytest.raises(ValueError, match="equal length"):
        pipe.submit(0.0, np.arange(3), np.ones(2, bool), np.zeros(3, int))


def test_spec_refuses_bad_acceptance_and_documents_every_field():
    with pytest.raises(ValueError, match="acceptance"):
        replace(PipelineSpec(), acceptance=(0.5, 1.0, 0.5))
    with pytest.raises(ValueError, match="acceptance"):
        PipelineSpec(acceptance=(0.5, 0.5))
    for f in dataclasses.fields(PipelineSpec):
        assert f.metadata["doc"], f.name
        assert f.default is not dataclasses.MISSING, f.name


# --------------------------------------------------------------------------- the timeline

DEADLINE = PipelineSpec(screening="after-deadline")


def test_after_the_deadline_nothing_is_screened_or_interviewed_before_it():
    for seed in SEEDS[:10]:
        pipe = run(DEADLINE, seed, stream(seed, n=60, qualified=0.5), hires_wanted=3)
        rec = pipe.records()
        closes = pipe.deadline_hour
        assert closes == 30 * 24
        for key in ("screened", "interviewed", "decided", "offered"):
            reached = rec[key][~np.isnan(rec[key])]
            assert np.all(reached >= closes), key
        assert (~np.isnan(rec["interviewed"])).sum() > 0
        # Only drop-outs (at screening) can end an application before the deadline.
        early = rec["outcome_hour"] < closes
        assert np.all((rec["outcome"][early] == DROPPED) & (rec["stage"][early] == 0))
        if pipe.filled_hour is not None:
            assert pipe.filled_hour > closes


def test_rolling_screening_decides_sooner_than_after_the_deadline():
    def decision_days(spec):
        return [
            run(spec, s, stream(s, n=60, qualified=0.5), 1000).metrics(0, 90)[
                "mean_days_to_decision"
            ]
            for s in SEEDS[:20]
        ]

    rolling = decision_days(replace(DEFAULT, screening="rolling"))
    deadline = decision_days(DEADLINE)
    assert np.mean(deadline) > np.mean(rolling) + 5  # applications wait ~15 days on average
    assert sum(d > r for d, r in zip(deadline, rolling, strict=True)) >= 18


def test_applications_after_the_deadline_are_late_and_never_considered():
    spec = PipelineSpec(deadline_day=10)
    apps = stream(5, n=80, qualified=0.5, days=30)
    pipe = run(spec, 5, apps, hires_wanted=1000)
    rec = pipe.records()
    after = rec["applied"] >= 10 * 24
    assert after.sum() > 20
    assert np.all(rec["outcome"][after] == LATE)
    assert np.all(np.isnan(rec["screened"][after]))
    assert not np.any(rec["outcome"][~after] == LATE)
    assert pipe.metrics(0, 60)["late_applications"] == after.sum()
    assert pipe.metrics(0, 60)["deadline_day"] == 10


def test_each_interview_round_adds_its_delay_and_the_decision_follows_the_last():
    patient = {"patience_days_active": 1e7, "patience_days_passive": 1e7}
    days = {}
    for rounds in (1, 3):
        spec = PipelineSpec(
            interview_rounds=rounds, interview_pass_rate=0.5, extra_days=200, **patient
        )
        runs = [run(spec, s, stream(s, n=60, qualified=1.0), 1000) for s in SEEDS]
        days[rounds] = np.mean([p.metrics(0, 120)["mean_days_to_decision"] for p in runs])
        for p in runs:
            rec = p.records()
            decided = ~np.isnan(rec["decided"])
            assert np.all(rec["decided"][decided] >= rec["interviewed"][decided])
            # Rejections come with the decision, not at the interview.
            rejected = rec["outcome"] == REJECTED
            assert np.all(rec["outcome_hour"][rejected] == rec["decided"][rejected])
    extra = days[3] - days[1]  # two more rounds of mean interview_delay_days each
    assert extra == pytest.approx(2 * DEFAULT.interview_delay_days, rel=0.25)


def test_after_deadline_screening_needs_a_deadline():
    env = simpy.Environment()
    with pytest.raises(ValueError, match="after-deadline"):
        HiringPipeline(env, DEADLINE, np.random.default_rng(0), 1, 0.0)
    pipe = HiringPipeline(env, ROLLING, np.random.default_rng(0), 1, 0.0)
    assert pipe.deadline_hour is None  # rolling screening, no deadline: none is late
    fixed = HiringPipeline(env, replace(DEADLINE, deadline_day=21), np.random.default_rng(0), 1, 0)
    assert fixed.deadline_hour == 21 * 24
