"""Regenerate the league table in README.md ("Competing employers").

Usage::

    .venv/bin/python benchmarks/league_table.py            # runs the league, a few minutes
    .venv/bin/python benchmarks/league_table.py --no-run   # only copy the last report's table

It runs :data:`COMMAND` (``recruitsim league ...``) into ``results/reference/league/``
and puts the standings table of its ``report.md`` between the ``league-table`` markers
of the README, so the README's table is always that command's output. ``--no-run``
copies the table of the report already there.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path

from sim.lab.cli import main as recruitsim

ROOT = Path(__file__).resolve().parent.parent
OUT = "results/reference/league"
COMMAND = (
    "recruitsim league electricians-bergen-competition "
    "--strategies broad,interest,job-title,bandit --replications 6 --population 20000 "
    f"--workers 2 --out {OUT}"
)
BEGIN, END = "<!-- league-table:begin -->", "<!-- league-table:end -->"


def standings_table(report_md: str) -> str:
    """The markdown table (with its caption) under '## Standings'."""
    section = report_md.split("## Standings", 1)[1].split("\n## ", 1)[0]
    return section.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="reuse the last report")
    args = parser.parse_args(argv)
    if not args.no_run:
        status = recruitsim(shlex.split(COMMAND)[1:])
        if status:
            return status
    table = standings_table((ROOT / OUT / "report.md").read_text(encoding="utf-8"))
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    block = f"{BEGIN}\n\n```sh\n{COMMAND}\n```\n\n{table}\n\n{END}"
    new, n = re.subn(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    if n != 1:
        sys.stderr.write(f"README.md needs one {BEGIN} ... {END} block, found {n}\n")
        return 1
    readme.write_text(new, encoding="utf-8")
    print(f"wrote the league table into {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
