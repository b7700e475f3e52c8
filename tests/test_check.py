"""`python build.py check`: one test per lint rule, the output checks, the command's contract."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, TextStringObject

from conftest import FIXTURES, ROOT, build_ok, run_build
from press.base import build_state
from press.base.codes import CODES
from press.check import checks

PNG = (FIXTURES / "features" / "images" / "chart.png").read_bytes()


def make_briefing(root: Path, sections: dict[str, str], extra: str = "", disclaimer: str = "Not advice.") -> Path:
    """A tiny briefing: briefing.yml listing `sections` (name -> text) in order."""
    (root / "sections").mkdir(parents=True, exist_ok=True)
    for name, text in sections.items():
        (root / "sections" / name).write_text(text, encoding="utf-8")
    listing = "".join(f"  - sections/{name}\n" for name in sections)
    (root / "briefing.yml").write_text(
        f"title: Tiny\nlanguage: en\ndisclaimer: {disclaimer}\n{extra}sections:\n{listing}", encoding="utf-8")
    return root


def codes(problems) -> list[str]:
    return [p.code for p in problems]


def only(problems, code):
    found = [p for p in problems if p.code == code]
    assert found, f"no {code} in {[str(p) for p in problems]}"
    return found


def test_clean_briefing_has_no_findings(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\nText [to b](b.md#sub).\n", "b.md": "# B\n\n## Sub\n\nMore.\n"})
    assert checks.check_sources(tmp_path) == []


def test_unknown_manifest_key_is_a_warning(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"}, extra="colour: blue\n")
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.severity, p.file.name, p.line) == ("W101", "warning", "briefing.yml", 4)
    assert "unknown key `colour` is ignored" in p.message


def test_missing_key_and_wrong_type(tmp_path):
    (tmp_path / "briefing.yml").write_text("title: [a]\ndisclaimer: x\nsections: []\n")
    found = checks.check_sources(tmp_path)
    assert only(found, "E103")[0].line == 1
    assert "missing required key 'language'" in only(found, "E102")[0].message


def test_section_listed_twice(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"})
    with open(tmp_path / "briefing.yml", "a") as f:
        f.write("  - sections/a.md\n")
    [p] = only(checks.check_sources(tmp_path), "E105")
    assert p.line == 6 and "listed twice (first on line 5)" in p.message


def test_missing_section_file(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n", "b.md": "# B\n"})
    (tmp_path / "sections" / "b.md").unlink()
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.file.name, p.line) == ("E106", "briefing.yml", 6)


def test_unlisted_markdown_file_is_a_warning(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"})
    (tmp_path / "sections" / "draft.md").write_text("# Draft\n")
    [p] = checks.check_sources(tmp_path)
    assert p.code == "W102" and "sections/draft.md" in p.message


def test_section_must_start_with_a_heading(tmp_path):
    make_briefing(tmp_path, {"a.md": "Intro text.\n\n# A\n"})
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.line) == ("E203", 1)


def test_second_level_one_heading(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\ntext\n\n# Again\n"})
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.line) == ("E204", 5)


def test_heading_level_skip(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n## B\n\n#### D\n\n## C\n\n### C1\n"})
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.line) == ("E205", 5) and "level 4 follows level 2" in p.message


def test_heading_without_text(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n##\n\ntext\n"})
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.line) == ("E209", 3)


def test_duplicate_front_matter_ids_are_an_error(tmp_path):
    make_briefing(tmp_path, {"a.md": "---\nid: same\n---\n# A\n", "b.md": "---\nid: same\n---\n# B\n"})
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.file.name, p.line) == ("E207", "b.md", 4) and "a.md:4" in p.message


def test_duplicate_heading_text_is_a_warning(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n## Findings\n\n## Findings\n"})
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.severity, p.line) == ("W207", "warning", 5)


def test_broken_anchor_and_link(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n[x](#nowhere) and\n[y](b.md#nope)\n\n[z](missing.md)\n",
                             "b.md": "# B\n"})
    found = checks.check_sources(tmp_path)
    assert [(p.code, p.line) for p in found] == [("E303", 3), ("E303", 4), ("E302", 6)]


def test_every_problem_in_a_file_is_reported(tmp_path):
    """Unlike the build, which stops at a file's first bad link, check lists them all."""
    make_briefing(tmp_path, {"a.md": "# A\n\n[1](#a1) [2](#a2)\n[3](#a3)\n\n![](nope.png)\n\n![alt](x.gif)\n"})
    found = checks.check_sources(tmp_path)
    assert [(p.code, p.line) for p in found] == [
        ("E303", 3), ("E303", 3), ("E303", 4), ("E313", 6), ("E314", 6), ("E312", 8)]


