"""The committed bad-input corpus (``tests/bad_inputs/*.toml``): every case exits 2 with one line.

Each case gives the command line's arguments, the files to create first and the
substrings the error line must contain (the file or flag, and the field). The cases run
in-process through :func:`sim.lab.cli.main` — fast, with standard output and error
captured — and a handful again as real subprocesses to prove the exit status and that
no traceback reaches the terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from helpers import REPO

from sim.lab import cli

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
VALID = (CORPUS / "valid.toml").read_text(encoding="utf-8")


def _cases() -> list[dict]:
    out = []
    for file in sorted(CORPUS.glob("*.toml")):
        if file.name == "valid.toml":
            continue
        for case in tomllib.loads(file.read_text(encoding="utf-8"))["case"]:
            case["group"] = file.stem
            out.append(case)
    return out


CASES = _cases()


def _prepare(case: dict, tmp: Path) -> list[str]:
    """Write the case's files into ``tmp``; return its arguments with ``{tmp}`` filled in."""
    for name, text in case.get("files", {}).items():
        (tmp / name).write_text(text.replace("{valid}", VALID), encoding="utf-8")
    for name, hexdata in case.get("hex", {}).items():
        (tmp / name).write_bytes(bytes.fromhex(hexdata))
    return [a.replace("{tmp}", str(tmp)) for a in case["argv"]]


def run_in_process(argv: list[str]) -> tuple[int, str, str]:
    """``recruitsim argv`` in this process: (exit status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status = cli.main(argv)
        except SystemExit as exc:  # argparse's own errors
            status = exc.code if isinstance(exc.code, int) else 2
    return status, out.getvalue(), err.getvalue()


def _check(case: dict, status: int, stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert status == 2, (status, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert lines[0].startswith("recruitsim") and "error: " in lines[0], lines[0]
    for fragment in case["expect"]:
        assert fragment in lines[0], (fragment, lines[0])


def test_the_corpus_is_large_and_covers_every_kind_of_input():
    groups = {c["group"] for c in CASES}
    assert len(CASES) >= 100
    assert groups >= {"files", "values", "flags", "paths", "suites"}
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"


@pytest.mark.parametrize("case", CASES, ids=[f"{c['group']}:{c['id']}" for c in CASES])
def test_bad_input_is_one_line_and_exit_2(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # any default results/ folder lands here
    argv = _prepare(case, tmp_path)
    status, _, stderr = run_in_process(argv)
    _check(case, status, stderr)
    assert not (tmp_path / "results" / "results.db").exists() or case["group"] == "suites"


# A few of every kind again as real processes: the exit status the shell sees.
SUBPROCESS = ["values:nan-budget.total", "flags:seed-2-64", "files:deep-array",
              "paths:db-not-sqlite", "suites:suite-replications-text",
              "flags:strategies-empty"]  # fmt: skip


@pytest.mark.parametrize("key", SUBPROCESS)
def test_bad_input_as_a_real_process(key, tmp_path):
    case = next(c for c in CASES if f"{c['group']}:{c['id']}" == key)
    argv = _prepare(case, tmp_path)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, "-m", "sim", *argv], capture_output=True, text=True, cwd=tmp_path,
        env=env, timeout=120,
    )  # fmt: skip
    _check(case, done.returncode, done.stderr)
