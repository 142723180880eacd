"""A small vocabulary for declaring the type and range of strategy parameters.

Like scikit-learn's ``_parameter_constraints``, each strategy class declares, per
constructor parameter, what it accepts::

    parameter_constraints = {
        "platforms": [PlatformNames()],
        "max_interests": [Interval(int, 1, None)],
        "frequency_cap": [Interval(int, 1, None), None],
    }

A parameter's value is valid when it satisfies any constraint of its list (``None`` in
the list allows the value ``None``). :func:`validate_params` refuses an invalid value
with one line that names the strategy, the parameter, what was expected and what came::

    The 'max_interests' parameter of interest-v1 must be an int in [1, inf). Got 'abc' instead.

Each constraint also knows a few values it refuses (:meth:`Constraint.invalid_values`),
so a single test can drive every registered strategy's declared constraints with bad
input.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any

from sim.errors import StrategyError, did_you_mean
from sim.interests import TOPIC_NAMES
from sim.platforms import PLATFORM_NAMES

# The objectives an AdSet takes (sim.campaign.AdSet.objective).
OBJECTIVES = ("reach", "awareness", "clicks", "applications")


class InvalidParameterError(StrategyError, ValueError):
    """A strategy parameter has a value of the wrong type or out of its range."""


class Constraint:
    """What one parameter accepts. Subclasses implement the three methods below."""

    def is_satisfied_by(self, value: Any) -> bool:
        """Whether ``value`` is acceptable."""
        raise NotImplementedError

    def __str__(self) -> str:
        """What is expected, as a noun phrase ("an int in [1, inf)")."""
        raise NotImplementedError

    def hint(self, value: Any) -> str:
        """Extra help for a refused ``value`` (e.g. "; did you mean 'facebook'?"), or ``""``."""
        return ""

    def invalid_values(self) -> list[Any]:
        """A few values this constraint refuses (for tests of bad input)."""
        raise NotImplementedError


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


class Interval(Constraint):
    """A number in an interval.

    Parameters
    ----------
    type : {int, float}
        ``int`` accepts integers only; ``float`` accepts any real number (integers too)
        but not NaN. Booleans are neither.
    left, right : float or None
        The bounds; ``None`` is unbounded.
    closed : {"both", "left", "right", "neither"}
        Which bounds belong to the interval.
    """

    def __init__(
        self, type: type, left: float | None, right: float | None, *, closed: str = "both"
    ) -> None:
        if type not in (int, float):
            raise ValueError(f"Interval type must be int or float, got {type!r}")
        if closed not in ("both", "left", "right", "neither"):
            raise ValueError(f"closed must be 'both', 'left', 'right' or 'neither', got {closed!r}")
        self.type, self.left, self.right, self.closed = type, left, right, closed

    def is_satisfied_by(self, value: Any) -> bool:
        if not (_is_int(value) if self.type is int else _is_real(value)):
            return False
        if math.isnan(value):
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        lo = "-inf" if self.left is None else f"{self.left:g}"
        hi = "inf" if self.right is None else f"{self.right:g}"
        lb = "[" if self.left is not None and self.closed in ("both", "left") else "("
        rb = "]" if self.right is not None and self.closed in ("both", "right") else ")"
        return f"{'an int' if self.type is int else 'a float'} in {lb}{lo}, {hi}{rb}"

    def invalid_values(self) -> list[Any]:
        out: list[Any] = ["abc", None, True, [1]]
        if self.type is int:
            out.append(1.5)
        else:
            out.append(float("nan"))
        step = 1 if self.type is int else 0.5
        if self.left is not None:
            out.append(self.left - step)
            if self.closed in ("right", "neither"):
                out.append(self.left)
        if self.right is not None:
            out.append(self.right + step)
            if self.closed in ("left", "neither"):
                out.append(self.right)
        return out


class Options(Constraint):
    """One of a fixed set of values (e.g. ``Options(str, {"broad", "interest"})``)."""

    def __init__(self, type: type, options: Iterable[Any]) -> None:
        self.type = type
        self.options = tuple(sorted(options))

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, self.type) and value in self.options

    def __str__(self) -> str:
        return f"one of {', '.join(map(repr, self.options))}"

    def hint(self, value: Any) -> str:
        if isinstance(value, str) and self.type is str:
            hint = did_you_mean(value, self.options)
            return hint if hint.startswith("; did you mean") else ""
        return ""

    def invalid_values(self) -> list[Any]:
        return ["not-an-option", 3, None]


class Boolean(Constraint):
    """``True`` or ``False`` (not 0/1, not "true")."""

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, bool) or type(value).__name__ == "bool_"

    def __str__(self) -> str:
        return "a bool"

    def invalid_values(self) -> list[Any]:
        return ["true", 1, None]


class Names(Constraint):
    """A list (or tuple) of names from a catalogue, e.g. platform names.

    Parameters
    ----------
    catalogue : iterable of str
        The valid names.
    what : str
        What a name is ("platform"), for messages.
    allow_empty : bool
        Whether the empty list is valid.
    """

    def __init__(self, catalogue: Iterable[str], what: str, *, allow_empty: bool = False) -> None:
        self.catalogue = tuple(catalogue)
        self.what = what
        self.allow_empty = allow_empty

    def is_satisfied_by(self, value: Any) -> bool:
        if not isinstance(value, list | tuple) or (not value and not self.allow_empty):
            return False
        return all(isinstance(v, str) and v in self.catalogue for v in value)

    def __str__(self) -> str:
        empty = "" if self.allow_empty else "non-empty "
        return f"a {empty}list of {self.what} names"

    def hint(self, value: Any) -> str:
        if isinstance(value, str):
            return f"; write a list: [{value!r}]"
        if isinstance(value, list | tuple):
            for v in value:
                if isinstance(v, str) and v not in self.catalogue:
                    return f"; unknown {self.what} {v!r}{did_you_mean(v, self.catalogue)}"
        return ""

    def invalid_values(self) -> list[Any]:
        first = self.catalogue[0]
        out: list[Any] = [first, [first + "x"], [3], None, "abc"]
        if not self.allow_empty:
            out.append([])
        return out


class Name(Constraint):
    """One name from a catalogue (e.g. a platform name)."""

    def __init__(self, catalogue: Iterable[str], what: str) -> None:
        self.catalogue = tuple(catalogue)
        self.what = what

    def is_satisfied_by(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.catalogue

    def __str__(self) -> str:
        return f"a {self.what} name"

    def hint(self, value: Any) -> str:
        return did_you_mean(value, self.catalogue) if isinstance(value, str) else ""

    def invalid_values(self) -> list[Any]:
        return [self.catalogue[0] + "x", [self.catalogue[0]], 3, None]


def PlatformNames() -> Names:
    """A non-empty list of platform names (``facebook``, ``linkedin``, ...)."""
    return Names(PLATFORM_NAMES, "platform")


def PlatformName() -> Name:
    """One platform name."""
    return Name(PLATFORM_NAMES, "platform")


def InterestNames() -> Names:
    """A (possibly empty) list of interest names from the platforms' catalogue."""
    return Names(TOPIC_NAMES, "interest", allow_empty=True)


