"""The classroom page's views: HTML written on the server from the run JSON.

Every text comes from the catalogue (:mod:`sim.lab.app.i18n`), every value shown is
escaped, and every number taken from a run carries the JSON key it came from and its
exact value (``data-key``, ``data-value``), so tests can check what the page shows
against what the model computed.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from sim import geography, interests, occupations
from sim.lab.app import figures
from sim.lab.app.i18n import LANGUAGES, Markup, Translator, h
from sim.lab.app.lessons import LESSONS, reveal_numbers
from sim.lab.app.logic import (
    STRATEGY_CHOICES,
    VACANCIES,
    CampaignForm,
    Outcome,
    age_table,
    find_person,
    qualified_pool,
    recruiter_view,
    run_campaign,
    showcase,
)
from sim.platforms import PLATFORMS


# --------------------------------------------------------------------------- helpers
def num(t: Translator, kind: str, value, key: str) -> Markup:
    """A number as shown, with the JSON key and exact value it came from."""
    if value is None:
        text = "—"
    elif kind == "money":
        text = t.money(value)
    elif kind == "share":
        text = t.percent(value)
    elif kind == "decimal":
        text = t.decimal(value, 1)
    elif kind == "price":
        text = t.price(value)
    elif kind == "day":  # a day count from 0 (as in the JSON), shown as the day number
        text = t.integer(int(value) + 1)
    else:
        text = t.integer(value)
    raw = json.dumps(value)
    return Markup(
        f'<span class="num" data-key="{h(key)}" data-kind="{kind}" data-value="{h(raw)}">'
        f"{h(text)}</span>"
    )


def occupation_name(t: Translator, occ: str | None) -> Markup:
    return t("occupation.none") if occ is None else t(f"occupation.{occ}")


def interest_name(t: Translator, topic: str) -> Markup:
    return t(f"interest.{topic}")


def strategy_name(t: Translator, sid: str) -> Markup:
    return t(f"strategy.{sid}")


def href(path: str, pairs: list[tuple[str, str]]) -> str:
    return path + ("?" + urlencode(pairs) if pairs else "")


def page(t: Translator, title: Markup | str, body: str, here: str) -> str:
    """A whole page: header, navigation, language switch, the body and the progress bar."""
    langs = " ".join(
        f'<a class="lang{" current" if code == t.lang else ""}" '
        f'href="{h(href("/lang", [("to", code), ("back", here)]))}" '
        f'hreflang="{code}" data-lang="{code}">{t(f"lang.{code}")}</a>'
        for code in LANGUAGES
    )
    return f"""<!doctype html>
<html lang="{t.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{h(title)} · {t("app.name")}</title>
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/">{t("app.name")}</a>
  <nav>
    <a href="/">{t("nav.build")}</a>
    <a href="/compare">{t("nav.compare")}</a>
    <a href="/lessons">{t("nav.lessons")}</a>
  </nav>
  <div class="langs" aria-label="{t("lang.switch")}">{langs}</div>
</header>
<main>
{body}
</main>
<div id="progress" hidden>
  <div class="box"><p>{t("progress.running")}</p>
  <div class="bar"><div></div></div>
  <p class="muted"><span id="elapsed">0.0</span> s · {t("progress.hint")}</p></div>
