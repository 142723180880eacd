"""The benchmark report (sim/report.py): files, self-contained HTML, findings, manifest."""

from __future__ import annotations

import base64
import copy
import csv
import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import pytest

from sim.errors import RecruitsimError, UnknownNameError
from sim.lab.experiment import expand_grid, run_grid
from sim.lab.report import BUDGET_USE_MIN, SKEW_BAND, findings, write_report
from sim.lab.stats import Estimate, summarise
from sim.metrics import delivery_skew
from sim.scenario import load_scenario

# A retail vacancy with many qualified people, so every replication has applications.
SCENARIO = "store-manager-oslo"
SMALL = {"population.size": 40000, "campaign.days": 5, "budget.total": 2000}
STRATEGIES = ["broad", "interest", "job-title"]
CPQA = "cost_per_qualified_application"
TABLES = ("runs.csv", "summary.csv", "paired.csv", "ranking.csv")


@pytest.fixture(scope="module")
def records() -> list[dict]:
    """3 strategies x 3 paired replications of a small store-manager campaign."""
    return run_grid(expand_grid([load_scenario(SCENARIO, SMALL)], STRATEGIES, replications=3))


@pytest.fixture(scope="module")
def report(records, tmp_path_factory) -> Path:
    """The report of ``records`` (its folder)."""
    out = tmp_path_factory.mktemp("report")
    write_report(records, out, extra_manifest={"command": "pytest tests/test_report.py"})
    return out


def section(md: str, heading: str) -> str:
    """The text of one ``## heading`` section of the Markdown report."""
    start = md.index(f"\n## {heading}\n")
    end = md.find("\n## ", start + 1)
    return md[start : end if end >= 0 else None]


def table_rows(md: str, first_header: str) -> list[list[str]]:
    """Header and rows of the first Markdown table whose first column is ``first_header``."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {first_header} |"))
    rows = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        if not line.startswith("|:") and not line.startswith("|-"):
            rows.append([c.strip() for c in line.strip().strip("|").split(" | ")])
    return rows


def read_csv(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def number(text: str) -> float | None:
    return None if text == "" else float(text)


class Assets(HTMLParser):
    """Every tag name and every src/href value of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.refs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.refs += [(tag, k, v or "") for k, v in attrs if k in ("src", "href")]


def pngs(out: Path) -> list[Path]:
    return sorted((out / "figures").glob("*.png"))


def edit_cpqa(records: list[dict], values: dict[str, list[float | None]]) -> list[dict]:
    """Copies of ``records`` with the cost per qualified application set per strategy."""
    out = copy.deepcopy(records)
    for rec in out:
        if rec["strategy"] in values:
            rec["summary"]["metrics"][CPQA] = values[rec["strategy"]][rec["replication"]]
    return out


def test_writes_every_file(report):
    for name in (*TABLES, "report.md", "report.html"):
        assert (report / name).stat().st_size > 0, name
    assert len(pngs(report)) == 5  # one scenario, no sweep: one set of five figures
    runs = read_csv(report / "runs.csv")
    assert len(runs) == 9 and {r["strategy"] for r in runs} == {
        "broad-v1",
        "interest-v1",
        "job-title-v1",
    }
    ranking = read_csv(report / "ranking.csv")
    assert {r["metric"] for r in ranking} == {CPQA} and len(ranking) == 3


def test_html_is_self_contained(report):
    page = (report / "report.html").read_text(encoding="utf-8")
    assert 'src="http' not in page and "<link" not in page and "<script" not in page
    assert "@import" not in page and "url(" not in page
    imgs = re.findall(r"<img [^>]*>", page)
    assert imgs and all('src="data:image/png;base64,' in tag for tag in imgs)
    assert len(imgs) == len(pngs(report))
    parser = Assets()
    parser.feed(page)
    assert all(value.startswith(("data:", "#")) for _, _, value in parser.refs)
    embedded = sorted(base64.b64decode(v.split(",", 1)[1]) for _, k, v in parser.refs)
    assert embedded == sorted(p.read_bytes() for p in pngs(report))
    # The same sections as the Markdown report.
    md = (report / "report.md").read_text(encoding="utf-8")
    assert re.findall(r"^## (.+)$", md, re.M) == re.findall(r"<h2>(.+?)</h2>", page)


def test_markdown_links_every_figure(report):
    md = (report / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\((figures/[^)]+\.png)\)", md)
    assert sorted(links) == sorted(f"figures/{p.name}" for p in pngs(report))


