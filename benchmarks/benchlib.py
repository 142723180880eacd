"""Shared helpers for the recruitsim benchmarks and ``benchmarks/scaling_table.py``.

Everything that decides *what* is measured lives here, so that the pytest-benchmark
suite and the scaling script time the same operations with the same sizes:

- :data:`FULL` and :data:`QUICK` are the two size profiles (``QUICK`` is used when the
  benchmark bodies only run once, under ``--benchmark-disable``);
- :func:`generate` and :func:`run` are the timed operations;
- :func:`measure_in_subprocess` runs a scenario in a fresh interpreter and reports its
  wall times and peak resident memory (``ru_maxrss``).

This file is also the child program of :func:`measure_in_subprocess`: run as a script
it takes one JSON argument, runs the scenario and prints one JSON line.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

import strategies
from sim import model, population
from sim.population import Population
from sim.scenario import PopulationSpec, Scenario, load_scenario

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCENARIO = "electrician-bergen"  # the default scenario (Vestland, 30 days)
NATIONAL_SCENARIO = "truck-driver-norway"  # every adult in Norway, 30 days
GENERATION_SCENARIO = "truck-driver-norway"  # population spec drawn from: all of Norway
STRATEGY = "broad"
REPLICATION = 0


@dataclass(frozen=True)
class Sizes:
    """One size profile of the benchmark suite.

    Overrides are dotted scenario paths, as in ``load_scenario(name, overrides=...)``.
    """

    name: str
    generation_sizes: tuple[int, ...]  # people drawn by the population benchmarks
    default_overrides: dict[str, Any] = field(default_factory=dict)
    national_overrides: dict[str, Any] = field(default_factory=dict)
    # Counties of the population-scaling runs (nested, growing), at scaling_scale.
    scaling_regions: tuple[tuple[str, ...], ...] = ()
    scaling_scale: float = 1.0  # 1: one simulated person per real adult
    scaling_budget: float = 20_000.0  # NOK, fixed while the population grows
    budgets: tuple[float, ...] = ()  # NOK, at budget_overrides' population
    budget_overrides: dict[str, Any] = field(default_factory=dict)


# Real populations from one small county to the whole country (adults at full scale):
# about 58k, 191k, 755k, 1.9 M and 4.3 M people.
SCALING_REGIONS = (
    ("Finnmark",),
    ("Troms", "Finnmark"),
    ("Nordland", "Troms", "Finnmark", "Trøndelag"),
    ("Vestland", "Rogaland", "Agder", "Nordland", "Troms", "Finnmark", "Trøndelag"),
    ("Norway",),
)

FULL = Sizes(
    name="full",
    generation_sizes=(100_000, 1_000_000),
    scaling_regions=SCALING_REGIONS,
    scaling_budget=20_000.0,
    budgets=(5_000.0, 10_000.0, 20_000.0, 40_000.0, 80_000.0),
)

# Small enough that every benchmark body runs once in well under a second. The
# scenarios are sampled (``population.scale`` / ``population.size``); a sampled run
# spends budget / weight in simulated money, so the budgets need no scaling.
QUICK = Sizes(
    name="quick",
    generation_sizes=(10_000, 50_000),
    default_overrides={"population.scale": 0.02},
    national_overrides={"population.scale": 0.005},
    scaling_regions=SCALING_REGIONS[:3],
    scaling_scale=0.05,
    scaling_budget=20_000.0,
    budgets=(5_000.0, 20_000.0, 80_000.0),
    budget_overrides={"population.size": 10_000},
)

PROFILES = {p.name: p for p in (FULL, QUICK)}


# Benchmarks time whole campaigns: the campaign does not stop when the vacancy is filled.
FULL_CAMPAIGN = {"pipeline.stop_when_filled": False}


def scenario(name: str, overrides: dict[str, Any] | None = None) -> Scenario:
    """Load a bundled scenario with dotted overrides (always a full-length campaign)."""
    return load_scenario(name, overrides={**FULL_CAMPAIGN, **dict(overrides or {})})


def default_scenario(sizes: Sizes) -> Scenario:
    """The default scenario (``electrician-bergen``) at ``sizes``' scale."""
    return scenario(DEFAULT_SCENARIO, sizes.default_overrides)


def national_scenario(sizes: Sizes) -> Scenario:
    """The national scenario (``truck-driver-norway``) at ``sizes``' scale."""
    return scenario(NATIONAL_SCENARIO, sizes.national_overrides)


def population_scaling_scenario(sizes: Sizes, regions: tuple[str, ...]) -> Scenario:
    """The national scenario (a nationwide campaign) over ``regions``' real adults.

    At ``population.scale`` 1 every simulated person is one real adult, so at the fixed
    real budget the impressions bought stay about the same while the population and the
    audience (everyone on the platforms) grow: the work that grows is the per-person work.
    """
    return scenario(
        NATIONAL_SCENARIO,
        {
            "population.regions": list(regions),
            "population.scale": sizes.scaling_scale,
            "budget.total": sizes.scaling_budget,
        },
    )


def budget_scaling_scenario(sizes: Sizes, budget: float) -> Scenario:
    """The default scenario (fixed population) with a total budget of ``budget`` NOK."""
    return scenario(DEFAULT_SCENARIO, {**sizes.budget_overrides, "budget.total": budget})


