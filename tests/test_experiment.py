"""Grids, executors and resume: the same numbers whatever runs them, nothing lost."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.lab.experiment import (
    ProcessExecutor,
    SerialExecutor,
    expand_grid,
    run_grid,
)
from sim.lab.stats import format_table, summarise
from sim.lab.store import ResultsStore
from sim.model import COMPONENTS
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def _small():
    return load_scenario("tiny", {"population.size": 5000, "campaign.days": 3})


def _tables(records):
    """What a report is made of: everything but the manifest's times."""
    return json.dumps(
        [{k: v for k, v in r.items() if k != "manifest"} for r in records], sort_keys=True
    )


@pytest.fixture(scope="module")
def specs():
    return expand_grid([_small()], ["broad", "interest", "job-title"], replications=3)


@pytest.fixture(scope="module")
def serial(specs):
    return run_grid(specs, executor=SerialExecutor())


def test_grid_order_and_size():
    specs = expand_grid(
        [_small()], ["broad", "interest"], replications=2,
        sweep={"budget.total": [1000, 2000]}, params={"interest-v1": [{"max_interests": 1},
                                                                       {"max_interests": 2}]},
    )  # fmt: skip
    assert len(specs) == 2 * 2 * (1 + 2)
    assert [s.sweep["budget.total"] for s in specs[:6]] == [1000] * 6
    assert specs[0].scenario.budget.total == 1000 and specs[-1].scenario.budget.total == 2000
    assert len({s.key for s in specs}) == len(specs)
    assert {s.label for s in specs} == {
        "broad-v1", "interest-v1[max_interests=1]", "interest-v1[max_interests=2]"
    }  # fmt: skip


def test_a_swept_value_is_validated():
    with pytest.raises(ScenarioError, match=r"budget\.total"):
        expand_grid([_small()], ["broad"], 1, sweep={"budget.total": [1000, -5]})


def test_common_random_numbers_across_strategies(serial):
    by_rep = {}
    for r in serial:
        by_rep.setdefault(r["replication"], set()).add(
            json.dumps(r["summary"]["metrics"]["qualified_by_gender"])
        )
    assert all(len(v) == 1 for v in by_rep.values())  # same population for every strategy
    assert len({next(iter(v)) for v in by_rep.values()}) > 1  # replications differ


def test_processes_give_identical_results(specs, serial):
    parallel = run_grid(specs, executor=ProcessExecutor(2))
    assert _tables(parallel) == _tables(serial)


def test_dask_local_cluster_gives_identical_results(specs, serial):
    distributed = pytest.importorskip("distributed")
    from sim.lab.experiment import DaskExecutor

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
        processes=True,
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip
        records = run_grid(specs, executor=DaskExecutor(client))
    assert _tables(records) == _tables(serial)


def test_killed_dask_worker_loses_and_duplicates_nothing(tmp_path, serial):
    distributed = pytest.importorskip("distributed")
    from sim.lab.experiment import DaskExecutor

    scenario = load_scenario("tiny", {"population.size": 30000, "campaign.days": 4})
    grid = expand_grid([scenario], ["broad", "interest", "job-title", "bandit"], 4)
    killed = []
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
        processes=True,
    ) as cluster, distributed.Client(cluster) as client:  # fmt: skip

        def kill_one(done, total, record):
            if not killed:
                nanny = next(iter(cluster.workers.values()))
                os.kill(nanny.process.process.pid, signal.SIGKILL)
                killed.append(done)

        with ResultsStore(tmp_path / "r.db") as store:
            records = run_grid(grid, store, DaskExecutor(client), progress=kill_one)
            assert len(store) == len(grid)
            assert len(store.keys()) == len(grid)
    assert killed == [1]
    reference = run_grid(grid, executor=SerialExecutor())
    assert _tables(records) == _tables(reference)


def test_resume_runs_only_what_is_missing(tmp_path, specs, serial):
    with ResultsStore(tmp_path / "r.db") as store:
        run_grid(specs[:4], store)
        calls = []
        records = run_grid(specs, store, progress=lambda d, t, r: calls.append(r["key"]))
    assert len(calls) == len(specs) - 4
    assert not set(calls) & {s.key for s in specs[:4]}
    assert _tables(records) == _tables(serial)


def test_manifest_says_how_to_reproduce(serial):
    m = serial[0]["manifest"]
    assert m["scenario_hash"] == _small().content_hash
    assert m["scenario"]["name"] == "tiny"
    assert m["seed_entropy"] == _small().seed
    assert set(m["spawn_keys"]) == set(COMPONENTS)
    assert {"population", "market", "behaviour", "pipeline", "strategy"} <= set(COMPONENTS)
    assert {"numpy", "scipy", "simpy", "mesa", "recruitsim", "python"} <= set(m["versions"])
    assert m["wall_time_s"] > 0 and m["code_fingerprint"]


def _sweep_cmd(db, out=None):
    cmd = [sys.executable, "-m", "sim", "sweep", "tiny", "--set", "population.size=30000",
           "--set", "campaign.days=5", "--set", "budget.total=1000,2000,3000",
           "--strategies", "broad,interest,bandit", "--replications", "2", "--workers", "1",
           "--db", str(db)]  # fmt: skip
    return cmd + (["--out", str(out)] if out else [])


def test_kill_minus_nine_then_rerun_finishes_the_rest(tmp_path):
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(_sweep_cmd(db), cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.time() + 120
    stored = 0
    while time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
        if db.exists():
            with ResultsStore(db) as store:
                stored = len(store)
            if stored >= 3:
                break
    assert proc.poll() is None, "the sweep finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with ResultsStore(db) as store:
        partial = len(store)
    assert 3 <= partial < 18
    rerun = subprocess.run(_sweep_cmd(db), cwd=tmp_path, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{partial} of 18 runs already in" in rerun.stderr
    clean = subprocess.run(_sweep_cmd(tmp_path / "clean.db"), cwd=tmp_path, capture_output=True,
                           text=True)  # fmt: skip
    assert clean.returncode == 0, clean.stderr
    assert rerun.stdout == clean.stdout  # the printed tables
    with ResultsStore(db) as a, ResultsStore(tmp_path / "clean.db") as b:
        assert len(a) == len(b) == 18
        assert summarise(a.records()) == summarise(b.records())
        assert format_table(a.records()) == format_table(b.records())
