"""Golden run summaries: refactors that only move code keep every number identical."""

from __future__ import annotations

import json

import pytest
from golden.record import GOLDEN, cases, key, summary

GOLDENS = json.loads(GOLDEN.read_text())


@pytest.mark.parametrize("case", cases()[::3], ids=lambda c: "-".join(map(str, c)))
def test_run_matches_golden(case):
    assert summary(*case) == GOLDENS[key(*case)]


def test_every_case_has_a_golden():
    assert sorted(GOLDENS) == sorted(key(*c) for c in cases())
