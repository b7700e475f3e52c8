"""The web edition in a real browser: Debian's Chromium driven by Playwright, against `serve`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from live import Command, serving_address
from press.build import pipeline

pytestmark = pytest.mark.slow  # Chromium, axe, live reload

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PURPOSE = {"pdf": "for print", "epub": "for e-readers", "docx": "for reviewers (Word)"}
MEDIA_TYPE = {"pdf": "application/pdf", "epub": "application/epub+zip",
              "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
SHOTS = ROOT / "tests" / "_out"
FILE_EDITIONS = [pipeline.EDITIONS[name] for name in pipeline.EDITIONS["html"].after]  # what it offers


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make deps-test` installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, timeout=60_000)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`build.py serve` on a free port, building the features fixture first."""
    out = tmp_path_factory.mktemp("served")
    with Command("serve", "--port", "0", "--source", FIXTURES / "features", "--out", out) as command:
        yield serving_address(command), out


def test_the_built_page_is_static_and_self_contained(served):
    _, out = served
    html = (out / "html" / "index.html").read_text(encoding="utf-8")
    # No script runs: the only <script> is schema.org's JSON-LD data block.
    assert re.findall(r"<script[^>]*>", html.lower()) == ['<script type="application/ld+json">']
    assert not re.search(r'<(link|img|iframe|source)[^>]+(src|href)="(https?:)?//', html)
    assert "@import" not in html and not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert (out / "html" / "images" / "chart.png").read_bytes() == (FIXTURES / "features/images/chart.png").read_bytes()


def axe_violations(page) -> list[str]:
    """What axe-core (run in the page) finds against WCAG and best practice."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} {[n['target'] for n in v['nodes']]}"
            for v in result.response["violations"]]


def test_the_page_in_a_browser(served, browser):
    url, out = served
    SHOTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(20_000)
    response = page.goto(url)
    assert response.status == 200 and response.headers["content-type"].startswith("text/html")
    assert page.title() == "Features & Edge Cases"
    assert page.evaluate("document.documentElement.lang") == "en"

    # Landmarks, the skip link first in the tab order, the disclaimer before the text.
    for landmark in ("header", "nav[aria-label]", "main#main", "footer"):
        assert page.locator(landmark).count() == 1, landmark
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    disclaimer = page.locator("#disclaimer")
    assert "Fixture disclaimer" in disclaimer.inner_text()
    assert disclaimer.bounding_box()["y"] < page.locator("main").bounding_box()["y"]
    assert page.locator("header #disclaimer").count() == 1
    assert page.evaluate("document.querySelectorAll('script:not([type=\"application/ld+json\"])').length") == 0
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "web-desktop.png"))

    # Every TOC entry, section and sub-section, scrolls its heading to the top of the window
    # (or as near as the end of the page allows).
    links = page.locator("nav a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert hrefs == ["#first", "#a-sub-section", "#second-section", "#the-data", "#further-reading"]
    for href in hrefs:
        page.evaluate("window.scrollTo(0, 0)")
        page.locator(f'nav a[href="{href}"]').click()
        page.wait_for_function("h => location.hash === h", arg=href)
        where = page.evaluate("""id => {
            const top = document.getElementById(id).getBoundingClientRect().top;
            const atEnd = window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
            return {top, atEnd, scrolled: window.scrollY, height: window.innerHeight};
        }""", href[1:])
        assert where["scrolled"] > 0, (href, where)
        assert -2 <= where["top"] <= 40 or (where["atEnd"] and 0 <= where["top"] < where["height"]), (href, where)

    # A download link for every file edition: its label, its media type, the very bytes built.
    slug = "features-edge-cases"
    for edition in FILE_EDITIONS:
        name = f"{slug}{edition.suffix}"
        link = page.locator(f'.downloads a[href="{name}"]')
        assert link.count() == 1, name
        assert PURPOSE[edition.name] in link.inner_text()
        assert link.get_attribute("type") == MEDIA_TYPE[edition.name]
        answer = page.request.get(url + name)
        assert answer.status == 200
        assert answer.headers["content-type"] == MEDIA_TYPE[edition.name]
        assert answer.body() == (out / name).read_bytes() == (out / "html" / name).read_bytes()
        size = re.search(r"\d+ kB|\d+ B|[\d.]+ MB", link.inner_text()).group(0)
        assert size, link.inner_text()
    page.close()


def test_the_page_on_a_phone(served, browser):
    url, _ = served
    page = browser.new_page(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True)
    page.goto(url)
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    font_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert font_size >= 16
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / "web-phone.png"))
    page.screenshot(path=str(SHOTS / "web-phone-full.png"), full_page=True)
    page.close()


def test_the_server_answers_only_for_built_files(served, browser):
    url, _ = served
    request = browser.new_context().request
    assert request.get(url + ".press-state.json").status == 404   # hidden files
    assert request.get(url + "images/").status == 404             # no listings
    assert request.get(url + "missing.html").status == 404


def test_live_reload_in_the_browser(copy_fixture, tmp_path, browser):
    """serve --watch: an open page reloads itself after an edit; the built file has no script."""
    source, out = copy_fixture("features"), tmp_path / "out"
    with Command("serve", "--watch", "--port", "0", "--source", source, "--out", out) as command:
        url = serving_address(command)
        command.wait_for("^watching ", 30)
        page = browser.new_page()
        page.set_default_timeout(30_000)
        page.goto(url)
        assert page.evaluate("document.querySelectorAll('script:not([type=\"application/ld+json\"])').length") == 1
        mark = command.mark()
        with page.expect_event("load", timeout=60_000):
            section = source / "sections" / "02-second.md"
            section.write_text(section.read_text(encoding="utf-8") + "\nA sentence added while watching.\n",
                               encoding="utf-8")
            command.wait_for("^rebuilt ", 60, since=mark)
        assert "A sentence added while watching." in page.locator("main").inner_text()
        assert "<script>" not in (out / "html" / "index.html").read_text(encoding="utf-8")

        # A broken build shows its error on the open page, which keeps the last good text.
        mark = command.mark()
        manifest = source / "briefing.yml"
        good = manifest.read_text(encoding="utf-8")
        manifest.write_text(good.replace("title: ", "title: [", 1), encoding="utf-8")
        command.wait_for("build failed", 60, since=mark)
        alert = page.locator("[role=alert]")
        alert.wait_for()
        assert "briefing.yml" in alert.inner_text()
        assert "A sentence added while watching." in page.locator("main").inner_text()
        page.close()
