"""Plain data (as read from TOML) into frozen dataclasses, checked field by field.

The generic half of scenario loading, apart from the scenario's own schema
(:mod:`sim.scenario`) so that other files (benchmark suites, a strategy's parameters)
can be checked the same way. A schema is a tree of frozen dataclasses whose fields
carry their documentation and limits in ``metadata`` (made with :func:`documented`):

- ``doc``, ``unit``: what the field means and its unit (for ``scenarios/README.md``);
- ``min``, ``max``: inclusive bounds of a number; ``above``: an exclusive lower bound;
- ``choices``: the allowed values of a string.

:func:`build` walks the tree and raises :class:`~sim.errors.ScenarioError` naming the
source, the dotted field path, what was expected and what came. Numbers must be finite:
``nan`` and ``inf`` (which TOML reads as floats) are refused everywhere.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import os
import tomllib
import types
import typing
from dataclasses import field
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from sim.errors import ScenarioError, did_you_mean

__all__ = [
    "FrozenParams",
    "Scalar",
    "build",
    "check_limits",
    "describe",
    "documented",
    "field_paths",
    "join",
    "read_toml",
    "set_dotted",
    "to_dict",
]

#: A scalar value in a scenario file.
Scalar = str | int | float | bool

#: Deepest nesting of lists and tables accepted (a scenario needs three levels).
MAX_DEPTH = 16


def documented(default: Any = dataclasses.MISSING, *, doc: str, unit: str = "", **limits: Any):
    """A dataclass field with documentation and validation limits in its metadata.

    Parameters
    ----------
    default : Any, optional
        The default (lists and dicts are deep-copied per instance); required if absent.
    doc : str
        What the field means.
    unit : str, optional
        Its unit (``"share"`` for a fraction of 1).
    **limits
        ``min``, ``max``, ``above`` (exclusive lower bound) or ``choices``.
    """
    meta = {"doc": doc, "unit": unit, **limits}
    if isinstance(default, list | dict):
        value = default
        return field(default_factory=lambda: copy.deepcopy(value), metadata=meta)
    if default is dataclasses.MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


class FrozenParams(dict):
    """A read-only, hashable dict (strategy parameters inside a frozen scenario)."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("scenario strategy parameters are read-only; use replace_path()")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse  # type: ignore[assignment]

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(tuple(sorted(self.items())))

    def __reduce__(self):
        return (FrozenParams, (dict(self),))


def read_toml(file: str | os.PathLike, source: str, what: str = "file") -> dict[str, Any]:
    """Read a TOML file into plain data; any problem is one :class:`ScenarioError`.

    A UTF-8 byte-order mark (as some Windows editors write) is accepted.

    Parameters
    ----------
    file : path-like
        The file to read.
    source : str
        How the error names it (the path or scenario name the user gave).
    what : str
        What the file is, for the message ("file", "suite").
    """
    try:
        text = Path(file).read_text(encoding="utf-8-sig")
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, "", f"not valid TOML: {exc}") from None
    except RecursionError:
        raise ScenarioError(source, "", "not valid TOML: nested too deeply") from None
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ScenarioError(source, "", f"cannot read {what}: {reason}") from None
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            source, "", f"expected UTF-8 text, got byte {exc.object[exc.start]:#x} at {exc.start}"
        ) from None


def to_dict(obj: Any) -> Any:
    """A dataclass tree as plain JSON-ready data (tuples become lists)."""
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, tuple | list):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def field_paths(cls: type, prefix: str = "") -> list[tuple[str, dataclasses.Field]]:
    """Every documented field of ``cls`` as ``(dotted path, Field)``, depth first."""
    out = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        path = f"{prefix}{f.name}"
        out.append((path, f))
        inner = _dataclass_inside(hints[f.name])
        if inner is not None:
            out.extend(field_paths(inner, path + "."))
    return out


def _dataclass_inside(tp: Any) -> type | None:
    if dataclasses.is_dataclass(tp):
        return tp
    if get_origin(tp) is tuple:
        args = [a for a in get_args(tp) if a is not Ellipsis]
        if len(args) == 1 and dataclasses.is_dataclass(args[0]):
            return args[0]
    return None


def set_dotted(data: dict[str, Any], dotted: str, value: Any, source: str) -> None:
    """Set ``data[a][b][c] = value`` for ``dotted = "a.b.c"``, making tables as needed."""
    keys = dotted.split(".")
    if not all(keys):
        raise ScenarioError(source, dotted, "expected a dotted field path like budget.total")
    node = data
    for i, key in enumerate(keys[:-1]):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ScenarioError(source, ".".join(keys[: i + 1]), "is not a table")
        node = child
    node[keys[-1]] = value


def describe(value: Any) -> str:
    """``"number nan"``, ``"string 'x'"``: a value's kind and (shortened) repr for errors."""
    kind = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list"}.get(
        type(value), "table" if isinstance(value, dict) else type(value).__name__
    )
    try:
        text = repr(value)
    except (RecursionError, ValueError):  # a deeply nested list, a huge integer
        text = "..."
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kind} {text}"


