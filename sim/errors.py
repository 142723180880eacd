"""The small hierarchy of errors recruitsim raises on bad input.

Every error carries a one-line message that names what is wrong, what was expected
and what came. The command line turns any :class:`RecruitsimError` into that one line
on standard error and exit status 2, never a traceback.
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


class RecruitsimError(Exception):
    """Base class of every error caused by the user's input.

    The command line prints it as one line and exits with :attr:`exit_status`.
    """

    exit_status = 2


class ResourceError(RecruitsimError):
    """The machine, not the input, stopped the work: a worker died, the disk is full.

    The command line exits with status 1; the runs already stored are kept, and running
    the same command again resumes.
    """

    exit_status = 1


class ScenarioError(RecruitsimError):
    """A scenario file (or a value set on the command line) is malformed.

    Parameters
    ----------
    source : str
        The file (or ``"--set"``) the value came from.
    path : str
        Dotted field path, e.g. ``"vacancy.max_distance_km"``.
    message : str
        What was expected and what came.
    """

    def __init__(self, source: str, path: str, message: str) -> None:
        self.source = source
        self.path = path
        where = f"{source}: {path}: " if path else f"{source}: "
        super().__init__(where + message)


class UnknownNameError(RecruitsimError, KeyError):
    """A name (strategy, platform, occupation, place, interest ...) is not known."""

    def __init__(self, kind: str, name: str, known: Iterable[str]) -> None:
        self.kind = kind
        self.name = name
        super().__init__(f"unknown {kind} {name!r}{did_you_mean(name, known)}")

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class PolicyError(RecruitsimError):
    """A targeting spec breaks the platform's advertising policy."""


class StrategyError(RecruitsimError):
    """A strategy broke its contract or could not be built."""


class UnknownParameterError(UnknownNameError):
    """A strategy was given a keyword parameter it does not take."""

    def __init__(self, strategy: str, name: str, known: Iterable[str]) -> None:
        known = list(known)
        hint = did_you_mean(name, known)
        if not hint.startswith("; did"):
            hint = f"; it takes {', '.join(map(repr, known))}" if known else "; it takes none"
        self.kind, self.name = "parameter", name
        RecruitsimError.__init__(self, f"strategy {strategy!r} has no parameter {name!r}{hint}")


class BudgetError(RecruitsimError):
    """A budget is impossible (negative, zero where spend is required, over the total)."""


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """Return ``"; did you mean 'x'?"`` for the closest known name, or a list of choices.

    Parameters
    ----------
    name : str
        The unknown name.
    known : iterable of str
        The valid names.
    """
    known = sorted(set(known))
    if not known:
        return ""
    folded = {_fold(k): k for k in known}
    if _fold(name) in folded:  # "Tromso" for "Tromsø", "baerum" for "Bærum"
        return f"; did you mean {folded[_fold(name)]!r}?"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f"; did you mean {close[0]!r}?"
    if len(known) <= 8:
        return f"; expected one of {', '.join(map(repr, known))}"
    return ""


_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "å": "a", "Å": "A"})


def _fold(text: str) -> str:
    """``text`` in lower-case ASCII letters (Norwegian letters and accents spelled out)."""
    plain = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    return "".join(c for c in plain if not unicodedata.combining(c)).casefold()