def test_findings_name_the_cheapest_strategy_of_summary_csv(report):
    rows = [r for r in read_csv(report / "summary.csv") if r["metric"] == CPQA and r["mean"]]
    assert rows, "the fixture should give at least one strategy a qualified application"
    cheapest = min(rows, key=lambda r: float(r["mean"]))["strategy"]
    found = section((report / "report.md").read_text(encoding="utf-8"), "Findings")
    assert f"**{cheapest}** was the cheapest per qualified application" in found
    assert "wasted the most spend" in found


def test_findings_flag_skew_and_unspent_budget_from_the_records(records, report):
    found = section((report / "report.md").read_text(encoding="utf-8"), "Findings")
    skewed = next((line for line in found.splitlines() if "**skewed by sex**" in line), "")
    budget = records[0]["manifest"]["scenario"]["budget"]["total"]
    lo, hi = SKEW_BAND
    for strategy in dict.fromkeys(r["strategy"] for r in records):
        mine = [r["summary"]["metrics"] for r in records if r["strategy"] == strategy]
        spend = sum(m["spend"] for m in mine) / len(mine)
        short = f"{strategy} spent {spend:,.0f} NOK on average"
        assert (short in found) == (spend < BUDGET_USE_MIN * budget)
        skew = Estimate.of(
            delivery_skew(m["reach_by_gender"], m["qualified_by_gender"], "female") for m in mine
        ).mean
        assert (f"**{strategy}** (" in skewed) == (skew is not None and not lo <= skew <= hi)


def test_manifest_is_last_and_records_hash_seed_and_extras(records, report):
    md = (report / "report.md").read_text(encoding="utf-8")
    assert re.findall(r"^## (.+)$", md, re.M)[-1] == "Manifest"
    manifest = section(md, "Manifest")
    for rec in records:
        assert rec["manifest"]["scenario_hash"] in manifest
    assert str(records[0]["seed"]) in manifest
    assert "pytest tests/test_report.py" in manifest
    assert records[0]["manifest"]["versions"]["numpy"] in manifest
    assert "Runs: 9" in manifest


def test_summary_csv_equals_stats_summarise(records, report):
    written = read_csv(report / "summary.csv")
    for metric in ("reach", CPQA, "wasted_spend_share"):
        expected = summarise(records, [metric])
        got = [r for r in written if r["metric"] == metric]
        assert len(got) == len(expected) == 3
        for e, g in zip(expected, got, strict=True):
            assert (g["scenario"], g["sweep"], g["strategy"]) == (
                e["scenario"],
                e["sweep"],
                e["strategy"],
            )
            assert number(g["mean"]) == e["mean"]
            assert number(g["ci_low"]) == e["ci_low"] and number(g["ci_high"]) == e["ci_high"]
            assert int(g["n"]) == e["n"]


def test_paired_csv_names_baseline_and_test(report):
    paired = read_csv(report / "paired.csv")
    assert {r["baseline"] for r in paired} == {"broad-v1"}
    assert {r["test"] for r in paired} == {"paired t-test"}
    md = (report / "report.md").read_text(encoding="utf-8")
    assert "paired t-test, Holm-adjusted" in section(md, "Paired differences")


def test_undefined_ratios_render_as_dash_and_a_clear_lead_is_called_clear(records, tmp_path):
    recs = edit_cpqa(
        records,
        {
            "broad-v1": [None] * 3,
            "job-title-v1": [10.0, 11.0, 12.0],
            "interest-v1": [100.0, 104.0, 98.0],
        },
    )
    before = copy.deepcopy(recs)
    write_report(recs, tmp_path, title="Clear <lead> & none")
    assert recs == before  # records are not modified
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    found = section(md, "Findings")
    assert "**job-title-v1** was the cheapest" in found
    assert "The lead is **statistically clear**" in found
    assert "**broad-v1** got no qualified application in any replication" in found
    summary = table_rows(section(md, "Summary"), "strategy")
    column = summary[0].index("cost/qual. app")
    assert next(r for r in summary if r[0] == "broad-v1")[column] == "—"
    ranking = table_rows(section(md, "Ranking"), "rank")
    assert next(r for r in ranking if r[1] == "broad-v1")[0] == "—"
    assert next(r for r in ranking if r[1] == "job-title-v1")[0] == "1"
    row = next(
        r
        for r in read_csv(tmp_path / "summary.csv")
        if r["strategy"] == "broad-v1" and r["metric"] == CPQA
    )
    assert row["mean"] == "" and row["n"] == "0"
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<title>Clear &lt;lead&gt; &amp; none</title>" in page and "—" in page


