"""The model wiring (sim/model.py): seeds, the brief, a day's step, the run summary."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DESIGN_METRIC_KEYS, SUMMARY_KEYS

import strategies
from sim import occupations
from sim.metrics import summarize
from sim.model import (
    COMPONENTS,
    RecruitingModel,
    account_holders_by_age_band,
    make_brief,
    release,
    run,
    run_seeds,
    summarise,
)
from sim.platforms import PLATFORM_INDEX
from sim.population import EMPLOYED, generate, qualified_mask
from sim.scenario import load_scenario


def test_run_seeds_give_distinct_streams_per_component_and_replication():
    a, b = run_seeds(1, 0), run_seeds(1, 1)
    draws = [np.random.default_rng(getattr(a, c)).random() for c in COMPONENTS]
    assert len(set(draws)) == len(COMPONENTS)
    assert (
        np.random.default_rng(a.population).random() != np.random.default_rng(b.population).random()
    )
    again = run_seeds(1, 0)
    assert np.random.default_rng(again.market).random() == np.random.default_rng(a.market).random()
    keys = a.spawn_keys()
    assert set(keys) == set(COMPONENTS)
    assert len({tuple(k) for k in keys.values()}) == len(COMPONENTS)
    assert a.replication == 0 and b.replication == 1


def test_a_step_is_one_day(tiny):
    model = RecruitingModel(tiny, strategies.make("broad"), run_seeds(1, 0))
    model.step()
    assert model.day == 1 and len(model.reports) == 1
    assert model.env.now == 24
    assert model.reports[0].day == 0 and model.reports[0].days_left == tiny.campaign.days - 1
    model.run()
    assert model.day == tiny.campaign.days and not model.running
    assert len(model.reports) == tiny.campaign.days


def test_runs_do_not_keep_their_models_alive(tiny, tiny_pop):
    """Mesa's class-level ``Agent._ids`` keys a counter by model; ``run`` (one employer or
    several, with the runs alone) lets go of every model it built."""
    import gc
    import weakref

    import mesa

    from sim.scenario import replace_path

    short = replace_path(tiny, "campaign.days", 2)
    rivals = load_scenario("electricians-bergen-competition",
                           {"population.size": 2000, "campaign.days": 2})  # fmt: skip
    before = len(mesa.Agent._ids)
    for r in range(3):
        run(short, strategies.make("broad"), seed=5, replication=r, population=tiny_pop)
    n = rivals.n_employers
    run(rivals, [strategies.make("broad") for _ in range(n)], seed=5, alone=True)
    gc.collect()
    assert len(mesa.Agent._ids) == before
    # ... and a model run and released by hand is freed.
    model = RecruitingModel(short, strategies.make("broad"), run_seeds(5, 0), tiny_pop)
    model.run()
    assert model in mesa.Agent._ids  # what the release is for
    ref = weakref.ref(model)
    release(model)
    del model
    gc.collect()
    assert ref() is None


def test_run_summary_has_the_contract_keys(tiny):
    result = run(tiny, strategies.make("broad"), seed=5)
    data = result.to_dict()
    assert set(SUMMARY_KEYS) <= set(data)
    assert set(data["metrics"]) == set(DESIGN_METRIC_KEYS)
    assert data["population"] == 20_000 and data["days"] == 7 and data["currency"] == "NOK"
    assert data["strategy"] == "broad-v1" and data["seed"] == 5
    assert len(data["daily"]) == 7
    assert set(data["by_platform"]) <= {"facebook", "instagram"}
    assert result.params == strategies.make("broad").get_params()


def test_the_brief_describes_the_vacancy_and_platforms(tiny, tiny_pop):
    brief = make_brief(tiny, tiny_pop)
    v = brief.vacancy
    assert v.occupation == "electrician" and v.location == "Bergen"
    assert v.female_share == occupations.get("electrician").female
    assert "electrical engineering" in v.typical_interests
    assert brief.budget == tiny.budget.total and brief.days == tiny.campaign.days
    assert [p.name for p in brief.platforms] == [p.name for p in tiny.platforms]
    fb = brief.platform("facebook")
    assert fb.policy == "employment" and "gender" not in fb.allowed_options
    assert fb.min_radius_km == 24.0
    assert not fb.job_title_catalogue and brief.platform("linkedin").job_title_catalogue
    assert sum(fb.audience_by_age.values()) > 0
    assert all(v % 1000 == 0 for v in fb.audience_by_age.values())  # survey rounding


def test_account_holders_by_age_band_count_each_platforms_users(tiny_pop):
    names = ["facebook", "linkedin", "jobboard", "facebook"]  # a repeat counts the same
    got = account_holders_by_age_band(tiny_pop, names)
    bands = len(occupations.AGE_BANDS)
    for name, counts in zip(names, got, strict=True):
        users = tiny_pop.sessions[PLATFORM_INDEX[name]] > 0
        assert np.array_equal(counts, np.bincount(tiny_pop.age_band[users], minlength=bands))


def test_the_ground_truth_is_the_vacancys_rule(tiny, tiny_pop):
    model = RecruitingModel(tiny, strategies.make("broad"), run_seeds(1, 0), tiny_pop)
    rule = qualified_mask(tiny_pop, tiny.vacancy)
    assert rule.any()
    assert np.array_equal(model.qualified, rule)
    assert np.array_equal(model.truth.qualified, rule)


@pytest.mark.parametrize(
    "occupation", ["shop-assistant", "cashier", "waiter", "truck-driver", "electrician", "nurse"]
)
def test_typical_age_covers_where_the_occupations_workers_are(occupation):
    """The brief's ``typical_age`` is "the age range where most of them are".

    Every age band the range reaches into should hold a real share of the occupation's
    workers: a range that runs into ages where almost nobody works in the occupation is
    not typical of it, and the demographic strategy targets it as given.
    """
    scenario = load_scenario(
        "tiny",
        {
            "population.size": 200_000,
            "population.regions": ["Norway"],
            "vacancy.occupation": occupation,
            "vacancy.location": "Oslo",
        },
    )
    pop = generate(scenario.population, np.random.SeedSequence(3))
    lo, hi = make_brief(scenario, pop).vacancy.typical_age
    workers = (pop.occupation == occupations.occupation_index(occupation)) & (
        pop.labour == EMPLOYED
    )
    counts = np.bincount(pop.age_band[workers], minlength=len(occupations.AGE_BANDS))
    shares = counts / counts.sum()
    in_range = (pop.age[workers] >= lo) & (pop.age[workers] <= hi)
    assert in_range.mean() >= 0.5  # most of them
    for band, (b_lo, b_hi) in enumerate(occupations.AGE_BANDS):
        if b_lo <= hi and b_hi >= lo:  # the range reaches into this band
            assert shares[band] >= 0.08, (
                f"typical_age {lo}-{hi} reaches into {b_lo}-{b_hi}, which holds only "
                f"{shares[band]:.1%} of employed {occupation}s"
            )


def test_a_model_stopped_within_a_day_is_summarised_from_its_log(tiny, tiny_pop):
    # The run's totals come from the daily tallies; hours no day has tallied yet are
    # read from the log itself.
    model = RecruitingModel(tiny, strategies.make("broad"), run_seeds(2, 0), tiny_pop)
    model.step()
    model.env.run(until=36)  # half of the second day
    log = model.log.arrays()
    assert log["hour"].max() >= 24  # some impressions the collector has not seen
    result = summarise(model, 2)
    expected = summarize(log, model.truth, weight=model.units.weight)
    for key in ("impressions", "reach", "clicks", "spend", "qualified_reach"):
        assert result.metrics[key] == expected[key]


class _SecondPlatformLater:
    """Broad targeting on the scenario's first platform, then on every platform from
    day 3: the by-platform summary must split the days correctly."""

    def __init__(self) -> None:
        self.inner = strategies.make("broad")

    def reset(self, rng, brief):
        self.inner.reset(rng, brief)
        self.day = 0

    def plan(self):
        self.all = self.inner.plan()
        return self.all[:1]

    def update(self, report):
        import dataclasses

        self.day += 1
        if self.day != 3:
            return None
        share = 0.2 * report.budget_left / (len(self.all) - 1)
        return [self.all[0], *(dataclasses.replace(a, budget=share) for a in self.all[1:])]


@pytest.mark.parametrize("strategy", ["broad", "job-title", "later"])
def test_by_platform_from_the_daily_tallies_equals_the_whole_logs(tiny, tiny_pop, strategy):
    from sim.metrics import by_group

    strat = _SecondPlatformLater() if strategy == "later" else strategies.make(strategy)
    model = RecruitingModel(tiny, strat, run_seeds(3, 0), tiny_pop)
    model.run()
    seat = model.seats[0]
    log = model.log.arrays()
    names = sorted(set(model.market.ad_set_platforms()))
    codes = np.array([names.index(p) for p in model.market.ad_set_platforms()])[log["adset"]]
    expected = by_group(log, seat.truth, codes, names, tiny_pop.weight)
    assert model.by_platform(seat) == expected
    if strategy == "later":  # both platforms delivered, the second from day 3 only
        assert len(expected) == 2 and log["hour"][codes == 1].min() >= 3 * 24