</div>
<footer>{t("app.footer")}</footer>
</body>
</html>
"""


# --------------------------------------------------------------------------- the form
def _options(pairs, selected) -> str:
    chosen = set(selected) if isinstance(selected, tuple | list | set) else {selected}
    return "".join(
        f'<option value="{h(v)}"{" selected" if v in chosen else ""}>{h(label)}</option>'
        for v, label in pairs
    )


def campaign_form(t: Translator, form: CampaignForm, action: str = "/run",
                  second: str | None = None) -> str:  # fmt: skip
    """The campaign builder, filled with ``form``; with ``second``, a strategy B select."""
    vac = [(v, t(f"vacancy.{v}")) for v in (*VACANCIES, "custom")]
    occs = sorted(((o.id, t(f"occupation.{o.id}")) for o in occupations.OCCUPATIONS),
                  key=lambda p: p[1].lower())  # fmt: skip
    places = [(p, p) for p in geography.PLACE_OR_REGION_NAMES]
    strategies = [(s, strategy_name(t, s)) for s in STRATEGY_CHOICES]
    platforms = "".join(
        f'<label class="check"><input type="checkbox" name="platform" value="{p}"'
        f"{' checked' if p in form.platforms else ''}> {h(PLATFORMS[p].label)}</label>"
        for p in PLATFORMS
    )
    topics = sorted(((x, interest_name(t, x)) for x in interests.TOPIC_NAMES),
                    key=lambda p: p[1].lower())  # fmt: skip
    genders = "".join(
        f'<label class="check"><input type="radio" name="m_gender" value="{g}"'
        f"{' checked' if form.m_gender == g else ''}> {t(f'sex.{g}')}</label>"
        for g in ("any", "male", "female")
    )
    if second is None:
        targeting_b = ""
        targeting_choices = [*strategies, ("manual", strategy_name(t, "manual"))]
    else:
        targeting_b = f"""<label>{t("form.targeting_b")}
          <select name="b_targeting">{_options(strategies, second)}</select></label>"""
        targeting_choices = strategies
    return f"""
<form class="campaign runs" method="get" action="{action}">
  <input type="hidden" name="submitted" value="1">
  <fieldset><legend>{t("form.vacancy")}</legend>
    <label>{t("form.vacancy_choice")}
      <select name="vacancy" id="vacancy">{_options(vac, form.vacancy)}</select></label>
    <div class="custom" data-show-when="vacancy=custom">
      <label>{t("form.occupation")}
        <select name="occupation">{_options(occs, form.occupation)}</select></label>
      <label>{t("form.place")}
        <select name="place">{_options(places, form.place)}</select></label>
      <label>{t("form.experience")}
        <input type="number" name="experience" min="0" max="40" step="1"
               value="{form.experience:g}"></label>
    </div>
  </fieldset>
  <fieldset><legend>{t("form.platforms")}</legend>{platforms}
    <label class="check"><input type="checkbox" name="sac" value="on"
      {"checked" if form.sac else ""}> {t("form.sac")}</label>
    <p class="muted">{t("form.sac_help")}</p>
  </fieldset>
  <fieldset><legend>{t("form.targeting")}</legend>
    <label>{t("form.targeting_a") if second is not None else t("form.targeting_choice")}
      <select name="targeting" id="targeting">{_options(targeting_choices, form.targeting)}
      </select></label>
    {targeting_b}
    <div class="manual" data-show-when="targeting=manual">
      <p class="muted">{t("form.manual_help")}</p>
      <label>{t("form.m_place")}
        <select name="m_place">{
        _options([("", t("form.m_place_default")), *places], form.m_place)
    }</select></label>
      <label>{t("form.m_radius")}
        <input type="number" name="m_radius" min="0" max="500" value="{form.m_radius:g}"></label>
      <label>{t("form.m_age_min")}
        <input type="number" name="m_age_min" min="18" max="100" value="{form.m_age_min}"></label>
      <label>{t("form.m_age_max")}
        <input type="number" name="m_age_max" min="0" max="100" value="{form.m_age_max}"></label>
      <div class="row">{t("form.m_gender")} {genders}</div>
      <label>{t("form.m_interests")}
        <select name="m_interest" multiple size="6">{_options(topics, form.m_interests)}
        </select></label>
      <label>{t("form.m_titles")}
        <select name="m_title" multiple size="6">{_options(occs, form.m_titles)}</select></label>
    </div>
  </fieldset>
  <fieldset><legend>{t("form.money")}</legend>
    <label>{t("form.budget")}
      <input type="number" name="budget" min="100" step="100" value="{form.budget:g}"></label>
    <label>{t("form.days")}
      <input type="number" name="days" min="1" max="120" value="{form.days}"></label>
  </fieldset>
  <button type="submit" class="go">{t("form.run")}</button>