def describe(constraints: list) -> str:
    """What a parameter with these constraints accepts ("an int in [1, inf) or None")."""
    parts = [("None" if c is None else str(c)) for c in constraints]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def check_value(constraints: list, value: Any) -> bool:
    """Whether ``value`` satisfies any of ``constraints`` (``None`` allows ``None``)."""
    return any(value is None if c is None else c.is_satisfied_by(value) for c in constraints)


def validate_params(owner: str, params: Mapping[str, Any], constraints: Mapping[str, list]) -> None:
    """Refuse the first parameter whose value fits none of its declared constraints.

    Parameters
    ----------
    owner : str
        The strategy's id, for the message.
    params : mapping
        Parameter name -> value.
    constraints : mapping
        Parameter name -> list of constraints; parameters not in it are not checked.

    Raises
    ------
    InvalidParameterError
        ``The 'p' parameter of owner must be <what>. Got <value> instead.``
    """
    for name, value in params.items():
        allowed = constraints.get(name)
        if allowed is None or check_value(allowed, value):
            continue
        hints = [c.hint(value) for c in allowed if c is not None]
        hint = next((h for h in hints if h), "")
        message = f"The {name!r} parameter of {owner} must be {describe(allowed)}. "
        message += f"Got {value!r} instead{hint}"
        raise InvalidParameterError(message if message.endswith("?") else message + ".")


def invalid_values(constraints: list) -> list[Any]:
    """Values that fit none of ``constraints`` (from each constraint's own examples)."""
    out = []
    for c in constraints:
        if c is None:
            continue
        for value in c.invalid_values():
            if not check_value(constraints, value) and not any(
                value is v or (type(value) is type(v) and value == v) for v in out
            ):
                out.append(value)
    return out
