"""The command line, run as users run it: ``python -m sim ...`` in a fresh process."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys

import pytest
from helpers import DESIGN_METRIC_KEYS, REPO, SUMMARY_KEYS

FOUR = ("broad-v1", "demographic-v1", "interest-v1", "job-title-v1")

GOOD = """\
name = "cli-test"
[population]
regions = ["Vestland"]
size = 3000
[vacancy]
occupation = "electrician"
location = "Bergen"
[budget]
total = 500
[campaign]
days = 2
"""


def cli(*args: str, cwd=None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
    )


def test_run_writes_the_summary_json(tmp_path):
    out = tmp_path / "deep" / "run.json"
    done = cli("run", "tiny", "--json", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "tiny" in done.stdout and "reach" in done.stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert set(SUMMARY_KEYS) <= set(data)
    assert set(data["metrics"]) == set(DESIGN_METRIC_KEYS)
    assert data["scenario"] == "tiny" and data["strategy"] == "broad-v1"
    assert data["seed"] == 20261125 and data["replication"] == 0
    assert data["population"] == 20_000 and data["days"] == 7 and data["currency"] == "NOK"
    assert set(data["metrics"]["reach_by_gender"]) == {"male", "female"}
    assert set(data["metrics"]["qualified_by_gender"]) == {"male", "female"}
    assert data["metrics"]["impressions"] > 0
    assert "NaN" not in out.read_text(encoding="utf-8")


def test_run_options(tmp_path):
    out = tmp_path / "runs.json"
    done = cli(
        "run",
        "tiny",
        "--strategy",
        "interest",
        "--seed",
        "3",
        "--replications",
        "2",
        "--population",
        "4000",
        "--param",
        "max_interests=1",
        "--json",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert isinstance(data, list) and [d["replication"] for d in data] == [0, 1]
    assert all(d["strategy"] == "interest-v1" and d["seed"] == 3 for d in data)
    assert all(d["population"] == 4000 for d in data)


def test_run_json_to_stdout():
    done = cli("run", "tiny", "--population", "3000", "--json", "-")
    assert done.returncode == 0, done.stderr
    text = done.stdout[done.stdout.index("{") :]
    assert json.loads(text)["population"] == 3000


def test_list_strategies_shows_the_built_ins_with_descriptions():
    done = cli("list", "strategies")
    assert done.returncode == 0, done.stderr
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    for sid in FOUR:
        assert sid in lines
        description = lines[sid][len(sid) :].strip()
        assert len(description) > 10, lines[sid]


def test_list_scenarios_shows_every_bundled_scenario():
    done = cli("list", "scenarios")
    assert done.returncode == 0, done.stderr
    names = {line.split()[0] for line in done.stdout.splitlines() if line.strip()}
    assert {p.stem for p in (REPO / "scenarios").glob("*.toml")} <= names


@pytest.mark.parametrize("what", ["occupations", "platforms", "interests", "places"])
def test_list_catalogues(what):
    done = cli("list", what)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) >= 6


def test_compare_writes_the_table_runs_and_tidy_csv(tmp_path):
    out = tmp_path / "cmp"
    done = cli(
        "compare",
        "tiny",
        "--strategies",
        "broad,job-title",
        "--replications",
        "2",
        "--out",
        str(out),
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    table = (out / "compare.txt").read_text(encoding="utf-8")
    assert "broad-v1" in table and "job-title-v1" in table
    with open(out / "summary.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and {"scenario", "strategy", "metric", "mean"} <= set(rows[0])
    assert {r["strategy"] for r in rows} == {"broad-v1", "job-title-v1"}
    assert {r["metric"] for r in rows} >= {"reach", "relevance"}
    runs = json.loads((out / "runs.json").read_text(encoding="utf-8"))
    assert len(runs) == 4
    assert {(r["strategy"], r["replication"]) for r in runs} == {
        ("broad-v1", 0),
        ("broad-v1", 1),
        ("job-title-v1", 0),
        ("job-title-v1", 1),
    }
    for r in runs:
        assert set(SUMMARY_KEYS) <= set(r) and set(r["metrics"]) == set(DESIGN_METRIC_KEYS)


def _write(tmp_path, name: str, text: str | bytes):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


# (case id, file name and text or None, argv with {file}, fragments stderr must contain)
BAD_INPUT = [
    ("malformed-toml", ("broken.toml", GOOD.replace("total = 500", "total = = 500")),
     ["run", "{file}"], ["broken.toml", "TOML"]),
    ("wrong-type", ("typed.toml", GOOD.replace("total = 500", 'total = "lots"')),
     ["run", "{file}"], ["typed.toml", "budget.total", "expected a number"]),
    ("unknown-key", ("key.toml", GOOD.replace('occupation = "electrician"',
                                              'occupaton = "electrician"')),
     ["run", "{file}"], ["key.toml", "vacancy.occupaton", "did you mean 'occupation'"]),
    ("negative-budget-in-file", ("neg.toml", GOOD.replace("total = 500", "total = -500")),
     ["run", "{file}"], ["neg.toml", "budget.total", "> 0 NOK"]),
    ("negative-budget-set", None, ["run", "tiny", "--set", "budget.total=-5"],
     ["budget.total", "> 0 NOK"]),
    ("zero-budget", None, ["run", "tiny", "--set", "budget.total=0"], ["budget.total"]),
    ("unknown-strategy", None, ["run", "tiny", "--strategy", "brod"],
     ["unknown strategy 'brod'", "did you mean 'broad'"]),
    ("unknown-strategy-compare", None, ["compare", "tiny", "--strategies", "broad,jobtitle"],
     ["jobtitle"]),
    ("unknown-strategy-parameter", None, ["run", "tiny", "--param", "frequncy_cap=2"],
     ["frequncy_cap"]),
    ("replications-zero", None, ["run", "tiny", "--replications", "0"], ["--replications"]),
    ("replications-zero-compare", None, ["compare", "tiny", "--replications", "0"],
     ["--replications"]),
    ("unknown-scenario", None, ["run", "tny"], ["tny", "did you mean 'tiny'"]),
    ("missing-file", None, ["run", "no/such/file.toml"], ["no/such/file.toml"]),
    ("bad-objective", None, ["run", "tiny", "--set", "campaign.objective=clik"],
     ["campaign.objective", "did you mean 'clicks'"]),
    ("bad-set-syntax", None, ["run", "tiny", "--set", "budget.total"], ["KEY=VALUE"]),
    ("unknown-command", None, ["rnu", "tiny"], ["rnu"]),
    ("not-an-integer", None, ["run", "tiny", "--seed", "abc"], ["--seed"]),
    ("negative-seed", None, ["run", "tiny", "--seed", "-1"], ["seed"]),
    ("not-utf8", ("latin1.toml", GOOD.replace('"Bergen"', '"Bod\xf8"').encode("latin-1")),
     ["run", "{file}"], ["latin1.toml"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("file", "argv", "fragments"),
    [case[1:] for case in BAD_INPUT],
    ids=[case[0] for case in BAD_INPUT],
)
def test_bad_input_exits_2_with_one_line(tmp_path, file, argv, fragments):
    path = _write(tmp_path, *file) if file else None
    args = [a.replace("{file}", str(path)) for a in argv]
    done = cli(*args, cwd=tmp_path)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("recruitsim") and "error: " in lines[0], lines[0]
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def test_python_m_sim_works():
    done = cli("--help")
    assert done.returncode == 0
    assert "usage: recruitsim" in done.stdout
    for command in ("run", "compare", "list"):
        assert command in done.stdout
    nothing = cli()
    assert nothing.returncode == 2 and "Traceback" not in nothing.stderr
    assert "usage: recruitsim" in nothing.stderr and "compare" in nothing.stderr


def test_console_script_is_installed():
    script = os.path.join(os.path.dirname(sys.executable), "recruitsim")
    assert os.path.exists(script)
    done = subprocess.run(
        [script, "list", "strategies"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "broad-v1" in done.stdout


# --------------------------------------------------------------------------- sharp edges


def _in_process(*argv) -> tuple[int, str, str]:
    import contextlib
    import io

    from sim.lab.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = main(list(argv))
        except SystemExit as exc:
            status = exc.code
    return status, out.getvalue(), err.getvalue()


def test_json_to_stdout_is_json_alone_and_carries_the_ad_sets():
    status, out, err = _in_process(
        "run", "tiny", "--strategy", "job-title", "--population", "4000", "--set",
        "campaign.days=2", "--json", "-",
    )  # fmt: skip
    assert status == 0, err
    data = json.loads(out)  # nothing but the JSON on stdout
    assert data["strategy"] == "job-title-v1" and "tiny · job-title-v1" in err
    assert data["ad_sets"] and {"name", "platform", "status"} <= set(data["ad_sets"][0])
    rejected = [a for a in data["ad_sets"] if a["status"].startswith("rejected")]
    for a in rejected:  # the terminal says so too
        assert f"ad set {a['name']!r} on {a['platform']} was not published" in err


def test_version_and_list_platforms_with_policy_limits():
    import sim

    status, out, _ = _in_process("--version")
    assert status == 0 and out.strip() == f"recruitsim {sim.__version__}"
    status, out, _ = _in_process("list", "platforms")
    assert status == 0
    assert "minimum audience 1,000 people" in out
    assert (
        "employment policy (special ad category): no age" in out and "radius at least 24 km" in out
    )


def test_list_into_a_closed_pipe_stops_quietly(tmp_path):
    done = subprocess.run(
        f"{sys.executable} -m sim list occupations | head -1",
        shell=True, capture_output=True, text=True, cwd=tmp_path, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 1
    assert "BrokenPipeError" not in done.stderr and "Traceback" not in done.stderr


def test_nobody_qualified_is_said_in_the_terminal():
    status, out, err = _in_process(
        "run", "tiny", "--population", "3000", "--set", "campaign.days=1",
        "--set", "vacancy.max_distance_km=0.01",
    )  # fmt: skip
    assert status == 0, err
    assert "warning: nobody in the simulated population qualifies" in out


def test_a_population_that_would_not_fit_in_memory_is_refused_before_drawing_it():
    from sim.errors import ScenarioError
    from sim.population import check_fits_in_memory, memory_estimate
    from sim.scenario import load_scenario

    scenario = load_scenario("tiny", {"population.size": 2_000_000})
    assert memory_estimate(scenario) >= 2_000_000 * 1000
    with pytest.raises(ScenarioError) as info:
        check_fits_in_memory(scenario, available=256 * 2**20)
    message = str(info.value)
    assert "population.size" in message and "2,000,000 simulated people" in message
    assert "0.2 GiB is available" in message
    check_fits_in_memory(load_scenario("tiny"), available=256 * 2**20)  # 20,000 people fit