</form>"""


def home(t: Translator, here: str) -> str:
    """The start page: what the classroom is for, and the campaign builder."""
    lessons = "".join(
        f'<li><a href="/lesson?id={lid}">{t(f"lesson.{lid}.title")}</a></li>' for lid in LESSONS
    )
    body = f"""
<section class="intro">
  <h1>{t("home.title")}</h1>
  <p class="lead">{t("home.lead")}</p>
  <p>{t("home.how")}</p>
</section>
<div class="columns">
  <section><h2>{t("home.build")}</h2>{campaign_form(t, CampaignForm())}</section>
  <aside><h2>{t("nav.lessons")}</h2><ol class="lessons">{lessons}</ol>
    <p><a href="/compare">{t("home.compare_link")}</a></p></aside>
</div>"""
    return page(t, t("home.title"), body, here)


# --------------------------------------------------------------------------- results
def _problem(t: Translator, outcome: Outcome) -> str:
    if outcome.refused:
        items = "".join(f'<li class="refusal">{h(r)}</li>' for r in outcome.refused)
        return (f'<section class="problem"><h2>{t("result.refused")}</h2><ul>{items}</ul>'
                f'<p>{t("result.refused_help")}</p></section>')  # fmt: skip
    return (f'<section class="problem"><h2>{t("result.error")}</h2>'
            f'<p class="error">{h(outcome.error)}</p></section>')  # fmt: skip


def _campaign_line(t: Translator, outcome: Outcome) -> Markup:
    f = outcome.form
    vacancy = (
        t("result.custom_vacancy", occupation=occupation_name(t, f.occupation), place=f.place)
        if f.vacancy == "custom"
        else t(f"vacancy.{f.vacancy}")
    )
    platforms = ", ".join(PLATFORMS[p].label for p in f.platforms)
    return t("result.campaign", vacancy=vacancy, targeting=strategy_name(t, f.targeting),
             platforms=platforms, budget=Markup(h(t.money(f.budget))), days=f.days,
             sac=t("result.sac_on") if f.sac else t("result.sac_off"))  # fmt: skip


def recruiter_panel(t: Translator, outcome: Outcome, compact: bool = False) -> str:
    """What a recruiter sees of one run: 100 people, money, funnel, skew."""
    s = outcome.summary
    v = recruiter_view(s)
    m = v["metrics"]
    occ = outcome.scenario.vacancy.occupation
    of100 = v["of_100"]
    cards = [
        ("result.spend", num(t, "money", m["spend"], "metrics.spend")),
        ("result.reach", num(t, "count", m["reach"], "metrics.reach")),
        ("result.cpqa", num(t, "money", m["cost_per_qualified_application"],
                            "metrics.cost_per_qualified_application")),
        ("result.wasted", num(t, "money", v["wasted_money"], "metrics.wasted_spend_share")),
        ("result.applications", num(t, "count", m["applications"], "metrics.applications")),
        ("result.qualified_applications", num(t, "count", m["qualified_applications"],
                                              "metrics.qualified_applications")),
        ("result.hires", num(t, "count", m["hires"], "metrics.hires")),
    ]  # fmt: skip
    card_html = "".join(
        f'<div class="card"><div class="big">{value}</div><div>{t(key)}</div></div>'
        for key, value in cards
    )
    steps = [
        (t.plain(f"funnel.{k}"), t.integer(val or 0), val or 0, f"metrics.{k}")
        for k, val in v["funnel"]
    ]
    skew = ""
    if v["men_reached"] is not None and v["men_qualified"] is not None:
        skew = t(
            "result.skew",
            reached=num(t, "share", v["men_reached"], "metrics.reach_by_gender"),
            qualified=num(t, "share", v["men_qualified"], "metrics.qualified_by_gender"),
            occupation=occupation_name(t, occ).lower(),
        )
    headline = t("result.of_100", n=num(t, "count", of100["qualified"], "journeys.reached_by_fit"))
    legend = "".join(
        f'<li><span class="swatch" style="background:{figures.COLOURS[f]}"></span>'
        f"{t(f'fit.{f}_long', occupation=occupation_name(t, occ).lower())}: "
        f"<b>{of100[f]}</b></li>"
        for f in ("qualified", "trainable", "cannot")
    )
    parts = [
        f'<h2 class="headline">{headline}</h2>',
        figures.people_picture(v["picture"], t),
        f'<ul class="legend">{legend}<li>{t("result.shapes")}</li></ul>',
        f'<div class="cards">{card_html}</div>',
        _filled_note(t, s),
        f'<p class="skew">{skew}</p>' if skew else "",
        f"<h3>{t('result.funnel')}</h3>",
        figures.funnel(steps, t),
        f'<p class="muted">{t("result.funnel_help")}</p>',
    ]
    if not compact:
        parts += [
            f"<h3>{t('result.delivery')}</h3>",
            figures.delivery_figure(age_table(s), t),
            f'<p class="muted">{t("result.delivery_help")}</p>',
            _platform_table(t, s),
        ]
    return "\n".join(parts)


def _filled_note(t: Translator, s: dict) -> str:
    """Say so when the vacancy was filled and the campaign stopped before its end."""
    p = s.get("pipeline", {})
    if not p.get("campaign_stopped_early") or p.get("filled_day") is None:
        return ""
    day = num(t, "day", p["filled_day"], "pipeline.filled_day")
    return f'<p class="filled">{t("result.filled", day=day)}</p>'


def _platform_table(t: Translator, s: dict) -> str:
    rows = "".join(
        f"<tr><td>{h(PLATFORMS[p].label)}</td>"
        f"<td>{num(t, 'money', d['spend'], f'by_platform.{p}.spend')}</td>"
        f"<td>{num(t, 'count', d['reach'], f'by_platform.{p}.reach')}</td>"
        f"<td>{num(t, 'share', d['relevance'], f'by_platform.{p}.relevance')}</td>"
        f"<td>{num(t, 'count', d['applications'], f'by_platform.{p}.applications')}</td></tr>"
        for p, d in s["by_platform"].items()
    )
    if not rows:
        return f'<p class="muted">{t("result.no_ad_sets")}</p>'
    head = "".join(
        f"<th>{t(k)}</th>"
        for k in ("table.platform", "result.spend", "result.reach", "table.relevance",
                  "result.applications")
    )  # fmt: skip
    return (
        f'<h3>{t("result.by_platform")}</h3><table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def _person_link(t: Translator, form: CampaignForm, j: dict) -> str:
    return h(href("/person", [*form.query(), ("person", str(j["person"]))]))


def _person_title(t: Translator, j: dict) -> Markup:
    text = t("person.title", sex=t("sex." + j["sex"]), age=j["age"], home=j["home"])
    return Markup(text[:1].upper() + text[1:])


def people_section(t: Translator, outcome: Outcome) -> str:
    """Follow one person: the two showcase people and the others recorded."""
    s, form = outcome.summary, outcome.form
    occ = outcome.scenario.vacancy.occupation
    chosen = showcase(s, occ, outcome.scenario.vacancy.location)
    cards = []
    for role in ("her", "him"):
        j = chosen[role]
        if j is None:
            cards.append(f'<div class="story"><p class="muted">{t(f"people.no_{role}")}</p></div>')
            continue
        cards.append(
            f'<a class="story" id="follow-{role}" href="{_person_link(t, form, j)}">'
            f"<h3>{t(f'people.{role}_title')}</h3><p>{_person_title(t, j)} · "
            f"{occupation_name(t, j['occupation'])}</p>"
            f'<p class="muted">{t(f"people.{role}_help")}</p></a>'
        )
    rows = []
    for j in s["journeys"]["people"][:60]:
        rows.append(
            f'<tr><td><a href="{_person_link(t, form, j)}">{_person_title(t, j)}</a></td>'
            f"<td>{occupation_name(t, j['occupation'])}</td><td>{t('fit.' + j['fit'])}</td>"
            f"<td>{t.integer(len(j['impressions']))}</td>"
            f"<td>{t('yes') if j['clicked'] else ''}</td>"
            f"<td>{t('yes') if j['applied'] else ''}</td></tr>"
        )
    return f"""
