"""The library in a real browser: `build.py serve` on a library folder, Debian's Chromium, axe.

The library page passes axe on a phone and a desktop, in light and dark; its links resolve;
the filters work with JavaScript and without it; Pagefind's search finds a phrase that only
one briefing holds; the OPDS feeds are served with the media types reading apps expect.
"""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from library_gen import make_library, unique_phrase
from live import Command, serving_address
from test_web import SHOTS, axe_violations, browser  # noqa: F401  (browser: test_web's fixture, used here)

pytestmark = pytest.mark.slow  # library builds, axe in Chromium, live servers


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    source = make_library(tmp_path_factory.mktemp("weblib") / "lib", count=4, translations=1)
    out = tmp_path_factory.mktemp("webout")
    # Search groups of two pages: the five briefings' index is in parts the page merges (press/library/search.py).
    with Command("serve", "--port", "0", "--source", source, "--out", out,
                 env={"PRESS_SEARCH_GROUP_SIZE": "2"}) as command:
        yield serving_address(command, timeout=300), out


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width,height", [(1280, 900), (360, 740)])
def test_library_page_passes_axe(served, browser, scheme, width, height):
    url, _ = served
    SHOTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    page = context.new_page()
    page.set_default_timeout(20_000)
    assert page.goto(url).status == 200
    assert page.title() == "Fixture Library"
    assert page.locator(".card").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert axe_violations(page) == []
    page.screenshot(path=str(SHOTS / f"library-{width}-{scheme}.png"), full_page=True)
    page.goto(url + "series/sahel/")
    assert axe_violations(page) == []
    context.close()


def test_every_link_on_the_library_pages_resolves(served, browser):
    url, _ = served
    request = browser.new_context().request
    page = browser.new_page()
    seen = set()
    for start in ("", "series/sahel/", "language/fr/", "year/2024/"):
        page.goto(url + start)
        for href in page.eval_on_selector_all("a[href], link[href], img[src], script[src]",
                                              "els => els.map(e => e.href || e.src)"):
            target = href.split("#")[0]
            if target in seen or not target.startswith(url):
                continue
            seen.add(target)
            assert request.get(target).status == 200, target
    assert len(seen) > 30
    page.close()


def test_filters_work_with_and_without_javascript(served, browser):
    url, _ = served
    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript)
        page = context.new_page()
        page.goto(url)
        page.locator('.filters a[data-filter="language/fr"]').click()
        page.wait_for_url(url + "language/fr/")
        visible = page.locator(".card:visible h3").all_inner_texts()
        assert visible == ["Note 500 sur le Sahel"], (javascript, visible)
        assert page.locator('.filters a[aria-current="page"]').inner_text().startswith("Français")
        context.close()


def test_search_finds_a_phrase_in_one_briefing_only(served, browser):
    url, _ = served
    page = browser.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.fill("#search-input", unique_phrase(2))
    page.click("#search-form button")
    results = page.locator(".search-results li a")
    results.first.wait_for()
    assert results.count() == 1
    assert results.first.inner_text() == "Briefing 002 on the Sahel"
    # The excerpt is the briefing's text (the page's <main>), not its skip link or masthead.
    excerpt = page.locator(".search-results li p").first.inner_text()
    assert unique_phrase(2) in excerpt and "Skip to the text" not in excerpt, excerpt
    results.first.click()
    page.wait_for_url(url + "briefing-002-on-the-sahel/")
    assert unique_phrase(2) in page.locator("main").inner_text()
    # A briefing in another language than the library page's is found too.
    page.goto(url + "?q=" + unique_phrase(500))
    page.locator(".search-results li a").first.wait_for()
    assert page.locator(".search-results li a").all_inner_texts() == ["Note 500 sur le Sahel"]
    # The OpenSearch URL form (?q=) searches on arrival; a phrase common to all finds every English briefing.
    page.goto(url + "?q=" + "common to every briefing")
    page.locator(".search-results li").first.wait_for()
    assert page.locator(".search-results li").count() == 4
    # Every word must be found: a word no briefing holds finds nothing, in whichever part.
    page.goto(url + "?q=" + "common to every briefing xylophone")
    page.get_by_text("No briefing holds").wait_for()
    page.close()


