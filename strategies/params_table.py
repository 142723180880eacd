"""The README's table of built-in strategy parameters, made from the declared constraints.

``python -m strategies.params_table`` prints it; ``--write README.md`` replaces the
table between the ``strategy-parameters`` markers of that file. A test checks that the
README's table is this one.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from pathlib import Path

from strategies.constraints import describe

START = "<!-- strategy-parameters:start (python -m strategies.params_table --write README.md) -->"
END = "<!-- strategy-parameters:end -->"


def table() -> str:
    """The Markdown table: one row per built-in strategy parameter.

    Returns
    -------
    str
        Header, separator and rows, without a trailing newline.
    """
    from strategies.registry import REGISTRY, builtin_ids

    rows = ["| strategy | parameter | default | accepts |", "|---|---|---|---|"]
    for sid in sorted(builtin_ids()):
        cls = REGISTRY[sid].load()
        sig = inspect.signature(cls.__init__)
        for name in cls._param_names():
            default = sig.parameters[name].default
            declared = cls.parameter_constraints.get(name)
            accepts = describe(declared) if declared else "(not declared)"
            rows.append(f"| `{sid}` | `{name}` | `{default!r}` | {accepts} |")
    return "\n".join(rows)


def replace_in(text: str) -> str:
    """``text`` with the table between the markers replaced by :func:`table`.

    Raises
    ------
    ValueError
        The markers are missing.
    """
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the markers {START!r} and {END!r} are missing")
    return text[: start + len(START)] + "\n" + table() + "\n" + text[end:]


def main(argv: list[str] | None = None) -> int:
    """Print the table, or write it into a file between the markers."""
    parser = argparse.ArgumentParser(prog="python -m strategies.params_table")
    parser.add_argument("--write", metavar="FILE", help="replace the table in FILE")
    args = parser.parse_args(argv)
    if args.write:
        path = Path(args.write)
        path.write_text(replace_in(path.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        sys.stdout.write(table() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
