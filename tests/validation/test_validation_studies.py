"""The published studies of skewed job-ad delivery, reproduced as mechanisms.

Each study is checked for **direction and band** where the model reaches the published
band, for the **ablation** (removing the cause removes the effect) and for the
**reversal** (flipping the cause flips the effect). Bands the model does not reach (see
``results/validation/report.md``) are tested for direction only, and the tests assert
that the report says so.

Every study runs once per session with 6 replications (about 15 s in all). The root seed
can be changed with ``RECRUITSIM_VALIDATION_SEED`` to check that the tests do not
depend on it.
"""

from __future__ import annotations

import os

import pytest

from sim.lab import validation as v

SEED = int(os.environ.get("RECRUITSIM_VALIDATION_SEED", "20261125"))
REPLICATIONS = 6

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def findings() -> dict[str, v.Finding]:
    """Every study's finding, by study id."""
    return {f.study.id: f for f in v.run_studies(replications=REPLICATIONS, seed=SEED)}


def check(finding: v.Finding, start: str) -> v.Check:
    """The finding's check whose name starts with ``start``."""
    (match,) = [c for c in finding.checks if c.name.startswith(start)]
    return match


def table(finding: v.Finding, variant: str) -> dict[str, float]:
    """Mean per-point quantity of one variant."""
    return {label: row[variant].mean for label, row in finding.table}


# --------------------------------------------------------------------------- R1


def test_budget_skew_men_share_falls_as_budget_rises(findings):
    f = findings["R1-budget"]
    assert check(f, "Pearson").passed and check(f, "monotone").passed
    shares = list(table(f, "baseline").values())
    small = sum(shares[:3]) / 3
    assert small > 0.55, "small budgets buy mostly the cheaper men"
    assert small - shares[-1] > 0.08


def test_budget_skew_ablation_no_premium_no_trend(findings):
    f = findings["R1-budget"]
    shares = list(table(f, "ablation").values())
    assert max(shares) - min(shares) < 0.04
    assert f.ablation_passed


def test_budget_skew_reversal_men_priced_higher(findings):
    f = findings["R1-budget"]
    shares = list(table(f, "reversal").values())
    small = sum(shares[:3]) / 3
    assert small < 0.45 and shares[-1] - small > 0.08
    assert f.reversal_passed


def test_budget_skew_cannot_go_below_the_audience_mix(findings):
    # The paper's < 45 % men at $50/day is out of reach of cost-minimising delivery:
    # the report must say so rather than pass it.
    assert not check(findings["R1-budget"], "share of men at the largest").passed


# --------------------------------------------------------------------------- R2


def test_creative_skew_follows_the_image(findings):
    f = findings["R2-creative"]
    shares = table(f, "baseline")
    assert check(f, "bodybuilding").passed  # >= 75 % men
    assert shares["male-stereotyped"] >= 0.75
    assert 1 - shares["female-stereotyped"] > 0.80  # direction; the 90 % band is reported
    assert abs(shares["neutral"] - 0.5) < 0.05


def test_creative_skew_ablation_optimiser_ignores_image(findings):
    f = findings["R2-creative"]
    ablated, base = table(f, "ablation"), table(f, "baseline")
    for image in ("male-stereotyped", "female-stereotyped"):
        assert abs(ablated[image] - base["neutral"]) < 0.03
    assert f.ablation_passed


# --------------------------------------------------------------------------- R3


def test_job_category_skew_follows_the_workforce(findings):
    f = findings["R3-jobs"]
    women = table(f, "baseline")
    assert check(f, "lumber-worker").passed and women["lumber-worker"] <= 0.20
    for job in ("nurse", "kindergarten-teacher", "admin-secretary", "cashier"):
        assert women[job] > 0.55, job
    for job in ("lumber-worker", "software-developer", "janitor"):
        assert women[job] < 0.40, job
    assert f.reversal_passed  # the skew flips with the workforce's sex


def test_job_category_ablation_without_demographics(findings):
    f = findings["R3-jobs"]
    base, ablated = table(f, "baseline"), table(f, "ablation")
    assert f.ablation_passed
    assert abs(ablated["lumber-worker"] - ablated["nurse"]) < 0.5 * abs(
        base["lumber-worker"] - base["nurse"]
    )


# --------------------------------------------------------------------------- R4


def test_paired_audit_facebook_gap_linkedin_none(findings):
    f = findings["R4-audit"]
    assert f.passed
    for job in v.R4_PAIRS:
        assert check(f, f"{job}: Facebook").passed
        assert check(f, f"{job}: LinkedIn").passed


def test_paired_audit_ablation_removes_the_gap(findings):
    f = findings["R4-audit"]
    assert f.ablation_passed
    for job in v.R4_PAIRS:
        rows = table(f, "ablation")
        assert abs(rows[f"{job} / woman"] - rows[f"{job} / man"]) < 0.02


