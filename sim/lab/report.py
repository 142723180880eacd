"""The benchmark report: tidy tables, figures and a self-contained page from run records.

:func:`write_report` takes the run records of a grid (what :func:`sim.lab.experiment.run_grid`
returns or :meth:`sim.lab.store.ResultsStore.records` reads back) and writes into one folder:

==================  ==================================================================
``runs.csv``        one row per run (:func:`sim.lab.store.tidy_runs`)
``summary.csv``     mean and 95 % CI of every scalar metric per scenario, sweep cell and
                    strategy (:func:`sim.lab.stats.summarise`)
``paired.csv``      each strategy minus the baseline, paired by replication, with Holm-
                    adjusted p-values (:func:`sim.lab.stats.paired_differences`)
``ranking.csv``     ranks on cost per qualified application, ties where CIs overlap
                    (:func:`sim.lab.stats.ranking`)
``figures/*.png``   five figures per scenario and sweep cell (or, for a long sweep, five
                    figures per scenario with the swept value on the x-axis)
``report.md``       findings, tables, figures (relative links) and the manifest
``report.html``     the same page, self-contained: figures as data URIs, inline CSS
==================  ==================================================================

The report is built in three steps that keep the numbers, the words and the markup
apart. :class:`_Analysis` computes every number once from the records; a builder turns
it into a document — a list of small blocks (:class:`Heading`, :class:`Paragraph`,
:class:`Bullets`, :class:`Table`, :class:`Figure`) whose text is plain strings and
:class:`Strong`/:class:`Code` spans; two renderers write that one document as Markdown
and as HTML. No Markdown is ever parsed.

Findings are generated from the numbers and say how sure they are: a lead in cost per
qualified application is called statistically clear only when the 95 % intervals do not
overlap or the paired difference to the runner-up has a Holm-adjusted p-value below
:data:`ALPHA`. Undefined ratios (a replication without qualified applications has no cost
per qualified application) are left out of means, counted in ``n``, shown as "—" in
tables and skipped in plots.

Figures use the object-oriented :class:`matplotlib.figure.Figure` with the Agg canvas and
never touch ``pyplot``: nothing global changes (backend, style, open figures), which also
makes the report safe to call from a notebook or a worker without a display. The output
depends only on the records (and their order): the same records give the same files.
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure as MplFigure
from matplotlib.ticker import FuncFormatter, NullFormatter, PercentFormatter
from matplotlib.transforms import blended_transform_factory

from sim.errors import RecruitsimError, UnknownNameError
from sim.lab.stats import (
    LOWER_IS_BETTER,
    TABLE_METRICS,
    Estimate,
    paired_differences,
    ranking,
    sorted_cells,
    summarise,
    sweep_label,
)
from sim.lab.store import tidy_runs
from sim.metrics import delivery_skew, ratio

__all__ = ["ALPHA", "BUDGET_USE_MIN", "SKEW_BAND", "findings", "write_report"]

CPQA = "cost_per_qualified_application"
ALPHA = 0.05  # significance level of the findings
SKEW_BAND = (0.8, 1.25)  # delivery skew inside this band is not flagged
BUDGET_USE_MIN = 0.9  # mean spend below this share of the budget is flagged
MAX_CELL_SETS = 4  # more sweep cells than this: one set of sweep figures per scenario
FUNNEL = (
    ("impressions", "impressions"),
    ("clicks", "clicks"),
    ("applications", "applications"),
    ("qualified_applications", "qualified\napplications"),
)
_FORMATS = {m: fmt for m, _, fmt in TABLE_METRICS}
_LABELS = {m: label for m, label, _ in TABLE_METRICS}
_MALE_COLOUR, _FEMALE_COLOUR = "#4C72B0", "#DD8452"
_DPI = 110


# --------------------------------------------------------------------------- document


@dataclass(frozen=True)
class Strong:
    """Bold text inside a paragraph, list item or table cell."""

    text: str


@dataclass(frozen=True)
class Code:
    """Literal text (metric names, hashes, parameters) set in a monospace font."""

    text: str


Inline = str | Strong | Code
Text = Inline | tuple[Inline, ...]


@dataclass(frozen=True)
class Heading:
    """A section heading (level 1 is the title)."""

    level: int
    text: str


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of running text."""

    text: Text


@dataclass(frozen=True)
class Bullets:
    """An unordered list."""

    items: tuple[Text, ...]


@dataclass(frozen=True)
class Table:
    """A table with a caption; ``align`` holds ``"l"`` or ``"r"`` per column."""

    header: tuple[str, ...]
    rows: tuple[tuple[Text, ...], ...]
    align: tuple[str, ...]
    caption: Text = ""


@dataclass(frozen=True)
class Figure:
    """A PNG figure written next to the report (``path`` is relative to the report)."""

    path: str
    alt: str
    caption: str


Block = Heading | Paragraph | Bullets | Table | Figure


def _spans(text: Text) -> tuple[Inline, ...]:
    return text if isinstance(text, tuple) else (text,)


_MD_SPECIAL = re.compile(r"[\\`*|]|(?<!\w)_|_(?!\w)|\](?=[(\[])|<(?=[A-Za-z/!?])")


def _md_escape(text: str) -> str:
    return _MD_SPECIAL.sub(lambda m: "\\" + m.group(0), text)


def _md_inline(text: Text, table: bool = False) -> str:
    """Markdown of a text; in a table cell a ``|`` is escaped inside code spans too."""
    out = []
    for span in _spans(text):
        if isinstance(span, Strong):
            out.append("**" + _md_escape(span.text) + "**")
        elif isinstance(span, Code):
            fence, pad = ("``", " ") if "`" in span.text else ("`", "")
            code = span.text.replace("|", "\\|") if table else span.text
            out.append(fence + pad + code + pad + fence)
        else:
            out.append(_md_escape(span))
    return "".join(out).replace("\n", " ")


