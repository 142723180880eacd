"""Metrics as pure functions over small hand-built arrays (sim/metrics.py)."""

from __future__ import annotations

import numpy as np
import pytest
from helpers import DESIGN_METRIC_KEYS, nan_paths

from sim import metrics
from sim.metrics import (
    METRIC_KEYS,
    Truth,
    by_group,
    combine,
    daily,
    delivery_skew,
    distinct,
    ratio,
    summarize,
    tally,
)
from sim.population import ACTIVE, CLOSED, OPEN_PASSIVE

# Four people: 0 qualified man (active), 1 unqualified woman (open-passive),
# 2 qualified woman (closed), 3 unqualified man (active, never reached).
TRUTH = Truth(
    qualified=np.array([True, False, True, False]),
    gender=np.array([0, 1, 1, 0], dtype=np.uint8),
    search_state=np.array([ACTIVE, OPEN_PASSIVE, CLOSED, ACTIVE], dtype=np.uint8),
)
# Six impressions: person 0 twice, person 1 three times, person 2 once.
LOG = {
    "person": np.array([0, 1, 0, 1, 2, 1]),
    "adset": np.array([0, 0, 0, 1, 1, 1], dtype=np.int16),
    "hour": np.array([1, 2, 25, 26, 30, 50]),
    "price": np.array([0.10, 0.20, 0.10, 0.30, 0.40, 0.90]),
    "clicked": np.array([True, True, False, False, True, False]),
    "applied": np.array([True, False, False, False, True, False]),
}


def _empty_log():
    return {k: v[:0] for k, v in LOG.items()}


def test_exactly_the_design_metric_keys():
    assert tuple(METRIC_KEYS) == DESIGN_METRIC_KEYS
    assert set(summarize(LOG, TRUTH)) == set(METRIC_KEYS)
    assert set(summarize(_empty_log(), TRUTH)) == set(METRIC_KEYS)


def test_counts_and_money():
    m = summarize(LOG, TRUTH)
    assert m["impressions"] == 6
    assert m["reach"] == 3  # distinct people
    assert m["frequency"] == pytest.approx(2.0)
    assert m["clicks"] == 3
    assert m["ctr"] == pytest.approx(0.5)
    assert m["spend"] == pytest.approx(2.0)
    assert m["cpm"] == pytest.approx(2000 / 6)
    assert m["cpc"] == pytest.approx(2.0 / 3)
    assert m["applications"] == 2
    assert m["qualified_applications"] == 2  # persons 0 and 2
    assert m["cost_per_application"] == pytest.approx(1.0)
    assert m["cost_per_qualified_application"] == pytest.approx(1.0)


def test_relevance_and_waste():
    m = summarize(LOG, TRUTH)
    assert m["qualified_reach"] == 2  # persons 0 and 2
    assert m["relevance"] == pytest.approx(2 / 3)
    assert m["impression_relevance"] == pytest.approx(3 / 6)  # 0, 0, 2
    # Spend on person 1 (unqualified): 0.2 + 0.3 + 0.9 of 2.0.
    assert m["wasted_spend_share"] == pytest.approx(1.4 / 2.0)
    # Clicks by 0 (active), 1 (open-passive), 2 (closed): two of three are passive.
    assert m["passive_share_of_clicks"] == pytest.approx(2 / 3)


def test_group_counts():
    m = summarize(LOG, TRUTH)
    assert m["reach_by_gender"] == {"male": 1, "female": 2}
    # Qualified people in the whole population, reached or not.
    assert m["qualified_by_gender"] == {"male": 1, "female": 1}


def test_pipeline_metrics_are_null_without_a_pipeline():
    m = summarize(LOG, TRUTH)
    assert m["hires"] is None and m["cost_per_hire"] is None
    assert m["time_to_hire_days"] is None
    m = summarize(LOG, TRUTH, hires=2, time_to_hire_days=12.5)
    assert m["hires"] == 2 and m["cost_per_hire"] == pytest.approx(1.0)
    assert m["time_to_hire_days"] == 12.5
    assert summarize(LOG, TRUTH, hires=0)["cost_per_hire"] is None


def test_zero_denominators_give_none_not_nan():
    m = summarize(_empty_log(), TRUTH)
    for key in (
        "frequency",
        "ctr",
        "cpm",
        "cpc",
        "cost_per_application",
        "cost_per_qualified_application",
        "relevance",
        "impression_relevance",
        "wasted_spend_share",
        "passive_share_of_clicks",
    ):
        assert m[key] is None, key
    assert m["impressions"] == 0 and m["reach"] == 0 and m["spend"] == 0
    assert m["reach_by_gender"] == {"male": 0, "female": 0}
    assert not nan_paths(m)


def test_no_clicks_gives_none_for_click_ratios():
    log = dict(LOG, clicked=np.zeros(6, dtype=bool), applied=np.zeros(6, dtype=bool))
    m = summarize(log, TRUTH)
    assert m["clicks"] == 0 and m["ctr"] == 0.0
    assert m["cpc"] is None and m["passive_share_of_clicks"] is None
    assert m["cost_per_application"] is None
    assert m["cost_per_qualified_application"] is None


def test_free_impressions_give_none_for_waste():
    log = dict(LOG, price=np.zeros(6))
    m = summarize(log, TRUTH)
    assert m["spend"] == 0 and m["wasted_spend_share"] is None and m["cpm"] == 0.0


