"""The conformance checker: small named checks every strategy must pass.

``check_strategy(strategy)`` runs them all and raises :class:`CheckFailure` at the first
failure, with a message that says what to fix. For plugin authors, :func:`pytest_params`
gives one pytest parameter per check (the check's name is the test id)::

    import pytest
    from strategies.checks import pytest_params
    from my_package import MyStrategy

    @pytest.mark.parametrize("check", pytest_params(MyStrategy()))
    def test_my_strategy_conforms(check):
        check()

The checks run the strategy against a small simulated campaign (the bundled ``tiny``
scenario, cut to a few days), so the brief and the daily reports it sees are real.
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
import pickle
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from sim.campaign import AdSet, CampaignBrief, DeliveryReport
from sim.errors import RecruitsimError
from sim.platforms import PLATFORMS
from strategies.constraints import InvalidParameterError, validate_params

CHECK_SCENARIO = "tiny"
CHECK_OVERRIDES = {"population.size": 6000, "campaign.days": 3}

#: The modules of ``sim`` a strategy may import: the public types an advertiser works
#: with and the public catalogues. ``None`` allows every name of the module; a set
#: allows only those names (``sim.platforms`` also holds the simulated platforms'
#: hidden parameters, so only its public constants are allowed). Everything else under
#: ``sim`` (population, people, market, behaviour, network, dynamics, pipeline, model,
#: scenario, the lab ...) is the simulation's ground truth or machinery.
ALLOWED_SIM_IMPORTS: dict[str, frozenset[str] | None] = {
    "sim.campaign": None,  # brief, ad sets, reports: what an advertiser sees
    "sim.creative": None,  # the ad's creative (its own public module once the engine split lands)
    "sim.errors": None,  # the errors a strategy may raise or catch
    "sim.geography": None,  # public place names and coordinates
    "sim.occupations": None,  # public occupation statistics (SSB)
    "sim.interests": None,  # the platforms' public interest catalogue
    "sim.platforms": frozenset({"PLATFORM_NAMES", "ALL_OPTIONS", "CUSTOM_AUDIENCES"}),
}


class CheckFailure(AssertionError):
    """A strategy failed a conformance check; the message says what to fix."""


@dataclass(frozen=True)
class Check:
    """One named conformance check."""

    name: str
    run: Callable[[object, CheckContext], None]
    doc: str


@dataclass(frozen=True)
class CheckContext:
    """A real brief and the daily reports of a short campaign run by a reference strategy."""

    brief: CampaignBrief
    reports: tuple[DeliveryReport, ...]
    population_size: int


@functools.lru_cache(maxsize=1)
def default_context() -> CheckContext:
    """The brief and reports of a 3-day ``broad`` campaign on a small population."""
    from sim.model import RecruitingModel, run_seeds
    from sim.scenario import load_scenario
    from strategies.broad import Broad

    scenario = load_scenario(CHECK_SCENARIO, CHECK_OVERRIDES)
    model = RecruitingModel(scenario, Broad(), run_seeds(scenario.seed, 0))
    model.run()
    return CheckContext(model.brief, tuple(model.reports), model.population.size)


def _sim_import_allowed(name: str) -> bool:
    """Whether a dotted import ``name`` (module, or module.attribute) is allowed."""
    if name != "sim" and not name.startswith("sim."):
        return True  # not recruitsim's model: numpy, scipy, the strategy's own package ...
    for module, names in ALLOWED_SIM_IMPORTS.items():
        if name == module:
            return names is None
        if name.startswith(module + "."):
            attr = name[len(module) + 1 :]
            return names is None or attr in names
    return False


def _bad_sim_imports(tree: ast.AST) -> list[str]:
    """The imports of ``sim`` modules or names outside :data:`ALLOWED_SIM_IMPORTS`."""
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad += [a.name for a in node.names if not _sim_import_allowed(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                full = f"{node.module}.{a.name}"
                # ``from sim import occupations`` imports a module: judge it as one
                if node.module == "sim" and f"sim.{a.name}" in ALLOWED_SIM_IMPORTS:
                    ok = ALLOWED_SIM_IMPORTS[f"sim.{a.name}"] is None
                else:
                    ok = _sim_import_allowed(full)
                if not ok:
                    bad.append(full)
    return bad


def _fresh(strategy):
    try:
        return strategy.clone()
    except Exception:
        return copy.deepcopy(strategy)


def _drive(strategy, ctx: CheckContext, seed: int = 0) -> list[list[AdSet] | None]:
    """Reset, plan and update through every report; returns the plans in order."""
    strategy.reset(rng=np.random.default_rng(seed), brief=ctx.brief)
    _require_reset_state(strategy)
    plans: list[list[AdSet] | None] = [list(strategy.plan())]
    for report in ctx.reports:
        revised = strategy.update(report)
        plans.append(None if revised is None else list(revised))
    return plans


def _require_reset_state(strategy) -> None:
    missing = [a for a in ("rng_", "brief_") if not hasattr(strategy, a)]
    if missing:
        name = type(strategy).__name__
        raise CheckFailure(
            f"{name}.reset() did not set {' and '.join('self.' + a for a in missing)}; "
            "call super().reset(rng, brief) first in your reset()"
        )


# --------------------------------------------------------------------------- checks


def check_repr(strategy, ctx: CheckContext) -> None:
    """``repr`` works and names the class."""
    try:
        text = repr(strategy)
    except Exception as exc:
        raise CheckFailure(
            f"repr({type(strategy).__name__}) raised {exc!r}; "
            "store every constructor parameter as an attribute"
        ) from None
    if type(strategy).__name__ not in text:
        raise CheckFailure(f"repr should name the class, got {text!r}")


def check_params(strategy, ctx: CheckContext) -> None:
    """Keyword-only constructor parameters are stored as given; ``clone`` round-trips."""
    cls = type(strategy)
    sig = inspect.signature(cls.__init__)
    positional = [
        p.name
        for p in sig.parameters.values()
        if p.name != "self" and p.kind is p.POSITIONAL_OR_KEYWORD
    ]
    if positional:
        raise CheckFailure(
            f"{cls.__name__}.__init__ parameters must be keyword-only (put them after '*'): "
            f"{positional}"
        )
    for p in sig.parameters.values():
        if p.name != "self" and p.kind is p.KEYWORD_ONLY and not hasattr(strategy, p.name):
            raise CheckFailure(
                f"{cls.__name__}.__init__ must store parameter {p.name!r} as self.{p.name}"
            )
    try:
        params = strategy.get_params()
        clone = strategy.clone()
    except Exception as exc:
        raise CheckFailure(f"get_params()/clone() raised {exc!r}") from None
    if type(clone) is not cls or clone.get_params() != params:
        raise CheckFailure(
            f"clone() must give a {cls.__name__} with the same parameters; "
            f"got {clone.get_params()!r} instead of {params!r}"
        )
    derived = [k for k in vars(clone) if k.endswith("_")]
    if derived:
        raise CheckFailure(
            f"the constructor of {cls.__name__} sets derived state {derived}; "
            "make it in reset() instead"
        )
    declared = getattr(cls, "parameter_constraints", {}) or {}
    unknown = sorted(set(declared) - set(params))
    if unknown:
        raise CheckFailure(
            f"{cls.__name__}.parameter_constraints names {unknown}, which the constructor "
            f"does not take ({', '.join(params) or 'none'})"
        )
    try:
        validate_params(cls.__name__, params, declared)
    except InvalidParameterError as exc:
        raise CheckFailure(
            f"the default parameters break the declared constraints: {exc}"
        ) from None


def check_resets(strategy, ctx: CheckContext) -> None:
    """``reset()`` sets ``rng_`` and ``brief_`` (it calls ``super().reset(rng, brief)``)."""
    s = _fresh(strategy)
    s.reset(rng=np.random.default_rng(0), brief=ctx.brief)
    _require_reset_state(s)


def check_pickles(strategy, ctx: CheckContext) -> None:
    """The strategy pickles before and after a campaign (process and cluster executors)."""
    for stage, obj in (("before reset", _fresh(strategy)), ("after a campaign", None)):
        if obj is None:
            obj = _fresh(strategy)
            _drive(obj, ctx)
        try:
            pickle.loads(pickle.dumps(obj))
        except Exception as exc:
            raise CheckFailure(
                f"{type(strategy).__name__} does not pickle {stage}: {exc!r}; "
                "avoid lambdas, open files and generators in attributes"
            ) from None


def check_deterministic(strategy, ctx: CheckContext) -> None:
    """The same rng seed and inputs give the same plans."""
    one, two = _fresh(strategy), _fresh(strategy)  # both alive: no reused id()s
    first = _drive(one, ctx, seed=7)
    second = _drive(two, ctx, seed=7)
    if first != second:
        raise CheckFailure(
            f"{type(strategy).__name__} is not deterministic: two runs with the same rng "
            "gave different plans; draw random numbers only from the rng given to reset()"
        )


def check_valid_ad_sets(strategy, ctx: CheckContext) -> None:
    """Plans are lists of AdSet on platforms in play, within budget and the platform's policy."""
    s = _fresh(strategy)
    plans = _drive(s, ctx)
    left = [ctx.brief.budget] + [r.budget_left for r in ctx.reports]
    policies = {p.name: p.policy for p in ctx.brief.platforms}
    for step, (plan, budget_left) in enumerate(zip(plans, left, strict=True)):
        if plan is None:
            continue
        where = "plan()" if step == 0 else f"update() after day {step - 1}"
        for a in plan:
            if not isinstance(a, AdSet):
                raise CheckFailure(f"{where}: expected AdSet objects, got {type(a).__name__}")
        names = [a.name for a in plan]
        if len(set(names)) != len(names):
            raise CheckFailure(f"{where}: ad set names must be unique, got {names}")
        total = 0.0
        for a in plan:
            if a.platform not in policies:
                raise CheckFailure(
                    f"{where}: ad set {a.name!r} uses platform {a.platform!r}, which is not in "
                    f"the brief ({', '.join(policies)})"
                )
            if not a.budget >= 0:
                raise CheckFailure(f"{where}: ad set {a.name!r} has budget {a.budget!r} < 0")
            try:
                PLATFORMS[a.platform].check(a.targeting, policies[a.platform])
            except RecruitsimError as exc:
                raise CheckFailure(f"{where}: ad set {a.name!r} is refused: {exc}") from None
            total += a.budget
        if total > budget_left * (1 + 1e-9) + 1e-6:
            raise CheckFailure(
                f"{where}: ad sets plan {total:,.2f} but only {budget_left:,.2f} is left; "
                "budgets are lifetime budgets for the rest of the campaign"
            )


