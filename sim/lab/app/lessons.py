"""Guided lessons: a question, one or two runs, and a reveal in plain words.

Each lesson names the campaigns it runs (ordinary :class:`~sim.lab.app.logic.CampaignForm`
objects, so a class can open any of them in the full view) and which numbers of their
run JSON the reveal quotes. The reveal's words are in the catalogues
(``lesson.<id>.reveal``); the numbers come from :func:`reveal_numbers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sim.lab.app.logic import CampaignForm, recruiter_view, with_extra

_BASE = CampaignForm()


@dataclass(frozen=True)
class Lesson:
    """A guided lesson: its id, the campaigns it runs and the numbers its reveal uses."""

    id: str
    forms: tuple[CampaignForm, ...]
    numbers: Callable[[list[dict], tuple[CampaignForm, ...]], dict[str, tuple]]


def _view(summaries: list[dict]) -> list[dict]:
    return [recruiter_view(s) for s in summaries]


def _spouse(summaries, forms):
    a, b = _view(summaries)
    return {
        "a_q100": ("count", a["of_100"]["qualified"], "journeys.reached_by_fit"),
        "a_cannot": ("count", a["of_100"]["cannot"], "journeys.reached_by_fit"),
        "b_q100": ("count", b["of_100"]["qualified"], "journeys.reached_by_fit"),
        "a_reach": ("count", a["metrics"]["reach"], "metrics.reach"),
        "b_reach": ("count", b["metrics"]["reach"], "metrics.reach"),
        "a_cpqa": ("money", a["metrics"]["cost_per_qualified_application"],
                   "metrics.cost_per_qualified_application"),
        "b_cpqa": ("money", b["metrics"]["cost_per_qualified_application"],
                   "metrics.cost_per_qualified_application"),
    }  # fmt: skip


def _interests(summaries, forms):
    a, b = _view(summaries)
    return {
        "a_q100": ("count", a["of_100"]["qualified"], "journeys.reached_by_fit"),
        "b_q100": ("count", b["of_100"]["qualified"], "journeys.reached_by_fit"),
        "a_waste": ("share", a["metrics"]["wasted_spend_share"], "metrics.wasted_spend_share"),
        "a_cpqa": ("money", a["metrics"]["cost_per_qualified_application"],
                   "metrics.cost_per_qualified_application"),
        "b_cpqa": ("money", b["metrics"]["cost_per_qualified_application"],
                   "metrics.cost_per_qualified_application"),
    }  # fmt: skip


def _passive(summaries, forms):
    (a,) = _view(summaries)
    passive = a["metrics"]["passive_share_of_clicks"]
    return {
        "passive": ("share", passive, "metrics.passive_share_of_clicks"),
        "clicks": ("count", a["metrics"]["clicks"], "metrics.clicks"),
    }


def _skew(summaries, forms):
    (a,) = _view(summaries)
    return {
        "men_reached": ("share", a["men_reached"], "metrics.reach_by_gender"),
        "men_qualified": ("share", a["men_qualified"], "metrics.qualified_by_gender"),
    }


def _budget(summaries, forms):
    a, b = _view(summaries)
    m, n = a["metrics"], b["metrics"]
    return {
        "a_budget": ("money", forms[0].budget, "budget.total"),
        "b_budget": ("money", forms[1].budget, "budget.total"),
        "a_freq": ("decimal", m["frequency"], "metrics.frequency"),
        "b_freq": ("decimal", n["frequency"], "metrics.frequency"),
        "a_ctr": ("share", m["ctr"], "metrics.ctr"),
        "b_ctr": ("share", n["ctr"], "metrics.ctr"),
        "a_reach": ("count", m["reach"], "metrics.reach"),
        "b_reach": ("count", n["reach"], "metrics.reach"),
    }


def _sharing(summaries, forms):
    (s,) = summaries
    organic = s["pipeline"]["organic"]
    return {
        "paid_reach": ("count", s["metrics"]["reach"], "metrics.reach"),
        "exposed": ("count", organic["exposed"], "pipeline.organic.exposed"),
        "referred": ("count", organic["referred"], "pipeline.organic.referred"),
        "organic_apps": ("count", organic["applications"], "pipeline.organic.applications"),
        "paid_apps": ("count", s["metrics"]["applications"], "metrics.applications"),
    }


LESSONS: dict[str, Lesson] = {
    lesson.id: lesson
    for lesson in (
        Lesson("spouse", (_BASE, replace(_BASE, targeting="job-title-v1")), _spouse),
        Lesson("interests", (replace(_BASE, targeting="interest-v1"), _BASE), _interests),
        Lesson("passive", (_BASE,), _passive),
        Lesson("skew", (replace(_BASE, vacancy="nurse-nordland"),), _skew),
        Lesson("budget", (replace(_BASE, budget=5000.0), replace(_BASE, budget=80000.0)), _budget),
        Lesson("sharing", (with_extra(_BASE, **{"organic.sharing": True}),), _sharing),
    )
}


def reveal_numbers(lesson: Lesson, summaries: list[dict]) -> dict[str, tuple]:
    """The numbers a lesson's reveal quotes: ``name -> (kind, value, JSON key)``.

    ``budget.total`` is the lesson's own setting (the scenario's budget), not a result.
    """
    return lesson.numbers(summaries, lesson.forms)