<section class="people-section"><h2>{t("people.title")}</h2>
<p>{t("people.lead", n=s["journeys"]["sampled"])}</p>
<div class="stories">{"".join(cards)}</div>
<details><summary>{t("people.all")}</summary>
<table class="data"><thead><tr><th>{t("table.person")}</th><th>{t("table.occupation")}</th>
<th>{t("table.fit")}</th><th>{t("table.impressions")}</th><th>{t("table.clicked")}</th>
<th>{t("table.applied")}</th></tr></thead><tbody>{"".join(rows)}</tbody></table>
</details></section>"""


def result_page(t: Translator, outcome: Outcome, here: str) -> str:
    """The recruiter's view of one campaign, who it reached, and the people to follow."""
    if outcome.error or outcome.refused:
        body = _problem(t, outcome) + f"<h2>{t('home.build')}</h2>" + campaign_form(t, outcome.form)
        return page(t, t("result.title"), body, here)
    body = f"""
<p class="campaign-line">{_campaign_line(t, outcome)}
 <span class="muted">{t("result.took", seconds=t.decimal(outcome.seconds, 1))}</span></p>
<div class="result" data-run="{h(json.dumps(outcome.summary["metrics"]["reach"]))}">
{recruiter_panel(t, outcome)}
</div>
{people_section(t, outcome)}
<details class="change"><summary>{t("result.change")}</summary>
{campaign_form(t, outcome.form)}</details>"""
    return page(t, t("result.title"), body, here)


