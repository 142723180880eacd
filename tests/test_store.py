"""The SQLite results store: atomic writes, no silent overwrite, export."""

import copy
import csv
import sqlite3

import pytest

from sim.lab.experiment import expand_grid, run_grid
from sim.lab.store import ResultsStore, StoreConflict
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def records():
    scenario = load_scenario("tiny", {"population.size": 4000, "campaign.days": 2})
    return run_grid(expand_grid([scenario], ["broad", "job-title"], replications=2))


def test_write_then_read_back(tmp_path, records):
    with ResultsStore(tmp_path / "r.db") as store:
        for rec in records:
            assert store.write(rec) is True
        assert len(store) == len(records)
        assert {r["key"] for r in store.records()} == {r["key"] for r in records}
        back = {r["key"]: r for r in store.records()}
        assert all(back[r["key"]] == r for r in records)


def test_identical_record_again_is_a_no_op(tmp_path, records):
    with ResultsStore(tmp_path / "r.db") as store:
        store.write(records[0])
        assert store.write(copy.deepcopy(records[0])) is False
        assert len(store) == 1


def test_different_results_for_a_stored_run_are_refused(tmp_path, records):
    with ResultsStore(tmp_path / "r.db") as store:
        store.write(records[0])
        changed = copy.deepcopy(records[0])
        changed["summary"]["metrics"]["reach"] += 1
        with pytest.raises(StoreConflict, match="already stored with different results"):
            store.write(changed)
        assert store.records()[0]["summary"]["metrics"] == records[0]["summary"]["metrics"]


def test_export_csv_has_one_row_per_run(tmp_path, records):
    with ResultsStore(tmp_path / "r.db") as store:
        for rec in records:
            store.write(rec)
        path = store.export_csv(tmp_path / "runs.csv")
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    assert len(rows) == len(records)
    wanted = {"scenario", "strategy", "replication", "reach", "reach_by_gender.female"}
    assert wanted <= set(rows[0])


def test_store_is_plain_sqlite(tmp_path, records):
    with ResultsStore(tmp_path / "r.db") as store:
        store.write(records[0])
    con = sqlite3.connect(tmp_path / "r.db")
    (n,) = con.execute("SELECT COUNT(*) FROM runs").fetchone()
    assert n == 1


def test_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_text("this is not sqlite" * 100)
    from sim.errors import RecruitsimError

    with pytest.raises(RecruitsimError, match="not a recruitsim results database"):
        ResultsStore(bad)