def check_inputs_untouched(strategy, ctx: CheckContext) -> None:
    """The brief and the reports are not mutated."""
    brief = copy.deepcopy(ctx.brief)
    reports = copy.deepcopy(ctx.reports)
    probe = CheckContext(brief, reports, ctx.population_size)
    _drive(_fresh(strategy), probe)
    if brief != ctx.brief or reports != ctx.reports:
        raise CheckFailure(
            f"{type(strategy).__name__} mutated its brief or a report; copy what you change"
        )


def _same_numpy_state(a: tuple, b: tuple) -> bool:
    return all(
        np.array_equal(x, y) if isinstance(x, np.ndarray) else x == y
        for x, y in zip(a, b, strict=True)
    )


def check_global_rng_untouched(strategy, ctx: CheckContext) -> None:
    """Neither ``numpy.random``'s nor ``random``'s global state is used or reseeded.

    Before each call (``reset``, ``plan``, every ``update``) both global generators are
    set to a fresh random state, and they must still be in it after the call, so a
    strategy that reseeds them (``np.random.seed(7)``) is caught even when an earlier
    check left them in exactly the state that seed gives. The states the checker found
    are put back at the end.
    """
    saved_np = np.random.get_state()  # noqa: NPY002 - checking it, not using it
    saved_py = random.getstate()
    fresh = np.random.SeedSequence()  # entropy from the OS: no strategy can guess it
    s = _fresh(strategy)
    calls = [("reset()", lambda: s.reset(rng=np.random.default_rng(0), brief=ctx.brief))]
    calls.append(("plan()", s.plan))
    calls += [(f"update() after day {r.day}", functools.partial(s.update, r)) for r in ctx.reports]
    try:
        for (where, call), seq in zip(calls, fresh.spawn(len(calls)), strict=True):
            np.random.set_state(np.random.RandomState(seq.generate_state(4)).get_state())  # noqa: NPY002
            random.seed(int(seq.generate_state(2, np.uint64)[0]))
            np_before, py_before = np.random.get_state(), random.getstate()  # noqa: NPY002
            call()
            if where == "reset()":
                _require_reset_state(s)
            if not _same_numpy_state(np_before, np.random.get_state()) or (  # noqa: NPY002
                random.getstate() != py_before
            ):
                raise CheckFailure(
                    f"{type(strategy).__name__}.{where} used or reseeded the global random "
                    "state (numpy.random.* or random.*); use the Generator passed to reset() "
                    "as self.rng_"
                )
    finally:
        np.random.set_state(saved_np)  # noqa: NPY002
        random.setstate(saved_py)


