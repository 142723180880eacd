"""The classroom page's logic (sim/lab/app): form → scenario, numbers shown = run JSON, texts."""

from __future__ import annotations

import html
import json
import re
import string
from dataclasses import replace
from urllib.parse import parse_qs, urlencode

import numpy as np
import pytest

import strategies
from sim import interests, occupations
from sim.errors import ScenarioError
from sim.journeys import FIT_LABELS, OUTCOME_LABELS
from sim.lab.app import logic, server
from sim.lab.app.i18n import LANGUAGES, NBSP, Translator, catalogue
from sim.lab.app.lessons import LESSONS, reveal_numbers
from sim.lab.app.logic import CampaignForm, build, picture_of_100, recruiter_view, run_campaign
from sim.lab.cli import build_parser, main
from sim.model import run
from sim.population import LABOUR_LABELS, SEARCH_LABELS

SMALL = 8_000  # simulated people per run in these tests (the page uses APP_POPULATION)


@pytest.fixture(autouse=True, scope="module")
def small_runs():
    """Run the page's campaigns on a small population to keep the tests quick."""
    old = logic.APP_POPULATION
    logic.APP_POPULATION = SMALL
    yield
    logic.APP_POPULATION = old


def get(path: str, pairs=(), lang: str = "en") -> tuple[int, str]:
    query = urlencode(list(pairs)) if not isinstance(pairs, str) else pairs
    status, _, body, _ = server.respond(path, query, lang)
    return status, body.decode("utf-8")


def shown_numbers(page: str) -> list[tuple[str, object, str]]:
    """``(data-key, data-value, text)`` of every number on a page."""
    out = []
    for m in re.finditer(
        r'<span class="num" data-key="([^"]*)" data-kind="[a-z]+" data-value="([^"]*)">([^<]*)<',
        page,
    ):
        out.append((m.group(1), json.loads(html.unescape(m.group(2))), m.group(3)))
    return out


# --------------------------------------------------------------------------- catalogues
def test_every_key_exists_in_both_languages_with_the_same_placeholders():
    en, nb = catalogue("en"), catalogue("nb")
    assert set(en) == set(nb)
    fields = string.Formatter()
    for key in en:
        a = {f for _, f, _, _ in fields.parse(en[key]) if f}
        b = {f for _, f, _, _ in fields.parse(nb[key]) if f}
        assert a == b, key
    assert sum(en[k] != nb[k] for k in en) > 0.8 * len(en)  # really translated


def test_catalogues_name_everything_the_model_can_say():
    en = catalogue("en")
    wanted = [f"occupation.{o}" for o in occupations.OCCUPATION_IDS]
    wanted += [f"interest.{t}" for t in interests.TOPIC_NAMES]
    wanted += [f"strategy.{s}" for s in (*logic.STRATEGY_CHOICES, "manual")]
    wanted += [f"vacancy.{v}" for v in (*logic.VACANCIES, "custom")]
    wanted += [f"state.{s}" for s in SEARCH_LABELS] + [f"labour.{s}" for s in LABOUR_LABELS]
    wanted += [f"outcome.{o}" for o in OUTCOME_LABELS.values()] + [f"fit.{f}" for f in FIT_LABELS]
    wanted += [f"why.{r}" for r in ("no-account", "outside-audience", "budget-gone",
                                    "budget-small", "outbid", "no-ad-sets")]  # fmt: skip
    for lid in LESSONS:
        wanted += [f"lesson.{lid}.{k}" for k in ("title", "question", "reveal", "takeaway")]
    assert not [k for k in wanted if k not in en]
    for sid in logic.STRATEGY_CHOICES:
        strategies.make(sid)  # every strategy offered exists


def test_every_literal_key_in_the_views_is_in_the_catalogue():
    from pathlib import Path

    folder = Path(logic.__file__).parent
    source = "".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py"))
    used = set(re.findall(r"""\bt(?:\.plain)?\(\s*["']([a-z_][a-z0-9_.-]*)["']""", source))
    assert len(used) > 100
    literal = {k for k in used if not k.endswith(".")}  # "fit." + ... are prefixes
    assert not sorted(k for k in literal if k not in catalogue("en"))


