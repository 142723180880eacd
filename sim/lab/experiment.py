"""Experiments: grids of runs with common random numbers, executors, resume.

A grid is scenarios x swept field values x strategies x parameter values x
replications. Each cell is a :class:`RunSpec`; :func:`execute` turns one into a run
record (summary, delivery breakdown, manifest). In replication *r* every strategy meets
the same population and the same random streams (see :func:`sim.model.run_seeds`), so
differences between strategies are paired — whatever executor runs the cell, since the
seeds depend only on (seed, replication).

Executors share one small interface (:meth:`Executor.map_unordered`): serial, local
processes, or a Dask distributed cluster. :func:`run_grid` skips the cells already in
the results store and writes every finished run at once, so an interrupted sweep
resumes where it stopped.
"""

from __future__ import annotations

import ctypes
import datetime as dt
import functools
import hashlib
import inspect
import json
import multiprocessing
import os
import platform
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import numpy as np

from sim.lab.stats import TABLE_METRICS, Estimate, format_table, summarise
from sim.model import RunResult, run, run_seeds
from sim.population import Population, generate
from sim.scenario import Scenario, replace_path, to_dict

__all__ = [
    "TABLE_METRICS",
    "Estimate",
    "RunSpec",
    "execute",
    "expand_grid",
    "format_table",
    "make_executor",
    "replicate",
    "run_grid",
    "summarise",
]


@dataclass(frozen=True)
class RunSpec:
    """One cell of a grid: everything needed to reproduce one run."""

    scenario: Scenario
    strategy: str
    params: dict = field(default_factory=dict)
    seed: int = 0
    replication: int = 0
    sweep: dict = field(default_factory=dict)  # swept field path -> value, for labels

    @property
    def label(self) -> str:
        """The strategy as tables show it: its id, with the parameters given, if any."""
        if not self.params:
            return self.strategy
        return f"{self.strategy}[{', '.join(f'{k}={v}' for k, v in sorted(self.params.items()))}]"

    @property
    def key(self) -> str:
        """Identity of the run: code, scenario content, strategy, params, seed, replication.

        The code fingerprint makes a store never serve a run made by other model code.
        """
        identity = [code_fingerprint(), self.scenario.content_hash, self.strategy,
                    self.params, self.seed, self.replication]  # fmt: skip
        plugin = strategy_fingerprint(self.strategy)
        if plugin is not None:  # only plugins: the built-ins' keys stay as they were
            identity.append(plugin)
        blob = json.dumps(identity, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]


def expand_grid(
    scenarios: Iterable[Scenario],
    strategies: Iterable[str],
    replications: int,
    seed: int | None = None,
    sweep: dict[str, list] | None = None,
    params: dict[str, list[dict]] | None = None,
) -> list[RunSpec]:
    """The cells of a grid, ordered scenario, swept values, replication, strategy.

    Parameters
    ----------
    scenarios : iterable of Scenario
    strategies : iterable of str
        Strategy ids (resolved to their versioned form) or ``"module:Class"``.
    replications : int
    seed : int, optional
        Root seed; each scenario's own seed by default.
    sweep : dict, optional
        Dotted scenario field path → list of values (their product is swept).
    params : dict, optional
        Strategy id → list of parameter dicts to try (default one empty dict).

    Raises
    ------
    ScenarioError
        A swept value is not valid for its field.
    """
    from strategies.registry import resolve_id

    ids = [s if ":" in s else resolve_id(s) for s in strategies]
    sweep = sweep or {}
    paths = list(sweep)
    cells = []
    for base in scenarios:
        for values in product(*(sweep[p] for p in paths)):
            scenario = base
            for path, value in zip(paths, values, strict=True):
                scenario = replace_path(scenario, path, value)
            root = base.seed if seed is None else seed
            for r in range(replications):
                for sid in ids:
                    for p in (params or {}).get(sid, [{}]):
                        cells.append(
                            RunSpec(scenario, sid, dict(p), root, r,
                                    dict(zip(paths, values, strict=True)))
                        )  # fmt: skip
    return cells


_POPULATIONS: dict[tuple, Population] = {}