def check_no_ground_truth(strategy, ctx: CheckContext) -> None:
    """The strategy imports from ``sim`` only the allowed public modules and holds no
    simulation objects."""
    module = inspect.getmodule(type(strategy))
    source_file = inspect.getsourcefile(type(strategy)) if module else None
    if source_file:
        with open(source_file, encoding="utf-8") as fh:
            tree = ast.parse(fh.read())
        bad = _bad_sim_imports(tree)
        if bad:
            allowed = ", ".join(
                m if names is None else f"{m} ({', '.join(sorted(names))})"
                for m, names in ALLOWED_SIM_IMPORTS.items()
            )
            raise CheckFailure(
                f"{type(strategy).__name__}'s module imports {bad[0]!r}: strategies may import "
                f"from sim only {allowed}"
            )
    # What an advertiser may hold: the allowed modules' types and whatever the brief and
    # the reports are made of (e.g. the vacancy's Creative).
    public = {type(obj) for root in (ctx.brief, ctx.reports) for _, obj in _walk(root, "")}
    s = _fresh(strategy)
    _drive(s, ctx)
    for path, obj in _walk(s, "strategy"):
        mod = type(obj).__module__ or ""
        if type(obj) not in public and not _sim_import_allowed(f"{mod}.{type(obj).__name__}"):
            if mod == "sim" or mod.startswith("sim."):
                raise CheckFailure(f"{path} holds a {type(obj).__name__} from {mod}: ground truth")
        if isinstance(obj, np.ndarray) and obj.ndim and obj.shape[0] == ctx.population_size:
            raise CheckFailure(f"{path} holds an array with one row per simulated person")