def test_a_missing_key_shows_as_marked_not_as_an_error():
    t = Translator("nb")
    assert "⟦no.such.key⟧" in t("no.such.key")


def test_numbers_are_written_the_way_each_language_writes_them():
    en, nb = Translator("en"), Translator("nb")
    assert en.integer(12345) == "12,345" and nb.integer(12345) == f"12{NBSP}345"
    assert en.percent(0.834) == f"83{NBSP}%" and nb.percent(0.0123) == f"1,2{NBSP}%"
    assert en.money(1563.2) == f"NOK{NBSP}1,600" and nb.money(587.9) == f"590{NBSP}kr"
    assert en.money(None) == "—" and en.percent(None) == "—"


# --------------------------------------------------------------------------- form → scenario
def test_the_form_round_trips_through_the_query_string():
    form = CampaignForm(vacancy="custom", occupation="plumber", place="Trondheim", experience=3,
                        platforms=("facebook", "linkedin"), sac=False, targeting="manual",
                        budget=12345, days=14, m_place="Trøndelag", m_radius=30, m_age_min=25,
                        m_age_max=55, m_gender="female", m_interests=("cars", "fitness"),
                        m_titles=("plumber",), seed=7)  # fmt: skip
    again = CampaignForm.from_query(parse_qs(urlencode(form.query())))
    assert again == form


def test_building_a_scenario_from_the_form():
    form = CampaignForm(
        vacancy="custom",
        occupation="plumber",
        place="Trondheim",
        experience=3,
        platforms=("facebook", "linkedin", "tiktok"),
        budget=9000,
        days=10,
    )
    scenario, strategy = build(form)
    assert scenario.vacancy.occupation == "plumber" and scenario.vacancy.location == "Trondheim"
    assert scenario.vacancy.min_experience_years == 3
    assert scenario.population.regions == ("Trøndelag",) and scenario.population.size == SMALL
    assert scenario.budget.total == 9000 and scenario.campaign.days == 10
    assert {p.name: p.policy for p in scenario.platforms} == {
        "facebook": "employment", "linkedin": "standard", "tiktok": "employment"}  # fmt: skip
    assert strategy.id == "broad-v1"
    off, _ = build(replace(form, sac=False))
    assert {p.policy for p in off.platforms} == {"standard"}
    bundled, _ = build(CampaignForm(vacancy="nurse-nordland"))
    assert bundled.vacancy.location == "Bodø" and bundled.name == "nurse-nordland"


def test_manual_targeting_sends_only_what_each_platform_offers():
    form = CampaignForm(targeting="manual", platforms=("facebook", "linkedin", "jobboard"),
                        sac=False, m_age_min=30, m_gender="male", m_interests=("cars",),
                        m_titles=("electrician",))  # fmt: skip
    _, strategy = build(form)
    strategy.brief_ = logic._BriefStub("Bergen")
    fb, li, jb = (strategy.spec_for(p) for p in ("facebook", "linkedin", "jobboard"))
    assert fb.interests == ("cars",) and fb.job_titles == () and fb.genders == ("male",)
    assert li.job_titles == ("electrician",) and li.age_min == 30
    assert jb.interests == () and jb.age_min == 18 and jb.job_titles == ("electrician",)
    assert fb.locations[0].place == "Bergen" and fb.locations[0].radius_km == 45


@pytest.mark.parametrize(
    ("pairs", "field"),
    [
        ([("budget", "lots")], "budget"),
        ([("budget", "-5")], "budget"),
        ([("days", "2.5")], "days"),
        ([("vacancy", "../../etc/passwd")], "vacancy"),
        ([("targeting", "brod-v1")], "targeting"),
        ([("platform", "myspace")], "platform"),
        ([("m_interest", "knitting")], "m_interest"),
    ],
)
def test_bad_form_input_is_named_in_one_line(pairs, field):
    with pytest.raises(ScenarioError, match=f"form: {field}: "):
        CampaignForm.from_query(parse_qs(urlencode(pairs)))
    status, page = get("/run", pairs)
    assert status == 400 and "form: " + field in page


