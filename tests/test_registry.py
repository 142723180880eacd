"""The strategy registry (strategies/registry.py): ids, references, entry points, listing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import REPO

import strategies
from sim.errors import RecruitsimError, StrategyError, UnknownNameError
from strategies import registry
from strategies.broad import Broad
from strategies.constraints import InvalidParameterError, invalid_values
from strategies.registry import REGISTRY, StrategyEntry, list_strategies, make, resolve_id
from tests.fixtures.readme_strategy import TwoInterests

PLUGIN_DIR = Path(__file__).parent / "fixtures" / "plugin_pkg"
README_REF = "tests.fixtures.readme_strategy:TwoInterests"


@pytest.fixture
def clean_registry():
    """Put the registry (its entry-point cache and ignored entry points) back after the test."""
    saved, loaded = dict(REGISTRY), registry._entry_points_loaded
    ignored = list(registry.IGNORED_ENTRY_POINTS)
    yield REGISTRY
    REGISTRY.clear()
    REGISTRY.update(saved)
    registry.IGNORED_ENTRY_POINTS[:] = ignored
    registry._entry_points_loaded = loaded


@pytest.fixture
def plugin_installed(monkeypatch, clean_registry):
    """The fixture plugin distribution on sys.path and the entry points not read yet."""
    monkeypatch.syspath_prepend(str(PLUGIN_DIR))
    registry._entry_points_loaded = False
    return clean_registry


# --------------------------------------------------------------------------- ids


def test_bare_name_resolves_to_the_newest_version(clean_registry):
    assert resolve_id("broad") == "broad-v1"
    strategies.register("broad-v2", README_REF)
    strategies.register("broad-v10", "strategies.broad:Broad")
    assert resolve_id("broad") == "broad-v10"  # by number, not by text
    assert isinstance(make("broad"), Broad)
    assert isinstance(make("broad-v2"), TwoInterests)
    assert isinstance(make("broad-v1"), Broad)


def test_versioned_id_makes_that_version_with_parameters():
    strategy = make("broad-v1", frequency_cap=3, platforms=("instagram",))
    assert isinstance(strategy, Broad)
    assert strategy.get_params() == {"platforms": ("instagram",), "frequency_cap": 3}


@pytest.mark.parametrize(
    ("wrong", "suggestion"),
    [("brod", "broad"), ("baandit", "bandit"), ("lookalike-v2", "lookalike-v1")],
)
def test_unknown_id_says_did_you_mean(wrong, suggestion):
    with pytest.raises(UnknownNameError, match="did you mean") as info:
        make(wrong)
    assert f"'{suggestion}'" in str(info.value)
    assert repr(wrong) in str(info.value)


def test_unknown_parameter_names_the_strategy_by_its_resolved_id():
    with pytest.raises(RecruitsimError, match="'broad-v1'") as info:
        make("broad", budget_share=0.5)
    assert "budget_share" in str(info.value)


# --------------------------------------------------------------------------- parameters

# One list drives the invalid-input tests (as in zr-obp): every built-in strategy's
# declared constraints, each with the values it must refuse.
INVALID = [
    pytest.param(sid, name, value, id=f"{sid}-{name}-{value!r}")
    for sid in sorted(registry.builtin_ids())
    for name, constraints in REGISTRY[sid].load().parameter_constraints.items()
    for value in invalid_values(constraints)
]

# The cases of the issue, with the one-line message each must give.
ISSUE_CASES = [
    (
        "interest",
        {"max_interests": "abc"},
        "The 'max_interests' parameter of interest-v1 must be an int in [1, inf). "
        "Got 'abc' instead.",
    ),
    (
        "broad",
        {"platforms": ["facebok"]},
        "The 'platforms' parameter of broad-v1 must be a non-empty list of platform names. "
        "Got ['facebok'] instead; unknown platform 'facebok'; did you mean 'facebook'?",
    ),
    (
        "bandit-v1",
        {"floor": 1.5},
        "The 'floor' parameter of bandit-v1 must be a float in [0, 1]. Got 1.5 instead.",
    ),
    (
        "job-title",
        {"frequency_cap": 0},
        "The 'frequency_cap' parameter of job-title-v1 must be an int in [1, inf) or None. "
        "Got 0 instead.",
    ),
    (
        "exclusion",
        {"base": "interests"},
        "The 'base' parameter of exclusion-v1 must be one of 'broad', 'interest'. "
        "Got 'interests' instead; did you mean 'interest'?",
    ),
]


def test_every_builtin_declares_a_constraint_for_every_parameter():
    for sid in registry.builtin_ids():
        cls = REGISTRY[sid].load()
        assert set(cls.parameter_constraints) == set(cls._param_names()), sid
    assert len(INVALID) > 100


@pytest.mark.parametrize(("sid", "name", "value"), INVALID)
def test_make_refuses_every_declared_invalid_value(sid, name, value):
    with pytest.raises(InvalidParameterError) as info:
        make(sid, **{name: value})
    message = str(info.value)
    assert message.startswith(f"The {name!r} parameter of {sid} must be "), message
    assert f"Got {value!r} instead" in message
    assert "\n" not in message
    assert isinstance(info.value, StrategyError)  # the CLI turns it into one line, exit 2


@pytest.mark.parametrize(("sid", "params", "message"), ISSUE_CASES)
def test_make_names_strategy_parameter_expected_and_got(sid, params, message):
    with pytest.raises(InvalidParameterError) as info:
        make(sid, **params)
    assert str(info.value) == message


@pytest.mark.parametrize("sid", sorted(registry.builtin_ids()))
def test_defaults_and_boundaries_are_accepted(sid):
    cls = REGISTRY[sid].load()
    assert make(sid, **cls().get_params()).get_params() == cls().get_params()  # the defaults
    if "frequency_cap" in cls.parameter_constraints:
        assert make(sid, frequency_cap=None).frequency_cap is None  # no cap


def test_valid_values_of_each_kind_are_accepted():
    make("interest", max_interests=1, platforms=["instagram"])  # a list, as --param gives
    make("lookalike", percent=1)  # an int where a float is expected
    make("lookalike", percent=10.0)  # closed bound
    make("dayparting", n_hours=24)
    make("exclusion", exclude=[], base="interest")
    make("retargeting", platform="linkedin", retarget_share=0)
    make("job-title", include_adjacent=True)
    make("platform-optimized", objective="clicks")
    with pytest.raises(InvalidParameterError, match=r"\(0, inf\)"):
        make("bandit", prior_cost=0)  # open bound


def test_reset_validates_a_strategy_built_directly(briefs_tiny):
    strategy = Broad(platforms=("facebok",))  # the constructor only stores
    with pytest.raises(InvalidParameterError, match="of broad-v1 must be"):
        strategy.reset(np.random.default_rng(0), briefs_tiny)


@pytest.fixture(scope="module")
def briefs_tiny():
    from sim.model import make_brief
    from sim.population import generate
    from sim.scenario import load_scenario

    scenario = load_scenario("tiny", {"population.size": 2000})
    return make_brief(scenario, generate(scenario.population, np.random.SeedSequence(1)))


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        (
            "max_interests=abc",
            "The 'max_interests' parameter of interest-v1 must be an int in [1, inf). "
            "Got 'abc' instead.",
        ),
        ('platforms=["facebok"]', "Got ['facebok'] instead; unknown platform 'facebok'; "
         "did you mean 'facebook'?"),
    ],
)  # fmt: skip
def test_cli_param_is_refused_in_one_line(param, expected):
    done = _cli("run", "tiny", "--strategy", "interest", "--param", param, "--population", "500")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert expected in lines[0]
    assert "Traceback" not in done.stderr
    assert done.stdout == ""  # refused before any run


def test_cli_sweep_refuses_a_bad_swept_value_before_any_run(tmp_path):
    db = tmp_path / "runs.db"
    done = _cli("sweep", "tiny", "--strategies", "interest", "--param",
                "interest:max_interests=2,abc", "--replications", "1", "--population", "500",
                "--db", str(db))  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "recruitsim: error: The 'max_interests' parameter of interest-v1 must be an int in "
        "[1, inf). Got 'abc' instead."
    ]
    assert done.stdout == ""


# --------------------------------------------------------------------------- references


def test_module_class_reference_needs_no_registration():
    strategy = make(README_REF, radius_km=30.0)
    assert isinstance(strategy, TwoInterests)
    assert strategy.radius_km == 30.0
    assert README_REF not in REGISTRY


@pytest.mark.parametrize(
    "ref",
    ["tests.fixtures.readme_strategy:Nope", "tests.fixtures.no_such_module:TwoInterests"],
)
def test_bad_module_class_reference_is_an_unknown_name(ref):
    with pytest.raises(UnknownNameError, match="strategy reference"):
        make(ref)


def test_register_a_fixture_and_list_it(clean_registry):
    strategies.register("fixture-v1", README_REF)
    assert isinstance(make("fixture"), TwoInterests)
    assert isinstance(make("fixture-v1"), TwoInterests)
    listed = {entry.id: entry for entry in list_strategies()}
    assert listed["fixture-v1"].entry_point == README_REF
    assert listed["fixture-v1"].description == TwoInterests.description  # from the class
    assert "fixture-v1" not in registry.builtin_ids()


def test_register_keeps_a_given_description(clean_registry):
    strategies.register("fixture-v1", README_REF, "described at registration")
    listed = {entry.id: entry for entry in list_strategies()}
    assert listed["fixture-v1"].description == "described at registration"


@pytest.mark.parametrize(
    "bad_id", ["fixture", "fixture-v", "Fixture-v1", "fixture-v1.0", "fixture_v1", "-v1", ""]
)
def test_register_refuses_an_unversioned_id(bad_id, clean_registry):
    with pytest.raises(ValueError, match="name-v1") as info:
        strategies.register(bad_id, README_REF)
    assert repr(bad_id) in str(info.value)
    assert bad_id not in REGISTRY


# --------------------------------------------------------------------------- entry points


def test_entry_point_strategy_is_listed_and_made(plugin_installed):
    assert "fixture-plugin-v1" not in REGISTRY
    listed = {entry.id: entry for entry in list_strategies()}
    assert listed["fixture-plugin-v1"].entry_point == "recruitsim_fixture_plugin:JobBoardOnly"
    assert listed["fixture-plugin-v1"].description.startswith("fixture plugin")
    strategy = make("fixture-plugin")
    assert type(strategy).__name__ == "JobBoardOnly"
    assert type(strategy).__module__ == "recruitsim_fixture_plugin"
    assert make("fixture-plugin-v1", frequency_cap=2).frequency_cap == 2


def test_entry_points_cannot_replace_a_builtin_and_say_so(plugin_installed):
    entries = list_strategies()
    assert REGISTRY["broad-v1"].entry_point == "strategies.broad:Broad"
    assert isinstance(make("broad-v1"), Broad)
    (ignored,) = [e for e in entries if e.id == "broad-v1" and e.error]
    assert ignored.entry_point == "recruitsim_fixture_plugin:JobBoardOnly"
    assert ignored.error == "ignored: 'broad-v1' is already registered to strategies.broad:Broad"
    assert ignored.description == f"({ignored.error})"


def test_entry_points_without_a_version_are_listed_as_ignored(plugin_installed):
    listed = {entry.id: entry for entry in list_strategies()}
    assert listed["fixture-unversioned"].error.startswith("ignored: ")
    assert "versioned id like 'name-v1'" in listed["fixture-unversioned"].description
    assert "fixture-unversioned" not in REGISTRY
    with pytest.raises(UnknownNameError):
        make("fixture-unversioned")


def test_a_plugin_that_cannot_be_imported_is_listed_with_its_error(plugin_installed):
    listed = {entry.id: entry for entry in list_strategies()}
    missing = listed["fixture-missing-v1"]
    assert "No module named 'recruitsim_fixture_plugin_not_installed'" in missing.error
    assert missing.description == f"(broken: {missing.error})"
    assert listed["fixture-plugin-v1"].description.startswith("fixture plugin")
    assert not listed["fixture-plugin-v1"].error
    with pytest.raises(UnknownNameError, match="recruitsim_fixture_plugin_not_installed"):
        make("fixture-missing-v1")


def test_a_plugin_whose_module_raises_is_listed_and_refused_in_one_line(plugin_installed):
    listed = {entry.id: entry for entry in list_strategies()}
    raises = listed["fixture-raises-v1"]
    assert raises.error.endswith("RuntimeError: this plugin needs a licence key")
    with pytest.raises(StrategyError) as info:
        make("fixture-raises-v1")
    assert str(info.value) == (
        "strategy reference 'recruitsim_fixture_broken_plugin:Anything' could not be "
        "imported: RuntimeError: this plugin needs a licence key"
    )


def test_cli_lists_broken_entry_points_with_their_error():
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PLUGIN_DIR), str(REPO)])}
    done = subprocess.run(
        [sys.executable, "-m", "sim", "list", "strategies"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    rows = {tuple(line.split(None, 1)) for line in done.stdout.splitlines()}
    ids = [row[0] for row in rows]
    assert "fixture-plugin-v1" in ids
    assert any(
        row[0] == "fixture-missing-v1" and "No module named" in row[1] and "broken" in row[1]
        for row in rows
    )
    assert any(row[0] == "fixture-raises-v1" and "licence key" in row[1] for row in rows)
    assert any(row[0] == "fixture-unversioned" and "ignored" in row[1] for row in rows)


def test_entry_points_are_read_once(plugin_installed, monkeypatch):
    list_strategies()
    calls = []
    monkeypatch.setattr(registry, "entry_points", lambda **kw: calls.append(kw) or [])
    list_strategies()
    resolve_id("broad")
    assert calls == []


def test_plugin_entry_is_a_frozen_spec(plugin_installed):
    list_strategies()
    entry = REGISTRY["fixture-plugin-v1"]
    assert isinstance(entry, StrategyEntry)
    with pytest.raises(AttributeError):
        entry.id = "other-v1"  # type: ignore[misc]


# --------------------------------------------------------------------------- command line


def test_cli_lists_every_strategy_with_a_one_line_description():
    out = subprocess.run(
        [sys.executable, "-m", "sim", "list", "strategies"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    lines = out.splitlines()
    rows = [
        re.fullmatch(r"(?P<id>[a-z0-9-]+-v\d+)\s+(?P<description>\S.*)", line) for line in lines
    ]
    assert all(rows), [line for line, row in zip(lines, rows, strict=True) if not row]
    ids = [row["id"] for row in rows]
    assert len(ids) >= 12
    assert set(registry.builtin_ids()) <= set(ids)
    assert len(ids) == len(set(ids))
    for row in rows:
        assert not row["description"].startswith(("(broken", "(ignored")), row["id"]
        assert len(row["description"]) > 15, row["id"]


# --------------------------------------------------------------------------- one name


@pytest.mark.parametrize(
    ("given", "name"),
    [
        (README_REF, README_REF),  # a reference is its own id
        ("broad", "broad-v1"),
        ("fixture", "fixture-v1"),  # registered under an id that is not the class's
    ],
)
def test_one_name_everywhere(given, name, clean_registry):
    """The progress line, the table and the stored record call a strategy the same."""
    from sim.lab.experiment import expand_grid, run_grid
    from sim.scenario import load_scenario

    strategies.register("fixture-v1", README_REF)
    assert make(given).id == name
    assert make(given).clone().id == name
    assert resolve_id(given) == name
    scenario = load_scenario("tiny", {"population.size": 800, "campaign.days": 2})
    specs = expand_grid([scenario], [given], replications=1)
    shown = []
    records = run_grid(specs, progress=lambda done, total, rec: shown.append(rec["strategy"]))
    assert shown == [name]
    assert [r["strategy"] for r in records] == [name]
    assert [r["label"] for r in records] == [name]
    assert [s.strategy for s in specs] == [name]
