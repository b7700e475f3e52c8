"""The DOCX edition for reviewers: read back with python-docx, and opened by LibreOffice."""

from __future__ import annotations

import subprocess
import zipfile

import docx
import pytest

from conftest import ARTICLE_SOURCE, FIXTURES, build_ok

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def features_docx(tmp_path_factory):
    out = tmp_path_factory.mktemp("docx")
    result = build_ok("docx", "--source", FIXTURES / "features", "--out", out)
    assert "features-edge-cases.docx" in result.stdout
    return out / "features-edge-cases.docx"


def test_headings_lists_tables_figures_and_metadata(features_docx):
    document = docx.Document(features_docx)
    paragraphs = [(p.style.name, p.text) for p in document.paragraphs]
    headings = [(style, text) for style, text in paragraphs if style.startswith("Heading")]
    assert headings == [("Heading 1", "First “Section”"), ("Heading 2", "A sub-section"),
                        ("Heading 1", "Second Section"), ("Heading 2", "The data"),
                        ("Heading 1", "Further reading")]
    # The disclaimer on the first page: before the contents and the first heading.
    texts = [text for _, text in paragraphs]
    disclaimer = next(i for i, t in enumerate(texts) if "Fixture disclaimer" in t)
    assert disclaimer < texts.index("First “Section”")
    assert ("Title", "Features & Edge Cases") in paragraphs
    # A table, with its cells.
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Country", "Troops", "Share"]
    # A list (further reading) in a numbered/bulleted paragraph.
    items = [p for p in document.paragraphs if p.text in ("Another briefing", "A linked briefing")]
    assert len(items) == 2 and all(p._p.pPr.numPr is not None for p in items)
    # The figure: a picture with its alt text, and its caption.
    body = document.element.body.xml
    assert 'descr="Bar chart of four rising bars"' in body
    assert ("Image Caption", "Rising contributions") in paragraphs or \
        any("Rising contributions" in t and s.startswith("Image") for s, t in paragraphs)
    # Core properties and language.
    props = document.core_properties
    assert props.title == "Features & Edge Cases" and props.language == "en"
    assert props.created.isoformat().startswith("2026-01-15")
    with zipfile.ZipFile(features_docx) as package:
        styles = package.read("word/styles.xml").decode()
        assert 'w:lang' in styles and 'w:val="en"' in styles
        assert {info.date_time[:3] for info in package.infolist()} == {(2026, 1, 15)}


def test_footnotes_are_word_footnotes_and_contents_a_toc_field(features_docx):
    with zipfile.ZipFile(features_docx) as package:
        document = package.read("word/document.xml").decode()
        notes = package.read("word/footnotes.xml").decode()
    assert document.count("<w:footnoteReference ") == 2
    assert "The footnote’s own text" in notes and "Second note." in notes
    assert 'TOC \\o &quot;1-2&quot; \\h \\z \\u' in document or 'TOC \\o "1-2"' in document


def test_reproducible_bytes(tmp_path, features_docx):
    build_ok("docx", "--source", FIXTURES / "features", "--out", tmp_path, env={"TZ": "Pacific/Kiritimati"})
    assert (tmp_path / features_docx.name).read_bytes() == features_docx.read_bytes()


@pytest.mark.slow  # LibreOffice
def test_libreoffice_opens_it_with_headings_and_footnotes(features_docx, tmp_path):
    """LibreOffice (Debian's libreoffice-writer-nogui, installed by `make test`) converts it."""
    profile = tmp_path / "profile"  # its own profile: runs in parallel do not share one
    done = subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                           "--convert-to", "pdf", "--outdir", str(tmp_path), str(features_docx)],
                          capture_output=True, text=True, timeout=180)
    converted = tmp_path / "features-edge-cases.pdf"
    assert converted.is_file(), done.stdout + done.stderr
    text = subprocess.run(["pdftotext", "-layout", str(converted), "-"], capture_output=True, text=True,
                          check=True).stdout
    for heading in ("First “Section”", "A sub-section", "Second Section", "The data", "Further reading"):
        assert heading in text, heading
    assert "Fixture disclaimer" in text.split("First “Section”")[0]
    # The footnotes are at the foot of the page, not where they were called.
    assert "The footnote’s own text" in text and "Second note." in text
    body, _, foot = text.partition("The footnote’s own text")
    assert "This paragraph carries a footnote." in body


def test_the_article_builds_as_docx(tmp_path):
    build_ok("docx", "--source", ARTICLE_SOURCE, "--out", tmp_path)
    document = docx.Document(next(tmp_path.glob("*.docx")))
    level1 = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert level1[0] == "Introduction" and len(level1) >= 11


def test_an_svg_travels_as_its_rebuilt_drawing(copy_fixture, tmp_path):
    """Item 9: the DOCX embeds the cleaned SVG (the web edition's copy), never the file's own
    bytes: no comment, no metadata, no remote feImage or @font-face address reaches reviewers."""
    source = copy_fixture("brief")
    (source / "images" / "delta.svg").write_text(
        '<?xml version="1.0"?>\n'
        '<!-- CANARY-COMMENT-7f3a -->\n'
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="400" height="200" viewBox="0 0 400 200">\n'
        '  <metadata><rdf>CANARY-METADATA-7f3a</rdf></metadata>\n'
        '  <filter id="f"><feImage href="https://tracker.example/feimage.png" '
        'xlink:href="https://tracker.example/feimage-x.png"/></filter>\n'
        '  <rect x="0" y="0" width="400" height="200" fill="#eef2f6"/>\n'
        '  <path d="M20 180 L120 60 L200 120" fill="none" stroke="#1f4e79" stroke-width="6"/>\n'
        '</svg>\n')
    out = tmp_path / "out"
    build_ok("docx", "--source", source, "--out", out)
    build_ok("html", "--source", source, "--out", tmp_path / "web")
    (document,) = out.glob("*.docx")
    with zipfile.ZipFile(document) as package:
        contents = {name: package.read(name) for name in package.namelist()}
    svgs = [data for name, data in contents.items() if name.endswith(".svg")]
    assert svgs, sorted(contents)
    (web_copy,) = [p.read_bytes() for p in (tmp_path / "web").rglob("delta.svg")]
    assert web_copy in svgs, "the DOCX's drawing is not the web edition's copy"
    everything = b"".join(contents.values())
    for canary in (b"CANARY-COMMENT", b"CANARY-METADATA", b"tracker.example"):
        assert canary not in everything, canary
    for svg in svgs:
        assert b"<!--" not in svg and b"<metadata" not in svg and b"feImage" not in svg