def test_no_platform_chosen_is_an_error_not_a_crash():
    outcome = run_campaign(CampaignForm(platforms=()))
    assert outcome.error and "platform" in outcome.error and outcome.summary == {}


def test_user_text_is_escaped():
    status, page = get("/run", [("budget", "<script>alert(1)</script>")])
    assert status == 400
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    _, page = get("/lang", [("to", "nb"), ("back", "//evil.example/")])
    status, _, _, headers = server.respond("/lang", "to=nb&back=//evil.example/", "en")
    assert status == 303 and headers["Location"] == "/"


def test_the_page_reads_no_file_named_by_a_request():
    for path in ("/static/../logic.py", "/static/app.css/../../logic.py", "/static/en.toml"):
        assert get(path)[0] == 404
    assert get("/static/app.js")[0] == 200


# --------------------------------------------------------------------------- refusals
def test_the_platforms_refusals_are_shown_as_the_platform_words_them():
    form = CampaignForm(targeting="manual", m_gender="female", m_radius=5)
    outcome = run_campaign(form)
    assert outcome.summary == {}
    assert "Facebook refuses 'gender' targeting for employment ads (special ad category)" in (
        outcome.refused
    )
    _, page = get("/run", form.query())
    assert html.escape("Instagram refuses 'gender' targeting", quote=True) in page
    radius = run_campaign(CampaignForm(targeting="manual", m_radius=5))
    assert any("requires a radius of at least 24 km around 'Bergen'" in r for r in radius.refused)
    allowed = run_campaign(replace(form, sac=False))
    assert not allowed.refused and allowed.summary["metrics"]["reach"] > 0


# --------------------------------------------------------------------------- numbers shown
def test_the_numbers_shown_are_the_run_jsons():
    form = CampaignForm()
    outcome = run_campaign(form)
    s = outcome.summary
    _, page = get("/run", form.query())
    numbers = shown_numbers(page)
    keys = {k for k, _, _ in numbers}
    assert {"metrics.reach", "metrics.spend", "metrics.cost_per_qualified_application",
            "metrics.applications", "metrics.reach_by_gender"} <= keys  # fmt: skip
    view = recruiter_view(s)
    for key, value, _ in numbers:
        section, _, name = key.partition(".")
        if key == "metrics.reach_by_gender":
            assert value == view["men_reached"]
        elif key == "metrics.qualified_by_gender":
            assert value == view["men_qualified"]
        elif key == "metrics.wasted_spend_share":
            assert value == pytest.approx(
                s["metrics"]["spend"] * s["metrics"]["wasted_spend_share"]
            )
        elif key == "journeys.reached_by_fit":
            assert value == view["of_100"]["qualified"]
        elif section == "metrics":
            assert value == s["metrics"][name]
        elif section == "by_platform":
            platform, metric = name.split(".")
            assert value == s["by_platform"][platform][metric]
    # ... and the run JSON is the model's own: the same run outside the page agrees.
    scenario, strategy = build(form)
    direct = run(scenario, strategy, seed=form.seed, journeys=logic.JOURNEYS)
    assert direct.to_dict()["metrics"] == s["metrics"]
    assert direct.journeys["reached_by_fit"] == s["journeys"]["reached_by_fit"]


def test_the_picture_of_100_follows_the_reach():
    by_fit = {"qualified": {"male": 30, "female": 1}, "trainable": {"male": 9, "female": 0},
              "cannot": {"male": 600, "female": 360}}  # fmt: skip
    picture = picture_of_100(by_fit)
    assert len(picture) == 100
    assert sum(f == "qualified" for f, _ in picture) == 3
    assert sum(s == "female" for _, s in picture) == 36
    empty = {f: {"male": 0, "female": 0} for f in ("qualified", "trainable", "cannot")}
    assert picture_of_100(empty) == []


