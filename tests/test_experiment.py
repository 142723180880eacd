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


# --------------------------------------------------------------------------- lost workers


def test_a_killed_worker_is_replaced_and_the_tables_equal_an_uninterrupted_run(specs, serial):
    import multiprocessing

    killed, notes = [], []

    def kill_one(done, total, record):
        if not killed:
            victim = next(p for p in multiprocessing.active_children() if p.is_alive())
            os.kill(victim.pid, signal.SIGKILL)
            killed.append(victim.pid)

    executor = ProcessExecutor(2, notify=notes.append)
    records = run_grid(specs, executor=executor, progress=kill_one)
    assert killed, "no worker was killed"
    assert notes and "worker process died" in notes[0]
    assert _tables(records) == _tables(serial)


def _die(item):
    """A task that kills its own worker process (a stand-in for the OOM killer)."""
    os._exit(9)


def test_a_worker_that_keeps_dying_stops_the_grid_with_one_line():
    from sim.errors import ResourceError

    notes = []
    executor = ProcessExecutor(2, max_restarts=1, notify=notes.append)
    with pytest.raises(ResourceError) as info:
        list(executor.map_unordered(_die, [1, 2, 3]))
    message = str(info.value)
    assert "\n" not in message
    assert "worker process died 2 times" in message and "run the same command again" in message
    assert len(notes) == 1


_ORPHAN_SCRIPT = """
import multiprocessing, threading, time
from sim.lab.experiment import ProcessExecutor

if __name__ == "__main__":
    runs = ProcessExecutor(2).map_unordered(time.sleep, [120, 120])
    threading.Thread(target=lambda: next(runs), daemon=True).start()
    while len(multiprocessing.active_children()) < 2:
        time.sleep(0.05)
    time.sleep(1.0)  # the workers' initializer has run
    print(" ".join(str(p.pid) for p in multiprocessing.active_children()), flush=True)
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            return not any(line.startswith("State:\tZ") for line in fh)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc (Linux)")
def test_workers_die_with_their_parent(tmp_path):
    script = tmp_path / "orphans.py"
    script.write_text(_ORPHAN_SCRIPT, encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                            env=env, cwd=tmp_path)  # fmt: skip
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) >= 2 and all(_alive(p) for p in pids)
    proc.kill()
    proc.wait()
    deadline = time.monotonic() + 30  # a bound on waiting, not a timing assertion
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    assert not [p for p in pids if _alive(p)], "workers outlived their parent"


def test_unreachable_dask_scheduler_is_one_line():
    pytest.importorskip("distributed")
    from sim.errors import RecruitsimError
    from sim.lab.experiment import DaskExecutor

    with pytest.raises(RecruitsimError) as info:
        DaskExecutor("tcp://127.0.0.1:9")  # the discard port: nothing listens
    message = str(info.value)
    assert message.startswith("--dask tcp://127.0.0.1:9: no Dask scheduler answered")
    assert "\n" not in message


# --------------------------------------------------------------------------- plugin source


_PLUGIN = """
from strategies.broad import Broad


class Plugin(Broad):
    id = "plugin-v1"
    WIDTH = {width}
"""


def test_editing_a_plugin_strategy_changes_its_run_key(tmp_path, monkeypatch):
    from sim.lab.experiment import strategy_fingerprint

    module = tmp_path / "my_plugin_strategy.py"
    module.write_text(_PLUGIN.format(width=1), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    scenario = _small()
    before = expand_grid([scenario], ["my_plugin_strategy:Plugin"], 1)[0].key
    assert strategy_fingerprint("my_plugin_strategy:Plugin") is not None
    module.write_text(_PLUGIN.format(width=22), encoding="utf-8")
    after = expand_grid([scenario], ["my_plugin_strategy:Plugin"], 1)[0].key
    assert before != after
    # Built-ins are covered by the code fingerprint; their keys do not carry a file hash.
    assert strategy_fingerprint("broad") is None
    assert strategy_fingerprint("broad-v1") is None


def test_a_sweep_reusing_runs_of_an_earlier_compare_keeps_its_labels(tmp_path):
    scenario = load_scenario("tiny", {"population.size": 3000, "campaign.days": 1})
    base = scenario.budget.total
    with ResultsStore(tmp_path / "r.db") as store:
        run_grid(expand_grid([scenario], ["broad"], 1), store)  # a compare: no sweep
        sweep = expand_grid([scenario], ["broad"], 1, sweep={"budget.total": [base / 2, base]})
        records = run_grid(sweep, store)
    assert [r["sweep"] for r in records] == [{"budget.total": base / 2}, {"budget.total": base}]
    assert f"[budget.total={base}]" in format_table(records)


def test_the_eta_goes_by_the_pace_between_runs():
    from sim.lab.experiment import estimate_left

    assert estimate_left(30.0, 0.0, 1, 10) is None  # one run: no pace yet
    # The first run took 30 s (workers starting, a population drawn); then 2 s per run.
    assert estimate_left(34.0, 4.0, 3, 10) == pytest.approx(14.0)
    assert estimate_left(50.0, 20.0, 10, 10) == 0.0


def test_workers_are_forked_only_from_a_single_threaded_process():
    import threading

    from sim.lab.experiment import worker_context

    if not sys.platform.startswith("linux"):
        assert worker_context().get_start_method() == "spawn"
        return
    # (pytest may run helper threads of its own: the rule is read off the live count)
    expected = "fork" if threading.active_count() == 1 else "spawn"
    assert worker_context().get_start_method() == expected
    stop = threading.Event()
    helper = threading.Thread(target=stop.wait, daemon=True)
    helper.start()
    try:
        assert worker_context().get_start_method() == "spawn"
    finally:
        stop.set()
        helper.join()