def _walk(obj, path: str, depth: int = 0, seen: set | None = None) -> Iterator[tuple[str, object]]:
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 5:
        return
    seen.add(id(obj))
    yield path, obj
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, list | tuple | set | frozenset):
        items = enumerate(obj)
    elif hasattr(obj, "__dict__") and not isinstance(obj, type):
        items = vars(obj).items()
    else:
        return
    for key, value in items:
        if isinstance(value, str | int | float | bool | type(None)):
            continue
        yield from _walk(value, f"{path}.{key}", depth + 1, seen)


def check_survives_campaign(strategy, ctx: CheckContext) -> None:
    """A short simulated campaign with the strategy runs to the end."""
    from sim.model import run
    from sim.scenario import load_scenario

    scenario = load_scenario(CHECK_SCENARIO, CHECK_OVERRIDES)
    try:
        run(scenario, _fresh(strategy))
    except RecruitsimError as exc:
        raise CheckFailure(f"the campaign stopped with: {exc}") from None


CHECKS: tuple[Check, ...] = tuple(
    Check(name, func, (func.__doc__ or "").strip())
    for name, func in (
        ("repr", check_repr),
        ("params", check_params),
        ("resets", check_resets),
        ("pickles", check_pickles),
        ("deterministic", check_deterministic),
        ("valid_ad_sets", check_valid_ad_sets),
        ("inputs_untouched", check_inputs_untouched),
        ("global_rng_untouched", check_global_rng_untouched),
        ("no_ground_truth", check_no_ground_truth),
        ("survives_campaign", check_survives_campaign),
    )
)


def check_strategy(strategy, context: CheckContext | None = None) -> None:
    """Run every conformance check on ``strategy``.

    Raises
    ------
    CheckFailure
        At the first check that fails, prefixed with the check's name.
    """
    _require_instance(strategy, "check_strategy")
    ctx = context or default_context()
    for check in CHECKS:
        try:  # each check gets its own copy: a strategy that mutates its inputs can't spoil it
            check.run(strategy, copy.deepcopy(ctx))
        except CheckFailure as exc:
            raise CheckFailure(f"[{check.name}] {exc}") from None


def pytest_params(strategy) -> list:
    """One ``pytest.param`` per check (id: the check's name), each a no-argument callable."""
    import pytest

    _require_instance(strategy, "pytest_params")
    return [
        pytest.param(functools.partial(_run_one, check, strategy), id=check.name)
        for check in CHECKS
    ]


def _require_instance(strategy, caller: str) -> None:
    if isinstance(strategy, type):
        name = strategy.__name__
        raise CheckFailure(
            f"{caller}() takes a strategy instance, not the class {name}; "
            f"call {caller}({name}()) instead"
        )


def _run_one(check: Check, strategy) -> None:
    check.run(strategy, copy.deepcopy(default_context()))