# --------------------------------------------------------------------------- R5


def test_crowding_out_men_get_more_impressions(findings):
    f = findings["R5-crowding"]
    assert check(f, "impressions per man").passed
    assert table(f, "baseline")["—"] > 0.10


def test_crowding_out_ablation_and_reversal(findings):
    f = findings["R5-crowding"]
    assert abs(table(f, "ablation")["—"]) < 0.08 and f.ablation_passed
    assert table(f, "reversal")["—"] < -0.10 and f.reversal_passed


# --------------------------------------------------------------------------- R7


def test_special_ad_category_keeps_the_skew_variance_reduction_removes_it(findings):
    f = findings["R7-policy"]
    assert check(f, "special ad category alone").passed
    assert check(f, "with variance reduction").passed
    sac, vrs = table(f, "baseline"), table(f, "vrs")
    assert sum(vrs.values()) < 0.5 * sum(sac.values())


# --------------------------------------------------------------------------- R8


FATIGUE_CHECK = "CTR at exposure 4+ / first-exposure CTR"


def test_sanity_bands(findings):
    f = findings["R8-sanity"]
    failed = [c.name for c in f.checks if not c.passed and c.name != FATIGUE_CHECK]
    assert not failed


@pytest.mark.xfail(
    strict=True,
    reason="known gap: with the click probability each impression was really drawn with "
    "(recorded in the impression log) the CTR at exposure 4+ is about 0.73 of the first "
    "exposure's, realised 0.75, above the benchmark's 0.35-0.65; the old re-derivation "
    "(about 0.60) left out fading memory, wear-out and awareness. Fatigue needs "
    "recalibrating (a modelling decision, not made here).",
)
def test_fatigue_band(findings):
    assert check(findings["R8-sanity"], FATIGUE_CHECK).passed


# --------------------------------------------------------------------------- T1, T2 (realism)


@pytest.fixture(scope="module")
def time_to_hire() -> v.Finding:
    """T1 with twice the replications: a run has only a few interviewed candidates, so one
    run's mean days to decision spreads by about 10 days and six runs' mean by about 4,
    as much as the distance from the default scenario's mean to the band's edge."""
    (study,) = [s for s in v.STUDIES if s.id == "T1-time-to-hire"]
    (finding,) = v.run_studies([study], replications=2 * REPLICATIONS, seed=SEED)
    return finding


def test_time_to_hire_lands_in_the_published_range_and_waits_for_the_deadline(time_to_hire):
    f = time_to_hire
    lo, hi = v.TIME_TO_HIRE_BAND
    assert lo <= table(f, "baseline")["—"] <= hi
    assert check(f, "interviews before the application deadline").ours == "0"
    assert f.passed


def test_time_to_hire_ablation_rolling_screening_is_much_faster(time_to_hire):
    f = time_to_hire
    days = {name: table(f, name)["—"] for name in ("baseline", "ablation", "two-weeks")}
    assert days["ablation"] < days["baseline"] - 10  # no wait for the deadline
    assert days["ablation"] < days["two-weeks"] < days["baseline"]
    assert f.ablation_passed and f.reversal_passed


def test_nationwide_home_based_ctr_in_band_and_not_at_one_point(findings):
    f = findings["T2-nationwide-ctr"]
    assert f.passed
    assert table(f, "ablation")["—"] < 0.004 < table(f, "baseline")["—"]
    assert f.ablation_passed


# --------------------------------------------------------------------------- R6


def test_adfisher_male_profiles_see_the_executive_ad_more(findings):
    f = findings["R6-adfisher"]
    assert check(f, "male profiles").passed
    ratios = table(f, "baseline")
    assert ratios["—"] > 1.5
    assert f.verdict in ("pass", "partial")  # computed: the 5-6x magnitude is not reached


def test_adfisher_ablation_removes_and_reversal_flips_the_gap(findings):
    f = findings["R6-adfisher"]
    assert f.ablation_passed and f.reversal_passed
    assert 0.75 < table(f, "ablation")["—"] < 1.33
    assert table(f, "reversal")["—"] < 0.75


# --------------------------------------------------------------------------- R9


def test_conversion_objective_skews_more_than_reach(findings):
    f = findings["R9-objective"]
    assert all(c.passed for c in f.checks if c.required)
    assert f.ablation_passed


# --------------------------------------------------------------------------- L1


def test_learning_shifts_delivery_toward_the_sex_that_clicks_and_the_ablation_does_not(findings):
    f = findings["L1-learning"]
    assert check(f, "share of men, learning").passed
    assert f.ablation_passed and f.reversal_passed
    on, off = f.time_course["baseline"], f.time_course["ablation"]
    assert off[0] - on[0] > 0.05, "the skew appears on the first day"
