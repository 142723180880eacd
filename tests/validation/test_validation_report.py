"""The validation runner's plumbing: study definitions, the report and the CLI."""

from __future__ import annotations

import pytest

from sim.errors import UnknownNameError
from sim.interests import N_TOPICS
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


def test_paired_profiles_differ_only_in_sex():
    study = v.get_study("R6-adfisher")
    (_, _, scenario), *_ = study.scenarios()
    pop, men, women = v._audit_population(scenario, 3, 0, 200)
    assert men.size == women.size == 200 and not set(men) & set(women)
    assert (pop.gender[men] == 0).all() and (pop.gender[women] == 1).all()
    for name in ("age", "place", "occupation", "search_state", "declared_title", "propensity"):
        column = getattr(pop, name)
        assert (column[men] == column[women]).all(), name
    assert (pop.interests[men] == pop.interests[women]).all()
    assert (pop.sessions[:, men] == pop.sessions[:, women]).all()
    for topic in range(N_TOPICS):
        seen = pop.inferred_interest("facebook", topic)
        assert (seen[men] == seen[women]).all()
    c = v.run_counts((scenario, 3, 0, 200))
    assert sum(c["audit_impressions"]) > 0
    assert all(r <= i for r, i in zip(c["audit_reach"], c["audit_impressions"], strict=True))


def test_time_course_and_summary_feed_the_readme_table(tmp_path):
    findings = v.run_studies([v.get_study("R9-objective")], 2)
    (f,) = findings
    assert set(f.time_course) == {"baseline", "reach", "ablation"}
    assert len(f.time_course["baseline"]) == 24 // v.BLOCK_HOURS  # a one-day campaign
    v.write_validation_report(findings, tmp_path)
    assert "time course" in (tmp_path / "report.md").read_text()
    readme = tmp_path / "README.md"
    readme.write_text(f"top\n{v.README_START}\nold\n{v.README_END}\nbottom\n")
    v.write_readme_table(readme, tmp_path / "summary.json")
    text = readme.read_text()
    assert "old" not in text and "| R9-objective Reach versus conversion" in text
    assert f"**{f.verdict}**" in text and text.startswith("top\n") and text.endswith("bottom\n")


def test_run_studies_applies_overrides_to_every_study():
    study = v.get_study("R8-sanity")
    (_, _, plain), *_ = study.scenarios()
    (_, _, learning), *_ = study.scenarios([("optimiser.learning", True)])
    assert not plain.optimiser.learning and learning.optimiser.learning


def test_readme_validation_tables_are_generated_from_the_committed_reports(tmp_path):
    """The README's "Is it valid?" tables are what the committed summaries make."""
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    readme = repo / "README.md"
    copy = tmp_path / "README.md"
    copy.write_text(readme.read_text(encoding="utf-8"), encoding="utf-8")
    v.write_readme_table(copy, repo / "results/validation/summary.json",
                         repo / "results/validation-learning/summary.json")  # fmt: skip
    assert copy.read_text(encoding="utf-8") == readme.read_text(encoding="utf-8"), (
        "regenerate: python -m sim.lab.validation --readme README.md "
        "--learning results/validation-learning/summary.json"
    )
