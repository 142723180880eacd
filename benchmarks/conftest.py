"""pytest configuration of the recruitsim benchmarks (see benchmarks/README.md).

Size profiles
    ``--bench-sizes=full`` measures at the sizes the targets are stated for;
    ``--bench-sizes=quick`` uses small samples so that every benchmark body runs in well
    under a second. The default, ``auto``, is ``quick`` under ``--benchmark-disable``
    (where each body runs once, as a smoke test) and ``full`` otherwise.

Derived figures
    Benchmarks record figures the timing table cannot show (people per second, peak
    memory, microseconds per impression) with the ``derived`` fixture; they are stored
    in each benchmark's ``extra_info`` (saved by ``--benchmark-json`` and
    ``--benchmark-autosave``) and printed in a table at the end of the session.
"""

from __future__ import annotations

import benchlib
import pytest

SIZES = pytest.StashKey[benchlib.Sizes]()
DERIVED = pytest.StashKey[list]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("recruitsim benchmarks")
    group.addoption(
        "--bench-sizes",
        choices=("auto", "quick", "full"),
        default="auto",
        help="size profile: full scenarios, small samples, or auto (quick under "
        "--benchmark-disable, full otherwise). Default: auto.",
    )


def _benchmarks_disabled(config: pytest.Config) -> bool:
    return bool(config.getoption("benchmark_disable", False)) and not config.getoption(
        "benchmark_enable", False
    )


def pytest_configure(config: pytest.Config) -> None:
    choice = config.getoption("bench_sizes", "auto")
    if choice == "auto":
        choice = "quick" if _benchmarks_disabled(config) else "full"
    config.stash[SIZES] = benchlib.PROFILES[choice]
    config.stash[DERIVED] = []


def pytest_report_header(config: pytest.Config) -> str:
    return f"recruitsim benchmark sizes: {config.stash[SIZES].name}"


def _people_id(n: int) -> str:
    return f"{n // 1000}k" if n < 1_000_000 else f"{n / 1e6:.2g}M"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    sizes = metafunc.config.stash[SIZES]
    if "generation_size" in metafunc.fixturenames:
        metafunc.parametrize("generation_size", sizes.generation_sizes, ids=_people_id)
    if "scaling_regions" in metafunc.fixturenames:
        ids = [_people_id(benchlib.adults(r, sizes.scaling_scale)) for r in sizes.scaling_regions]
        metafunc.parametrize("scaling_regions", sizes.scaling_regions, ids=ids)
    if "budget" in metafunc.fixturenames:
        metafunc.parametrize(
            "budget", sizes.budgets, ids=[f"{b / 1000:g}kNOK" for b in sizes.budgets]
        )


@pytest.fixture(scope="session")
def sizes(pytestconfig: pytest.Config) -> benchlib.Sizes:
    """The size profile of this session (:data:`benchlib.FULL` or :data:`benchlib.QUICK`)."""
    return pytestconfig.stash[SIZES]


@pytest.fixture
def derived(request: pytest.FixtureRequest, benchmark):
    """Record derived figures: ``derived(people_per_s=..., ...)``.

    Values go to ``benchmark.extra_info`` and to the summary table printed at the end.
    """

    def record(**values) -> None:
        benchmark.extra_info.update(values)
        request.config.stash[DERIVED].append((request.node.name, values))

    return record


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    rows = config.stash.get(DERIVED, [])
    if not rows:
        return
    terminalreporter.section("recruitsim derived figures")
    width = max(len(name) for name, _ in rows)
    for name, values in rows:
        shown = ", ".join(f"{k}={_fmt(v)}" for k, v in values.items())
        terminalreporter.write_line(f"{name:<{width}}  {shown}")


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)
