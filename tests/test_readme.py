"""README.md's code runs as written, and its output tables come from the script that makes them.

Every ```python and ```sh block of the README runs here, in order, in one fresh folder,
exactly as written — except blocks that say at their top, visibly,
``# (not run by tests/test_readme.py: <why>)``. A Python block whose first line names a
file (``# my_strategy.py``) is saved under that name first (later blocks import it);
a ``test_*.py`` file runs under pytest, any other file as a script.

The README's output tables sit between ``<!-- readme-table: NAME -->`` markers and are
written by ``python -m sim.lab.readme_tables``; the tests check that machinery on a fast
grid and that the README's table has the columns the code prints today.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO

from sim.lab import readme_tables
from sim.lab.stats import TABLE_METRICS

README = (REPO / "README.md").read_text(encoding="utf-8")
SKIP = "# (not run by tests/test_readme.py"
FILE_NAME = re.compile(r"^# (?P<name>[\w.-]+\.py)\b")


def blocks() -> list[tuple[int, str, str]]:
    """``(line, language, code)`` of every python and sh block, in README order."""
    out = []
    for match in re.finditer(r"^```(python|sh)\n(.*?)^```$", README, re.S | re.M):
        line = README.count("\n", 0, match.start()) + 1
        out.append((line, match.group(1), match.group(2)))
    return out


BLOCKS = blocks()
RUN = [b for b in BLOCKS if SKIP not in b[2]]


def test_the_readme_has_runnable_blocks_and_says_which_are_not():
    assert len(RUN) >= 4
    for _, _, code in BLOCKS:
        if SKIP in code:
            assert code.splitlines()[0].startswith(SKIP) or code.splitlines()[1].startswith(SKIP)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> tuple[Path, dict]:
    """A fresh folder, and an environment whose ``recruitsim`` and ``python`` run this code."""
    folder = tmp_path_factory.mktemp("readme")
    bin_dir = folder / ".bin"
    bin_dir.mkdir()
    # `recruitsim` runs this checkout's code even where a block sets PYTHONPATH itself.
    script = bin_dir / "recruitsim"
    script.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path[1:1] = [{str(REPO)!r}]\n"
        "from sim.lab.cli import main\n\nif __name__ == '__main__':\n    sys.exit(main())\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = {
        **os.environ,
        "PATH": os.pathsep.join(
            [str(bin_dir), str(Path(sys.executable).parent), os.environ["PATH"]]
        ),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(folder)]),
        "MPLBACKEND": "Agg",
    }
    return folder, env


@pytest.mark.parametrize("block", RUN, ids=[f"line{b[0]}-{b[1]}" for b in RUN])
def test_readme_block_runs_as_written(block, workdir):
    line, lang, code = block
    folder, env = workdir
    if lang == "sh":
        cmd = ["bash", "-e", "-o", "pipefail", "-c", code]
    else:
        first = FILE_NAME.match(code)
        name = first.group("name") if first else f"readme_block_{line}.py"
        (folder / name).write_text(code, encoding="utf-8")
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", name]
        if not name.startswith("test_"):
            cmd = [sys.executable, name]
    done = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, (
        f"README line {line}:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    )
    assert "Traceback" not in done.stderr


def test_the_api_example_guards_its_worker_processes():
    api = next(code for _, lang, code in BLOCKS if lang == "python" and "run_grid(" in code)
    assert 'if __name__ == "__main__":' in api


# --------------------------------------------------------------------------- tables


def test_render_and_replace_a_table_from_a_fast_grid():
    from sim.lab.experiment import expand_grid, run_grid
    from sim.lab.stats import format_table
    from sim.scenario import load_scenario

    scenario = load_scenario("tiny", {"population.size": 3000, "campaign.days": 2})
    table = format_table(run_grid(expand_grid([scenario], ["broad", "interest"], 2)))
    spec = readme_tables.ReadmeTable("fast", ("compare", "tiny"), lines=3, width=40)
    shown = readme_tables.render(table, spec)
    lines = shown.splitlines()
    assert lines[0] == table.splitlines()[0][:40].rstrip() + " …"
    assert lines[1].startswith("strategy") and lines[2].startswith("broad-v1")
    assert lines[-1] == "…" and len(lines) == 4
    doc = "before\n<!-- readme-table: fast -->\n```\nold\n```\n<!-- /readme-table -->\nafter\n"
    new = readme_tables.replace_in(doc, "fast", shown)
    assert readme_tables.shown_in(new, "fast") == shown
    assert new.startswith("before\n") and new.endswith("after\n")
    assert readme_tables.replace_in(new, "fast", shown) == new  # idempotent


def test_the_readme_table_has_todays_columns():
    shown = readme_tables.shown_in(README, "make-run").splitlines()
    spec = readme_tables.TABLES["make-run"]
    labels = ["strategy", *[label for _, label, _ in TABLE_METRICS]]
    got = shown[1].removesuffix(" …").split()
    expected = " ".join(labels).split()
    assert got[:-1] == expected[: len(got) - 1] and expected[len(got) - 1].startswith(got[-1])
    assert len(shown) == spec.lines + 1 and shown[-1] == "…"
    assert all(len(line) <= spec.width + 2 for line in shown)
    # The table is what `make run` prints: the same command.
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    assert " ".join(spec.argv) in makefile