def test_the_showcase_people_are_who_the_class_wants_to_follow():
    outcome = run_campaign(CampaignForm())
    chosen = logic.showcase(outcome.summary, "electrician", "Bergen")
    her, him = chosen["her"], chosen["him"]
    assert her is not None and her["reached"] and her["fit"] == "cannot"
    assert him is not None and him["qualified"] and not him["reached"]
    assert him["not_reached"]["reason"] in ("no-account", "outside-audience", "budget-gone",
                                             "budget-small", "outbid")  # fmt: skip
    _, page = get("/person", [*CampaignForm().query(), ("person", str(her["person"]))])
    assert f'data-person="{her["person"]}"' in page
    assert [v for k, v, _ in shown_numbers(page) if k == "journeys.impressions"] == [
        len(her["impressions"])
    ]
    prices = [v for k, v, _ in shown_numbers(page) if k == "journeys.impressions.price"]
    assert prices == [i["price"] for i in her["impressions"]]


def test_lesson_reveals_quote_the_run_json():
    lesson = LESSONS["budget"]
    summaries = [run_campaign(f).summary for f in lesson.forms]
    numbers = reveal_numbers(lesson, summaries)
    assert numbers["a_freq"][1] == summaries[0]["metrics"]["frequency"]
    assert numbers["b_ctr"][1] == summaries[1]["metrics"]["ctr"]
    # Fatigue and frequency: sixteen times the money buys more repetitions, each worth less.
    assert numbers["b_freq"][1] > numbers["a_freq"][1]
    _, page = get("/lesson", [("id", "budget"), ("reveal", "1")])
    shown = {(k, json.dumps(v)) for k, v, _ in shown_numbers(page)}
    assert ("metrics.frequency", json.dumps(numbers["b_freq"][1])) in shown


# --------------------------------------------------------------------------- every view
def _every_view() -> list[tuple[str, list]]:
    base = CampaignForm()
    manual = CampaignForm(targeting="manual", m_gender="male")
    views = [("/", []), ("/lessons", []), ("/compare", []), ("/nope", []),
             ("/run", base.query()), ("/run", manual.query()),
             ("/run", CampaignForm(vacancy="custom", occupation="cook", place="Tromsø",
                                   platforms=("facebook", "jobboard")).query()),
             ("/run", [("budget", "x")]),
             ("/compare", [*base.query(), ("b_targeting", "interest-v1")])]  # fmt: skip
    views += [("/lesson", [("id", lid)]) for lid in LESSONS]
    views += [("/lesson", [("id", lid), ("reveal", "1")]) for lid in LESSONS]
    people = run_campaign(base).summary["journeys"]["people"]
    views += [("/person", [*base.query(), ("person", str(j["person"]))]) for j in people[::7]]
    return views


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_view_shows_an_untranslated_key(lang):
    for path, pairs in _every_view():
        status, page = get(path, pairs, lang)
        assert status in (200, 400, 404), (path, status)
        assert "⟦" not in page, (path, re.findall("⟦[^⟧]*⟧", page)[:3])
        assert f'<html lang="{lang}">' in page


def test_the_language_switch_keeps_the_page():
    status, _, _, headers = server.respond("/lang", "to=nb&back=/lessons", "en")
    assert status == 303 and headers["Location"] == "/lessons"
    assert headers["Set-Cookie"].startswith("lang=nb;")
    _, page = get("/lessons", lang="nb")
    assert "Leksjoner" in page and "Lessons</h1>" not in page


def test_agency_names_not_ids_are_shown():
    _, page = get("/run", CampaignForm(targeting="job-title-v1").query())
    assert "job-title targeting" in page
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "job-title-v1" not in visible


# --------------------------------------------------------------------------- command line
def test_app_command_binds_to_localhost_by_default():
    args = build_parser().parse_args(["app"])
    assert args.host == "127.0.0.1"
    srv = server.make_server(port=0, quiet=True)
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.server_close()
    assert main(["app", "--port", "70000"]) == 2


def test_run_json_journeys_are_valid_json_and_deterministic():
    a = run_campaign(CampaignForm(seed=3)).summary
    logic._RUNS._items.clear()
    b = run_campaign(CampaignForm(seed=3)).summary
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    assert np.isfinite(a["metrics"]["spend"])
