"""A policy brief's blocks and numbered cross-references, read back from every edition.

The fixture `tests/fixtures/brief/` has a summary, recommendations, two boxes, callouts (one
nested in another), two figures, two tables, section and heading ids, and cross-references
of every kind, within and across sections.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree, html as lxml_html
from pypdf import PdfReader

from conftest import FIXTURES, _build_all, build_ok, run_build
from press.base.codes import CODES
from press.check import checks
from test_check import make_briefing

BRIEF = FIXTURES / "brief"
XHTML = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# Every cross-reference of the fixture: its id and the text it must show, in every edition.
NUMBERS = {"fig-delta": "Figure 1", "fig-pumps": "Figure 2", "tbl-wells": "Table 1", "tbl-herders": "Table 2",
           "box-wells": "Box 1", "sec-overview": "Overview", "sec-wells": "Wells and Herders",
           "sec-measure": "How the flood is measured"}


@pytest.fixture(scope="session")
def brief_out(tmp_path_factory) -> Path:
    return _build_all(tmp_path_factory, "brief", BRIEF)


def _text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


# --- the web page ----------------------------------------------------------------------


def _web(brief_out):
    return lxml_html.fromstring((brief_out / "html" / "index.html").read_bytes())


def test_web_cross_references_show_their_numbers_and_reach_their_targets(brief_out):
    page = _web(brief_out)
    refs = page.xpath("//a[@class='xref']")
    assert len(refs) == 15
    for ref in refs:
        anchor = ref.get("href")[1:]
        assert _text(ref) == NUMBERS[anchor], anchor
        target = page.get_element_by_id(anchor)
        if anchor.startswith(("fig-", "tbl-", "box-")):  # the target's own label says the same
            label = target.xpath(".//*[@class='label']")[0]
            assert _text(label) == NUMBERS[anchor]
        else:
            assert _text(target) == NUMBERS[anchor] and target.tag in ("h2", "h3")
    assert [f.get("id") for f in page.xpath("//figure")] == ["fig-delta", "fig-pumps"]
    assert [_text(c) for c in page.xpath("//table/caption")] == [
        "Table 1: Wells by region, 2025", "Table 2: Herders relying on wells"]


def test_web_blocks(brief_out):
    page = _web(brief_out)
    header = page.xpath("//header")[0]
    # The summary right after the disclaimer, tagged as the abstract; its heading is its title.
    summary = header.xpath("./*[@id='disclaimer']/following-sibling::*[1]")[0]
    assert summary.get("role") == "doc-abstract" and summary.get("class") == "block summary"
    assert _text(summary.xpath("./p[@class='block-title']")[0]) == "Key points"
    assert not page.xpath("//main//*[contains(@class, 'summary')]")
    boxes = page.xpath("//aside[contains(@class, 'box')]")
    assert [_text(b.xpath("./p[@class='block-title']")[0]) for b in boxes] == [
        "Box 1: Why wells fail", "Box 2: A second box"]
    assert [b.get("id") for b in boxes] == ["box-wells", None]
    callouts = page.xpath("//aside[contains(@class, 'callout')]")
    assert [(c.get("class").split()[-1], _text(c.xpath("./p[@class='block-title']")[0])) for c in callouts] == [
        ("callout-note", "Note"), ("callout-warning", "Data gaps"), ("callout-tip", "Read more"),
        ("callout-important", "Important")]
    assert callouts[3].getparent() is callouts[2]  # nested with more colons outside
    [recommendations] = page.xpath("//section[contains(@class, 'recommendations')]")
    assert len(recommendations.xpath("./ol/li")) == 3
    # Headings inside blocks are never headings of the page, nor contents entries.
    headings = [_text(h) for h in page.xpath("//main//h2 | //main//h3 | //main//h4")]
    assert not {"Key points", "Why wells fail", "Read more"} & set(headings)
    assert [_text(a) for a in page.xpath("//nav[contains(@class, 'toc')]//a")] == [
        "Overview", "How the flood is measured", "Wells and Herders", "What Should Be Done"]


@pytest.mark.slow  # axe in Chromium
def test_web_page_passes_axe(brief_out):
    from playwright.sync_api import sync_playwright
    from test_web import axe_violations

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            page = browser.new_page()
            page.goto((brief_out / "html" / "index.html").as_uri())
            assert axe_violations(page) == []
        finally:
            browser.close()


# --- the EPUB --------------------------------------------------------------------------


def _epub_documents(brief_out) -> dict[str, etree._Element]:
    with zipfile.ZipFile(next(brief_out.glob("*.epub"))) as epub:
        return {Path(n).name: etree.fromstring(epub.read(n)) for n in epub.namelist() if n.endswith(".xhtml")}


def test_epub_cross_references_reach_their_targets_across_documents(brief_out):
    docs = _epub_documents(brief_out)
    count = 0
    for name, root in docs.items():
        for ref in root.iter(f"{XHTML}a"):
            if ref.get("class") != "xref":
                continue
            count += 1
            href = ref.get("href")
            document, anchor = href.split("#") if not href.startswith("#") else (name, href[1:])
            assert _text(ref) == NUMBERS[anchor], href
            [target] = docs[document or name].xpath(f"//*[@id='{anchor}']")
            if anchor.startswith(("fig-", "tbl-", "box-")):
                assert _text(target.xpath(".//*[@class='label']")[0]) == NUMBERS[anchor]
    assert count == 15
    # The summary's links leave its document: it stands after the disclaimer.
    summary_links = [a.get("href") for a in docs["disclaimer.xhtml"].iter(f"{XHTML}a")]
    assert summary_links == ["sec-overview.xhtml#fig-delta", "sec-wells.xhtml#tbl-wells",
                             "sec-wells.xhtml#box-wells"]


def test_epub_blocks_carry_their_roles(brief_out):
    docs = _epub_documents(brief_out)
    [summary] = docs["disclaimer.xhtml"].xpath("//*[@role='doc-abstract']")
    assert summary.get(EPUB_TYPE) == "abstract"
    boxes = docs["sec-wells.xhtml"].xpath("//x:aside[contains(@class, 'box')]", namespaces={"x": XHTML[1:-1]})
    assert boxes[0].get("id") == "box-wells" and boxes[0].get("role") == "note"
    assert docs["what-should-be-done.xhtml"].xpath("//*[@role='doc-tip']")
    nav = docs["nav.xhtml"]
    entries = [_text(a) for a in nav.xpath("//x:nav[@id='contents']//x:a", namespaces={"x": XHTML[1:-1]})]
    assert entries == ["Overview", "How the flood is measured", "Wells and Herders", "What Should Be Done"]


@pytest.mark.slow  # EPUBCheck
def test_epub_passes_epubcheck_with_no_message(brief_out):
    assert checks.check_epub(next(brief_out.glob("*.epub"))) == []


# --- the PDF ---------------------------------------------------------------------------


def _pdf_references(reader) -> tuple[dict, list, list]:
    """Each target's page; every (page, target) a cross-reference links from; every printed
    "label, p. N" as (page, label, N). Pages count from 1."""
    destinations = reader.named_destinations
    page_of = {anchor: reader.get_destination_page_number(destinations[anchor]) + 1 for anchor in NUMBERS}
    links, printed = [], []
    for number, page in enumerate(reader.pages, 1):
        if "\nContents\n" in page.extract_text():   # its links are the contents' entries
            continue
        for annotation in page.get("/Annots") or []:
            dest = annotation.get_object().get("/Dest")
            if dest in NUMBERS and (number, dest) not in links:
                links.append((number, str(dest)))
        text = re.sub(r"\s+", " ", page.extract_text())
        printed += [(number, label, int(n)) for label, n in re.findall(
            r"((?:Figure|Table|Box) \d|Overview|Wells and Herders|How the flood is measured), p\. (\d+)", text)]
    return page_of, links, printed


def test_pdf_cross_references_give_the_page_their_target_stands_on(brief_out):
    reader = PdfReader(next(brief_out.glob("*.pdf")))
    page_of, links, printed = _pdf_references(reader)
    by_label = {v: k for k, v in NUMBERS.items()}
    assert printed
    for page, label, number in printed:
        assert number == page_of[by_label[label]] != page, (label, number, page, page_of)
    # Every reference to a target on another page gives that page.
    for page, anchor in links:
        if page_of[anchor] != page:
            assert (page, NUMBERS[anchor], page_of[anchor]) in printed, (page, anchor)
    # The targets' own labels stand on those pages.
    for anchor, label in NUMBERS.items():
        if anchor.startswith(("fig-", "tbl-", "box-")):
            assert f"{label}:" in reader.pages[page_of[anchor] - 1].extract_text(), anchor


def test_pdf_cross_references_on_their_targets_page_give_no_page(brief_out):
    reader = PdfReader(next(brief_out.glob("*.pdf")))
    page_of, links, printed = _pdf_references(reader)
    same = [(page, anchor) for page, anchor in links if page_of[anchor] == page]
    assert ("fig-delta" in dict((a, p) for p, a in same)), same   # "Its flood, shown in Figure 1," above it
    for page, anchor in same:
        text = re.sub(r"\s+", " ", reader.pages[page - 1].extract_text())
        assert f"{NUMBERS[anchor]}, p." not in text, (page, anchor)
        assert NUMBERS[anchor] in text
    assert not [p for p in printed if p[0] == page_of[{v: k for k, v in NUMBERS.items()}[p[1]]]]


def test_pdf_summary_stands_whole_after_the_contents(brief_out):
    reader = PdfReader(next(brief_out.glob("*.pdf")))
    texts = [page.extract_text() for page in reader.pages]
    contents = next(n for n, t in enumerate(texts) if t.startswith("Contents") or "\nContents\n" in t)
    summary_page = texts[contents + 1]
    assert "Key points" in summary_page
    assert "shrunk by a third" in summary_page and "fewer herders than the plan says" in summary_page
    # No block title is a bookmark; the bookmarks are the contents.
    titles = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(item.title)

    walk(reader.outline)
    assert titles == ["Overview", "How the flood is measured", "Wells and Herders", "What Should Be Done"]


def test_pdf_structure_keeps_figures_and_table_captions(brief_out):
    reader = PdfReader(next(brief_out.glob("*.pdf")))
    kinds = []

    def walk(node):
        node = node.get_object()
        if "/S" in node:
            kinds.append(str(node["/S"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            kid = kid.get_object()
            if hasattr(kid, "get") and ("/S" in kid or "/K" in kid):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert kinds.count("/Figure") == 2 and kinds.count("/Table") == 2 and kinds.count("/Caption") == 4


def test_pdf_structure_has_each_block_as_a_section_with_its_title(brief_out):
    """A tagged-PDF reader sees each block as a Sect (never NonStruct) whose first element is its
    title, a heading one level below the one it stands under; PDF/UA-1 still holds."""
    import page as page_validation
    from pdftags import structure, titled

    path = next(brief_out.glob("*.pdf"))
    tree = structure(path)
    sections = titled(tree)
    levels = {"Key points": "H2", "Note": "H3", "Box 1: Why wells fail": "H2", "Data gaps": "H2",
              "Recommendations": "H2", "Box 2: A second box": "H2", "Read more": "H2", "Important": "H3"}
    assert {title: sections[title].kids[0].kind for title in levels if title in sections} == levels
    # (pypdf's text of marked content may lose a space at a link's edge: compared without spaces)
    assert sections["Box 1: Why wells fail"].text.replace(" ", "").endswith("Pumpsbreakandpartsarefaraway;seeFigure2.")
    assert sections["Recommendations"].kids[1].kind == "L" and len(sections["Recommendations"].kids[1].kids) == 3
    assert sections["Important"] in sections["Read more"].kids            # nested as written
    assert not [n for n in tree.find("NonStruct") if "Why wells fail" in n.text and "Herders" not in n.text]
    assert [f.rule_id for f in page_validation.validate_pdf(str(path), profile="ua1").failures] == []


def test_identical_numbers_in_every_edition(brief_out):
    web = {a.get("href")[1:]: _text(a) for a in _web(brief_out).xpath("//a[@class='xref']")}
    epub = {a.get("href").split("#")[1]: _text(a) for root in _epub_documents(brief_out).values()
            for a in root.iter(f"{XHTML}a") if a.get("class") == "xref"}
    assert web == epub == NUMBERS
    assert checks.check_sources(BRIEF) == []


def test_labels_are_localized(tmp_path):
    from press.source.source import load_briefing

    make_briefing(tmp_path, {"a.md": "# A\n\n![Carte](m.png){#fig-m}\n\nVoir @fig-m.\n\n"
                                     "::: {.box #box-b}\n## Puits\n\nTexte.\n:::\n\n@box-b\n"},
                  extra="language: fr\n".replace("language: fr\n", ""))
    (tmp_path / "briefing.yml").write_text((tmp_path / "briefing.yml").read_text().replace("language: en",
                                                                                          "language: fr"))
    (tmp_path / "sections" / "m.png").write_bytes((FIXTURES / "features/images/chart.png").read_bytes())
    html = load_briefing(tmp_path).sections[0].html.screen
    assert '<span class="label">Figure 1</span>\u00a0: Carte' in html and ">Encadré 1</a>" in html
    assert '<span class="label">Encadré 1</span>' in html


# --- bad input -------------------------------------------------------------------------

BAD = [
    ("unknown block class", "::: {.sidebar}\nText.\n:::\n", "E210", 3),
    ("unreadable attributes", "::: {.box title=\"Wells}\nText.\n:::\n", "E210", 3),
    ("unclosed fence", "::: {.callout-note}\nText.\n", "E211", 3),
    ("same colons nested", "::: {.callout-tip}\n::: {.callout-note}\nIn.\n:::\n:::\n", "E211", 3),
    ("fence closing nothing", "Text.\n\n:::\n", "E211", 5),
    ("box without title", "::: {.box}\nText.\n:::\n", "E212", 3),
    ("footnote in the summary", "::: summary\nText[^1].\n:::\n\n[^1]: Note.\n", "E213", 4),
    ("figure id without prefix", "![Map](m.png){#map}\n", "E214", 3),
    ("table id without prefix", "| a |\n|---|\n| 1 |\n\n: Caption {#water}\n", "E214", 3),
    ("unknown cross-reference", "See @fig-nowhere.\n", "E305", 3),
    ("cross-reference of the wrong kind", "![Map](m.png){#fig-map}\n\nSee @tbl-map and @sec-x.\n", "E305", 5),
    ("figure id used twice", "![A](m.png){#fig-a}\n\n![B](m.png){#fig-a}\n", "E207", 5),
    ("figure id of a heading", "## Map {#fig-map}\n\n![A](m.png){#fig-map}\n", "E207", 5),
]


@pytest.mark.slow  # many builds
def test_each_bad_input_is_one_line_with_its_code_and_leaves_the_outputs(tmp_path):
    source = make_briefing(tmp_path / "src", {"a.md": "# A\n\nGood.\n", "b.md": "# B\n\nText.\n"})
    (source / "sections" / "m.png").write_bytes((FIXTURES / "features/images/chart.png").read_bytes())
    out = tmp_path / "out"
    build_ok("html", "--source", source, "--out", out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    for name, text, code, line in BAD:
        (source / "sections" / "a.md").write_text("# A\n\n" + text)
        result = run_build("html", "--source", source, "--out", out)
        assert result.returncode == 1, name
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.stderr, (name, result.stderr)
        assert re.search(rf"sections/a\.md:{line}: ", lines[0]), (name, lines[0])
        found = [(p.code, p.line) for p in checks.check_sources(source) if p.code.startswith("E")]
        assert (code, line) in found, (name, found)
        assert code in CODES
        assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before, name
    # A second summary, in another section.
    (source / "sections" / "a.md").write_text("# A\n\n::: summary\nOne.\n:::\n")
    (source / "sections" / "b.md").write_text("# B\n\n::: summary\nTwo.\n:::\n")
    result = run_build("html", "--source", source, "--out", out)
    assert result.returncode == 1 and re.search(r"b\.md:3: E213: a second summary \(the first is at .*a\.md:3\)",
                                                result.stderr)
    assert ("E213", 3) in [(p.code, p.line) for p in checks.check_sources(source)]


@pytest.mark.slow  # a second build
def test_pdf_is_the_same_bytes_twice(brief_out, tmp_path):
    build_ok("pdf", "--source", BRIEF, "--out", tmp_path)
    [first] = brief_out.glob("*.pdf")
    assert (tmp_path / first.name).read_bytes() == first.read_bytes()


@pytest.mark.parametrize("outcomes, marked, layouts", [
    ({(): ()}, [], 1),                                   # none on its target's page: one layout
    ({(): (0, 2), (0, 2): (0, 2)}, [0, 2], 2),           # marked, and the marks hold
    # Marking 0 and 1 moves 1 off its target's page; 1 keeps its page for good, even when the
    # next layout would put it back (no oscillation).
    ({(): (0, 1), (0, 1): (0,), (0,): (0, 1)}, [0], 3),
    # Marks that keep failing end unmarked.
    ({(): (0, 1), (0, 1): (1,), (1,): (0,)}, [], 3),
    # Marks that still do not hold after the last pass: the first layout, where every reference
    # gives its page.
    ({(): (0,), (0,): (0, 1), (0, 1): (0, 1, 2), (0, 1, 2): ()}, [], 4),
])
def test_layout_passes_end_with_marks_that_hold(monkeypatch, outcomes, marked, layouts):
    """press.render.pdf's passes, with the pages each marking gives scripted (by marked references)."""
    from press.render import pdf

    html_text = "<p>" + "".join(f'{pdf.XREF}href="#x{n}">x</a>' for n in range(3)) + "</p>"
    calls = []

    def layout(text):
        calls.append(text)
        return text, text

    def same_page(html, document):
        marks = tuple(n for n, part in enumerate(html.split('<a class="xref')[1:]) if part.startswith(" same-page"))
        return set(outcomes[marks])

    monkeypatch.setattr(pdf, "_same_page_references", same_page)
    final = pdf._without_same_page_numbers(html_text, layout)
    assert [n for n, part in enumerate(final.split('<a class="xref')[1:]) if part.startswith(" same-page")] == marked
    assert len(calls) == layouts