def adults(regions: tuple[str, ...], scale: float = 1.0) -> int:
    """Simulated adults in ``regions`` at ``population.scale`` ``scale``."""
    spec = dataclasses.replace(
        scenario(NATIONAL_SCENARIO).population, regions=tuple(regions), scale=scale
    )
    return population.target_size(spec)


def generation_spec(people: int) -> PopulationSpec:
    """A population spec over all of Norway with ``people`` adults (0: all of them)."""
    return scenario(GENERATION_SCENARIO, {"population.size": people}).population


def population_seed(sc: Scenario) -> np.random.SeedSequence:
    """The population stream ``model.run`` would use for ``sc`` (so results match)."""
    return model.run_seeds(sc.seed, REPLICATION).population


def generate(sc: Scenario) -> Population:
    """Draw ``sc``'s population from the stream of its replication 0."""
    return population.generate(sc.population, population_seed(sc))


def fresh(pop: Population) -> Population:
    """A shallow copy of ``pop`` without the platforms' inferred-interest cache.

    A run fills that cache (the delivery optimiser reads inferred interests); a copy
    without it makes a run on a reused population do all the work a run on a freshly
    drawn one does, except drawing it. The arrays are shared, not copied.
    """
    names = {f.name for f in dataclasses.fields(pop)}
    caches = {k: {} for k in ("_inferred", "_graphs") if k in names}
    return dataclasses.replace(pop, **caches) if caches else pop


def run(sc: Scenario, pop: Population | None = None) -> model.RunResult:
    """One run of the ``broad`` strategy (with ``pop``, or drawing the population)."""
    return model.run(
        sc, strategies.make(STRATEGY), seed=sc.seed, replication=REPLICATION, population=pop
    )


def spent_share(result: model.RunResult, sc: Scenario) -> float:
    """The share of the budget a run spent (1.0 when the budget is used up)."""
    return result.metrics["spend"] / sc.budget.total


def best(stats) -> float | None:
    """Best (minimum) round time of a pytest-benchmark fixture, None when disabled."""
    return None if stats is None else stats.stats.min


def peak_rss_bytes() -> int:
    """This process's peak resident set size so far, in bytes."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024  # Linux: kilobytes


# --------------------------------------------------------------------------- subprocess


def measure_in_subprocess(
    name: str, overrides: dict[str, Any] | None = None, timeout: float = 1800.0
) -> dict[str, Any]:
    """Run scenario ``name`` once in a fresh interpreter; its timings and peak memory.

    The child draws the population (timed as ``generate_s``), then runs the ``broad``
    strategy on it (``run_s``): the same work as one ``model.run`` without a population,
    timed in two parts (wall clock, and CPU time as ``*_cpu_s``). ``peak_rss_bytes`` is
    the child's ``ru_maxrss`` at the end (interpreter, imports, population, delivery and
    metrics); ``import_rss_bytes`` and ``generate_rss_bytes`` are the peaks after the
    imports and after generation.
    ``vm_hwm_bytes`` is the kernel's high-water mark of the child's own address space
    (``VmHWM`` in ``/proc/self/status``, Linux only), a cross-check.

    The child is started through a small intermediate interpreter: on Linux a process
    created by ``fork``/``vfork`` + ``exec`` inherits its parent's high-water RSS in
    ``ru_maxrss``, so a child of the (large) pytest process would report at least the
    parent's peak. A child of a fresh, small interpreter reports only its own.
    """
    arg = json.dumps({"scenario": name, "overrides": dict(overrides or {})})
    child = [sys.executable, str(Path(__file__).resolve()), arg]
    proc = subprocess.run(
        [sys.executable, "-c", _TRAMPOLINE, *child],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({proc.returncode}):\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# Runs argv[1:] and exits with its status (stdout and stderr pass straight through).
_TRAMPOLINE = "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"


def vm_hwm_bytes() -> int | None:
    """Peak RSS of this process image from ``/proc/self/status`` (None off Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _child(arg: str) -> None:
    spec = json.loads(arg)
    import_rss = peak_rss_bytes()
    sc = scenario(spec["scenario"], spec["overrides"])
    t0, c0 = time.perf_counter(), time.process_time()
    pop = generate(sc)
    t1, c1 = time.perf_counter(), time.process_time()
    generate_rss = peak_rss_bytes()
    result = run(sc, pop)
    t2, c2 = time.perf_counter(), time.process_time()
    out = {
        "scenario": sc.name,
        "overrides": spec["overrides"],
        "people": pop.size,
        "population_bytes": pop.nbytes(),
        "generate_s": t1 - t0,
        "run_s": t2 - t1,
        "total_s": t2 - t0,
        "generate_cpu_s": c1 - c0,
        "run_cpu_s": c2 - c1,
        "impressions": result.metrics["impressions"],
        "spent_share": spent_share(result, sc),
        "import_rss_bytes": import_rss,
        "generate_rss_bytes": generate_rss,
        "peak_rss_bytes": peak_rss_bytes(),
        "vm_hwm_bytes": vm_hwm_bytes(),
    }
    print(json.dumps(out))


if __name__ == "__main__":
    _child(sys.argv[1])