def test_an_overlapping_lead_is_not_called_clear(records):
    recs = edit_cpqa(  # (broad set too: the test must not depend on the runs' draws)
        records,
        {
            "job-title-v1": [10.0, 50.0, 90.0],
            "interest-v1": [60.0, 20.0, 95.0],
            "broad-v1": [150.0, 160.0, 170.0],
        },
    )
    ((title, sentences),) = findings(recs)
    assert title == SCENARIO
    assert sentences[0].startswith("job-title-v1 was the cheapest")
    assert sentences[1].startswith("The lead is not statistically clear")
    assert "Holm-adjusted p = " in sentences[1]


def test_parameter_variants_of_one_strategy_are_kept_apart():
    grid = expand_grid(
        [load_scenario(SCENARIO, SMALL)],
        ["interest"],
        replications=2,
        params={"interest-v1": [{"max_interests": 1}, {"max_interests": 3}]},
    )
    recs = run_grid(grid)
    text = " ".join(findings(recs)[0][1])
    assert "interest-v1[max_interests=1]" in text and "interest-v1[max_interests=3]" in text
    for rec in recs:  # records from older stores carry no label: the report makes one
        del rec["label"]
    assert " ".join(findings(recs, baseline="interest-v1[max_interests=3]")[0][1]) == text
    with pytest.raises(UnknownNameError, match="max_interests=1"):
        findings(recs, baseline="interest")  # ambiguous between the two variants


def test_sweep_cells_get_their_own_tables_and_figures(tmp_path):
    recs = run_grid(
        expand_grid(
            [load_scenario(SCENARIO, SMALL)],
            ["broad", "job-title"],
            replications=2,
            sweep={"budget.total": [500, 3000]},
        )
    )
    write_report(recs, tmp_path, baseline="job-title", test="wilcoxon")
    summary = read_csv(tmp_path / "summary.csv")
    assert {r["sweep"] for r in summary} == {"budget.total=500", "budget.total=3000"}
    assert {r["baseline"] for r in read_csv(tmp_path / "paired.csv")} == {"job-title-v1"}
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    for label in ("budget.total=500", "budget.total=3000"):
        assert f"### {SCENARIO} [{label}]" in section(md, "Findings")
    assert "Wilcoxon signed-rank, Holm-adjusted" in md
    assert len(pngs(tmp_path)) == 10
    hashes = {r["manifest"]["scenario_hash"] for r in recs}
    assert len(hashes) == 2 and all(h in section(md, "Manifest") for h in hashes)
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count('<img src="data:image/png;base64,') == 10


def test_a_long_sweep_is_plotted_along_the_swept_value(tmp_path):
    recs = run_grid(
        expand_grid(
            [load_scenario(SCENARIO, SMALL)],
            ["broad", "job-title"],
            replications=2,
            sweep={"budget.total": [250, 500, 1000, 2000, 4000]},
        )
    )
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "stale.png").write_bytes(b"old")
    write_report(recs, tmp_path)
    assert len(pngs(tmp_path)) == 5  # one set for the scenario; the stale file is gone
    assert len(read_csv(tmp_path / "ranking.csv")) == 10
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert page.count("<img ") == 5


def test_same_records_give_the_same_files_and_leave_matplotlib_alone(records, report, tmp_path):
    import matplotlib.pyplot as plt

    backend, params = matplotlib.get_backend(), dict(matplotlib.rcParams)
    write_report(records, tmp_path, extra_manifest={"command": "pytest tests/test_report.py"})
    for name in (*TABLES, "report.md", "report.html"):
        assert (tmp_path / name).read_bytes() == (report / name).read_bytes(), name
    assert [p.read_bytes() for p in pngs(tmp_path)] == [p.read_bytes() for p in pngs(report)]
    assert plt.get_fignums() == []
    assert matplotlib.get_backend() == backend and dict(matplotlib.rcParams) == params