def test_mask_selects_impressions():
    mask = LOG["adset"] == 1
    m = summarize(LOG, TRUTH, mask)
    assert m["impressions"] == 3 and m["reach"] == 2
    assert m["spend"] == pytest.approx(1.6)
    assert m["qualified_reach"] == 1


def test_weight_scales_counts_and_money_but_not_ratios():
    plain = summarize(LOG, TRUTH)
    scaled = summarize(LOG, TRUTH, weight=10.0)
    assert scaled["impressions"] == 60 and scaled["reach"] == 30
    assert scaled["clicks"] == 30 and scaled["applications"] == 20
    assert scaled["spend"] == pytest.approx(20.0)
    assert scaled["qualified_by_gender"] == {"male": 10, "female": 10}
    for key in (
        "frequency",
        "ctr",
        "cpm",
        "cpc",
        "relevance",
        "impression_relevance",
        "wasted_spend_share",
        "passive_share_of_clicks",
    ):
        assert scaled[key] == pytest.approx(plain[key]), key
    assert isinstance(scaled["reach"], int)


def test_ratio():
    assert ratio(1, 4) == 0.25
    assert ratio(0, 4) == 0.0
    assert ratio(3, 0) is None
    assert ratio(0, 0) is None


def test_delivery_skew():
    reach = {"male": 60, "female": 40}
    pool = {"male": 90, "female": 10}
    assert delivery_skew(reach, pool, "male") == pytest.approx(0.6 / 0.9)
    assert delivery_skew(reach, pool, "female") == pytest.approx(0.4 / 0.1)
    balanced = delivery_skew({"male": 5, "female": 5}, {"male": 50, "female": 50}, "female")
    assert balanced == pytest.approx(1.0)
    assert delivery_skew({"male": 0, "female": 0}, pool, "male") is None  # nobody reached
    assert delivery_skew(reach, {"male": 10, "female": 0}, "female") is None  # empty pool
    assert delivery_skew(reach, {"male": 0, "female": 0}, "male") is None


def test_daily_series_splits_by_day():
    days = daily(LOG, TRUTH, 3)
    assert [d["day"] for d in days] == [0, 1, 2]
    assert [d["impressions"] for d in days] == [2, 3, 1]
    assert sum(d["spend"] for d in days) == pytest.approx(2.0)
    assert [d["cumulative_reach"] for d in days] == [2, 3, 3]
    assert days[-1]["cumulative_spend"] == pytest.approx(2.0)
    assert all(set(METRIC_KEYS) <= set(d) for d in days)
    longer = daily(LOG, TRUTH, 5)
    assert len(longer) == 5 and longer[4]["impressions"] == 0 and longer[4]["ctr"] is None


def test_by_group_partitions_the_log():
    codes = np.array([0, 0, 0, 2, 2, 2])
    groups = by_group(LOG, TRUTH, codes, ["facebook", "instagram", "linkedin"])
    assert set(groups) == {"facebook", "linkedin"}  # a group without impressions is left out
    assert sum(g["impressions"] for g in groups.values()) == 6
    assert groups["facebook"]["reach"] == 2 and groups["linkedin"]["reach"] == 2
    assert groups["linkedin"]["spend"] == pytest.approx(1.6)


def _random_log(rng: np.random.Generator, n: int, m: int) -> tuple[Truth, dict]:
    """Random ground truth for ``n`` people and a random log of ``m`` impressions."""
    truth = Truth(
        qualified=rng.random(n) < 0.3,
        gender=rng.integers(0, 2, n).astype(np.uint8),
        search_state=rng.integers(0, 3, n).astype(np.uint8),
    )
    log = {
        "person": rng.integers(0, n, m),
        "price": rng.random(m),
        "clicked": rng.random(m) < 0.2,
        "applied": rng.random(m) < 0.05,
    }
    return truth, log


@pytest.mark.parametrize("weight", [1.0, 37.5])
def test_combined_daily_tallies_equal_the_whole_tally(weight):
    # A larger random log split by day: counts and micros add up, reach does not.
    rng = np.random.default_rng(5)
    n, m = 50, 400
    truth, log = _random_log(rng, n, m)
    log["hour"] = np.sort(rng.integers(0, 24 * 5, m))
    day = log["hour"] // 24
    parts = [tally(log, truth, day == d, weight) for d in range(5)]
    reached = distinct(log["person"], n)[::-1]  # any order
    whole = tally(log, truth, weight=weight)
    assert combine(parts, truth, reached) == whole
    assert sum(p["reach"] for p in parts) > whole["reach"]  # repeat visitors across days


@pytest.mark.parametrize("m", [0, 1, 5, 300, 5000])
def test_distinct_people_sorted_whatever_the_method(m):
    # Few impressions among many people are sorted, many are marked on a mask: same list.
    n = 4000
    person = np.random.default_rng(m).integers(0, n, m).astype(np.int32)
    got = distinct(person, n)
    assert got.dtype == np.int64
    assert np.array_equal(got, np.unique(person))


def test_a_long_log_is_tallied_in_chunks_to_the_same_counts(monkeypatch):
    rng = np.random.default_rng(8)
    n, m = 60, 1000
    truth, log = _random_log(rng, n, m)
    mask = rng.random(m) < 0.5
    whole = [tally(log, truth, mask, 12.5), tally(log, truth, None, 12.5)]
    monkeypatch.setattr(metrics, "TALLY_CHUNK", 64)  # 16 chunks, the last one short
    assert [tally(log, truth, mask, 12.5), tally(log, truth, None, 12.5)] == whole
    assert whole[1]["reach"] == np.unique(log["person"]).size
