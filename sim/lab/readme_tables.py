"""Regenerate the output tables shown in README.md from real runs.

Every table the README shows as program output sits between two markers::

    <!-- readme-table: make-run -->
    ```
    ...
    ```
    <!-- /readme-table -->

and is written here, never typed: ``python -m sim.lab.readme_tables`` runs the command
each table comes from (through the results store, so a rerun resumes) and rewrites the
block; ``--from FILE`` takes the table from a ``compare.txt`` already written (by
``make run``, for example); ``--check`` only says whether the README is up to date.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent.parent / "README.md"


@dataclass(frozen=True)
class ReadmeTable:
    """A table of the README: the command it comes from and how much of it is shown.

    Parameters
    ----------
    name : str
        The marker's name.
    argv : tuple of str
        The ``recruitsim`` arguments that print the table.
    lines : int
        Lines of the table shown (the rest is elided with ``…``).
    width : int
        Characters of each line shown (a longer line ends in ``" …"``).
    """

    name: str
    argv: tuple[str, ...]
    lines: int = 7
    width: int = 96


#: The tables of the README. ``make-run`` is what ``make run`` prints (see the Makefile).
TABLES = {
    "make-run": ReadmeTable(
        "make-run",
        ("compare", "electrician-bergen", "--strategies", "all", "--replications", "6"),
    ),
}


def render(table: str, spec: ReadmeTable) -> str:
    """The part of ``table`` the README shows: its first lines, cut to the width.

    Parameters
    ----------
    table : str
        The full table as :func:`sim.lab.stats.format_table` prints it.
    spec : ReadmeTable
    """
    rows = [line for line in table.splitlines() if line.strip()]
    shown = [
        line if len(line) <= spec.width else line[: spec.width].rstrip() + " …" for line in rows
    ]
    out = shown[: spec.lines]
    if len(rows) > spec.lines:
        out.append("…")
    return "\n".join(out)


def _pattern(name: str) -> re.Pattern:
    start = rf"<!-- readme-table: {re.escape(name)} -->\n```[a-z]*\n"
    return re.compile(rf"({start})(.*?)(\n```\n<!-- /readme-table -->)", re.S)


def shown_in(readme: str, name: str) -> str:
    """The text of table ``name`` in the README (between its markers)."""
    match = _pattern(name).search(readme)
    if match is None:
        raise KeyError(f"README has no table marked {name!r}")
    return match.group(2)


def replace_in(readme: str, name: str, text: str) -> str:
    """The README with table ``name`` replaced by ``text``."""
    shown_in(readme, name)  # raises if the markers are missing
    return _pattern(name).sub(lambda m: m.group(1) + text + m.group(3), readme, count=1)


def compute(spec: ReadmeTable, db: str = "results/results.db", workers: int | None = None) -> str:
    """Run the grid of ``spec`` (resuming from the store) and return its full table."""
    from sim.lab.cli import _strategy_ids
    from sim.lab.experiment import expand_grid, make_executor, progress_printer, run_grid
    from sim.lab.stats import format_table
    from sim.lab.store import ResultsStore
    from sim.scenario import load_scenario

    args = list(spec.argv)
    if args[0] != "compare":  # pragma: no cover - only compare tables so far
        raise ValueError(f"cannot compute a {args[0]!r} table")
    scenario = load_scenario(args[1])
    ids = _strategy_ids(args[args.index("--strategies") + 1])
    reps = int(args[args.index("--replications") + 1])
    specs = expand_grid([scenario], ids, reps)
    executor = make_executor(workers)
    with ResultsStore(db) as store:
        try:
            records = run_grid(specs, store, executor, progress_printer())
        finally:
            executor.close()
    return format_table(records)


def main(argv: list[str] | None = None) -> int:
    """``python -m sim.lab.readme_tables [--check] [--from FILE] [--table NAME]``."""
    p = argparse.ArgumentParser(prog="python -m sim.lab.readme_tables", description=__doc__)
    p.add_argument("--table", choices=sorted(TABLES), default="make-run")
    p.add_argument("--from", dest="source", metavar="FILE",
                   help="take the table from this compare.txt instead of running it")  # fmt: skip
    p.add_argument("--check", action="store_true", help="only check the README is up to date")
    p.add_argument("--readme", default=str(README), help="the README to update")
    p.add_argument("--db", default="results/results.db", help="results store for the runs")
    p.add_argument("--workers", type=int, help="local worker processes")
    args = p.parse_args(argv)
    spec = TABLES[args.table]
    if args.source:
        table = Path(args.source).read_text(encoding="utf-8")
    else:
        table = compute(spec, args.db, args.workers)
    readme = Path(args.readme)
    text = readme.read_text(encoding="utf-8")
    new = replace_in(text, spec.name, render(table, spec))
    if args.check:
        if new != text:
            sys.stderr.write(f"{readme}: table {spec.name!r} is out of date\n")
            return 1
        print(f"{readme}: table {spec.name!r} is up to date")
        return 0
    readme.write_text(new, encoding="utf-8")
    print(f"updated table {spec.name!r} in {readme}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