# --------------------------------------------------------------------------- compare
def compare_page(t: Translator, a: Outcome | None, b: Outcome | None, form: CampaignForm,
                 second: str, here: str) -> str:  # fmt: skip
    """Two campaigns side by side (same vacancy, money and platforms; two targetings)."""
    cols = ""
    if a is not None and b is not None:
        blocks = []
        for label, o in (("A", a), ("B", b)):
            inner = _problem(t, o) if o.error or o.refused else recruiter_panel(t, o, True)
            link = h(href("/run", o.form.query()))
            blocks.append(
                f'<section class="side" data-side="{label}"><h2>{label}: '
                f"{strategy_name(t, o.form.targeting)}</h2>{inner}"
                f'<p><a href="{link}">{t("compare.open")}</a></p></section>'
            )
        cols = f'<div class="side-by-side">{"".join(blocks)}</div>'
    body = f"""<h1>{t("compare.title")}</h1><p class="lead">{t("compare.lead")}</p>
{cols}
<details{" open" if not cols else ""}><summary>{t("compare.change")}</summary>
{campaign_form(t, form, action="/compare", second=second)}</details>"""
    return page(t, t("compare.title"), body, here)


# --------------------------------------------------------------------------- a person
def _clause_text(t: Translator, c: dict) -> Markup:
    kind = c["clause"]
    if kind == "account":
        return t("clause.account_ok") if c["ok"] else t("clause.account_no")
    if kind == "location":
        key = "clause.location_ok" if c["ok"] else "clause.location_no"
        return t(key, home=c["home"], km=t.decimal(c["km"], 0), place=c["from"],
                 targeted=", ".join(c["targeted"]))  # fmt: skip
    if kind == "age":
        return t("clause.age_ok" if c["ok"] else "clause.age_no", age=c["age"])
    if kind == "gender":
        return t("clause.gender_ok" if c["ok"] else "clause.gender_no", sex=t("sex." + c["sex"]))
    if kind == "interests":
        if c["ok"]:
            names = Markup(", ".join(f"«{interest_name(t, x)}»" for x in c["matched"]))
            return t("clause.interests_ok", interests=names)
        names = Markup(", ".join(f"«{interest_name(t, x)}»" for x in c["targeted"]))
        return t("clause.interests_no", interests=names)
    if kind == "exclude_interests":
        return t("clause.exclude_ok" if c["ok"] else "clause.exclude_no")
    if kind == "job_titles":
        declared = occupation_name(t, c["declared"]) if c["declared"] else t("person.no_title")
        return t("clause.titles_ok" if c["ok"] else "clause.titles_no", title=declared)
    if kind == "custom_audience":
        return t("clause.custom_ok" if c["ok"] else "clause.custom_no")
    if kind == "lookalike":
        return t("clause.lookalike_ok" if c["ok"] else "clause.lookalike_no",
                 percent=t.decimal(c["percent"], 0))  # fmt: skip
    return t("clause.other")


