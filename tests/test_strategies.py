"""The strategy contract, the registry and the built-in strategies (strategies/)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys

import numpy as np
import pytest
from helpers import REPO, SCENARIO_FILES, run_model, walk_objects

from sim.campaign import AdSet, AdSetReport, CampaignBrief, DeliveryReport, TargetingSpec
from sim.errors import UnknownNameError
from sim.model import make_brief
from sim.platforms import PLATFORMS
from sim.population import Population, generate
from sim.scenario import load_scenario, replace_path
from strategies import params_table
from strategies.base import (
    InvalidParameterError,
    ad_set_per_platform,
    home_location,
    is_active,
    is_rejected,
    split_budget,
    status_state,
)
from strategies.broad import Broad
from strategies.checks import CHECKS, check_strategy
from strategies.registry import REGISTRY, builtin_ids, list_strategies, make, register, resolve_id

FOUR = ("broad-v1", "demographic-v1", "interest-v1", "job-title-v1")
FORBIDDEN = ("sim.population", "sim.model", "sim.market", "sim.audience", "sim.behavior")


@pytest.fixture(scope="module")
def briefs() -> dict[str, CampaignBrief]:
    """The brief of every bundled scenario, made from a small population of its regions."""
    out = {}
    for path in SCENARIO_FILES:
        scenario = load_scenario(path, {"population.size": 3000})
        pop = generate(scenario.population, np.random.SeedSequence(1))
        out[path.stem] = make_brief(scenario, pop)
    return out


def _plan(sid: str, brief: CampaignBrief, **params) -> list[AdSet]:
    strategy = make(sid, **params)
    strategy.reset(rng=np.random.default_rng(0), brief=brief)
    return list(strategy.plan())


# --------------------------------------------------------------------------- registry


def test_make_by_bare_name_versioned_id_and_reference():
    assert isinstance(make("broad"), Broad)
    assert isinstance(make("broad-v1"), Broad)
    assert isinstance(make("strategies.broad:Broad"), Broad)
    assert make("broad").id == "broad-v1"
    assert resolve_id("broad") == "broad-v1"
    assert resolve_id("job-title") == "job-title-v1"


def test_registered_ids_are_versioned():
    for sid in REGISTRY:
        name, _, version = sid.rpartition("-v")
        assert name and version.isdigit(), sid
    with pytest.raises(ValueError, match="name-v1"):
        register("unversioned", "strategies.broad:Broad")


def test_bare_name_means_the_newest_version(monkeypatch):
    monkeypatch.setitem(
        REGISTRY, "broad-v2", type(REGISTRY["broad-v1"])("broad-v2", "strategies.broad:Broad")
    )
    monkeypatch.setitem(
        REGISTRY, "broad-v10", type(REGISTRY["broad-v1"])("broad-v10", "strategies.broad:Broad")
    )
    assert resolve_id("broad") == "broad-v10"  # numeric, not lexical, order
    assert resolve_id("broad-v1") == "broad-v1"


@pytest.mark.parametrize(
    ("sid", "suggestion"),
    [("brod", "broad"), ("job-titel", "job-title"), ("demographc-v1", "demographic-v1")],
)
def test_typo_gets_did_you_mean(sid, suggestion):
    with pytest.raises(UnknownNameError) as info:
        make(sid)
    assert f"unknown strategy {sid!r}" in str(info.value)
    assert f"did you mean {suggestion!r}" in str(info.value)


def test_unknown_version_and_bad_references_are_refused():
    with pytest.raises(UnknownNameError):
        make("broad-v99")
    with pytest.raises(UnknownNameError, match="strategy reference"):
        make("strategies.broad:NoSuchClass")
    with pytest.raises(UnknownNameError, match="strategy reference"):
        make("no_such_module:Broad")


def test_unknown_parameter_is_refused_naming_the_expected_ones():
    with pytest.raises(UnknownNameError, match="frequncy_cap") as info:
        make("broad", frequncy_cap=3)
    message = str(info.value)
    assert not message.rstrip().endswith("expected one of"), message
    assert "frequency_cap" in message  # what was expected


def test_list_strategies_includes_the_built_ins_with_descriptions():
    entries = {e.id: e for e in list_strategies()}
    for sid in FOUR:
        assert sid in entries
        assert entries[sid].description
    assert set(FOUR) <= set(builtin_ids())
    assert [e.id for e in list_strategies()] == sorted(entries)


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize("sid", FOUR)
def test_get_params_and_clone_round_trip(sid, briefs):
    strategy = make(sid, frequency_cap=3)
    params = strategy.get_params()
    assert params["frequency_cap"] == 3
    assert make(sid, **params).get_params() == params
    strategy.reset(rng=np.random.default_rng(0), brief=briefs["tiny"])
    strategy.plan()
    clone = strategy.clone()
    assert type(clone) is type(strategy) and clone is not strategy
    assert clone.get_params() == params
    assert not [k for k in vars(clone) if k.endswith("_")]  # no derived state
    assert type(strategy).__name__ in repr(strategy)


@pytest.mark.parametrize("sid", FOUR)
def test_constructor_parameters_are_keyword_only(sid):
    cls = type(make(sid))
    with pytest.raises(TypeError):
        cls(("facebook",))


# --------------------------------------------------------------------------- plans


@pytest.mark.parametrize("scenario", [p.stem for p in SCENARIO_FILES])
@pytest.mark.parametrize("sid", FOUR)
def test_built_ins_plan_valid_ad_sets_within_budget(sid, scenario, briefs):
    brief = briefs[scenario]
    plan = _plan(sid, brief)
    policies = {p.name: p.policy for p in brief.platforms}
    names = [a.name for a in plan]
    assert len(names) == len(set(names))
    assert sum(a.budget for a in plan) <= brief.budget + 1e-9
    for a in plan:
        assert isinstance(a, AdSet)
        assert a.budget >= 0
        assert a.platform in policies
        PLATFORMS[a.platform].check(a.targeting, policies[a.platform])  # raises if refused
        assert a.frequency_cap == 8
    if sid in ("broad-v1", "demographic-v1"):
        assert plan, "broad and demographic always find a platform in the bundled scenarios"
        assert sum(a.budget for a in plan) >= brief.budget - 0.01 * len(plan)


@pytest.mark.parametrize("sid", sorted(REGISTRY))
def test_every_registered_strategy_plans_within_budget(sid, briefs):
    for scenario in ("tiny", "electrician-bergen"):
        brief = briefs[scenario]
        plan = _plan(sid, brief)
        policies = {p.name: p.policy for p in brief.platforms}
        assert sum(a.budget for a in plan) <= brief.budget + 1e-9
        for a in plan:
            PLATFORMS[a.platform].check(a.targeting, policies[a.platform])


@pytest.mark.parametrize("sid", sorted(REGISTRY))
def test_every_registered_strategy_passes_the_conformance_checker(sid):
    check_strategy(make(sid))


def test_demographic_drops_age_and_gender_where_policy_bans_them(briefs):
    brief = briefs["tiny"]  # Facebook and Instagram under the employment category
    for a in _plan("demographic", brief):
        assert not a.targeting.genders
        assert a.targeting.age_min == 18 and a.targeting.age_max is None
        assert not {"age", "gender"} & a.targeting.options_used()


def test_demographic_uses_age_and_gender_where_allowed():
    scenario = load_scenario("tiny", {"population.size": 3000})
    scenario = replace_path(
        scenario, "platforms", [{"name": "facebook", "policy": "standard"}, {"name": "linkedin"}]
    )
    brief = make_brief(scenario, generate(scenario.population, np.random.SeedSequence(1)))
    (fb,) = _plan("demographic", brief, platforms=("facebook",))
    assert fb.targeting.genders == ("male",)  # electricians: 97 % men
    lo, hi = brief.vacancy.typical_age
    assert (fb.targeting.age_min, fb.targeting.age_max) == (lo, hi)
    assert fb.targeting.age_min > 18 or fb.targeting.age_max is not None


def test_demographic_targets_women_for_a_female_dominated_job(briefs):
    brief = briefs["nurse-nordland"]
    plans = {a.platform: a for a in _plan("demographic", brief)}
    assert plans["snapchat"].targeting.genders == ("female",)  # standard policy there
    assert not plans["facebook"].targeting.genders  # employment policy


def test_job_title_uses_only_platforms_with_titles(briefs):
    for brief in briefs.values():
        for a in _plan("job-title", brief):
            assert a.platform in ("linkedin", "jobboard")
            assert a.targeting.job_titles == (brief.vacancy.occupation,)


def test_interest_skips_platforms_that_ban_interests(briefs):
    brief = briefs["electrician-bergen"]
    plan = _plan("interest", brief, platforms=("facebook", "tiktok"))
    assert [a.platform for a in plan] == ["facebook"]  # TikTok bans interests under SAC
    assert set(plan[0].targeting.interests) <= set(brief.vacancy.typical_interests)
    assert "electrical engineering" in plan[0].targeting.interests


def test_broad_widens_to_the_minimum_radius(briefs):
    brief = briefs["tiny"]
    fb = next(a for a in _plan("broad", brief) if a.platform == "facebook")
    (loc,) = fb.targeting.locations
    assert loc.place == brief.vacancy.location
    assert loc.radius_km >= max(24.0, brief.vacancy.max_distance_km)


def test_job_title_moves_budget_from_rejected_ad_sets(briefs):
    brief = briefs["tiny"]
    strategy = make("job-title")
    strategy.reset(rng=np.random.default_rng(0), brief=brief)
    plan = strategy.plan()
    assert {a.name for a in plan} == {"job-title-linkedin", "job-title-jobboard"}

    def rep(name, platform, status):
        return AdSetReport(name, platform, status, 0, 0, 0, 0.0, {"male": 0, "female": 0}, 0, 0)

    report = DeliveryReport(
        day=0,
        days_left=6,
        budget_left=1400.0,
        ad_sets=(
            rep("job-title-linkedin", "linkedin", "rejected: audience too small"),
            rep("job-title-jobboard", "jobboard", "active"),
        ),
    )
    revised = strategy.update(report)
    assert [a.name for a in revised] == ["job-title-jobboard"]
    assert revised[0].budget <= 1400.0 and revised[0].budget > 1300.0
    quiet = DeliveryReport(1, 5, 1300.0, (rep("job-title-jobboard", "jobboard", "active"),))
    assert strategy.update(quiet) is None


# --------------------------------------------------------------------------- helpers


def test_ad_set_per_platform_is_one_home_ad_set_per_platform_in_play(briefs):
    brief = briefs["electrician-bergen"]
    offered = [p.name for p in brief.platforms]
    wanted = ("myspace", *reversed(offered))  # order of preference; unknown ones skipped
    plan = ad_set_per_platform(brief, wanted, "x", frequency_cap=5, objective="clicks")
    assert [a.platform for a in plan] == list(reversed(offered))
    assert [a.name for a in plan] == [f"x-{p}" for p in reversed(offered)]
    for a in plan:
        assert a.targeting == TargetingSpec(
            locations=(home_location(brief, brief.platform(a.platform)),)
        )
        assert (a.frequency_cap, a.objective) == (5, "clicks")
    assert [a.budget for a in plan] == split_budget(brief.budget, len(offered))
    assert sum(a.budget for a in plan) <= brief.budget


def test_ad_set_per_platform_splits_only_among_the_platforms_kept(briefs):
    brief = briefs["electrician-bergen"]

    def only_facebook(info, where):
        if info.name != "facebook":
            return None
        return TargetingSpec(locations=where, interests=("cars",))

    (fb,) = ad_set_per_platform(brief, ("facebook", "instagram"), "y", only_facebook, budget=99.999)
    assert fb.budget == 99.99  # the whole of the given budget, in whole øre, rounded down
    assert fb.targeting.interests == ("cars",)
    assert ad_set_per_platform(brief, (), "z") == []


class _TypedStatus:
    """What the engine's typed ad-set status looks like: a ``.state`` and the old text."""

    def __init__(self, state: str, why: str = "") -> None:
        self.state = state
        self.why = why

    def __str__(self) -> str:
        text = self.state.replace("_", " ")
        return f"{text}: {self.why}" if self.why else text


