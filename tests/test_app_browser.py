"""The classroom page in a real browser: Debian's headless Chromium driven by playwright.

The test starts the page's server on 127.0.0.1 (a free port, in a thread), opens the
page, runs a lesson, opens a campaign and two journeys, switches the language, checks
the numbers shown against the model's own run, saves screenshots, and checks that no
request left 127.0.0.1. Playwright's own browser download cannot work offline, so the
system's Chromium is used (``apt-get install chromium``); where it is missing the test
is skipped with the reason.

Set ``RECRUITSIM_SCREENSHOTS=docs/screenshots`` to keep the screenshots there (that is
how the README's pictures are made); otherwise they go to a temporary folder.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from sim.lab.app import logic
from sim.lab.app.logic import CampaignForm, build
from sim.lab.app.server import start_in_thread
from sim.model import run

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "no Chromium on this machine (apt-get install chromium; `make test` does it as root)",
        allow_module_level=True,
    )
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def site():
    server, base = start_in_thread("127.0.0.1", 0)
    yield base
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("RECRUITSIM_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def numbers(page) -> dict[str, list]:
    """``data-key -> [data-value, ...]`` of the numbers on the page (text and figures)."""
    out: dict[str, list] = {}
    for el in page.query_selector_all("[data-key][data-value]"):
        out.setdefault(el.get_attribute("data-key"), []).append(
            json.loads(html.unescape(el.get_attribute("data-value")))
        )
    return out


def test_a_class_session(site, browser, shots, capsys):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))

    # First page load.
    start = time.perf_counter()
    page.goto(site + "/")
    first_load = time.perf_counter() - start
    assert page.locator("h1").inner_text().startswith("Who saw your job ad")
    page.screenshot(path=shots / "home.png", full_page=True)

    # Own targeting: the manual fields appear when chosen; the platform refuses sex
    # targeting under the special ad category, in its own words.
    assert page.locator("div.manual").is_hidden()
    page.select_option("#targeting", "manual")
    assert page.locator("div.manual").is_visible()
    page.check("input[name=m_gender][value=female]")
    page.click("button.go")
    refusals = page.locator("li.refusal").all_inner_texts()
    assert "Facebook refuses 'gender' targeting for employment ads (special ad category)" in (
        refusals
    )
    page.screenshot(path=shots / "refused.png", full_page=True)

    # The progress indicator shows while a new campaign runs.
    page.goto(site + "/")
    page.select_option("#vacancy", "store-manager-oslo")
    page.fill("input[name=budget]", "15000")
    page.evaluate(  # note (across the navigation) whether the indicator was shown
        """() => { const box = document.getElementById('progress');
        new MutationObserver(() => { if (!box.hidden) sessionStorage.setItem('shown', '1'); })
          .observe(box, {attributes: true}); }"""
    )
    page.click("button.go")
    page.wait_for_selector("h2.headline", timeout=60000)
    assert "budget=15000" in page.url and "store-manager-oslo" in page.url
    assert page.evaluate("sessionStorage.getItem('shown')") == "1"

    # A guided lesson: the question, "run it", the reveal.
    page.goto(site + "/")
    page.click("text=Broad or targeted? The electrician's wife")
    assert "electrician" in page.locator(".question").inner_text()
    page.click("#run-lesson")
    page.wait_for_selector("#reveal")
    reveal = page.locator("#reveal").inner_text()
    assert "Of every 100 people the broad campaign reached" in reveal
    assert page.locator("#progress").is_hidden()
    page.screenshot(path=shots / "lesson.png", full_page=True)

    # A regional campaign, built like an ads manager does.
    form = CampaignForm(seed=2)
    start = time.perf_counter()
    page.goto(site + "/run?" + urlencode(form.query()))
    regional_run = time.perf_counter() - start
    page.screenshot(path=shots / "campaign.png", full_page=True)
    shown = numbers(page)
    scenario, strategy = build(form)
    model_run = run(scenario, strategy, seed=form.seed, journeys=logic.JOURNEYS).to_dict()
    m = model_run["metrics"]
    for key in ("reach", "spend"):
        assert shown[f"metrics.{key}"] == [m[key]], key
    for key in ("applications", "qualified_applications", "hires"):  # a card and the funnel
        assert shown[f"metrics.{key}"] == [m[key], m[key]], key
    assert shown["metrics.impressions"] == [m["impressions"]]
    assert shown["metrics.clicks"] == [m["clicks"]]
    assert shown["metrics.cost_per_qualified_application"] == [m["cost_per_qualified_application"]]
    men = m["reach_by_gender"]["male"] / sum(m["reach_by_gender"].values())
    assert shown["metrics.reach_by_gender"] == [men]
    skew = page.locator(".skew").inner_text()
    assert re.search(
        r"\d+\s% of the people reached were men; \d+\s% of qualified electricians", skew
    )

    # Follow one person: the woman who saw the ad and the electrician who did not.
    page.click("#follow-her")
    person = int(page.locator("#person").get_attribute("data-person"))
    her = next(j for j in model_run["journeys"]["people"] if j["person"] == person)
    assert her["reached"] and her["fit"] == "cannot" and her["sex"] == "female"
    assert numbers(page)["journeys.impressions"] == [len(her["impressions"])]
    assert page.locator("table.impressions tbody tr").count() == len(her["impressions"])
    page.screenshot(path=shots / "journey-her.png", full_page=True)
    page.go_back()
    page.click("#follow-him")
    person = int(page.locator("#person").get_attribute("data-person"))
    him = next(j for j in model_run["journeys"]["people"] if j["person"] == person)
    assert him["qualified"] and not him["reached"]
    assert page.locator("p.why").inner_text().startswith("Never saw the ad")
    page.screenshot(path=shots / "journey-him.png", full_page=True)

    # Switch language on the campaign page: the same run, in Norwegian.
    page.go_back()
    page.click("a[data-lang=nb]")
    assert page.locator("html").get_attribute("lang") == "nb"
    assert page.locator("h2.headline").inner_text().startswith("Av hver 100 som så annonsen")
    assert numbers(page)["metrics.reach"] == [m["reach"]]
    assert "⟦" not in page.content()
    page.screenshot(path=shots / "campaign-nb.png", full_page=True)

    # Two campaigns side by side (in Norwegian now), then back to English.
    pairs = [*CampaignForm().query(), ("b_targeting", "job-title-v1")]
    page.goto(site + "/compare?" + urlencode(pairs))
    assert page.locator("section.side").count() == 2
    page.click("a[data-lang=en]")
    assert page.locator("html").get_attribute("lang") == "en"
    page.screenshot(path=shots / "compare.png", full_page=True)

    # Nothing left the machine.
    outside = [u for u in requests if not u.startswith("data:")
               and urlsplit(u).hostname != "127.0.0.1"]  # fmt: skip
    assert requests and not outside, outside
    with capsys.disabled():
        print(f"\nclassroom: first page load {first_load:.2f} s; regional run page "
              f"{regional_run:.2f} s ({scenario.population.size:,} simulated people)")  # fmt: skip
    page.close()