def _truth_table(t: Translator, j: dict) -> str:
    rows = []
    for p in j["platforms"]:
        if not p["account"]:
            rows.append(f'<tr><td>{h(PLATFORMS[p["platform"]].label)}</td>'
                        f'<td colspan="2">{t("person.no_account")}</td></tr>')  # fmt: skip
            continue
        believed = set(p["believed_interests"])
        real = set(j["interests"])
        shown = sorted(believed | real)
        chips = " ".join(
            f'<span class="chip {"both" if x in believed and x in real else "false" if x in believed else "missed"}">'  # noqa: E501
            f"{interest_name(t, x)}</span>"
            for x in shown
        )
        title = (occupation_name(t, p["declared_title"]) if p["declared_title"]
                 else t("person.no_title"))  # fmt: skip
        rows.append(
            f"<tr><td>{h(PLATFORMS[p['platform']].label)}</td><td>{chips}</td><td>{title}</td></tr>"
        )
    return (f'<table class="data"><thead><tr><th>{t("table.platform")}</th>'
            f'<th>{t("person.interests_col")}</th><th>{t("person.title_col")}</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>'
            f'<p class="muted"><span class="chip both">{t("person.chip_both")}</span> '
            f'<span class="chip false">{t("person.chip_false")}</span> '
            f'<span class="chip missed">{t("person.chip_missed")}</span></p>')  # fmt: skip


def _ad_set_block(t: Translator, story: dict) -> str:
    platform = PLATFORMS[story["platform"]].label
    if story["in_audience"]:
        status = t("person.in_audience", rule=_clause_text(t, story["rule"]))
    elif story["rejected"]:
        status = t("person.rejected_ad_set")
    else:
        status = t("person.outside_audience", clause=_clause_text(t, story["excluded_by"]))
    opt = story["optimiser"]
    opt_html = ""
    if opt is not None and opt["optimises"]:
        used = ", ".join(t.plain(f"feature.{f}") for f in opt["features"])
        cell = opt["cell"]
        know = [t.plain(f"overlap.{cell['interest_overlap']}")]
        if "sex" in cell:
            know.insert(0, f"{t.plain('sex.' + cell['sex'])}, {cell['age_band']}")
        predicted = num(t, "share", opt["predicted_click"], "journeys.optimiser.predicted_click")
        rel = (t("person.relative", x=t.decimal(opt["relative_value"], 1))
               if opt["relative_value"] is not None else "")  # fmt: skip
        opt_html = f"<p>{t('person.optimiser', predicted=predicted, features=used, cell='; '.join(know))} {rel}</p>"  # noqa: E501
    elif opt is not None:
        opt_html = (
            f"<p>{t('person.no_optimiser', objective=t('objective.' + opt['objective']))}</p>"
        )
    checks = "".join(
        f'<li class="{"ok" if c["ok"] else "no"}">{_clause_text(t, c)}</li>'
        for c in story["clauses"]
    )
    return (f'<div class="adset"><h4>{h(platform)} · <code>{h(story["ad_set"])}</code> · '
            f'{t("person.impressions_n", n=story["impressions"])}</h4><p>{status}</p>{opt_html}'
            f'<details><summary>{t("person.every_rule")}</summary><ul class="clauses">{checks}'
            f"</ul></details></div>")  # fmt: skip


