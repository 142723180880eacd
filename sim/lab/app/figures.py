"""Figures of the classroom page, drawn on the server.

The picture of 100 people and the funnel are small hand-written SVGs; the delivery by
sex and age is a matplotlib figure (object-oriented API, no pyplot state) saved as SVG
with text as paths, so the browser needs no font and no script to show it.
"""

from __future__ import annotations

import base64
import io
import json
import math

import matplotlib
from matplotlib.figure import Figure

from sim.lab.app.i18n import Markup, Translator, h

COLOURS = {"qualified": "#1b7837", "trainable": "#d98e04", "cannot": "#a7adb4"}
MEN, WOMEN = "#2f6db5", "#b8457a"


def people_picture(picture: list[tuple[str, str]], t: Translator) -> Markup:
    """100 small people, coloured by fit and drawn by sex (trousers or a dress).

    Parameters
    ----------
    picture : list of (fit, sex), length 100 (or 0)
    """
    if not picture:
        return Markup(f'<p class="muted">{t("result.nobody_reached")}</p>')
    cells = []
    for i, (fit, sex) in enumerate(picture):
        x, y = 14 + (i % 20) * 26, 14 + (i // 20) * 44
        colour = COLOURS[fit]
        body = (
            f'<path d="M{x - 8},{y + 30} L{x},{y + 9} L{x + 8},{y + 30} Z"/>'
            if sex == "female"
            else f'<rect x="{x - 6}" y="{y + 9}" width="12" height="21" rx="3"/>'
        )
        label = t.plain(f"fit.{fit}") + ", " + t.plain(f"sex.{sex}")
        cells.append(
            f'<g fill="{colour}" class="person {fit} {sex}"><title>{h(label)}</title>'
            f'<circle cx="{x}" cy="{y}" r="6"/>{body}</g>'
        )
    return Markup(
        '<svg class="people" viewBox="0 0 526 226" role="img" '
        f'aria-label="{h(t.plain("result.picture_label"))}">' + "".join(cells) + "</svg>"
    )


def funnel(steps: list[tuple[str, str, float, str]], t: Translator) -> Markup:
    """Horizontal bars on a log scale: ``(label, formatted value, value, JSON key)`` per step.

    Each value's text carries its JSON key and exact value (``data-key``, ``data-value``).
    """
    top = max((s[2] for s in steps), default=0)
    rows = []
    for i, (label, text, value, key) in enumerate(steps):
        frac = math.log10(value + 1) / math.log10(top + 1) if top > 0 else 0
        y = 8 + i * 34
        width = max(2.0, 330 * frac)
        rows.append(
            f'<text x="0" y="{y + 17}" class="flabel">{h(label)}</text>'
            f'<rect x="190" y="{y}" width="{width:.1f}" height="24" rx="3" fill="{MEN}"/>'
            f'<text x="{196 + width:.1f}" y="{y + 17}" class="fvalue" data-key="{h(key)}" '
            f'data-value="{h(json.dumps(value))}">{h(text)}</text>'
        )
    height = 16 + 34 * len(steps)
    return Markup(
        f'<svg class="funnel" viewBox="0 0 640 {height}" role="img" '
        f'aria-label="{h(t.plain("result.funnel"))}">' + "".join(rows) + "</svg>"
    )


def delivery_figure(table: dict, t: Translator) -> Markup:
    """Reach and the qualified pool by sex and age band, as shares (a population pyramid).

    Bars are the people reached; the black outlines are the qualified pool. Where a bar
    is longer than its outline, that group got more of the ad than its share of the
    people who could do the job.
    """
    bands = table["bands"]
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "recruitsim",
                                "font.size": 9}):  # fmt: skip
        fig = Figure(figsize=(6.4, 3.0), dpi=100)
        ax = fig.add_subplot()
        ys = range(len(bands))
        men_r = [-100 * v for v in table["reach"]["male"]]
        women_r = [100 * v for v in table["reach"]["female"]]
        men_q = [-100 * v for v in table["qualified"]["male"]]
        women_q = [100 * v for v in table["qualified"]["female"]]
        ax.barh(ys, men_r, color=MEN, alpha=0.85, label=t.plain("figure.reached_men"))
        ax.barh(ys, women_r, color=WOMEN, alpha=0.85, label=t.plain("figure.reached_women"))
        ax.barh(ys, men_q, fill=False, edgecolor="black", linewidth=1.2,
                label=t.plain("figure.qualified_pool"))  # fmt: skip
        ax.barh(ys, women_q, fill=False, edgecolor="black", linewidth=1.2)
        ax.set_yticks(list(ys), bands)
        ax.axvline(0, color="black", linewidth=0.6)
        lim = max(1.0, *(abs(v) for v in men_r + women_r + men_q + women_q)) * 1.1
        ax.set_xlim(-lim, lim)
        ticks = ax.get_xticks()
        ax.set_xticks(ticks, [f"{abs(v):.0f} %" for v in ticks])
        ax.set_xlim(-lim, lim)
        ax.set_xlabel(t.plain("figure.xlabel"))
        ax.set_ylabel(t.plain("figure.ylabel"))
        ax.text(0.02, 0.97, t.plain("sex.male_plural"), transform=ax.transAxes, va="top")
        ax.text(0.98, 0.97, t.plain("sex.female_plural"), transform=ax.transAxes, va="top",
                ha="right")  # fmt: skip
        ax.legend(loc="lower right", fontsize=7, frameon=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="svg")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return Markup(
        f'<img class="figure" alt="{h(t.plain("figure.alt"))}" '
        f'src="data:image/svg+xml;base64,{data}">'
    )
