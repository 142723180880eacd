"""A normal (non-editable) install ships the bundled scenarios and the benchmark suite."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from helpers import REPO


@pytest.fixture(scope="module")
def wheel_files(tmp_path_factory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "-w", str(out), "-q"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode != 0 and "No matching distribution" in done.stderr + done.stdout:
        pytest.skip("building a wheel needs setuptools>=77 from a package index (offline)")
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel,) = out.glob("recruitsim-*.whl")
    return zipfile.ZipFile(wheel).namelist()


def test_the_wheel_holds_every_bundled_scenario(wheel_files):
    shipped = {name for name in wheel_files if name.startswith("scenarios/")}
    for path in sorted((REPO / "scenarios").rglob("*.toml")):
        assert path.relative_to(REPO).as_posix() in shipped
    assert "scenarios/__init__.py" in shipped and "scenarios/README.md" in shipped


def test_the_wheel_holds_the_standard_suite_and_the_code(wheel_files):
    assert any(n.endswith("data/share/recruitsim/suite.toml") for n in wheel_files)
    for module in ("sim/scenario.py", "sim/schema.py", "sim/lab/cli.py", "strategies/broad.py"):
        assert module in wheel_files
    assert not [n for n in wheel_files if n.startswith(("tests/", "benchmarks/test_"))]


def test_bundled_scenarios_are_found_through_the_package():
    import scenarios
    from sim.scenario import SCENARIO_DIR, bundled_scenarios, resolve_scenario_path

    assert SCENARIO_DIR.resolve() == REPO.joinpath("scenarios").resolve()
    assert SCENARIO_DIR.resolve() == type(SCENARIO_DIR)(scenarios.__file__).parent.resolve()
    assert {p.stem for p in bundled_scenarios()} >= {"tiny", "electrician-bergen"}
    assert resolve_scenario_path("tiny").name == "tiny.toml"