def _why_not(t: Translator, why: dict) -> Markup:
    reason = why["reason"]
    if reason in ("budget-gone", "budget-small", "outbid"):
        return t(f"why.{reason}", slots=t.decimal(why["expected_slots"], 0),
                 share=t.percent(why["won_share"], 2),
                 expected=t.decimal(why["expected_impressions"], 1),
                 value=t.decimal(why["relative_value"], 1),
                 price=t.decimal(why["price_multiplier"], 1),
                 last_day=(why["last_day"] or 0) + 1)  # fmt: skip
    if reason == "no-account":
        return t("why.no-account",
                 platforms=", ".join(PLATFORMS[p].label for p in why["platforms"]))  # fmt: skip
    if reason == "outside-audience":
        return t("why.outside-audience")
    return t("why.no-ad-sets")


def person_page(t: Translator, outcome: Outcome, person: int, here: str) -> str:
    """One person's journey: truth against the platform's view, audience, ads, outcome."""
    j = find_person(outcome.summary, person) if not (outcome.error or outcome.refused) else None
    if j is None:
        body = f'<p class="error">{t("person.not_found")}</p>'
        return page(t, t("person.heading"), body, here)
    occ = outcome.scenario.vacancy.occupation
    job = occupation_name(t, occ).lower()
    if j["qualified"]:
        qual = t("person.qualified", job=job)
    else:
        reasons = ", ".join(t.plain(f"notq.{r}", job=job) for r in j["not_qualified_because"])
        qual = t("person.not_qualified", job=job, reasons=reasons)
    truth = t("person.truth", age=j["age"], sex=t("sex." + j["sex"]), home=j["home"],
              km=t.decimal(j["km_to_job"], 0), occupation=occupation_name(t, j["occupation"]),
              years=t.decimal(j["experience_years"], 0), labour=t("labour." + j["labour"]),
              state=t("state." + j["search_state"]))  # fmt: skip
    imp_rows = "".join(
        f"<tr><td>{i['day'] + 1}</td><td>{i['hour_of_day']:02d}:00</td>"
        f"<td>{h(PLATFORMS[i['platform']].label)}</td>"
        f"<td>{num(t, 'price', i['price'], 'journeys.impressions.price')}</td>"
        f"<td>{t('yes') if i['clicked'] else ''}</td><td>{t('yes') if i['applied'] else ''}</td>"
        f"<td>{t.percent(i['fatigue'])}</td></tr>"
        for i in j["impressions"]
    )
    if j["impressions"]:
        imps = (f'<table class="data impressions"><thead><tr><th>{t("table.day")}</th>'
                f'<th>{t("table.hour")}</th><th>{t("table.platform")}</th>'
                f'<th>{t("table.price")}</th><th>{t("table.clicked")}</th>'
                f'<th>{t("table.applied")}</th><th>{t("table.fatigue")}</th></tr></thead>'
                f'<tbody>{imp_rows}</tbody></table><p class="muted">{t("person.fatigue_help")}</p>')  # fmt: skip  # noqa: E501
    else:
        imps = f'<p class="why">{_why_not(t, j["not_reached"])}</p>'
        if j["not_reached"].get("approximate"):
            imps += f'<p class="muted">{t("why.approximate")}</p>'
    app = j["application"]
    if app is None:
        outcome_html = t("person.no_application")
    else:
        outcome_html = t("person.application", day=t.decimal(app["day"], 0),
                         channel=t("channel." + app["channel"]),
                         outcome=t("outcome." + app["outcome"]))  # fmt: skip
    blocks = "".join(_ad_set_block(t, s) for s in j["ad_sets"])
    back = h(href("/run", outcome.form.query()))
    body = f"""
<p><a href="{back}">← {t("person.back")}</a></p>
<h1 id="person" data-person="{j["person"]}">{_person_title(t, j)}</h1>
<section><h2>{t("person.who")}</h2><p>{truth}</p><p class="verdict">{qual}</p></section>
<section><h2>{t("person.believes")}</h2>{_truth_table(t, j)}</section>
<section><h2>{t("person.audience")}</h2>{blocks or t("result.no_ad_sets")}</section>
<section><h2>{t("person.ads")}</h2>
<p>{t("person.seen", n=num(t, "count", len(j["impressions"]), "journeys.impressions"))}</p>
{imps}</section>
<section><h2>{t("person.outcome")}</h2><p>{outcome_html}</p></section>"""
    return page(t, _person_title(t, j), body, here)