def test_bad_input_is_refused_with_a_clear_message(records, tmp_path):
    with pytest.raises(UnknownNameError, match="did you mean 'broad-v1'"):
        write_report(records, tmp_path, baseline="broad-v2")
    with pytest.raises(RecruitsimError, match=r"'test' parameter .* Got 'z' instead"):
        write_report(records, tmp_path, test="z")
    with pytest.raises(RecruitsimError, match="at least one run record"):
        write_report([], tmp_path)
    other = copy.deepcopy(records[0])
    other["key"] = "another"
    other["manifest"]["scenario_hash"] = "0" * 64
    with pytest.raises(RecruitsimError, match="different scenario contents"):
        write_report([*records, other], tmp_path)
    assert not (tmp_path / "report.html").exists()


# --------------------------------------------------------------------------- sharp edges


def _all_findings(records) -> str:
    return "\n".join(line for _, lines in findings(records) for line in lines)


def test_a_campaign_stopped_because_the_vacancy_was_filled_is_not_called_unspendable(records):
    recs = copy.deepcopy(records)
    for rec in recs:
        if rec["strategy"] == "job-title-v1":
            rec["summary"]["metrics"]["spend"] = 10.0
            rec["summary"]["pipeline"]["campaign_stopped_early"] = True
    text = _all_findings(recs)
    filled = next(line for line in text.splitlines() if "the vacancy was filled" in line)
    assert filled.startswith("Stopped early: the vacancy was filled") and "job-title-v1" in filled
    assert "job-title-v1 spent" not in text  # not listed as unable to spend
    recs[0]["summary"]["pipeline"]["campaign_stopped_early"] = False  # one replication not filled
    mixed = _all_findings(recs)
    if recs[0]["strategy"] == "job-title-v1":
        assert "filled and the campaign stopped in 2 of 3 replications" in mixed


def test_identical_rows_are_explained(records):
    twin = [copy.deepcopy(r) for r in records if r["strategy"] == "broad-v1"]
    for rec in twin:
        rec["strategy"] = rec["label"] = "demographic-v1"
        rec["key"] = rec["key"] + "-twin"
    text = _all_findings(records + twin)
    line = next(ln for ln in text.splitlines() if "identical results" in ln)
    assert "broad-v1" in line and "demographic-v1" in line and "special ad category" in line
    assert "identical results" not in _all_findings(records)


def test_skew_is_worded_as_a_recruiter_reads_it(records):
    recs = copy.deepcopy(records)
    for rec in recs:
        if rec["strategy"] == "interest-v1":
            m = rec["summary"]["metrics"]
            m["reach_by_gender"] = {"male": 830, "female": 170}
            m["qualified_by_gender"] = {"male": 964, "female": 36}
    line = next(ln for ln in _all_findings(recs).splitlines() if "skewed by sex" in ln)
    assert "towards women" not in line
    assert "more women than the qualified pool has reached interest-v1" in line
    assert "17.0% of the people reached were women against 3.6% of the qualified pool" in line
    assert "most of the people reached (83%) were still men" in line


def test_rejected_ad_sets_are_reported(records):
    recs = copy.deepcopy(records)
    for rec in recs:
        if rec["strategy"] == "job-title-v1":
            rec["summary"]["ad_sets"] = [{"name": "titles-linkedin", "platform": "linkedin",
                                          "status": "rejected: audience of about 40 people is "
                                          "below LinkedIn's minimum of 300", "impressions": 0,
                                          "spend": 0.0}]  # fmt: skip
    line = next(ln for ln in _all_findings(recs).splitlines() if "not published" in ln)
    assert "job-title-v1" in line and "'titles-linkedin' on linkedin" in line
    assert "in 3 of 3 replications" in line and "below LinkedIn's minimum" in line


def test_the_header_of_a_mixed_store_does_not_multiply_to_a_wrong_count(records, tmp_path):
    extra = copy.deepcopy(records[0])
    extra["strategy"] = extra["label"] = "lookalike-v1"
    extra["key"] += "-extra"
    write_report([*records, extra], tmp_path)
    md = (tmp_path / "report.md").read_text(encoding="utf-8")
    intro = md.split("\n## ")[0]
    assert f"{len(records) + 1} runs:" in intro
    assert "not every strategy ran in every cell or replication" in intro
    write_report(records, tmp_path / "full")
    full = (tmp_path / "full" / "report.md").read_text(encoding="utf-8").split("\n## ")[0]
    assert f"{len(records)} runs: 1 scenario ({SCENARIO}) × 3 strategies × 3 paired" in full
