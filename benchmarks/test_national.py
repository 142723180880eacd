"""The whole adult population of Norway: ``truck-driver-norway`` (~4.3 M people, 30 days).

Group ``national``: one in-process ``sim.model.run`` of the ``broad`` strategy,
population generation included (target: under 30 s).

Group ``national-memory``: the same run in a fresh interpreter, which reports its peak
resident memory (``ru_maxrss``) at the end (target: under 4 GB). The time of this
benchmark includes starting Python and the imports; the child's own generation and run
times and memory high-water marks are recorded as derived figures. Nothing is asserted
about time or memory.
"""

from __future__ import annotations

import benchlib
import pytest

MB = 1024 * 1024


@pytest.mark.benchmark(group="national")
def test_national_run(benchmark, derived, sizes):
    sc = benchlib.national_scenario(sizes)
    result = benchmark.pedantic(benchlib.run, args=(sc,), rounds=1, warmup_rounds=0)
    share = benchlib.spent_share(result, sc)
    assert 0.99 <= share < 1.05, f"the run spent {share:.2%} of its budget"
    derived(people=result.population, impressions=result.metrics["impressions"], spent=share)


@pytest.mark.benchmark(group="national-memory")
def test_national_peak_rss(benchmark, derived, sizes):
    out = benchmark.pedantic(
        benchlib.measure_in_subprocess,
        args=(benchlib.NATIONAL_SCENARIO, sizes.national_overrides),
        rounds=1,
        warmup_rounds=0,
    )
    assert 0.99 <= out["spent_share"] < 1.05
    assert out["peak_rss_bytes"] >= out["population_bytes"]
    derived(
        people=out["people"],
        peak_rss_mib=out["peak_rss_bytes"] / MB,
        vm_hwm_mib=(out["vm_hwm_bytes"] or 0) / MB,
        import_rss_mib=out["import_rss_bytes"] / MB,
        after_generate_rss_mib=out["generate_rss_bytes"] / MB,
        population_mib=out["population_bytes"] / MB,
        child_generate_s=out["generate_s"],
        child_run_s=out["run_s"],
        child_generate_cpu_s=out["generate_cpu_s"],
        child_run_cpu_s=out["run_cpu_s"],
    )