@pytest.mark.parametrize(
    ("status", "state"),
    [
        ("active", "active"),
        ("paused", "paused"),
        ("budget spent", "budget_spent"),
        ("rejected: audience of about 40 people is below Facebook's minimum of 100", "rejected"),
        (_TypedStatus("active"), "active"),
        (_TypedStatus("rejected", "audience too small"), "rejected"),
        (_TypedStatus("budget_spent"), "budget_spent"),
    ],
)
def test_status_accessors_read_both_the_text_and_a_typed_status(status, state):
    report = AdSetReport("a", "facebook", status, 0, 0, 0, 0.0, {}, 0, 0)
    assert status_state(report) == state
    assert is_active(report) is (state == "active")
    assert is_rejected(report) is (state == "rejected")


def test_no_strategy_parses_the_status_text():
    for path in sorted((REPO / "strategies").glob("*.py")):
        if path.name == "base.py":  # the accessors live there
            continue
        text = path.read_text(encoding="utf-8")
        assert ".status" not in text, f"{path.name} reads report.status; use strategies.base"


# --------------------------------------------------------------------------- ground truth


def test_the_brief_holds_no_arrays_or_population(briefs):
    for name, brief in briefs.items():
        assert isinstance(brief, CampaignBrief)
        for obj in walk_objects(brief):
            assert not isinstance(obj, np.ndarray | np.generic), (name, type(obj))
            assert not isinstance(obj, Population), name
            assert not type(obj).__module__.startswith(FORBIDDEN), (name, type(obj))


