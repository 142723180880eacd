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


# --------------------------------------------------------------------------- a full disk


def _limit_pages(store: ResultsStore, extra: int) -> None:
    """Let the database grow by ``extra`` pages at most: sqlite's own "disk is full"."""
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages + extra}")


def test_a_full_disk_is_one_line_and_keeps_the_stored_runs(tmp_path, records):
    from sim.lab.store import StoreFull

    db = tmp_path / "r.db"
    with ResultsStore(db) as store:
        store.write(records[0])
        _limit_pages(store, 0)
        with pytest.raises(StoreFull) as info:
            store.write(records[1])
        assert store.write(records[0]) is False  # the connection still works
    message = str(info.value)
    assert "\n" not in message
    assert str(db) in message and "full" in message and "run the same command again" in message
    assert "the 1 runs already stored are kept" in message
    with ResultsStore(db) as store:
        assert len(store) == 1
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        for rec in records[1:]:
            store.write(rec)
        assert len(store) == len(records)


def test_full_disk_during_a_grid_exits_1_with_one_line_and_resumes(tmp_path, monkeypatch):
    import contextlib
    import io

    from sim.lab import cli

    db = tmp_path / "r.db"
    argv = ["compare", "tiny", "--population", "3000", "--set", "campaign.days=2",
            "--strategies", "broad,interest", "--workers", "1", "--db", str(db)]  # fmt: skip
    assert cli.main([*argv, "--replications", "1"]) == 0
    opened = ResultsStore.__init__

    def cramped(self, path):
        opened(self, path)
        _limit_pages(self, 1)

    monkeypatch.setattr(ResultsStore, "__init__", cramped)
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = cli.main([*argv, "--replications", "3"])
    assert status == 1
    lines = [ln for ln in err.getvalue().splitlines() if ln.startswith("recruitsim")]
    assert len(lines) == 1 and str(db) in lines[0] and "full" in lines[0], err.getvalue()
    assert "Traceback" not in err.getvalue()
    monkeypatch.setattr(ResultsStore, "__init__", opened)
    with ResultsStore(db) as store:
        kept = len(store)
        assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert 2 <= kept < 6
    resumed, fresh = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(resumed), contextlib.redirect_stderr(io.StringIO()):
        assert cli.main([*argv, "--replications", "3"]) == 0
    with contextlib.redirect_stdout(fresh), contextlib.redirect_stderr(io.StringIO()):
        assert cli.main([*argv[:-1], str(tmp_path / "fresh.db"), "--replications", "3"]) == 0
    assert resumed.getvalue() == fresh.getvalue()


def test_a_file_that_is_not_a_results_database_is_refused(tmp_path):
    from sim.errors import RecruitsimError

    junk = tmp_path / "junk.db"
    junk.write_text("not a database " * 50, encoding="utf-8")
    with pytest.raises(RecruitsimError, match="not a recruitsim results database"):
        ResultsStore(junk)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE runs (id INTEGER, name TEXT)")
    with pytest.raises(RecruitsimError, match="not a recruitsim results database"):
        ResultsStore(other)
