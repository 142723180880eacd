"""``recruitsim calibrate`` on the synthetic example export (group ``calibrate``).

``test_calibrate_example`` times a whole calibration as the command runs it: the export
``scenarios/exports/synthetic-electrician-bergen.csv`` (30 days, three ad sets) fitted to
``electrician-bergen`` — all of Vestland at full size — with 4 replications per value on
2 worker processes (target: under two minutes on 2 cores). The CPU time of the fit and
its workers is recorded too (``cpu_s``): on a shared machine it is what an idle one's
wall clock would show, times the number of workers.
"""

from __future__ import annotations

from pathlib import Path

import benchlib
import pytest

from sim.lab.calibrate import calibrate
from sim.lab.exports import read_export

pytestmark = pytest.mark.benchmark(group="calibrate")

EXPORT = (
    Path(__file__).resolve().parent.parent
    / "scenarios"
    / "exports"
    / "synthetic-electrician-bergen.csv"
)


def test_calibrate_example(benchmark, derived, sizes):
    sc = benchlib.default_scenario(sizes)
    export = read_export(EXPORT)
    cal = benchmark.pedantic(
        calibrate, args=(sc, export), kwargs={"replications": 4, "workers": 2}, rounds=1
    )
    estimated = [e.parameter.path for e in cal.estimates if e.estimated]
    assert {"market.price_level", "platforms.facebook.ctr_scale"} <= set(estimated)
    derived(
        parameters=len(estimated),
        simulations=cal.simulations,
        cpu_s=round(cal.cpu_seconds, 1),
    )