def test_link_scheme(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n[x](ftp://example.org/f)\n"})
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.line) == ("E301", 3)


def test_image_without_alt_text(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n![](../img.png)\n"})
    (tmp_path / "img.png").write_bytes(PNG)
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.line) == ("E314", 3)


def test_image_outside_the_folder(tmp_path):
    src = tmp_path / "src"
    make_briefing(src, {"a.md": "# A\n\n![a chart](../../outside.png)\n\n![b](https://example.org/x.png)\n"})
    (tmp_path / "outside.png").write_bytes(PNG)
    found = checks.check_sources(src)
    assert [(p.code, p.line) for p in found] == [("E311", 3), ("E311", 5)]


def test_empty_disclaimer(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"}, disclaimer='"  "')
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.line) == ("E104", 3)


def test_uncovered_character(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\nFine.\n\nPrivate \ue000 use.\n"})
    [p] = checks.check_sources(tmp_path)
    assert (p.code, p.line) == ("E401", 5) and "U+E000" in p.message


def test_limits_are_reported(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n" + ">" * 40 + " deep\n",
                             "b.md": "# B\n\n" + "|c" * 100 + "|\n" + "|-" * 100 + "|\n"})
    found = checks.check_sources(tmp_path)
    assert [(p.code, p.file.name, p.line) for p in found] == [("E503", "a.md", 3), ("E504", "b.md", 3)]


def test_a_broken_manifest_still_lints_the_sections(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n[x](#nowhere)\n"}, extra="date: someday\n")
    assert codes(checks.check_sources(tmp_path)) == ["E103", "E303"]


# --- outputs -------------------------------------------------------------------------


@pytest.fixture
def built_features(features_pdf, tmp_path):
    """A copy of the features fixture with its freshly built PDF beside it: (source, out)."""
    source = tmp_path / "features"
    shutil.copytree(FIXTURES / "features", source)
    out = tmp_path / "out"
    out.mkdir()
    shutil.copy(features_pdf, out / features_pdf.name)
    return source, out


def test_good_pdf_passes(built_features):
    source, out = built_features
    assert checks.check_outputs(source, out) == []


def test_missing_output_is_a_warning(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"})
    [p] = checks.check_outputs(tmp_path, tmp_path / "out")
    assert p.code == "W601" and p.file.name == "tiny.pdf" and "not built yet" in p.message


@pytest.mark.slow  # builds a PDF
def test_check_validates_the_pdf_a_paper_build_named(tmp_path):
    """Only the build names its files: after `pdf --paper letter` for an A4 manifest, check reads
    `<slug>-letter.pdf` from the build's state, not the A4 name it would have guessed."""
    source, out = make_briefing(tmp_path / "src", {"a.md": "# A\n\nSome text.\n"}), tmp_path / "out"
    build_ok("pdf", "--paper", "letter", "--source", source, "--out", out)
    assert (out / "tiny-letter.pdf").is_file() and not (out / "tiny.pdf").exists()
    assert checks.check_outputs(source, out) == []
    result = run_build("check", "--strict", "--source", source, "--out", out)
    assert result.returncode == 0 and "W601" not in result.stderr + result.stdout, result.stderr


def test_check_reads_the_names_the_build_recorded(tmp_path):
    """A PDF the state names is the one checked, whatever name the manifest's paper would give."""
    source, out = make_briefing(tmp_path / "src", {"a.md": "# A\n"}), tmp_path / "out"
    out.mkdir()
    (out / "tiny-b5.pdf").write_bytes(b"%PDF-1.7\nnot really\n")
    sha = "0" * 64
    (out / build_state.STATE_NAME).write_bytes(build_state.state_bytes(
        {"tiny": {"pdf": {"path": "tiny-b5.pdf", "inputs": sha, "output": sha}}}))
    [p] = checks.check_outputs(source, out)
    assert p.code == "E601" and p.file.name == "tiny-b5.pdf"


def backdate(path, out):
    """Make an edited source look older than the PDF: the PDF then really differs from it."""
    import os

    pdf = next(out.glob("*.pdf")).stat().st_mtime
    os.utime(path, (pdf - 60, pdf - 60))


def test_bookmarks_must_equal_the_toc(built_features):
    source, out = built_features
    path = source / "sections" / "02-second.md"
    path.write_text(path.read_text() + "\n## A heading added after the build\n")
    backdate(path, out)
    [p] = checks.check_outputs(source, out)
    assert p.code == "E603" and "A heading added after the build" in p.message


def test_disclaimer_must_be_printed(built_features):
    source, out = built_features
    manifest = source / "briefing.yml"
    manifest.write_text(manifest.read_text().replace("Fixture disclaimer", "Another disclaimer"))
    backdate(manifest, out)
    assert codes(checks.check_outputs(source, out)) == ["E604"]


def test_an_outdated_pdf_is_named_as_such_not_blamed_on_the_disclaimer(built_features):
    source, out = built_features
    manifest = source / "briefing.yml"
    manifest.write_text(manifest.read_text().replace("Fixture disclaimer", "Another disclaimer"))
    [p] = checks.check_outputs(source, out)
    assert p.code == "W602"
    assert p.message.startswith("the PDF is older than its sources: run `make pdf`")


def test_fonts_must_be_embedded_and_no_active_content(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"})
    writer = PdfWriter()
    page = writer.add_blank_page(200, 200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(DictionaryObject({
        NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert(1)")}))
    out = tmp_path / "out"
    out.mkdir()
    with open(out / "tiny.pdf", "wb") as f:
        writer.write(f)
    found = checks.check_outputs(tmp_path, out)
    assert "E602" in codes(found) and "Helvetica" in only(found, "E602")[0].message
    assert "E605" in codes(found)


def test_unreadable_pdf(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"})
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "tiny.pdf").write_bytes(b"%PDF-1.7\nnot really\n")
    assert codes(checks.check_outputs(tmp_path, tmp_path / "out")) == ["E601"]


def write_epub(path: Path, body: str) -> Path:
    """A minimal EPUB 3 with one XHTML document whose <body> holds `body`."""
    opf = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="id" xml:lang="en">
<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:identifier id="id">urn:uuid:12345678-1234-5678-1234-567812345678</dc:identifier>
<dc:title>Tiny</dc:title><dc:language>en</dc:language>
<meta property="dcterms:modified">2026-01-01T00:00:00Z</meta>
</metadata>
<manifest><item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
<item id="a" href="a.xhtml" media-type="application/xhtml+xml"/></manifest>
<spine><itemref idref="a"/></spine></package>"""
    xhtml = ('<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml" '
             'xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="en" lang="en"><head><title>T</title></head>'
             '<body>{}</body></html>')
    nav = '<nav epub:type="toc"><h1>Contents</h1><ol><li><a href="a.xhtml">A</a></li></ol></nav>'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")
        z.writestr("META-INF/container.xml", '<?xml version="1.0"?><container version="1.0" '
                   'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles><rootfile '
                   'full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/></rootfiles></container>')
        z.writestr("OEBPS/content.opf", opf)
        z.writestr("OEBPS/nav.xhtml", xhtml.format(nav))
        z.writestr("OEBPS/a.xhtml", xhtml.format(body))
    return path


@pytest.mark.slow  # EPUBCheck
def test_epubcheck_accepts_a_valid_epub(tmp_path):
    assert checks.check_epub(write_epub(tmp_path / "ok.epub", "<h1>A</h1><p>Text.</p>")) == []


@pytest.mark.slow  # EPUBCheck
def test_epubcheck_messages_become_problems(built_features):
    source, out = built_features
    write_epub(out / "features-edge-cases.epub", '<h1>A</h1><p><a href="missing.xhtml">x</a></p><blink>no</blink>')
    found = [p for p in checks.check_outputs(source, out) if p.code == "E701"]
    assert found and all(p.file.name == "features-edge-cases.epub" for p in found)
    assert any("RSC-005" in p.message or "RSC-007" in p.message for p in found)
    assert all(p.message.startswith("EPUBCheck ") for p in found)


# --- the command ---------------------------------------------------------------------


def test_command_prints_sorted_findings_and_exits_1_on_errors(tmp_path):
    make_briefing(tmp_path, {"b.md": "# B\n\n[x](#gone)\n", "a.md": "# A\n\n#### Deep\n"}, extra="colour: red\n")
    result = run_build("check", "--source", tmp_path, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(": ")[1] for line in lines] == ["W101", "W601", "E205", "E303"]
    assert lines[0].endswith("briefing.yml:4: W101: unknown key `colour` is ignored")
    assert "a.md:3: E205: " in lines[2] and "b.md:3: E303: link to '#gone'" in lines[3]
    assert "2 error(s), 2 warning(s)" in result.stderr


def test_warnings_alone_exit_0_and_strict_makes_them_errors(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"}, extra="colour: red\n")
    assert run_build("check", "--source", tmp_path, "--out", tmp_path / "out").returncode == 0
    result = run_build("check", "--strict", "--source", tmp_path, "--out", tmp_path / "out")
    assert result.returncode == 1 and "2 error(s), 0 warning(s)" in result.stderr


def test_check_does_not_build(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n"})
    run_build("check", "--source", tmp_path, "--out", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_make_check_is_wired():
    makefile = (ROOT / "Makefile").read_text()
    assert "check:" in makefile and "$(BUILD) check" in makefile
    assert "| `check" in (ROOT / "docs" / "commands.md").read_text()


@pytest.mark.slow  # build.py check
def test_the_article_and_its_pdf_pass_check(article_pdf):
    """The real briefing, freshly built: no finding at all, even with --strict."""
    from conftest import ARTICLE_SOURCE

    assert checks.run_check(ARTICLE_SOURCE, article_pdf.parent, strict=True) == []


def test_every_code_is_documented():
    codes_page = (ROOT / "docs" / "codes.md").read_text()
    for code in CODES:
        assert f"| `{code}` |" in codes_page, code


def test_active_content_is_found_by_reading_the_objects_not_by_matching_bytes(tmp_path):
    """Page content may hold the bytes '/JS' (compressed content did by chance: a false E605 once)
    without any action; a document-level script and an attachment are found."""
    from press.check.pdfactive import active_content

    innocent = PdfWriter()
    page = innocent.add_blank_page(200, 200)
    content = DecodedStreamObject()
    content.set_data(b"% a comment naming /JS and /Launch, which is no action\n")
    page[NameObject("/Contents")] = innocent._add_object(content)
    path = tmp_path / "innocent.pdf"
    with open(path, "wb") as f:
        innocent.write(f)
    assert b"/JS" in path.read_bytes() and active_content(PdfReader(path)) == []

    hidden = PdfWriter()
    hidden.add_blank_page(200, 200)
    script = DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                               NameObject("/JS"): TextStringObject("app.alert(1)")})
    hidden._root_object[NameObject("/Names")] = DictionaryObject({NameObject("/JavaScript"): DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("x"), hidden._add_object(script)])})})
    hidden.add_attachment("a.txt", b"payload")
    path = tmp_path / "hidden.pdf"
    with open(path, "wb") as f:
        hidden.write(f)
    found = {name for _, name in active_content(PdfReader(path))}
    assert {"/JavaScript", "/JS", "/EmbeddedFiles"} <= found, found
