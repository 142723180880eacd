"""How the standard suite speeds up with a second worker process.

Group ``workers``: the grid of the standard benchmark suite (``suite.toml``: its three
scenarios x every built-in strategy) with fewer replications and smaller populations
(``population.scale`` 0.1, 2 replications in the full profile; the quick profile runs a
few cells of the first scenario), run by
``sim.lab.experiment.run_grid`` with 1 and with 2 worker processes. The second test
records ``speedup`` (1-worker time / 2-worker time, best rounds) in ``extra_info``;
the target is at least 1.8x on 2 cores. It only means something on an otherwise idle
machine.
"""

from __future__ import annotations

import time
import tomllib

import benchlib
import pytest

import strategies
from sim.lab.experiment import expand_grid, make_executor, run_grid

pytestmark = pytest.mark.benchmark(group="workers")

_best: dict[int, float] = {}


def _grid(sizes):
    suite = tomllib.loads((benchlib.ROOT / "benchmarks" / "suite.toml").read_text("utf-8"))
    full = sizes.name == "full"
    scale = 0.1 if full else 0.01
    scenarios = [
        benchlib.scenario(name, {"population.scale": scale}) for name in suite["scenarios"]
    ]
    ids = [entry.id for entry in strategies.registry.list_strategies()]
    if not full:  # a smoke test: a few cells
        scenarios, ids = scenarios[:1], ids[:4]
    return expand_grid(scenarios, ids, replications=2 if full else 1, seed=suite["seed"])


def _run(specs, workers: int) -> list[dict]:
    executor = make_executor(workers)
    try:
        return run_grid(specs, executor=executor)
    finally:
        executor.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_suite_with_workers(benchmark, derived, sizes, workers):
    specs = _grid(sizes)
    records = benchmark.pedantic(_run, args=(specs, workers), rounds=2, warmup_rounds=0)
    assert len(records) == len(specs)
    best = benchlib.best(benchmark.stats)
    figures = {"runs": len(specs)}
    if best:
        _best[workers] = best
        if workers == 2 and 1 in _best:
            figures["speedup"] = _best[1] / best
            print(
                f"\n[{time.strftime('%Y-%m-%d')}] standard suite grid ({len(specs)} runs): "
                f"1 worker {_best[1]:.1f} s, 2 workers {best:.1f} s -> {_best[1] / best:.2f}x"
            )
    derived(**figures)