def test_the_search_index_is_in_parts_the_page_merges(served, monkeypatch):
    """With groups of two pages, the five briefings' index is in three parts (hash groups 0, 2
    and 3 of four): the search above found briefings in each, so the merging works."""
    from press.library import search

    monkeypatch.setenv(search.GROUP_SIZE_VARIABLE, "2")
    _, out = served
    parts = (out / "index.html").read_text(encoding="utf-8").split('data-search-parts="')[1].split('"')[0].split()
    assert len(parts) == 2 and all((out / part / "pagefind-entry.json").is_file() for part in parts)
    assert not any((out / part / "pagefind.js").exists() for part in parts)   # the script is pagefind/'s
    slugs = [p.parent.name for p in out.glob("*/index.html") if p.parent.name not in ("series", "language", "year")]
    where = {slug: group.folder for group in search.groups(slugs) for slug in group.slugs}
    assert sorted(set(where.values())) == sorted(["pagefind", *[p.rstrip("/") for p in parts]])


def test_the_server_gives_opds_media_types(served, browser):
    url, _ = served
    request = browser.new_context().request
    kinds = {"opds/index.xml": "application/atom+xml;profile=opds-catalog;kind=navigation",
             "opds/series.xml": "application/atom+xml;profile=opds-catalog;kind=navigation",
             "opds/all.xml": "application/atom+xml;profile=opds-catalog;kind=acquisition",
             "opds/series/sahel.xml": "application/atom+xml;profile=opds-catalog;kind=acquisition",
             "opds/index.json": "application/opds+json",
             "feed.atom": "application/atom+xml",
             "briefing-000-on-the-sahel/briefing-000-on-the-sahel.epub": "application/epub+zip"}
    for path, kind in kinds.items():
        answer = request.get(urljoin(url, path))
        assert answer.status == 200 and answer.headers["content-type"] == kind, path
    assert request.get(url + ".press/library.json").status == 404


def test_an_opds_client_browses_by_series_and_downloads_an_epub(served, browser, tmp_path):
    """What a reading app does: fetch the served navigation feed, follow "By series" to a series,
    pick a publication and download its EPUB; every feed is parsed by Readium's r2-opds-js."""
    from test_library import ACQUIRE, parse_with_readium

    url, out = served
    request = browser.new_context().request

    def fetch(feed_url: str) -> dict:
        answer = request.get(feed_url)
        assert answer.status == 200 and "profile=opds-catalog" in answer.headers["content-type"], feed_url
        local = tmp_path / f"feed-{len(list(tmp_path.iterdir()))}.xml"
        local.write_bytes(answer.body())
        return parse_with_readium(local)[str(local)]

    start = url + "opds/index.xml"
    index = fetch(start)
    by_series = next(n for n in index["navigation"] if n["href"] == "series.xml")
    series_url = urljoin(start, by_series["href"])
    series = fetch(series_url)
    sahel_url = urljoin(series_url, next(n["href"] for n in series["navigation"] if "sahel" in n["href"]))
    sahel = fetch(sahel_url)
    publication = sahel["publications"][0]
    assert publication["title"] == "Briefing 000 on the Sahel" and publication["description"]
    cover = urljoin(sahel_url, publication["images"][0]["href"])
    assert request.get(cover).status == 200
    epub = next(l for l in publication["links"]
                if (l["rel"] == ACQUIRE or ACQUIRE in (l["rel"] or [])) and l["type"] == "application/epub+zip")
    answer = request.get(urljoin(sahel_url, epub["href"]))
    assert answer.status == 200 and answer.headers["content-type"] == "application/epub+zip"
    assert answer.body() == (out / "briefing-000-on-the-sahel" / "briefing-000-on-the-sahel.epub").read_bytes()


def test_watch_rebuilds_only_the_briefing_that_changed(tmp_path):
    source = make_library(tmp_path / "lib", count=3, translations=0)
    out = tmp_path / "out"
    with Command("watch", "--port", "0", "--source", source, "--out", out) as command:
        serving_address(command, timeout=300)
        command.wait_for("^watching ", 60)
        mark = command.mark()
        section = source / "b001" / "sections" / "02-second.md"
        section.write_text(section.read_text(encoding="utf-8") + "\nA paragraph about the harvest.\n", encoding="utf-8")
        line = command.wait_for(r"^library: .* (\d+) built", 300, since=mark)
        assert line.group(1) == "1", line.group(0)
        assert "harvest" in (out / "briefing-001-on-the-sahel" / "index.html").read_text(encoding="utf-8")
