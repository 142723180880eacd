"""The strategy registry: versioned ids, ``"module:Class"`` references and entry points.

Ids are versioned (``broad-v1``); an id without a version (``broad``) means its newest
version. Third-party packages register strategies through the entry-point group
``recruitsim.strategies`` (name: the id, value: ``"module:Class"``). An unknown id
gets a "did you mean".
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from importlib.metadata import entry_points

from sim.errors import StrategyError, UnknownNameError, UnknownParameterError
from strategies.constraints import validate_params

ENTRY_POINT_GROUP = "recruitsim.strategies"
_VERSIONED = re.compile(r"^(?P<name>[a-z0-9][a-z0-9-]*?)-v(?P<version>\d+)$")


@dataclass(frozen=True)
class StrategyEntry:
    """A registered strategy: its id, where its class lives and a one-line description."""

    id: str
    entry_point: str
    description: str = ""
    error: str = ""  # why the strategy cannot be used (e.g. its module fails to import)

    def load(self) -> type:
        """Import and return the strategy class."""
        return load_reference(self.entry_point)


REGISTRY: dict[str, StrategyEntry] = {}
#: Entry points that were not registered, with the reason (listed, never made).
IGNORED_ENTRY_POINTS: list[StrategyEntry] = []
_entry_points_loaded = False


def register(id: str, entry_point: str, description: str = "") -> None:
    """Register a strategy class under a versioned id (``name-vN``)."""
    if not _VERSIONED.match(id):
        raise ValueError(f"strategy id must look like 'name-v1', got {id!r}")
    REGISTRY[id] = StrategyEntry(id, entry_point, description)


def load_reference(ref: str) -> type:
    """Import ``"package.module:Class"``."""
    module_name, _, attr = ref.partition(":")
    if not attr:
        raise UnknownNameError("strategy reference (module:Class)", ref, [])
    try:
        module = importlib.import_module(module_name)
        return getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise UnknownNameError("strategy reference", f"{ref} ({exc})", []) from None
    except Exception as exc:  # the module itself is broken: one line, not its traceback
        raise StrategyError(
            f"strategy reference {ref!r} could not be imported: {_one_line(exc)}"
        ) from None


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _load_entry_points() -> None:
    global _entry_points_loaded
    if _entry_points_loaded:
        return
    _entry_points_loaded = True
    IGNORED_ENTRY_POINTS.clear()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if not _VERSIONED.match(ep.name):
            why = "ignored: an entry point's name must be a versioned id like 'name-v1'"
        elif ep.name in REGISTRY:
            why = f"ignored: {ep.name!r} is already registered to {REGISTRY[ep.name].entry_point}"
        else:
            REGISTRY[ep.name] = StrategyEntry(ep.name, ep.value, "")
            continue
        IGNORED_ENTRY_POINTS.append(StrategyEntry(ep.name, ep.value, f"({why})", why))


def resolve_id(id: str) -> str:
    """The registered id for ``id`` (adds the newest version to a bare name).

    A ``"module:Class"`` reference is its own id.
    """
    if ":" in id:
        return id
    _load_entry_points()
    if id in REGISTRY:
        return id
    versions = [
        (int(m["version"]), key)
        for key in REGISTRY
        if (m := _VERSIONED.match(key)) and m["name"] == id
    ]
    if versions:
        return max(versions)[1]
    known = list(REGISTRY) + sorted({_VERSIONED.match(k)["name"] for k in REGISTRY})
    raise UnknownNameError("strategy", id, known)


def make(id: str, **params):
    """A new strategy instance from an id (``broad``, ``broad-v1``) or ``"module:Class"``.

    The instance's ``id`` is the registry's resolved name (``broad-v1`` for ``broad``;
    the reference itself for ``"module:Class"``), so progress lines, tables and stored
    records all call it the same.

    Raises
    ------
    UnknownNameError
        An unknown id, a reference that cannot be imported, or an unknown parameter.
    InvalidParameterError
        A parameter breaks the strategy's declared ``parameter_constraints``, e.g.
        ``The 'max_interests' parameter of interest-v1 must be an int in [1, inf).
        Got 'abc' instead.``
    StrategyError
        The class could not be built.
    """
    rid = resolve_id(id)
    cls = load_reference(rid) if ":" in rid else REGISTRY[rid].load()
    names = cls._param_names() if hasattr(cls, "_param_names") else None
    for key in params:
        if names is not None and key not in names:
            raise UnknownParameterError(rid, key, names)
    validate_params(rid, params, getattr(cls, "parameter_constraints", {}))
    try:
        strategy = cls(**params)
    except TypeError as exc:
        raise StrategyError(f"strategy {rid!r}: {exc}") from None
    if getattr(strategy, "id", None) != rid:
        try:
            strategy.id = rid
        except AttributeError:  # __slots__ or a read-only property: keep the class's name
            pass
    return strategy


def list_strategies() -> list[StrategyEntry]:
    """Every registered strategy, sorted by id, with descriptions filled from the class.

    A strategy that cannot be loaded (its module fails to import, or the reference names
    no class) is listed with ``error`` set and the error as its description; entry points
    that were not registered (no version in the name, or an id already taken) follow,
    with the reason.
    """
    _load_entry_points()
    out = []
    for key in sorted(REGISTRY):
        entry = REGISTRY[key]
        try:
            cls = entry.load()
            if not isinstance(cls, type):
                raise StrategyError(f"{entry.entry_point} is a {type(cls).__name__}, not a class")
        except Exception as exc:  # a broken plugin must not break the listing
            error = (
                str(exc) if isinstance(exc, StrategyError | UnknownNameError) else _one_line(exc)
            )
            entry = StrategyEntry(entry.id, entry.entry_point, f"(broken: {error})", error)
        else:
            if not entry.description:
                desc = getattr(cls, "description", "")
                entry = StrategyEntry(entry.id, entry.entry_point, desc)
        out.append(entry)
    return out + sorted(IGNORED_ENTRY_POINTS, key=lambda e: (e.id, e.entry_point))


def builtin_ids() -> list[str]:
    """Ids of the strategies shipped with recruitsim."""
    return [k for k, e in REGISTRY.items() if e.entry_point.startswith("strategies.")]