# --------------------------------------------------------------------------- lessons
def lessons_page(t: Translator, here: str) -> str:
    items = "".join(
        f'<li><a href="/lesson?id={lid}"><b>{t(f"lesson.{lid}.title")}</b></a><br>'
        f'<span class="muted">{t(f"lesson.{lid}.question")}</span></li>'
        for lid in LESSONS
    )
    body = f'<h1>{t("lessons.title")}</h1><p class="lead">{t("lessons.lead")}</p><ol class="lessons">{items}</ol>'  # noqa: E501
    return page(t, t("lessons.title"), body, here)


def lesson_page(t: Translator, lesson_id: str, reveal: bool, here: str) -> str:
    """A lesson: the question; after "run it", the runs and the reveal in plain words."""
    lesson = LESSONS[lesson_id]
    runs = ""
    if reveal:
        outcomes = [run_campaign(f) for f in lesson.forms]
        bad = [o for o in outcomes if o.error or o.refused]
        if bad:
            runs = _problem(t, bad[0])
        else:
            numbers = reveal_numbers(lesson, [o.summary for o in outcomes])
            params = {k: num(t, kind, value, key) for k, (kind, value, key) in numbers.items()}
            links = " · ".join(
                f'<a href="{h(href("/run", o.form.query()))}">'
                f"{t('lesson.open_run', name=strategy_name(t, o.form.targeting))}</a>"
                for o in outcomes
            )
            panels = "".join(
                f'<section class="side">{recruiter_panel(t, o, compact=True)}</section>'
                for o in outcomes
            )
            runs = (f'<section class="reveal" id="reveal"><h2>{t("lesson.reveal")}</h2>'
                    f'<p class="lead">{t(f"lesson.{lesson_id}.reveal", **params)}</p>'
                    f'<p>{t(f"lesson.{lesson_id}.takeaway")}</p><p>{links}</p></section>'
                    f'<div class="side-by-side">{panels}</div>')  # fmt: skip
    setup = "".join(
        f"<li>{_campaign_line(t, Outcome(f, None, {}, 0.0))}</li>"
        for f in lesson.forms  # type: ignore[arg-type]
    )
    button = ("" if reveal else
              f'<form class="runs" method="get" action="/lesson"><input type="hidden" name="id" '
              f'value="{h(lesson_id)}"><input type="hidden" name="reveal" value="1">'
              f'<button type="submit" class="go" id="run-lesson">{t("lesson.run")}</button></form>')  # fmt: skip  # noqa: E501
    body = f"""<p><a href="/lessons">← {t("lessons.title")}</a></p>
<h1>{t(f"lesson.{lesson_id}.title")}</h1>
<p class="question">{t(f"lesson.{lesson_id}.question")}</p>
<p>{t("lesson.setup")}</p><ul>{setup}</ul>
{button}{runs}"""
    return page(t, t(f"lesson.{lesson_id}.title"), body, here)


def not_found(t: Translator, here: str) -> str:
    return page(t, t("error.not_found"), f'<p class="error">{t("error.not_found")}</p>', here)


def pool_size(outcome: Outcome) -> int:
    """Qualified people in the population of a run (for tests and captions)."""
    return qualified_pool(outcome.summary)