def test_a_strategy_holds_no_population_after_a_campaign(tiny):
    for sid in FOUR:
        model = run_model(tiny, make(sid), seed=1)
        for obj in walk_objects(vars(model.strategy)):
            assert not isinstance(obj, Population), sid
            if isinstance(obj, np.ndarray):
                assert obj.shape[:1] != (model.population.size,), sid


def test_strategy_modules_import_no_model_internals():
    for path in sorted((REPO / "strategies").glob("*.py")):
        if path.name == "checks.py":  # the checker runs simulations on purpose
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            bad = [n for n in names if n.startswith(FORBIDDEN)]
            assert not bad, f"{path.name} imports {bad}"


def test_importing_the_strategies_loads_no_model_internals():
    code = (
        "import sys, strategies\n"
        "from strategies.registry import builtin_ids\n"
        "for sid in builtin_ids(): strategies.make(sid)\n"
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN!r})]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr


# --------------------------------------------------------------------------- README


def _readme_section(title: str) -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else None]


def _python_blocks(section: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def _import_block(code: str, name: str, tmp_path, monkeypatch):
    """Write a README block to ``name.py`` and import it, as a reader would."""
    import importlib

    (tmp_path / f"{name}.py").write_text(code, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name)


def test_readme_writing_a_strategy_code_blocks_run_as_written(tmp_path, monkeypatch, capsys):
    """Every Python block of "Writing a strategy" runs; the strategies in it conform."""
    blocks = _python_blocks(_readme_section("Writing a strategy"))
    assert len(blocks) == 3
    first, helpers_block, pytest_block = blocks
    assert first.startswith("# my_strategy.py\n")
    module = _import_block(first, "my_strategy", tmp_path, monkeypatch)

    namespace: dict = {}
    exec(compile(pytest_block, "README-pytest", "exec"), namespace)
    params = namespace["pytest_params"](module.TwoInterests())
    assert [p.id for p in params] == [c.name for c in CHECKS]
    for param in params:
        namespace["test_conformance"](*param.values)

    helpers = _import_block(helpers_block, "readme_helpers", tmp_path, monkeypatch)
    out = capsys.readouterr().out
    assert out == (
        "The 'max_interests' parameter of interest-v1 must be an int in [1, inf). "
        "Got 'abc' instead.\n"
    )
    check_strategy(helpers.BroadButPrune())  # its module is read: the allow-list applies
    with pytest.raises(
        InvalidParameterError,
        match="'frequency_cap' parameter of readme_helpers:BroadButPrune must",
    ):
        make("readme_helpers:BroadButPrune", frequency_cap=0)


def test_the_fixture_copy_of_the_readme_strategy_is_verbatim():
    block = _python_blocks(_readme_section("Writing a strategy"))[0]
    fixture = (REPO / "tests" / "fixtures" / "readme_strategy.py").read_text(encoding="utf-8")
    code = fixture.split('"""\n\n', 1)[1]  # after the module docstring
    assert code == block.removeprefix("# my_strategy.py\n")


def test_readme_strategy_parameter_table_is_generated():
    section = _readme_section("The strategies")
    assert params_table.START in section and params_table.END in section
    assert params_table.replace_in(section) == section, (
        "run: python -m strategies.params_table --write README.md"
    )


def test_readme_example_prunes_rejected_platforms(briefs, tmp_path, monkeypatch, capsys):
    blocks = _python_blocks(_readme_section("Writing a strategy"))
    strategy = _import_block(blocks[1], "readme_helpers", tmp_path, monkeypatch).BroadButPrune()
    strategy.reset(np.random.default_rng(0), briefs["tiny"])
    plan = strategy.plan()
    assert [a.name for a in plan] == ["broad-facebook", "broad-instagram"]  # tiny: no Snapchat

    def rep(a, status):
        return AdSetReport(a.name, a.platform, status, 0, 0, 0, 0.0, {}, 0, 0)

    report = DeliveryReport(
        0, 5, 1000.0, (rep(plan[0], "rejected: too small"), rep(plan[1], "active"))
    )
    (kept,) = strategy.update(report)
    assert (kept.platform, kept.budget) == ("instagram", 1000.0)
    quiet = DeliveryReport(1, 4, 900.0, (rep(kept, "active"),))
    assert strategy.update(quiet) is None


def test_status_accessors_read_the_engines_typed_status_when_there_is_one():
    """Once sim.campaign has AdSetStatus, the accessors read it (else the stand-in above)."""
    import sim.campaign

    typed = getattr(sim.campaign, "AdSetStatus", _TypedStatus)
    for state in ("active", "paused", "budget_spent", "rejected"):
        status = typed(state, "audience too small") if state == "rejected" else typed(state)
        report = AdSetReport("a", "facebook", status, 0, 0, 0, 0.0, {}, 0, 0)
        assert status_state(report) == state
        assert is_rejected(report) is (state == "rejected")
        assert is_active(report) is (state == "active")