def to_markdown(blocks: Sequence[Block]) -> str:
    """Render the document as GitHub-flavoured Markdown (figures as relative links)."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append("#" * block.level + " " + _md_inline(block.text))
        elif isinstance(block, Paragraph):
            out.append(_md_inline(block.text))
        elif isinstance(block, Bullets):
            out.append("\n".join("- " + _md_inline(item) for item in block.items))
        elif isinstance(block, Table):
            lines = []
            if block.caption:
                lines += [_md_inline(block.caption), ""]
            lines.append("| " + " | ".join(_md_inline(h, True) for h in block.header) + " |")
            lines.append("|" + "|".join("---:" if a == "r" else ":---" for a in block.align) + "|")
            lines += [
                "| " + " | ".join(_md_inline(c, True) for c in row) + " |" for row in block.rows
            ]
            out.append("\n".join(lines))
        elif isinstance(block, Figure):
            out.append(f"![{_md_inline(block.alt)}]({block.path})\n\n*{_md_inline(block.caption)}*")
    return "\n\n".join(out) + "\n"


def _html_inline(text: Text) -> str:
    out = []
    for span in _spans(text):
        if isinstance(span, Strong):
            out.append(f"<strong>{html.escape(span.text)}</strong>")
        elif isinstance(span, Code):
            out.append(f"<code>{html.escape(span.text)}</code>")
        else:
            out.append(html.escape(span))
    return "".join(out).replace("\n", "<br>")


_CSS = """
body { margin: 0; background: #fafafa; color: #1f2328;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { font-size: 1.8rem; margin: 0.5rem 0 1rem; }
h2 { font-size: 1.35rem; margin-top: 2.5rem; border-bottom: 1px solid #d0d7de; }
h3 { font-size: 1.1rem; margin-top: 1.8rem; }
code { font: 0.85em/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  background: #f3f4f6; padding: 0.1em 0.3em; border-radius: 3px; word-break: break-all; }
ul { padding-left: 1.4rem; } li { margin: 0.35rem 0; }
.table { overflow-x: auto; margin: 1rem 0; }
table { border-collapse: collapse; font-size: 0.88rem; font-variant-numeric: tabular-nums; }
caption { caption-side: top; text-align: left; color: #57606a; padding-bottom: 0.4rem; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 0.3rem 0.6rem; vertical-align: top; }
th { background: #f6f8fa; text-align: left; white-space: nowrap; }
td.r, th.r { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: #fbfbfc; }
figure { margin: 1.5rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #57606a; font-size: 0.9rem; }
"""


def to_html(blocks: Sequence[Block], images: dict[str, bytes], title: str) -> str:
    """Render the document as one self-contained HTML page.

    Parameters
    ----------
    blocks : sequence of Block
    images : dict of str to bytes
        PNG bytes of each figure by its relative path; embedded as ``data:`` URIs.
    title : str
        The page title.
    """
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{_html_inline(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{_html_inline(block.text)}</p>")
        elif isinstance(block, Bullets):
            items = "".join(f"<li>{_html_inline(i)}</li>" for i in block.items)
            body.append(f"<ul>{items}</ul>")
        elif isinstance(block, Table):
            cls = [' class="r"' if a == "r" else "" for a in block.align]
            head = "".join(
                f"<th{c}>{_html_inline(h)}</th>" for h, c in zip(block.header, cls, strict=True)
            )
            rows = "".join(
                "<tr>"
                + "".join(f"<td{c}>{_html_inline(v)}</td>" for v, c in zip(row, cls, strict=True))
                + "</tr>"
                for row in block.rows
            )
            caption = f"<caption>{_html_inline(block.caption)}</caption>" if block.caption else ""
            body.append(
                f'<div class="table"><table>{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{rows}</tbody></table></div>"
            )
        elif isinstance(block, Figure):
            data = base64.b64encode(images[block.path]).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(block.alt)}">'
                f"<figcaption>{_html_inline(block.caption)}</figcaption></figure>"
            )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- numbers


def _fmt(value: float | None, fmt: str) -> str:
    return "—" if value is None else fmt.format(value)


def _row(e: Estimate) -> dict:
    """An :class:`~sim.lab.stats.Estimate` as a row like :func:`sim.lab.stats.summarise` gives."""
    return {"mean": e.mean, "ci_low": e.low, "ci_high": e.high, "n": e.n}


def _estimate_text(row: dict, fmt: str, runs: int | None = None) -> str:
    """``mean ±half-width`` (``—`` when undefined), ``(n=k)`` when values are missing."""
    if row["mean"] is None:
        return "—"
    text = fmt.format(row["mean"])
    if row["ci_low"] is not None and row["ci_high"] is not None:
        text += " ±" + fmt.format((row["ci_high"] - row["ci_low"]) / 2)
    if runs is not None and row["n"] < runs:
        text += f" (n={row['n']})"
    return text


def _ci_text(low: float | None, high: float | None, fmt: str) -> str:
    if low is None or high is None:
        return "no interval"
    return f"95% CI {fmt.format(low)} to {fmt.format(high)}"


def _diff_format(metric: str) -> Callable[[float], str]:
    """Signed differences in the metric's format; differences of shares in percentage points."""
    fmt = _FORMATS[metric]
    if fmt.endswith("%}"):
        digits = fmt[fmt.index(".") + 1 : -2]
        return lambda v: f"{100 * v:+.{digits}f} pp"
    return lambda v: fmt.replace("{:", "{:+").format(v)


def _p_text(p: float | None) -> str:
    if p is None:
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _names(items: Sequence[str]) -> tuple[Inline, ...]:
    """``A``, ``A and B``, ``A, B and C`` with the names in bold."""
    out: list[Inline] = []
    for i, name in enumerate(items):
        if i:
            out.append(" and " if i == len(items) - 1 else ", ")
        out.append(Strong(name))
    return tuple(out)


@dataclass(frozen=True)
class _Cell:
    """One scenario and sweep cell: its records and what the manifest says about it."""

    scenario: str
    sweep: dict
    records: tuple[dict, ...]
    strategies: tuple[str, ...]

    @property
    def label(self) -> str:
        """The sweep label (empty without a sweep)."""
        return sweep_label(self.sweep)

    @property
    def title(self) -> str:
        """Scenario name and sweep label."""
        return self.scenario + (f" [{self.label}]" if self.label else "")

    @property
    def key(self) -> tuple[str, str]:
        """``(scenario, sweep label)``, the cell key of :mod:`sim.lab.stats` rows."""
        return self.scenario, self.label

    @property
    def budget(self) -> float | None:
        """The scenario's total budget (from the manifest)."""
        return self.records[0]["manifest"]["scenario"].get("budget", {}).get("total")

    @property
    def currency(self) -> str:
        """The currency of money metrics."""
        return self.records[0]["summary"].get("currency", "")

    @property
    def scenario_hash(self) -> str:
        """The content hash of the cell's scenario."""
        return self.records[0]["manifest"]["scenario_hash"]

    def runs_of(self, strategy: str) -> list[dict]:
        """The records of one strategy in this cell, in replication order."""
        recs = [r for r in self.records if r["label"] == strategy]
        return sorted(recs, key=lambda r: r["replication"])


@dataclass
class _Analysis:
    """Every number the report shows, computed once from the records."""

    records: list[dict]
    baseline: str
    test: str
    cells: list[_Cell] = field(init=False)
    strategies: list[str] = field(init=False)
    metrics: list[str] = field(init=False)
    summary: list[dict] = field(init=False)
    paired: list[dict] = field(init=False)
    ranks: list[dict] = field(init=False)

    def __post_init__(self) -> None:
        recs = self.records
        self.strategies = list(dict.fromkeys(r["label"] for r in recs))
        self.metrics = _scalar_metrics(recs)
        keys = sorted_cells(recs)
        self.cells = []
        for scenario, label in keys:
            mine = tuple(
                r for r in recs if (r["scenario"], sweep_label(r["sweep"])) == (scenario, label)
            )
            strategies = tuple(dict.fromkeys(r["label"] for r in mine))
            self.cells.append(_Cell(scenario, dict(mine[0]["sweep"]), mine, strategies))
        self.summary = summarise(recs, self.metrics)
        self.paired = paired_differences(
            recs, self.baseline, [m for m, _, _ in TABLE_METRICS], test=self.test
        )
        self.ranks = ranking(self.summary, CPQA)
        self._index = {
            (r["scenario"], r["sweep"], r["strategy"], r["metric"]): r for r in self.summary
        }

    def estimate(self, cell: _Cell, strategy: str, metric: str) -> dict:
        """The summary row of one metric (mean, ci_low, ci_high, n)."""
        return self._index[(*cell.key, strategy, metric)]

    def ranked(self, cell: _Cell) -> list[dict]:
        """Ranking rows of the cell, best first."""
        return [r for r in self.ranks if (r["scenario"], r["sweep"]) == cell.key]

    def paired_rows(self, cell: _Cell) -> list[dict]:
        """Paired-difference rows of the cell."""
        return [r for r in self.paired if (r["scenario"], r["sweep"]) == cell.key]

    def female_shares(self, cell: _Cell, strategy: str) -> tuple[Estimate, Estimate, Estimate]:
        """Women's share of reach, of the qualified pool, and their ratio (delivery skew)."""
        reach, pool, skew = [], [], []
        for rec in cell.runs_of(strategy):
            m = rec["summary"]["metrics"]
            reach.append(ratio(m["reach_by_gender"]["female"], sum(m["reach_by_gender"].values())))
            pool.append(
                ratio(m["qualified_by_gender"]["female"], sum(m["qualified_by_gender"].values()))
            )
            skew.append(delivery_skew(m["reach_by_gender"], m["qualified_by_gender"], "female"))
        share, ratio_ = (0.0, 1.0), (0.0, math.inf)
        return (Estimate.of(reach, bounds=share), Estimate.of(pool, bounds=share),
                Estimate.of(skew, bounds=ratio_))  # fmt: skip


def _scalar_metrics(records: Iterable[dict]) -> list[str]:
    """Metric names whose values are numbers (or undefined) in every record."""
    names: dict[str, bool] = {}
    for rec in records:
        for name, value in rec["summary"]["metrics"].items():
            names[name] = names.get(name, True) and not isinstance(value, dict)
    return [n for n, scalar in names.items() if scalar]


def _prepare(records: Iterable[dict]) -> list[dict]:
    """Check the records, drop exact duplicates and give every run its strategy label.

    The label is the record's ``label`` (the strategy id with the parameters given, as
    :class:`sim.lab.experiment.RunSpec` makes it) — the name :mod:`sim.lab.stats` groups by and
    the report shows. A record without one is labelled by its id, plus the parameters that
    vary when the same id was run with several parameter sets, so variants are never
    pooled into one mean.

    Raises
    ------
    RecruitsimError
        No records; runs of one scenario name with different contents; two runs of the
        same cell, strategy and replication (e.g. from different root seeds).
    """
    unique = list({r["key"]: r for r in records}.values())
    if not unique:
        raise RecruitsimError("write_report needs at least one run record; got none")
    variants: dict[str, list[dict]] = {}
    for r in unique:
        if r["params"] not in variants.setdefault(r["strategy"], []):
            variants[r["strategy"]].append(r["params"])
    out = []
    seen: dict[tuple, int] = {}
    hashes: dict[tuple, str] = {}
    for r in unique:
        label = r.get("label")
        if not label:
            sets = variants[r["strategy"]]
            varying = sorted({k for p in sets for k in p if any(q.get(k) != p[k] for q in sets)})
            detail = ", ".join(f"{k}={r['params'].get(k)}" for k in varying)
            label = r["strategy"] + (f"[{detail}]" if detail else "")
        cell = (r["scenario"], sweep_label(r["sweep"]))
        h = r["manifest"]["scenario_hash"]
        if hashes.setdefault(cell, h) != h:
            raise RecruitsimError(
                f"runs of scenario {cell[0]!r}{' [' + cell[1] + ']' if cell[1] else ''} come "
                f"from different scenario contents ({hashes[cell][:12]} and {h[:12]}); "
                "report them separately or give the scenarios different names"
            )
        slot = (*cell, label, r["replication"])
        if slot in seen:
            raise RecruitsimError(
                f"two runs of {label} on {cell[0]!r} share replication {r['replication']} "
                f"(seeds {seen[slot]} and {r['seed']}); report one root seed at a time"
            )
        seen[slot] = r["seed"]
        out.append({**r, "label": label})
    return out


def _resolve_baseline(baseline: str | None, records: list[dict]) -> str:
    """The label of the baseline: as given, or the one label of a bare or versioned id."""
    labels = list(dict.fromkeys(r["label"] for r in records))
    if baseline is None:
        return "broad-v1" if "broad-v1" in labels else labels[0]
    if baseline in labels:
        return baseline
    try:
        from strategies.registry import resolve_id

        resolved = resolve_id(baseline)
    except (ImportError, UnknownNameError):
        resolved = baseline
    matches = list(dict.fromkeys(r["label"] for r in records if r["strategy"] == resolved))
    if len(matches) == 1:
        return matches[0]
    raise UnknownNameError("baseline strategy", baseline, labels)


# --------------------------------------------------------------------------- findings


def _cheapest(an: _Analysis, cell: _Cell) -> list[Text]:
    """Who was cheapest per qualified application, and how sure that is."""
    cur = f" {cell.currency}" if cell.currency else ""
    fmt = _FORMATS[CPQA]

    def money(value: float) -> str:
        return fmt.format(value) + cur

    rows = an.ranked(cell)
    runs = {s: len(cell.runs_of(s)) for s in cell.strategies}
    defined = sorted((r for r in rows if r["mean"] is not None), key=lambda r: r["mean"])
    never = [r["strategy"] for r in rows if r["mean"] is None]
    items: list[Text] = []
    if not defined:
        return [
            "No strategy got a qualified application in any replication, so cost per qualified "
            "application is undefined for all of them."
        ]
    lead = defined[0]

    def how_many(r: dict) -> str:
        if r["n"] == runs[r["strategy"]]:
            return ""
        total = runs[r["strategy"]]
        return f"; from the {r['n']} of {total} replications with a qualified application"

    first: list[Inline] = [
        Strong(lead["strategy"]),
        " was the cheapest per qualified application: ",
        money(lead["mean"]),
        f" ({_ci_text(lead['ci_low'], lead['ci_high'], fmt)}{how_many(lead)})",
    ]
    if len(defined) == 1:
        first.append(". No other strategy had a qualified application to compare with.")
        items.append(tuple(first))
    else:
        runner = defined[1]
        first += [
            "; the runner-up ",
            Strong(runner["strategy"]),
            " cost ",
            money(runner["mean"]),
            f" ({_ci_text(runner['ci_low'], runner['ci_high'], fmt)}{how_many(runner)}).",
        ]
        items.append(tuple(first))
        items.append(_lead_clarity(an, cell, lead, runner, money))
    if an.baseline in cell.strategies and an.baseline not in (
        lead["strategy"],
        defined[1]["strategy"] if len(defined) > 1 else None,
    ):
        row = next(
            (
                r
                for r in an.paired_rows(cell)
                if r["strategy"] == lead["strategy"] and r["metric"] == CPQA
            ),
            None,
        )
        if row is not None and row["mean_diff"] is not None:
            word = "less" if row["mean_diff"] < 0 else "more"
            items.append(
                (
                    "Against the baseline ",
                    Strong(an.baseline),
                    f", {lead['strategy']} cost {money(abs(row['mean_diff']))} {word} per "
                    f"qualified application in the {row['n']} replications where both had "
                    f"qualified applications ({lead['strategy']} − {an.baseline}: "
                    f"{_ci_text(row['ci_low'], row['ci_high'], fmt)}, Holm-adjusted "
                    f"p = {_p_text(row['p_holm'])}).",
                )
            )
    if never:
        items.append(
            (
                *_names(never),
                " got no qualified application in any replication (cost per qualified "
                "application undefined).",
            )
        )
    return items


def _lead_clarity(an: _Analysis, cell: _Cell, lead: dict, runner: dict, money) -> Text:
    """Whether the leader's lead over the runner-up is statistically clear."""
    tied = [
        r["strategy"]
        for r in an.ranked(cell)
        if r["rank"] == lead["rank"] and r["strategy"] != lead["strategy"]
    ]
    points = lead["n"] < 2 or runner["n"] < 2
    ci_clear = not tied and not points
    if points:
        ci_part = "a mean from a single replication has no confidence interval to compare"
    elif tied:
        ci_part = "its 95% CI overlaps that of " + ", ".join(tied) + " (they share rank 1)"
    else:
        ci_part = "its 95% CI does not overlap any other strategy's (rank 1 alone)"
    vs_lead = paired_differences(list(cell.records), lead["strategy"], [CPQA], test=an.test)
    pair = next((r for r in vs_lead if r["strategy"] == runner["strategy"]), None)
    test_name = "paired t-test" if an.test == "t" else "Wilcoxon signed-rank test"
    p_clear = pair is not None and pair["p_holm"] is not None and pair["p_holm"] < ALPHA
    if pair is None or pair["p_holm"] is None:
        n = 0 if pair is None else pair["n"]
        p_part = (
            f"a paired test needs at least 2 replications where both had qualified "
            f"applications (there {'is' if n == 1 else 'are'} {n})"
        )
    else:
        family = sum(1 for r in vs_lead if r["p_value"] is not None)
        word = "more" if pair["mean_diff"] >= 0 else "less"
        p_part = (
            f"in the {pair['n']} replications where both had qualified applications "
            f"{runner['strategy']} cost {money(abs(pair['mean_diff']))} {word} "
            f"({runner['strategy']} − {lead['strategy']}: "
            f"{_ci_text(pair['ci_low'], pair['ci_high'], _FORMATS[CPQA])}), "
            f"Holm-adjusted p = {_p_text(pair['p_holm'])} ({test_name}, adjusted over the "
            f"{family} comparison{'s' * (family > 1)} with {lead['strategy']})"
        )
    verdict = "statistically clear" if ci_clear or p_clear else "not statistically clear"
    return (
        "The lead is ",
        Strong(verdict),
        f" (α = {ALPHA:g}): {ci_part}; {p_part}.",
    )


def _waste(an: _Analysis, cell: _Cell) -> list[Text]:
    metric = "wasted_spend_share"
    fmt = _FORMATS[metric]
    rows = [an.estimate(cell, s, metric) for s in cell.strategies]
    rows = [r for r in rows if r["mean"] is not None]
    if not rows:
        return []
    worst = max(rows, key=lambda r: r["mean"])
    best = min(rows, key=lambda r: r["mean"])
    text: list[Inline] = [
        Strong(worst["strategy"]),
        " wasted the most spend on people who cannot take the job (not qualified): ",
        fmt.format(worst["mean"]),
        f" of its spend ({_ci_text(worst['ci_low'], worst['ci_high'], fmt)})",
    ]
    if best is not worst:
        text += ["; ", Strong(best["strategy"]), " the least: ", fmt.format(best["mean"])]
    return [(*text, ".")]


def _skew(an: _Analysis, cell: _Cell) -> list[Text]:
    """Strategies whose delivery skew (women) lies outside :data:`SKEW_BAND`."""
    lo, hi = SKEW_BAND
    band = f"{lo:g}–{hi:g}"
    shares = {s: an.female_shares(cell, s) for s in cell.strategies}
    pool = _mean(p.mean for _, p, _ in shares.values())
    more, fewer = (
        "more women than the qualified pool has",
        "fewer women than the qualified pool has",
    )
    groups: dict[str, list[Inline]] = {more: [], fewer: [], "within": []}
    undefined = []
    for s, (reach, own_pool, skew) in shares.items():
        if skew.mean is None:
            undefined.append(s)
            continue
        where = "within" if lo <= skew.mean <= hi else more if skew.mean > hi else fewer
        detail = f" {skew.mean:.2f}"
        if where != "within":
            overlap = skew.low is not None and skew.low <= hi and skew.high >= lo
            # A recruiter reads shares of people, not the ratio: "17 % of the people reached
            # were women, where 3.6 % of the qualified candidates are" — even when most of
            # the reach was men, that is more women than the pool.
            majority = "" if where == fewer or reach.mean >= 0.5 else (
                f"; most of the people reached ({1 - reach.mean:.0%}) were still men"
            )  # fmt: skip
            detail = (
                f" ({reach.mean:.1%} of the people reached were women against "
                f"{own_pool.mean:.1%} of the qualified pool: {skew.mean:.2f} times their share, "
                f"{_ci_text(skew.low, skew.high, '{:.2f}')}"
                + ("; the CI reaches into the band" if overlap else "")
                + majority
                + ")"
            )
        groups[where] += [
            ", " if groups[where] else "",
            Strong(s) if where != "within" else s,
            detail,
        ]
    items: list[Text] = []
    pool_text = "" if math.isnan(pool) else f"; the qualified pool is {pool:.1%} women"
    if groups[more] or groups[fewer]:
        text: list[Inline] = [
            "Delivery ",
            Strong("skewed by sex"),
            f" (women's share of reach ÷ their share of the qualified pool outside {band}"
            f"{pool_text}): ",
        ]
        for i, where in enumerate(w for w in (more, fewer) if groups[w]):
            text += ["; " if i else "", f"{where} reached ", *groups[where]]
        items.append((*text, "."))
        if groups["within"]:
            items.append((f"Delivery skew within {band}: ", *groups["within"], "."))
    elif groups["within"]:
        items.append(
            (
                f"No strategy skewed delivery by sex beyond {band}{pool_text}: ",
                *groups["within"],
                ".",
            )
        )
    if undefined:
        items.append(
            (
                "Delivery skew is undefined for ",
                *_names(undefined),
                " (no reach, or no women in the qualified pool).",
            )
        )
    return items


def _budget(an: _Analysis, cell: _Cell) -> list[Text]:
    """Strategies that left budget unspent — because the vacancy was filled, or not."""
    budget = cell.budget
    if not budget:
        return []
    cur = f" {cell.currency}" if cell.currency else ""
    short, filled = [], []
    for s in cell.strategies:
        spend = an.estimate(cell, s, "spend")["mean"]
        if spend is None or spend >= BUDGET_USE_MIN * budget:
            continue
        runs = cell.runs_of(s)
        stopped = sum(
            1 for r in runs if r["summary"].get("pipeline", {}).get("campaign_stopped_early")
        )
        if stopped == len(runs):
            filled.append(f"{s} ({spend:,.0f}{cur} on average, {spend / budget:.0%})")
        elif stopped:
            short.append(
                f"{s} spent {spend:,.0f}{cur} on average ({spend / budget:.0%}; the vacancy was "
                f"filled and the campaign stopped in {stopped} of {len(runs)} replications)"
            )
        else:
            short.append(f"{s} spent {spend:,.0f}{cur} on average ({spend / budget:.0%})")
    items: list[Text] = []
    if filled:
        items.append(
            (
                Strong("Stopped early: the vacancy was filled"),
                f" in every replication, so the rest of the {budget:,.0f}{cur} budget was not "
                "needed: " + "; ".join(filled) + ".",
            )
        )
    if short:
        items.append(
            (
                Strong("Could not spend the budget"),
                f" ({budget:,.0f}{cur}; flagged below {BUDGET_USE_MIN:.0%}): "
                + "; ".join(short)
                + ".",
            )
        )
    if not items:
        items.append(
            f"Every strategy spent at least {BUDGET_USE_MIN:.0%} of its {budget:,.0f}{cur} budget."
        )
    return items


def _identical(an: _Analysis, cell: _Cell) -> list[Text]:
    """Strategies whose runs were identical in every replication, and why that happens."""

    def fingerprint(s: str) -> str:
        return json.dumps([r["summary"]["metrics"] for r in cell.runs_of(s)], sort_keys=True)

    groups: dict[str, list[str]] = {}
    for s in cell.strategies:
        if cell.runs_of(s):
            groups.setdefault(fingerprint(s), []).append(s)
    items: list[Text] = []
    for same in groups.values():
        if len(same) > 1:
            items.append(
                (
                    *_names(same),
                    " gave ",
                    Strong("identical results"),
                    " in every replication: they ran the same ad sets. Typically a strategy "
                    "whose targeting the employment special ad category forbids (age, sex, "
                    "exclusions, lookalikes) falls back to location-only targeting, the same "
                    "as broad.",
                )
            )
    return items


def _rejected(an: _Analysis, cell: _Cell) -> list[Text]:
    """Ad sets the platform refused to publish (an audience below its minimum)."""
    from sim.lab.experiment import rejected_ad_sets

    items: list[Text] = []
    for s in cell.strategies:
        runs = cell.runs_of(s)
        seen: dict[tuple[str, str], tuple[int, str]] = {}
        for r in runs:
            for a in rejected_ad_sets(r["summary"]):
                n, _ = seen.get((a["name"], a["platform"]), (0, ""))
                seen[(a["name"], a["platform"])] = (n + 1, str(a["status"]))
        for (name, platform), (n, status) in seen.items():
            items.append(
                (
                    Strong(s),
                    f": ad set {name!r} on {platform} was ",
                    Strong("not published"),
                    f" in {n} of {len(runs)} replications — {status}.",
                )
            )
    return items


def _findings(an: _Analysis, cell: _Cell) -> list[Text]:
    return [*_cheapest(an, cell), *_waste(an, cell), *_skew(an, cell), *_budget(an, cell),
            *_identical(an, cell), *_rejected(an, cell)]  # fmt: skip


def findings(
    records: list[dict], *, baseline: str | None = None, test: str = "t"
) -> list[tuple[str, list[str]]]:
    """The report's findings as plain sentences, per scenario and sweep cell.

    Parameters
    ----------
    records : list of dict
        Run records, as for :func:`write_report`.
    baseline, test
        As for :func:`write_report`.

    Returns
    -------
    list of (str, list of str)
        ``(cell title, findings)`` in the order of the records, e.g.
        ``("tiny [budget.total=500]", ["job-title-v1 was the cheapest ...", ...])``.
    """
    an = _analyse(records, baseline, test)
    return [(c.title, [_plain(t) for t in _findings(an, c)]) for c in an.cells]


def _plain(text: Text) -> str:
    return "".join(s if isinstance(s, str) else s.text for s in _spans(text))


# --------------------------------------------------------------------------- figures


def _colours(strategies: Sequence[str]) -> dict[str, tuple]:
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(strategies) <= 10 else "tab20"]
    return {s: cmap(i % cmap.N) for i, s in enumerate(strategies)}


def _new_figure(width: float, height: float) -> MplFigure:
    fig = MplFigure(figsize=(width, height), dpi=_DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _err(rows: Sequence[dict]) -> np.ndarray:
    """Asymmetric error bar lengths (2, k); zero where there is no interval."""
    lo = [r["mean"] - r["ci_low"] if r["ci_low"] is not None else 0.0 for r in rows]
    hi = [r["ci_high"] - r["mean"] if r["ci_high"] is not None else 0.0 for r in rows]
    return np.array([lo, hi], dtype=float)


def _mean(values: Iterable[float | None]) -> float:
    x = [v for v in values if v is not None]
    return float(np.mean(x)) if x else math.nan


def _fig_cost(an: _Analysis, cell: _Cell, colours: dict) -> MplFigure:
    strategies = list(cell.strategies)
    rows = [an.estimate(cell, s, CPQA) for s in strategies]
    fig = _new_figure(8, 0.55 * len(strategies) + 1.6)
    ax = fig.add_subplot()
    y = np.arange(len(strategies))
    known = [i for i, r in enumerate(rows) if r["mean"] is not None]
    if known:
        sel = [rows[i] for i in known]
        ax.barh(
            y[known],
            [r["mean"] for r in sel],
            xerr=_err(sel),
            color=[colours[strategies[i]] for i in known],
            capsize=4,
            error_kw={"elinewidth": 1.2},
        )
    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for i, r in enumerate(rows):
        if r["mean"] is None:
            ax.text(0, i, " n/a", va="center", fontsize=9, color="#555")
        runs = len(cell.runs_of(strategies[i]))
        note = "no qualified applications" if r["mean"] is None else f"n={r['n']}/{runs}"
        ax.text(1.01, i, note, transform=trans, va="center", fontsize=8, color="#555")
    ax.set_yticks(y, strategies)
    ax.set_ylim(len(strategies) - 0.5, -0.5)  # first strategy on top
    if not known:
        ax.set_xticks([])
    ax.axvline(0, color="#999", lw=0.8)
    ax.set_xlabel(f"cost per qualified application ({cell.currency}), mean and 95% CI")
    ax.set_title(f"Cost per qualified application — {cell.title}", loc="left", fontsize=11)
    ax.grid(axis="x", alpha=0.3)
    return fig


def _fig_reach_relevance(an: _Analysis, cell: _Cell, colours: dict) -> MplFigure:
    fig = _new_figure(8, 5)
    ax = fig.add_subplot()
    reach_rows = []
    for s in cell.strategies:
        reach, rel = an.estimate(cell, s, "reach"), an.estimate(cell, s, "relevance")
        if reach["mean"] is None or rel["mean"] is None:
            continue
        reach_rows.append(reach)
        ax.errorbar(
            [reach["mean"]],
            [rel["mean"]],
            xerr=_err([reach]),
            yerr=_err([rel]),
            fmt="o",
            color=colours[s],
            capsize=3,
            label=s,
        )
    lows = [r["ci_low"] if r["ci_low"] is not None else r["mean"] for r in reach_rows]
    highs = [r["mean"] for r in reach_rows]
    if lows and min(lows) > 0 and max(highs) / min(lows) > 20:
        ax.set_xscale("log")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("reach (people), mean and 95% CI")
    ax.set_ylabel("relevance (qualified share of reach)")
    ax.set_title(f"Reach vs relevance — {cell.title}", loc="left", fontsize=11)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _fig_funnel(an: _Analysis, cell: _Cell, colours: dict) -> MplFigure:
    strategies = list(cell.strategies)
    fig = _new_figure(9, 4.8)
    ax = fig.add_subplot()
    k = len(strategies)
    width = 0.8 / k
    x = np.arange(len(FUNNEL))
    zeros = []
    for j, s in enumerate(strategies):
        means = [an.estimate(cell, s, m)["mean"] for m, _ in FUNNEL]
        heights = [v if v else math.nan for v in means]
        pos = x - 0.4 + width * (j + 0.5)
        ax.bar(pos, heights, width, color=colours[s], label=s)
        zeros += [p for p, v in zip(pos, means, strict=True) if not v]
    ax.set_yscale("log")
    trans = blended_transform_factory(ax.transData, ax.transAxes)
    for p in zeros:
        ax.text(p, 0.01, "0", transform=trans, ha="center", va="bottom", fontsize=7)
    ax.set_xticks(x, [label for _, label in FUNNEL])
    ax.set_ylabel("people or events per campaign (mean, log scale)")
    ax.set_title(f"Funnel — {cell.title}", loc="left", fontsize=11)
    ax.legend(fontsize=8, ncols=min(k, 4), loc="upper right")
    ax.grid(axis="y", alpha=0.3, which="both")
    return fig


def _fig_delivery(an: _Analysis, cell: _Cell, colours: dict) -> MplFigure:
    strategies = list(cell.strategies)
    bands = cell.records[0]["summary"]["delivery"]["age_bands"]
    panels = len(strategies) + 1
    ncols = min(3, panels)
    nrows = math.ceil(panels / ncols)
    fig = _new_figure(4 * ncols, 3.2 * nrows + 0.4)
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    y = np.arange(len(bands))

    def shares(key: str, recs: list[dict]) -> tuple[np.ndarray, np.ndarray]:
        male = sum(np.array(r["summary"]["delivery"][key]["male"], float) for r in recs)
        female = sum(np.array(r["summary"]["delivery"][key]["female"], float) for r in recs)
        total = male.sum() + female.sum()
        return (male / total, female / total) if total else (male * math.nan, female * math.nan)

    extent = 0.0
    pyramids = []
    for s in strategies:
        recs = cell.runs_of(s)
        pyramids.append((s, shares("reach", recs), shares("qualified", recs)))
    for _, (rm, rf), (qm, qf) in pyramids:
        extent = max(extent, *np.nan_to_num(np.concatenate([rm, rf, qm, qf])))
    extent = (extent or 0.1) * 1.1
    for ax, (s, (rm, rf), (qm, qf)) in zip(axes, pyramids, strict=False):
        ax.barh(y, -rm, color=_MALE_COLOUR, alpha=0.85, label="reach: men")
        ax.barh(y, rf, color=_FEMALE_COLOUR, alpha=0.85, label="reach: women")
        ax.barh(y, -qm, fill=False, edgecolor="black", lw=1.0, label="qualified pool")
        ax.barh(y, qf, fill=False, edgecolor="black", lw=1.0)
        ax.axvline(0, color="#333", lw=0.8)
        ax.set_xlim(-extent, extent)
        ax.set_yticks(y, bands, fontsize=8)
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{abs(v):.0%}"))
        ax.tick_params(axis="x", labelsize=8)
        ax.set_title(f"{s}\n◀ men · women ▶", fontsize=9)
    share_ax = axes[len(strategies)]
    reach_e, pool_e = [], []
    for s in strategies:
        reach, pool, _ = an.female_shares(cell, s)
        reach_e.append(reach)
        pool_e.append(pool)
    known = [i for i, e in enumerate(reach_e) if e.mean is not None]
    xs = np.arange(len(strategies))
    if known:
        rows = [_row(reach_e[i]) for i in known]
        share_ax.bar(
            xs[known],
            [r["mean"] for r in rows],
            yerr=_err(rows),
            capsize=3,
            color=[colours[strategies[i]] for i in known],
        )
    pool = _mean(e.mean for e in pool_e)
    if not math.isnan(pool):
        lo, hi = SKEW_BAND
        share_ax.axhspan(
            pool * lo, pool * hi, color="#2ca02c", alpha=0.12, label=f"skew {lo:g}–{hi:g}"
        )
        share_ax.axhline(pool, color="black", ls="--", lw=1, label="qualified pool")
        share_ax.set_ylim(top=1.4 * max(share_ax.get_ylim()[1], pool * hi))  # room for legend
        share_ax.legend(fontsize=7, loc="upper right", ncols=2)
    share_ax.set_xticks(xs, strategies, rotation=30, ha="right", fontsize=8)
    share_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    share_ax.set_title("women's share of reach\nvs the qualified pool", fontsize=9)
    for ax in axes[panels:]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside upper right", ncols=3, fontsize=8)
    fig.suptitle(
        f"Delivery by sex and age band vs the qualified pool — {cell.title}",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    return fig


def _fig_daily(an: _Analysis, cell: _Cell, colours: dict) -> MplFigure:
    fig = _new_figure(11, 4)
    spend_ax, apps_ax = fig.subplots(1, 2)
    for s in cell.strategies:
        recs = cell.runs_of(s)
        days = [d["day"] for d in recs[0]["summary"]["daily"]]
        for ax, metric in ((spend_ax, "spend"), (apps_ax, "applications")):
            mean = [_mean(r["summary"]["daily"][i][metric] for r in recs) for i in range(len(days))]
            ax.plot(np.array(days) + 1, mean, marker="o", ms=3, color=colours[s], label=s)
    spend_ax.set_ylabel(f"spend per day ({cell.currency})")
    apps_ax.set_ylabel("applications per day")
    for ax in (spend_ax, apps_ax):
        ax.set_xlabel("campaign day")
        ax.grid(alpha=0.3)
        ax.set_ylim(bottom=0)
    apps_ax.legend(fontsize=8)
    fig.suptitle(
        f"Daily spend and applications (mean over replications) — {cell.title}",
        x=0.01,
        ha="left",
        fontsize=11,
    )
    return fig


# Sweep figures: one set per scenario, the swept value on the x-axis.


def _sweep_axis(cells: Sequence[_Cell]) -> tuple[list[float], list[str], str | None]:
    """x positions, tick labels, and the swept field when x is its numeric value."""
    paths = {tuple(sorted(c.sweep)) for c in cells}
    if len(paths) == 1 and len(next(iter(paths))) == 1:
        (path,) = next(iter(paths))
        values = [c.sweep[path] for c in cells]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
            return [float(v) for v in values], [str(v) for v in values], path
    return [float(i) for i in range(len(cells))], [c.label for c in cells], None


def _sweep_lines(
    ax, an: _Analysis, cells: Sequence[_Cell], value: Callable[[_Cell, str], dict], colours: dict
) -> None:
    """One line per strategy (mean and 95% CI) over the swept value; undefined points skipped."""
    xs, labels, path = _sweep_axis(cells)
    order = np.argsort(xs, kind="stable")
    for s in an.strategies:
        pts = [(xs[i], value(cells[i], s)) for i in order if s in cells[i].strategies]
        pts = [(x, row) for x, row in pts if row["mean"] is not None]
        if pts:
            rows = [row for _, row in pts]
            ax.errorbar(
                [x for x, _ in pts],
                [r["mean"] for r in rows],
                yerr=_err(rows),
                marker="o",
                ms=4,
                capsize=3,
                color=colours[s],
                label=s,
            )
    if path is not None and min(xs) > 0 and max(xs) / min(xs) >= 20:
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
    rotate = path is None or len(xs) > 6
    ax.set_xticks(
        xs, labels, rotation=30 if rotate else 0, ha="right" if rotate else "center", fontsize=8
    )
    ax.set_xlabel(path or "sweep cell")
    ax.grid(alpha=0.3)


def _sweep_figures(an: _Analysis, cells: Sequence[_Cell], colours: dict) -> list[tuple]:
    """The five figures of a long sweep: ``(kind, figure, caption)``."""
    scenario, currency = cells[0].scenario, cells[0].currency

    def metric(name: str) -> Callable[[_Cell, str], dict]:
        return lambda c, s: an.estimate(c, s, name)

    def panels(kind, title, caption, specs, ncols=1):
        fig = _new_figure(6 * ncols if ncols > 1 else 9, 4.6 * math.ceil(len(specs) / ncols))
        axes = fig.subplots(math.ceil(len(specs) / ncols), ncols, squeeze=False).ravel()
        for ax, (value, ylabel, setup) in zip(axes, specs, strict=True):
            _sweep_lines(ax, an, cells, value, colours)
            ax.set_ylabel(ylabel)
            setup(ax)
        axes[0].legend(fontsize=8)
        fig.suptitle(f"{title} — {scenario}", x=0.01, ha="left", fontsize=11)
        return kind, fig, caption

    def pct(ax):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))

    def log(ax):
        ax.set_yscale("log")

    def skew_band(ax):
        lo, hi = SKEW_BAND
        ax.axhspan(lo, hi, color="#2ca02c", alpha=0.12)
        ax.axhline(1, color="black", ls="--", lw=1)

    def budget_line(ax):
        pct(ax)
        ax.axhline(BUDGET_USE_MIN, color="#d62728", ls=":", lw=1)
        ax.set_ylim(bottom=0)

    def skew(c: _Cell, s: str) -> dict:
        return _row(an.female_shares(c, s)[2])

    def budget_use(c: _Cell, s: str) -> dict:
        spend = (r["summary"]["metrics"]["spend"] for r in c.runs_of(s))
        return _row(Estimate.of(v / c.budget for v in spend) if c.budget else Estimate.of([]))

    return [
        panels(
            "cost",
            "Cost per qualified application over the sweep",
            "Cost per qualified application (mean, 95% CI) over the sweep; a missing point: "
            "no qualified application in any replication.",
            [(metric(CPQA), f"cost per qualified application ({currency})", lambda ax: None)],
        ),
        panels(
            "reach-relevance",
            "Reach and relevance over the sweep",
            "Reach and relevance (qualified share of reach), mean and 95% CI, over the sweep.",
            [
                (metric("reach"), "reach (people)", lambda ax: None),
                (metric("relevance"), "relevance", pct),
            ],
            ncols=2,
        ),
        panels(
            "funnel",
            "Funnel over the sweep",
            "Impressions, clicks, applications and qualified applications (mean, 95% CI, "
            "log scale) over the sweep; zeros are not drawn.",
            [(metric(m), label.replace("\n", " ") + " (log scale)", log) for m, label in FUNNEL],
            ncols=2,
        ),
        panels(
            "delivery",
            "Delivery skew by sex over the sweep",
            "Women's share of reach ÷ women's share of the qualified pool (mean, 95% CI); "
            f"the shaded band {SKEW_BAND[0]:g}–{SKEW_BAND[1]:g} is not flagged.",
            [(skew, "delivery skew (women)", skew_band)],
        ),
        panels(
            "budget",
            "Budget used over the sweep",
            "Mean spend as a share of the budget (95% CI); below the dotted line "
            f"({BUDGET_USE_MIN:.0%}) a strategy could not spend its budget.",
            [(budget_use, "spend / budget", budget_line)],
        ),
    ]


_CELL_FIGURES = (
    (
        "cost",
        _fig_cost,
        "Cost per qualified application, mean and 95% CI over replications; n = replications "
        "with a qualified application; n/a = none in any replication.",
    ),
    (
        "reach-relevance",
        _fig_reach_relevance,
        "Reach against relevance (qualified share of reach), mean and 95% CI in both directions.",
    ),
    (
        "funnel",
        _fig_funnel,
        "Impressions → clicks → applications → qualified applications per strategy (mean, log "
        "scale); 0 marks a stage no replication reached.",
    ),
    (
        "delivery",
        _fig_delivery,
        "Share of reach by sex and age band (filled) against the qualified pool's share "
        "(outlined), summed over replications; last panel: women's share of reach (mean, 95% "
        "CI) against their share of the qualified pool (dashed) and the unflagged skew band.",
    ),
    ("daily", _fig_daily, "Daily spend and daily applications, mean over replications."),
)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.]+", "-", text.lower()).strip("-") or "x"


def _figures(an: _Analysis, fig_dir: Path) -> list[tuple[str, list[Figure]]]:
    """Draw and save every figure; ``(section title, figures)`` in report order."""
    colours = _colours(an.strategies)
    sections: list[tuple[str, list[Figure]]] = []
    scenarios = list(dict.fromkeys(c.scenario for c in an.cells))
    n = 0
    for scenario in scenarios:
        cells = [c for c in an.cells if c.scenario == scenario]
        if len(cells) > MAX_CELL_SETS:
            drawn = [(f"{scenario} over the sweep", _sweep_figures(an, cells, colours))]
        else:
            drawn = [
                (
                    c.title,
                    [
                        (kind, draw(an, c, colours), caption)
                        for kind, draw, caption in _CELL_FIGURES
                    ],
                )
                for c in cells
            ]
        for title, figs in drawn:
            n += 1
            blocks = []
            for kind, fig, caption in figs:
                name = f"{n:02d}-{_slug(title)}-{kind}.png"
                fig.savefig(fig_dir / name, dpi=_DPI, metadata={"Software": None})
                blocks.append(Figure(f"figures/{name}", f"{kind} — {title}", caption))
            sections.append((title, blocks))
    return sections


# --------------------------------------------------------------------------- document


def _summary_table(an: _Analysis, cell: _Cell) -> Table:
    header = ("strategy", *(label for _, label, _ in TABLE_METRICS), "skew (women)")
    rows = []
    for s in cell.strategies:
        runs = len(cell.runs_of(s))
        row: list[Text] = [s]
        for metric, _, fmt in TABLE_METRICS:
            row.append(_estimate_text(an.estimate(cell, s, metric), fmt, runs))
        row.append(_estimate_text(_row(an.female_shares(cell, s)[2]), "{:.2f}", runs))
        rows.append(tuple(row))
    reps = max(len(cell.runs_of(s)) for s in cell.strategies)
    caption = (
        f"{cell.title}: mean ±95% CI half-width over {reps} paired replications; (n=k): the "
        "ratio was defined in only k replications; — undefined. Money in "
        f"{cell.currency or 'the scenario currency'}; skew = women's share of reach ÷ their "
        "share of the qualified pool."
    )
    return Table(header, tuple(rows), ("l",) + ("r",) * (len(header) - 1), caption)


def _paired_table(an: _Analysis, cell: _Cell, test_name: str) -> Table | Paragraph:
    rows = []
    for r in an.paired_rows(cell):
        diff = _diff_format(r["metric"])
        text = "—" if r["mean_diff"] is None else diff(r["mean_diff"])
        ci = "—" if r["ci_low"] is None else f"{diff(r['ci_low'])} to {diff(r['ci_high'])}"
        rows.append(
            (
                _LABELS[r["metric"]],
                r["strategy"],
                text,
                ci,
                str(r["n"]),
                _p_text(r["p_value"]),
                _p_text(r["p_holm"]),
            )
        )
    if not rows:
        why = "is the only strategy" if an.baseline in cell.strategies else "was not run"
        return Paragraph(f"{cell.title}: no paired differences (the baseline {why} here).")
    others = len({r["strategy"] for r in an.paired_rows(cell)})
    caption = (
        f"{cell.title}: each strategy minus the baseline {an.baseline}, paired by replication "
        f"(common random numbers); {test_name} over the {others} strategies compared for each "
        "metric. Differences of shares are in percentage points (pp)."
    )
    header = ("metric", "strategy", "difference", "95% CI", "n", "p", "p (Holm)")
    return Table(header, tuple(rows), ("l", "l", "r", "r", "r", "r", "r"), caption)


def _ranking_table(an: _Analysis, cell: _Cell) -> Table:
    rows = []
    ranked = an.ranked(cell)
    for r in ranked:
        shared = sum(1 for o in ranked if o["rank"] == r["rank"]) > 1
        rank = "—" if r["rank"] is None else f"{r['rank']}{' (tie)' if shared else ''}"
        ci = _ci_text(r["ci_low"], r["ci_high"], _FORMATS[CPQA]).replace("95% CI ", "")
        rows.append(
            (
                rank,
                r["strategy"],
                _fmt(r["mean"], _FORMATS[CPQA]),
                "—" if r["mean"] is None else ci,
                f"{r['n']}/{len(cell.runs_of(r['strategy']))}",
            )
        )
    caption = (
        f"{cell.title}: ranked on cost per qualified application "
        f"({'lower' if CPQA in LOWER_IS_BETTER else 'higher'} is better). A rank is one plus "
        "the number of strategies whose whole 95% CI is better; overlapping CIs share a rank; "
        "a single replication's value has no interval and is ranked as a point; — no value."
    )
    header = ("rank", "strategy", f"cost/qual. app ({cell.currency})", "95% CI", "n")
    return Table(header, tuple(rows), ("r", "l", "r", "r", "r"), caption)


def _manifest(an: _Analysis, extra: dict | None) -> list[Block]:
    recs = an.records
    out: list[Block] = [Heading(2, "Manifest")]
    rows = []
    for c in an.cells:
        summary = c.records[0]["summary"]
        rows.append(
            (
                c.scenario,
                c.label or "—",
                Code(c.scenario_hash),
                _fmt(summary.get("population"), "{:,}"),
                _fmt(summary.get("days"), "{}"),
                _fmt(c.budget, "{:,.0f} " + c.currency).strip(),
            )
        )
    out.append(
        Table(
            ("scenario", "sweep", "content hash (SHA-256)", "people", "days", "budget"),
            tuple(rows),
            ("l", "l", "l", "r", "r", "r"),
            "Scenarios.",
        )
    )
    params: dict[str, dict[str, str]] = {}
    for r in recs:
        m = r["manifest"]
        params.setdefault(r["label"], {})[m["strategy"]] = json.dumps(
            m["strategy_params"], sort_keys=True
        )
    rows = [(s, Code(sid), Code(p)) for s in an.strategies for sid, p in params[s].items()]
    out.append(
        Table(
            ("strategy", "id", "parameters"),
            tuple(rows),
            ("l", "l", "l"),
            "Strategies with their parameters.",
        )
    )
    entropy = sorted({r["manifest"]["seed_entropy"] for r in recs}, key=str)
    reps = sorted({r["replication"] for r in recs})
    first = recs[0]
    items: list[Text] = [
        ("Root seed (SeedSequence entropy): ", *(Code(str(e)) for e in entropy), "."),
        f"Replications: {len(reps)} ({', '.join(map(str, reps))}); each component's stream is "
        "spawned from the root seed by replication and component (spawn keys "
        + ", ".join(f"{k} {tuple(v)}" for k, v in first["manifest"].get("spawn_keys", {}).items())
        + f" in replication {first['replication']}), the same for every strategy (common "
        "random numbers).",
    ]
    commits = sorted({str(r["manifest"].get("git_commit")) for r in recs})
    items.append(("Git commit: ", *(Code(c) for c in commits), "."))
    prints = sorted(
        {
            str(r["manifest"]["code_fingerprint"])
            for r in recs
            if r["manifest"].get("code_fingerprint")
        }
    )
    if prints:
        items.append(("Code fingerprint: ", *(Code(c) for c in prints), "."))
    wall = sum(float(r["manifest"].get("wall_time_s") or 0.0) for r in recs)
    created = sorted(str(r["manifest"].get("created_at")) for r in recs)
    items.append(
        f"Runs: {len(recs)}; total wall time {wall:,.1f} s; created {created[0]} to {created[-1]}."
    )
    out.append(Bullets(tuple(items)))
    versions: dict[str, set[str]] = {}
    for r in recs:
        for k, v in r["manifest"].get("versions", {}).items():
            versions.setdefault(k, set()).add(str(v))
    out.append(
        Table(
            ("package", "version"),
            tuple((k, ", ".join(sorted(v))) for k, v in versions.items()),
            ("l", "l"),
            "Package versions.",
        )
    )
    if extra:
        rows = [
            (str(k), v if isinstance(v, str) else Code(json.dumps(v, sort_keys=True, default=str)))
            for k, v in extra.items()
        ]
        out.append(Table(("item", "value"), tuple(rows), ("l", "l"), "Also recorded."))
    return out


def _document(
    an: _Analysis, title: str, figures: list[tuple[str, list[Figure]]], extra: dict | None
) -> list[Block]:
    test_name = "paired t-test" if an.test == "t" else "Wilcoxon signed-rank"
    test_name += ", Holm-adjusted"
    scenarios = list(dict.fromkeys(c.scenario for c in an.cells))
    reps = len({r["replication"] for r in an.records})
    sweeps = sorted({p for c in an.cells for p in c.sweep})
    scen = f"{len(scenarios)} scenario{'s' * (len(scenarios) > 1)} ({', '.join(scenarios)})"
    cells_per_scenario = len(an.cells) / max(len(scenarios), 1)
    full = len(an.records) == len(an.cells) * len(an.strategies) * reps
    if full:  # a full grid: the factors multiply to the number of runs
        shape = f"{scen} × {len(an.strategies)} strategies × {reps} paired replications" + (
            f" × {cells_per_scenario:g} sweep cells (over {', '.join(sweeps)})" if sweeps else ""
        )
    else:  # a mixed store: say what is there without a product that does not hold
        per_cell = [len(c.records) for c in an.cells]
        shape = (
            f"{scen}, {len(an.cells)} cells, {len(an.strategies)} strategies, up to {reps} "
            f"paired replications (not every strategy ran in every cell or replication; "
            f"{min(per_cell)}–{max(per_cell)} runs per cell)"
        )
    intro: list[Inline] = [
        f"{len(an.records)} runs: {shape}",
        ". Baseline for paired differences: ",
        Strong(an.baseline),
        f"; tests: {test_name}. Intervals are Student-t 95% intervals over replications; "
        "an undefined ratio (zero denominator) is left out and shown as —.",
    ]
    doc: list[Block] = [Heading(1, title), Paragraph(tuple(intro)), Heading(2, "Findings")]
    many = len(an.cells) > 1
    for cell in an.cells:
        if many:
            doc.append(Heading(3, cell.title))
        doc.append(Bullets(tuple(_findings(an, cell))))
    doc.append(Heading(2, "Summary"))
    doc += [_summary_table(an, c) for c in an.cells]
    doc.append(Heading(2, "Paired differences"))
    doc += [_paired_table(an, c, test_name) for c in an.cells]
    doc.append(Heading(2, "Ranking"))
    doc += [_ranking_table(an, c) for c in an.cells]
    doc.append(Heading(2, "Figures"))
    for section, blocks in figures:
        if len(figures) > 1:
            doc.append(Heading(3, section))
        doc += blocks
    doc += _manifest(an, extra)
    return doc


# --------------------------------------------------------------------------- files


def _write_csv(path: Path, rows: list[dict]) -> None:
    fields = list(dict.fromkeys(k for row in rows for k in row))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def _analyse(records: list[dict], baseline: str | None, test: str) -> _Analysis:
    if test not in ("t", "wilcoxon"):
        raise RecruitsimError(
            f"The 'test' parameter of write_report must be 't' or 'wilcoxon'. Got {test!r} instead."
        )
    recs = _prepare(records)
    return _Analysis(recs, _resolve_baseline(baseline, recs), test)


def write_report(
    records: list[dict],
    out_dir: str | Path,
    *,
    title: str | None = None,
    baseline: str | None = None,
    test: str = "t",
    extra_manifest: dict | None = None,
) -> Path:
    """Write the benchmark report of a set of run records.

    Parameters
    ----------
    records : list of dict
        Run records (:func:`sim.lab.experiment.execute`), e.g. from
        :func:`sim.lab.experiment.run_grid` or :meth:`sim.lab.store.ResultsStore.records`.
    out_dir : str or Path
        Folder to write into (created). ``figures/`` inside it belongs to the report:
        PNG files there that this report does not write are removed.
    title : str, optional
        Page title; ``"recruitsim benchmark: <scenarios>"`` by default.
    baseline : str, optional
        Strategy the others are compared with (``broad-v1`` if run, else the first);
        a bare name (``broad``) is resolved to its registered version.
    test : {"t", "wilcoxon"}
        Paired t-test or Wilcoxon signed-rank test; p-values are Holm-adjusted.
    extra_manifest : dict, optional
        More items for the manifest (e.g. the command line), shown as given.

    Returns
    -------
    Path
        The path of ``report.html``.

    Raises
    ------
    RecruitsimError
        No records, an unknown baseline, an unknown test, or records that cannot be
        summarised together (see :func:`_prepare`).
    """
    an = _analyse(records, baseline, test)
    out = Path(out_dir)
    fig_dir = out / "figures"
    fig_dir.mkdir(parents=True, exist_ok=True)

    _write_csv(out / "runs.csv", list(tidy_runs(an.records)))
    _write_csv(out / "summary.csv", an.summary)
    _write_csv(out / "paired.csv", an.paired)
    _write_csv(out / "ranking.csv", an.ranks)

    figures = _figures(an, fig_dir)
    written = {Path(f.path).name for _, blocks in figures for f in blocks}
    for stale in fig_dir.glob("*.png"):
        if stale.name not in written:
            stale.unlink()
    title = title or "recruitsim benchmark: " + ", ".join(
        dict.fromkeys(c.scenario for c in an.cells)
    )
    doc = _document(an, title, figures, extra_manifest)
    (out / "report.md").write_text(to_markdown(doc), encoding="utf-8")
    images = {f.path: (out / f.path).read_bytes() for _, blocks in figures for f in blocks}
    html_path = out / "report.html"
    html_path.write_text(to_html(doc, images, title), encoding="utf-8")
    return html_path