def join(path: str, key: str) -> str:
    """``path.key`` (or ``key`` at the top)."""
    return f"{path}.{key}" if path else str(key)


def _depth(path: str) -> int:
    return path.count(".") + path.count("[")


def build(tp: Any, value: Any, path: str, source: str) -> Any:
    """Convert ``value`` to type ``tp`` or raise a ScenarioError naming ``path``.

    Parameters
    ----------
    tp : type
        A frozen dataclass, ``tuple[X, ...]``, ``dict[str, X]``, a union, or a scalar type.
    value : Any
        Plain data as TOML reads it.
    path : str
        Dotted path of ``value`` (``""`` at the top).
    source : str
        The file (or flag) the data came from, for the error message.
    """
    if _depth(path) > MAX_DEPTH:
        raise ScenarioError(source, path, f"nested more than {MAX_DEPTH} levels deep")
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            raise ScenarioError(source, path, f"expected a table, got {describe(value)}")
        hints = typing.get_type_hints(tp)
        fields = {f.name: f for f in dataclasses.fields(tp)}
        for key in value:
            if key not in fields:
                raise ScenarioError(
                    source, join(path, key), "unknown key" + did_you_mean(key, fields)
                )
        kwargs = {}
        for name, f in fields.items():
            sub = join(path, name)
            if name in value:
                built = build(hints[name], value[name], sub, source)
                check_limits(f, built, sub, source)
                kwargs[name] = built
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise ScenarioError(
                    source, sub, f"missing required field ({f.metadata.get('doc', '')})"
                )
        try:
            return tp(**kwargs)
        except (TypeError, ValueError) as exc:
            # A dataclass's own check names its field first ("acceptance: expected ...").
            name, sep, rest = str(exc).partition(": ")
            if sep and name in fields:
                raise ScenarioError(source, join(path, name), rest) from None
            raise ScenarioError(source, path, str(exc)) from None
    origin = get_origin(tp)
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ScenarioError(source, path, f"expected a list, got {describe(value)}")
        (item_tp, *_) = [a for a in get_args(tp) if a is not Ellipsis]
        return tuple(build(item_tp, v, f"{path}[{i}]", source) for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise ScenarioError(source, path, f"expected a table, got {describe(value)}")
        _, val_tp = get_args(tp)
        return FrozenParams(
            {str(k): build(val_tp, v, join(path, k), source) for k, v in value.items()}
        )
    if origin in (types.UnionType, typing.Union):
        for option in get_args(tp):
            try:
                return build(option, value, path, source)
            except ScenarioError as exc:
                if "finite" in str(exc) or "nested" in str(exc):
                    raise
                continue
        raise ScenarioError(source, path, f"expected a scalar or a list, got {describe(value)}")
    if origin is Literal:  # pragma: no cover - not used in the schemas
        raise TypeError(tp)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ScenarioError(source, path, f"expected a number, got {describe(value)}")
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise ScenarioError(source, path, f"expected a finite number, got {value!r}")
        return number
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScenarioError(source, path, f"expected an integer, got {describe(value)}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ScenarioError(source, path, f"expected true or false, got {describe(value)}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ScenarioError(source, path, f"expected a string, got {describe(value)}")
        return value
    raise ScenarioError(source, path, f"expected {_type_name(tp)}, got {describe(value)}")


def _type_name(tp: Any) -> str:
    names = {float: "a number", int: "an integer", str: "a string", bool: "true or false"}
    if tp in names:
        return names[tp]
    if dataclasses.is_dataclass(tp) or get_origin(tp) is dict:
        return "a table"
    if get_origin(tp) is tuple:
        return "a list"
    return str(tp)


def _num(x: float) -> str:
    """A limit as people write it: ``0``, ``0.5``, ``1e+09``, ``10000000``."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def check_limits(f: dataclasses.Field, value: Any, path: str, source: str) -> None:
    """Refuse ``value`` if it breaks the ``choices``, ``min``, ``max`` or ``above`` of ``f``."""
    meta = f.metadata
    unit = f" {meta['unit']}" if meta.get("unit") and meta["unit"] != "share" else ""
    if "choices" in meta and value not in meta["choices"]:
        hint = did_you_mean(str(value), meta["choices"])
        hint = hint if hint.startswith("; did") else ""
        choices = " | ".join(meta["choices"])
        raise ScenarioError(source, path, f"expected {choices}, got {value!r}{hint}")
    if meta.get("nonempty") and isinstance(value, str | tuple) and not value:
        raise ScenarioError(source, path, f"expected a non-empty value, got {value!r}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "min" in meta and value < meta["min"]:
            raise ScenarioError(
                source, path, f"expected a value >= {_num(meta['min'])}{unit}, got {value!r}"
            )
        if "above" in meta and value <= meta["above"]:
            raise ScenarioError(
                source, path, f"expected a value > {_num(meta['above'])}{unit}, got {value!r}"
            )
        if "max" in meta and value > meta["max"]:
            raise ScenarioError(
                source, path, f"expected a value <= {_num(meta['max'])}{unit}, got {value!r}"
            )
