"""The conformance checker (strategies/checks.py).

Every registered strategy passes every check; deliberately broken fixture strategies
(tests/fixtures/broken_strategies.py) prove that each check can fail, through
``check_strategy`` (which stops at the first failure, so each fixture passes the checks
before the one it breaks) and through the check's own function.
"""

from __future__ import annotations

import contextlib
import copy
import inspect

import pytest

import strategies
from strategies import checks
from strategies.checks import CHECKS, CheckFailure, check_strategy, pytest_params
from strategies.registry import builtin_ids
from tests.fixtures import broken_strategies as broken
from tests.fixtures.ground_truth_import import ImportsPopulation
from tests.fixtures.readme_strategy import TwoInterests

CHECK_NAMES = tuple(check.name for check in CHECKS)


@pytest.fixture
def context() -> checks.CheckContext:
    """A private copy of the checker's context, so a broken strategy cannot spoil the shared one."""
    return copy.deepcopy(checks.default_context())


# --------------------------------------------------------------------------- built-ins


def _builtin_params() -> list:
    out = []
    for sid in builtin_ids():
        for param in pytest_params(strategies.make(sid)):
            out.append(pytest.param(*param.values, id=f"{sid}-{param.id}"))
    return out


@pytest.mark.parametrize("check", _builtin_params())
def test_builtin_strategy_passes_check(check):
    check()


def test_there_is_one_parameter_per_builtin_and_check():
    ids = [p.id for p in _builtin_params()]
    assert len(builtin_ids()) >= 12
    assert len(ids) == len(set(ids)) == len(builtin_ids()) * len(CHECKS)
    assert "broad-v1-deterministic" in ids
    assert "bandit-v1-survives_campaign" in ids


def test_pytest_params_are_named_for_the_checks():
    params = pytest_params(strategies.make("broad"))
    assert [p.id for p in params] == list(CHECK_NAMES)


def test_readme_example_strategy_passes_the_checker(context):
    check_strategy(TwoInterests(), context)


def test_fixture_baseline_passes_the_checker(context):
    """The strategy every broken fixture starts from conforms, so each breakage is the cause."""
    check_strategy(broken.Valid(), context)


# --------------------------------------------------------------------------- broken

# (fixture, the check it fails, a fragment its message must contain)
BROKEN = [
    (broken.ReprRaises, "repr", "no repr today"),
    (broken.ReprWithoutClassName, "repr", "<a strategy>"),
    (broken.PositionalParams, "params", "keyword-only"),
    (broken.ParamNotStored, "params", "'platform'"),
    (broken.TransformsParam, "params", "same parameters"),
    (broken.DerivedStateInInit, "params", "history_"),
    (broken.LambdaInReset, "pickles", "after a campaign"),
    (broken.UnseededRng, "deterministic", "not deterministic"),
    (broken.IdDependentBudget, "deterministic", "not deterministic"),
    (broken.OverBudget, "valid_ad_sets", "2,250.00"),
    (broken.GenderOnFacebook, "valid_ad_sets", "'gender'"),
    (broken.UnknownPlatform, "valid_ad_sets", "'myspace'"),
    (broken.DuplicateNames, "valid_ad_sets", "unique"),
    (broken.PlansDicts, "valid_ad_sets", "AdSet"),
    (broken.MutatesBrief, "inputs_untouched", "mutated"),
    (broken.MutatesReport, "inputs_untouched", "mutated"),
    (broken.UsesNumpyGlobalRng, "global_rng_untouched", "global random state"),
    (broken.UsesStdlibRandom, "global_rng_untouched", "global random state"),
    (ImportsPopulation, "no_ground_truth", "sim.population"),
    (broken.HoldsPersonArray, "no_ground_truth", "one row per simulated person"),
    (broken.RaisesPolicyErrorMidCampaign, "survives_campaign", "paused the ad set"),
    (broken.WomenOnlyWhenSkewed, "survives_campaign", "'gender'"),
    (broken.ForgetsPausedSpend, "survives_campaign", "budget is left"),
]


def _make(cls, context: checks.CheckContext):
    if cls is broken.HoldsPersonArray:
        return cls(rows=context.population_size)
    return cls()


@pytest.mark.parametrize(
    ("cls", "name", "fragment"), [pytest.param(*case, id=case[0].__name__) for case in BROKEN]
)
def test_check_strategy_names_the_failed_check(cls, name, fragment, context):
    with pytest.raises(CheckFailure) as info:
        check_strategy(_make(cls, context), context)
    message = str(info.value)
    assert message.startswith(f"[{name}] "), message
    assert fragment in message


@pytest.mark.parametrize(
    ("cls", "name", "fragment"), [pytest.param(*case, id=case[0].__name__) for case in BROKEN]
)
def test_the_check_function_itself_fails(cls, name, fragment, context):
    run = {check.name: check.run for check in CHECKS}[name]
    with pytest.raises(CheckFailure) as info:
        run(_make(cls, context), context)
    assert not str(info.value).startswith("["), "only check_strategy adds the [name] prefix"
    assert fragment in str(info.value)


def test_every_check_has_a_broken_fixture():
    assert {name for _, name, _ in BROKEN} == set(CHECK_NAMES)


def test_check_strategy_leaves_its_context_unchanged(context):
    """A strategy that mutates its inputs must not change the context the checks share."""
    pristine = copy.deepcopy(context)
    with contextlib.suppress(CheckFailure):
        check_strategy(broken.MutatesBrief(), context)
    assert context.brief == pristine.brief, "the strategy's mutation leaked into the context"


def test_checks_run_in_the_documented_order():
    """check_strategy stops at the first failure; the fixtures above rely on this order."""
    assert CHECK_NAMES == (
        "repr",
        "params",
        "pickles",
        "deterministic",
        "valid_ad_sets",
        "inputs_untouched",
        "global_rng_untouched",
        "no_ground_truth",
        "survives_campaign",
    )
    for check in CHECKS:
        assert check.doc, f"check {check.name!r} has no docstring"


def test_ground_truth_fixture_really_imports_the_population():
    """Guard the fixture: the import the no_ground_truth check must find is there."""
    module = inspect.getmodule(ImportsPopulation)
    assert module.Population.__module__ == "sim.population"