def _population(scenario: Scenario, seed: int, replication: int) -> Population:
    """A replication's population, cached per process (CRN makes it the same for all).

    The cache keeps the last two populations: grids are ordered so that consecutive
    cells share one.
    """
    key = (json.dumps(to_dict(scenario.population), sort_keys=True), seed, replication)
    if key not in _POPULATIONS:
        while len(_POPULATIONS) >= 2:
            _POPULATIONS.pop(next(iter(_POPULATIONS)))
        _POPULATIONS[key] = generate(scenario.population, run_seeds(seed, replication).population)
    return _POPULATIONS[key]


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 (first 16 hex digits) of the model's and the built-in strategies' source.

    Only the code that produces a run's numbers counts (``sim/*.py`` and
    ``strategies/*.py``); the lab (reports, statistics, the CLI) does not, so editing a
    report never invalidates stored runs.
    """
    root = Path(__file__).resolve().parent.parent.parent
    digest = hashlib.sha256()
    for folder in ("sim", "strategies"):
        for path in sorted((root / folder).glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def strategy_fingerprint(strategy: str) -> str | None:
    """SHA-256 (16 hex digits) of a plugin strategy's own source file, or None for a built-in.

    A ``module:Class`` or entry-point strategy lives outside ``strategies/``, so
    :func:`code_fingerprint` does not see it; its module's source file (found with
    :func:`inspect.getsourcefile`) joins the run's identity, so editing the plugin and
    running again computes new runs instead of serving the old ones from the store.
    """
    from strategies.registry import REGISTRY, load_reference, resolve_id

    ref = strategy if ":" in strategy else REGISTRY[resolve_id(strategy)].entry_point
    if ref.split(":")[0].split(".")[0] == "strategies":
        return None
    cls = load_reference(ref)
    try:
        path = Path(inspect.getsourcefile(cls) or "")
        stat = path.stat()
    except (TypeError, OSError):  # a class without a source file (built in C, in a zip)
        return hashlib.sha256(f"{cls.__module__}.{cls.__qualname__}".encode()).hexdigest()[:16]
    return _file_digest(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=64)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    """SHA-256 of a file, cached per (path, modification time, size)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _versions() -> dict:
    import matplotlib
    import mesa
    import scipy
    import simpy

    import sim

    return {
        "recruitsim": sim.__version__,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "simpy": simpy.__version__,
        "mesa": mesa.__version__,
        "matplotlib": matplotlib.__version__,
    }


@functools.lru_cache(maxsize=1)
def _git_commit() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def rejected_ad_sets(summary: dict) -> list[dict]:
    """The ad sets of a run summary the platform rejected (``status`` ``"rejected: ..."``)."""
    return [a for a in summary.get("ad_sets", []) if str(a["status"]).startswith("rejected")]


def execute(spec: RunSpec) -> dict:
    """Run one cell and return its record (JSON-ready): summary, delivery, manifest."""
    import strategies

    start = time.perf_counter()
    pop = _population(spec.scenario, spec.seed, spec.replication)
    strategy = strategies.make(spec.strategy, **spec.params)
    result = run(spec.scenario, strategy, spec.seed, spec.replication, pop)
    seeds = run_seeds(spec.seed, spec.replication)
    summary = result.to_dict()
    summary["ad_sets"] = result.ad_sets
    record = {
        "key": spec.key,
        "scenario": spec.scenario.name,
        "strategy": result.strategy,
        "label": spec.label,
        "params": result.params,
        "seed": spec.seed,
        "replication": spec.replication,
        "sweep": spec.sweep,
        "summary": summary,
        "manifest": {
            "scenario_hash": spec.scenario.content_hash,
            "scenario": to_dict(spec.scenario),
            "strategy": result.strategy,
            "strategy_params": result.params,
            "seed_entropy": seeds.root_entropy,
            "spawn_keys": seeds.spawn_keys(),
            "versions": _versions(),
            "git_commit": _git_commit(),
            "code_fingerprint": code_fingerprint(),
            "wall_time_s": round(time.perf_counter() - start, 4),
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        },
    }
    # Plain JSON types only, so a record is the same fresh, from a worker or from the store.
    return json.loads(json.dumps(record))


# --------------------------------------------------------------------------- executors


class Executor:
    """Runs a function over items and yields ``(item, result)`` as results arrive."""

    workers = 1

    def map_unordered(self, fn: Callable, items: list) -> Iterator[tuple]:
        """Yield ``(item, fn(item))`` for every item, in completion order."""
        raise NotImplementedError

    def close(self) -> None:
        """Release workers or connections."""


class SerialExecutor(Executor):
    """Everything in this process, in order."""

    def map_unordered(self, fn, items):
        for item in items:
            yield item, fn(item)


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the process that started it ends.

    On Linux the kernel sends SIGKILL when the parent dies (``prctl(PR_SET_PDEATHSIG)``);
    everywhere a daemon thread also checks once a second that the parent is still there,
    so a ``kill -9`` of the main process leaves no worker behind.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - a libc without prctl
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="recruitsim-parent-watch", daemon=True).start()


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def worker_context() -> multiprocessing.context.BaseContext:
    """How local worker processes start: forked where that is safe, else spawned.

    A forked worker starts in milliseconds with everything the main process has imported
    (and the populations it has drawn); a spawned one imports numpy, scipy and mesa again,
    about a second of each worker's time before its first run. Forking is safe on Linux
    while the main process has a single thread; a process with threads (a web server, a
    Dask client, a pool that is still shutting down) and other systems get spawned
    workers. The start method is chosen here rather than left to the global default,
    which a library may change (mesa's batch runner sets it to ``spawn`` when imported).
    """
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class ProcessExecutor(Executor):
    """Local worker processes (``concurrent.futures.ProcessPoolExecutor``).

    Workers end with the main process. If a worker dies (killed, out of memory), the
    pool is started again and the runs that had not finished are queued again, up to
    ``max_restarts`` times; after that a :class:`~sim.errors.ResourceError` says what
    happened and that running the same command again resumes.
    """

    def __init__(self, workers: int | None = None, max_restarts: int = 3, notify=None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self.max_restarts = max_restarts
        self.notify = notify or (lambda text: sys.stderr.write(f"recruitsim: {text}\n"))

    def map_unordered(self, fn, items):
        from concurrent.futures import ProcessPoolExecutor, as_completed
        from concurrent.futures.process import BrokenProcessPool

        pending = list(items)
        restarts = 0
        while pending:
            pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=worker_context(),
                initializer=_die_with_parent,
                initargs=(os.getpid(),),
            )
            # Submit in order so workers take consecutive cells (and reuse populations).
            futures = {pool.submit(fn, item): i for i, item in enumerate(pending)}
            finished: set[int] = set()
            try:
                for fut in as_completed(futures):
                    result = fut.result()
                    finished.add(futures[fut])
                    yield pending[futures[fut]], result
            except BrokenProcessPool:
                pool.shutdown(wait=False, cancel_futures=True)
                pending = [item for i, item in enumerate(pending) if i not in finished]
                restarts += 1
                if restarts > self.max_restarts:
                    from sim.errors import ResourceError

                    raise ResourceError(
                        f"a worker process died {restarts} times (killed or out of memory) and "
                        f"{len(pending)} runs were not finished; the finished runs are kept — "
                        "run the same command again to resume"
                    ) from None
                self.notify(
                    f"a worker process died; starting new workers for the {len(pending)} "
                    "unfinished runs"
                )
                continue
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                for proc in list((getattr(pool, "_processes", None) or {}).values()):
                    proc.terminate()
                raise
            pool.shutdown(wait=True)
            pending = []


class DaskExecutor(Executor):
    """A Dask distributed cluster (``--dask tcp://host:8786``); needs ``distributed``.

    Tasks are retried on another worker if theirs dies; the results store ignores an
    identical record written twice.
    """

    #: Seconds to wait for the scheduler before giving up (estimate: a reachable
    #: scheduler answers in well under a second on a local network).
    connect_timeout_s = 5.0

    def __init__(self, address) -> None:
        try:
            from distributed import Client
        except ImportError:
            from sim.errors import RecruitsimError

            raise RecruitsimError(
                "--dask needs the distributed package: pip install 'recruitsim[dask]'"
            ) from None
        self._own = not hasattr(address, "submit")
        if self._own:
            try:
                self.client = Client(address, timeout=self.connect_timeout_s)
            except (OSError, TimeoutError, ValueError) as exc:
                from sim.errors import RecruitsimError

                reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise RecruitsimError(
                    f"--dask {address}: no Dask scheduler answered within "
                    f"{self.connect_timeout_s:g} s ({reason[:120]})"
                ) from None
        else:
            self.client = address
        self.workers = max(len(self.client.scheduler_info().get("workers", {})), 1)

    def map_unordered(self, fn, items):
        from distributed import as_completed

        futures = [self.client.submit(fn, item, pure=False, retries=2) for item in items]
        index = {fut.key: item for fut, item in zip(futures, items, strict=True)}
        try:
            for fut in as_completed(futures):
                yield index[fut.key], fut.result()
        finally:
            for fut in futures:
                fut.release()

    def close(self) -> None:
        if self._own:
            self.client.close()


def make_executor(workers: int | None = None, dask: str | None = None) -> Executor:
    """Serial for one worker, processes for several, Dask when an address is given."""
    if dask:
        return DaskExecutor(dask)
    workers = workers or os.cpu_count() or 1
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)


def run_grid(
    specs: list[RunSpec],
    store=None,
    executor: Executor | None = None,
    progress: Callable[[int, int, dict], None] | None = None,
) -> list[dict]:
    """Run every cell not yet stored; return the records of all cells, in grid order.

    Parameters
    ----------
    specs : list of RunSpec
    store : ResultsStore, optional
        Finished runs are written here at once; cells already stored are skipped.
    executor : Executor, optional
        Serial by default.
    progress : callable, optional
        Called as ``progress(done, total, record)`` after each finished run.
    """
    executor = executor or SerialExecutor()
    done_keys = store.keys() if store is not None else set()
    todo = [s for s in specs if s.key not in done_keys]
    fresh: dict[str, dict] = {}
    total = len(todo)
    for n, (spec, record) in enumerate(executor.map_unordered(execute, todo), start=1):
        if store is not None:
            store.write(record)
        fresh[spec.key] = record
        if progress is not None:
            progress(n, total, record)
    stored = {}
    if store is not None:
        stored = {r["key"]: r for r in store.records([s.key for s in specs])}
    # A stored run may have been made for another grid (a `compare` before this `sweep`):
    # its numbers are the same, but its place in this grid is the spec's.
    return [
        {**(fresh.get(s.key) or stored[s.key]), "sweep": dict(s.sweep), "label": s.label}
        for s in specs
    ]


def replicate(
    scenarios: Iterable[Scenario],
    strategy_ids: Iterable[str],
    replications: int,
    seed: int | None = None,
    params: dict[str, dict] | None = None,
    progress: Callable[[RunResult], None] | None = None,
) -> list[RunResult]:
    """Run every strategy on every scenario for ``replications`` paired replications.

    The in-memory counterpart of :func:`run_grid` for scripts: no store, serial, and the
    full :class:`RunResult` objects back, ordered by scenario, replication, strategy.
    """
    import strategies

    strategy_ids = list(strategy_ids)
    params = params or {}
    results = []
    for scenario in scenarios:
        root = scenario.seed if seed is None else seed
        for r in range(replications):
            pop = generate(scenario.population, run_seeds(root, r).population)
            for sid in strategy_ids:
                strategy = strategies.make(sid, **params.get(sid, {}))
                result = run(scenario, strategy, seed=root, replication=r, population=pop)
                results.append(result)
                if progress is not None:
                    progress(result)
    return results


def estimate_left(elapsed: float, since_first: float, done: int, total: int) -> float | None:
    """Seconds left in a grid, from the pace since its first finished run.

    The first run pays for starting the workers and drawing the population that the
    following cells reuse, so timing from the start overestimates what is left; the pace
    between finished runs (which includes the workers' parallelism) does not. Until two
    runs have finished there is no pace to go by (None).

    Parameters
    ----------
    elapsed : float
        Seconds since the grid started.
    since_first : float
        Seconds since the first run finished.
    done, total : int
        Runs finished and runs in the grid (this session).
    """
    if done >= total:
        return 0.0
    if done < 2 or since_first <= 0:
        return None
    return since_first / (done - 1) * (total - done)


def progress_printer(stream=None) -> Callable[[int, int, dict], None]:
    """A progress bar with ETA for :func:`run_grid` (one line on a terminal, else 10 lines)."""
    stream = stream or sys.stderr
    tty = stream.isatty()
    start = time.perf_counter()
    first: list[float] = []

    def show(done: int, total: int, record: dict) -> None:
        now = time.perf_counter()
        elapsed = now - start
        if not first:
            first.append(now)
        eta = estimate_left(elapsed, now - first[0], done, total)
        width = 24
        bar = "#" * round(width * done / total) + "." * (width - round(width * done / total))
        left = "estimating time left" if eta is None else f"~{eta:.0f}s left"
        line = (
            f"[{bar}] {done}/{total} {record['scenario']} · {record['label']} · "
            f"rep {record['replication']} · {elapsed:.0f}s, {left}"
        )
        if tty:
            stream.write(f"\r{line}   " + ("\n" if done == total else ""))
        elif done == total or done % max(total // 10, 1) == 0:
            stream.write(line + "\n")
        stream.flush()

    return show
