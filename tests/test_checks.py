"""The conformance checker (strategies/checks.py).

Every registered strategy passes every check; deliberately broken fixture strategies
(tests/fixtures/broken_strategies.py) prove that each check can fail, through
``check_strategy`` (which stops at the first failure, so each fixture passes the checks
before the one it breaks) and through the check's own function.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import inspect
import random

import numpy as np
import pytest
from helpers import REPO

import strategies
from strategies import checks
from strategies.broad import Broad
from strategies.checks import CHECKS, CheckFailure, check_strategy, pytest_params
from strategies.registry import builtin_ids
from tests.fixtures import broken_strategies as broken
from tests.fixtures.ground_truth_import import ImportsPopulation
from tests.fixtures.network_import import ImportsNetwork
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
    (broken.ConstraintForNoParameter, "params", "['shares']"),
    (broken.DefaultBreaksConstraint, "params", "must be a float in [0, 0.5]. Got 0.9 instead."),
    (broken.ResetWithoutSuper, "resets", "call super().reset(rng, brief)"),
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
    (broken.ReseedsGlobalRngInReset, "global_rng_untouched", "reset() used or reseeded"),
    (ImportsPopulation, "no_ground_truth", "sim.population"),
    (ImportsNetwork, "no_ground_truth", "'sim.network.SocialGraph'"),
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
        "resets",
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


def test_ground_truth_fixtures_really_import_what_they_claim():
    assert inspect.getmodule(ImportsNetwork).SocialGraph.__module__ == "sim.network"


# --------------------------------------------------------------------------- sharp edges


def test_reseeding_the_global_rng_is_caught_even_from_the_state_the_seed_gives(context):
    """Earlier checks (or the caller) may leave numpy's global state exactly where
    ``np.random.seed(7)`` puts it; a before/after comparison alone then sees no change."""
    run = {check.name: check.run for check in CHECKS}["global_rng_untouched"]
    np.random.seed(7)  # noqa: NPY002 - the state the fixture reseeds to
    with pytest.raises(CheckFailure, match="reseeded"):
        run(broken.ReseedsGlobalRngInReset(), context)


def test_the_rng_check_puts_the_global_states_back(context):
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    expected_np, expected_py = np.random.random(), random.random()  # noqa: NPY002
    np.random.seed(123)  # noqa: NPY002
    random.seed(123)
    run = {check.name: check.run for check in CHECKS}["global_rng_untouched"]
    run(broken.Valid(), context)
    with pytest.raises(CheckFailure):
        run(broken.UsesNumpyGlobalRng(), context)
    assert np.random.random() == expected_np  # noqa: NPY002
    assert random.random() == expected_py


@pytest.mark.parametrize("entry", [check_strategy, pytest_params])
def test_a_class_instead_of_an_instance_gets_one_clear_line(entry):
    with pytest.raises(CheckFailure) as info:
        entry(Broad)
    message = str(info.value)
    assert "\n" not in message
    assert message == (
        f"{entry.__name__}() takes a strategy instance, not the class Broad; "
        f"call {entry.__name__}(Broad()) instead"
    )


def test_reset_without_super_gets_one_clear_line(context):
    with pytest.raises(CheckFailure) as info:
        check_strategy(broken.ResetWithoutSuper(), context)
    assert str(info.value) == (
        "[resets] ResetWithoutSuper.reset() did not set self.rng_ and self.brief_; "
        "call super().reset(rng, brief) first in your reset()"
    )


# --------------------------------------------------------------------------- allow-list


def _imports(code: str) -> list[str]:
    return checks._bad_sim_imports(ast.parse(code))


@pytest.mark.parametrize(
    "code",
    [
        "from sim.campaign import AdSet, TargetingSpec",
        "from sim import occupations",
        "import sim.interests",
        "from sim.geography import centre_km",
        "from sim.errors import PolicyError",
        "from sim.platforms import PLATFORM_NAMES",
        "import numpy as np",
        "from strategies.base import Strategy",
        "from . import helpers",
    ],
)
def test_allowed_imports(code):
    assert _imports(code) == []


@pytest.mark.parametrize(
    ("code", "bad"),
    [
        ("from sim.network import SocialGraph", "sim.network.SocialGraph"),
        ("from sim import network", "sim.network"),
        ("import sim.dynamics", "sim.dynamics"),
        ("from sim.pipeline import Pipeline", "sim.pipeline.Pipeline"),
        ("from sim.scenario import load_scenario", "sim.scenario.load_scenario"),
        ("from sim.platforms import PLATFORMS", "sim.platforms.PLATFORMS"),
        ("import sim.platforms", "sim.platforms"),
        ("import sim", "sim"),
        ("from sim.lab.experiment import replicate", "sim.lab.experiment.replicate"),
        ("from sim.model import run", "sim.model.run"),
    ],
)
def test_refused_imports(code, bad):
    assert _imports(code) == [bad]


def test_the_allow_list_names_only_modules_that_exist():
    import importlib
    import importlib.util

    for module, names in checks.ALLOWED_SIM_IMPORTS.items():
        if module == "sim.creative" and importlib.util.find_spec(module) is None:
            continue  # Creative moves there from sim.scenario with the engine split
        mod = importlib.import_module(module)
        for name in names or ():
            assert hasattr(mod, name), f"{module}.{name}"


def test_built_in_strategy_modules_pass_the_allow_list():
    for path in sorted((REPO / "strategies").glob("*.py")):
        if path.name == "checks.py":  # the checker runs simulations on purpose
            continue
        assert _imports(path.read_text(encoding="utf-8")) == [], path.name
