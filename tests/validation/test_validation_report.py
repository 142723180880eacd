"""The validation runner's plumbing: study definitions, the report and the CLI."""

from __future__ import annotations

import pytest

from sim.errors import UnknownNameError
from sim.lab import validation as v
from sim.lab.cli import main
from sim.scenario import load_scenario


def test_every_study_has_a_scenario_that_loads_and_a_baseline():
    for study in v.STUDIES:
        load_scenario(v.VALIDATION_DIR / study.scenario)
        assert study.variants[0].name == "baseline"
        assert len(study.scenarios()) == len(study.variants) * len(study.points)


def test_get_study_suggests_a_close_id():
    assert v.get_study("R1-budget").title
    with pytest.raises(UnknownNameError, match="did you mean 'R1-budget'"):
        v.get_study("R1-budgte")


def test_run_counts_are_consistent():
    study = v.get_study("R5-crowding")
    (_, _, scenario), *_ = study.scenarios()
    c = v.run_counts((scenario, 1, 0))
    assert sum(c["impressions"]) == sum(c["exp_impressions"]) > 0
    assert sum(c["reach"]) <= sum(c["impressions"])
    assert sum(c["prime_impressions"]) <= sum(c["impressions"])
    assert 0 <= c["expected_clicks"][0] <= c["impressions"][0]
    assert 0 < c["audience_female"] < 1


def test_report_is_written_and_self_contained(tmp_path):
    findings = v.run_studies([v.get_study("R5-crowding"), v.get_study("R2-creative")], 2)
    md = v.write_validation_report(findings, tmp_path)
    text = md.read_text()
    assert "R5-crowding" in text and "R2-creative" in text and "Ablation" in text
    html = (tmp_path / "report.html").read_text()
    assert "data:image/png;base64," in html
    assert "http://" not in html and "https://" not in html and "<link" not in html
    assert (tmp_path / "figures" / "R2-creative.png").is_file()


def test_cli_validate_rejects_bad_replications(capsys):
    assert main(["validate", "--replications", "0"]) == 2
    assert "--replications" in capsys.readouterr().err
