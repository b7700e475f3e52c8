"""The print edition, read back from the PDF the build wrote."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ARTICLE_SOURCE, FIXTURES, build_ok
from pdfread import body_headings, outline, page_texts, printed_toc, runs
from press.source.source import load_briefing
from press.source.contents import table_of_contents

CONTENTS_PAGE = 2
FIRST_BODY_PAGE = 3


def toc_entries(source):
    flat = []
    for entry in table_of_contents(load_briefing(source)):
        flat.append((1, entry.title))
        flat += [(2, child.title) for child in entry.children]
    return flat


def test_article_toc_lists_every_section_and_sub_section():
    titles = [title for _, title in toc_entries(ARTICLE_SOURCE)]
    assert titles[0] == "Introduction"
    assert "Security threats and insurgent activities" in titles
    assert "Supporting local governance and community rebuilding" in titles
    assert titles[-1] == "Further reading"
    assert len(titles) == 11 + 4 + 1


@pytest.mark.parametrize("fixture", ["article_pdf", "features_pdf"])
def test_printed_toc_numbers_are_the_pages_the_headings_stand_on(fixture, request):
    pdf = request.getfixturevalue(fixture)
    source = ARTICLE_SOURCE if fixture == "article_pdf" else FIXTURES / "features"
    reader = PdfReader(pdf)
    entries = toc_entries(source)
    headings = body_headings(reader, FIRST_BODY_PAGE)
    assert [title for title, _ in headings] == [title for _, title in entries]
    printed = printed_toc(reader, CONTENTS_PAGE - 1, [title for _, title in entries])
    assert printed == dict(headings)
    # The headings are not all on one page: the numbers really vary.
    assert len(set(printed.values())) > 1 or fixture == "features_pdf"


@pytest.mark.parametrize("fixture", ["article_pdf", "features_pdf"])
def test_bookmarks_mirror_the_toc_with_levels_and_pages(fixture, request):
    pdf = request.getfixturevalue(fixture)
    source = ARTICLE_SOURCE if fixture == "article_pdf" else FIXTURES / "features"
    reader = PdfReader(pdf)
    pages = dict(body_headings(reader, FIRST_BODY_PAGE))
    expected = [(level, title, pages[title]) for level, title in toc_entries(source)]
    assert outline(reader) == expected


def test_disclaimer_with_its_emoji_is_on_the_title_page(article_pdf):
    first = page_texts(article_pdf)[0]
    assert "🛠" in first
    assert "Just so you know: This post was partly crafted with the help of AI tools." in " ".join(first.split())


def test_every_font_is_embedded_and_the_emoji_has_a_real_glyph(article_pdf):
    reader = PdfReader(article_pdf)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            fonts[str(font["/BaseFont"]).split("+")[-1]] = any(
                key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert all(fonts.values()), fonts
    assert {"Charis-SIL", "Noto-Sans-Bold", "Noto-Color-Emoji"} <= set(fonts)
    # Where the emoji is drawn, it is drawn in the emoji font.
    emoji_runs = [run for run in runs(reader, 0) if "🛠" in run.text]
    assert emoji_runs and all(run.font == "Noto-Color-Emoji" for run in emoji_runs)


def test_pdf_metadata_comes_from_the_manifest(article_pdf):
    reader = PdfReader(article_pdf)
    meta = reader.metadata
    assert meta["/Title"] == "Understanding Peacekeeping in Mali"
    assert meta["/Subject"] == "Challenges and Progress in Stabilization"
    assert "MINUSMA" in meta["/Keywords"]
    assert meta["/CreationDate"].startswith("D:20261127000000")
    assert reader.trailer["/Root"]["/Lang"] == "en"


def test_authors_become_pdf_author(features_pdf):
    assert PdfReader(features_pdf).metadata["/Author"] == "Ada Editor, Bo Writer"


def test_running_header_and_page_number_on_body_pages_only(article_pdf):
    reader = PdfReader(article_pdf)
    title_page = [run.text for run in runs(reader, 0)]
    assert "1" not in title_page
    assert " ".join(title_page).count("Understanding Peacekeeping in Mali") == 1  # the title, no header
    body = [run.text for run in runs(reader, FIRST_BODY_PAGE - 1)]
    assert "Understanding Peacekeeping in Mali" in body  # short title in the header
    assert str(FIRST_BODY_PAGE) in body  # folio
    # The header names the section the page begins in: page 3 opens with the Introduction,
    # page 4 continues "Key Peacekeeping Forces..." although "Challenges..." starts on it.
    def header_section(index):
        return [run.text for run in runs(reader, index) if run.font == "Charis-SIL-Italic" and run.size < 12]

    assert header_section(2) == ["Introduction"]
    assert header_section(3) == ["Key Peacekeeping Forces and Contributors"]


@pytest.mark.slow
def test_two_builds_are_byte_identical_whatever_the_time_zone(tmp_path, article_pdf):
    build_ok("pdf", "--source", ARTICLE_SOURCE, "--out", tmp_path / "a", env={"TZ": "Pacific/Kiritimati"})
    again = next((tmp_path / "a").glob("*.pdf")).read_bytes()
    assert again == article_pdf.read_bytes()


@pytest.mark.slow
def test_letter_paper_by_option(tmp_path):
    build_ok("pdf", "--source", FIXTURES / "features", "--out", tmp_path, "--paper", "letter")
    assert [p.name for p in tmp_path.glob("*.pdf")] == ["features-edge-cases-letter.pdf"]  # its own name
    box = PdfReader(next(tmp_path.glob("*.pdf"))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)


def test_a4_by_default(article_pdf):
    box = PdfReader(article_pdf).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_footnote_stands_on_the_page_that_calls_it(features_pdf):
    texts = page_texts(features_pdf)
    page = next(i for i, text in enumerate(texts) if "This paragraph carries a footnote" in text)
    assert "The footnote’s own text" in " ".join(texts[page].split())
    # Set in the footnote area, in a smaller size than the text.
    reader = PdfReader(features_pdf)
    note = next(run for run in runs(reader, page) if run.text.startswith("The footnote"))
    body = next(run for run in runs(reader, page) if run.text.startswith("This paragraph"))
    assert note.size < body.size


def test_table_and_figure_are_rendered(features_pdf):
    reader = PdfReader(features_pdf)
    text = " ".join(" ".join(page_texts(features_pdf)).split())
    for cell in ("Country", "Troops", "Chad", "1,400", "Senegal"):
        assert cell in text
    assert "Figure 1: Rising contributions" in text
    sizes = [image.image.size for page in reader.pages for image in page.images]
    assert (320, 180) in sizes  # (the emoji's glyphs are bitmaps too)


def test_typography_curly_quotes_and_dashes(features_pdf):
    text = " ".join(" ".join(page_texts(features_pdf)).split())
    assert "First “Section”" in text
    assert "second section – with a dash" in text
    assert '"' not in text


def test_pdffonts_reports_every_font_embedded(article_pdf):
    listing = subprocess.run(["pdffonts", str(article_pdf)], capture_output=True, text=True, check=True).stdout
    rows = listing.splitlines()[2:]
    assert rows and all(row.split()[-5] == "yes" for row in rows), listing


@pytest.mark.slow
def test_save_html_gives_what_weasyprint_typesets_into_the_same_pages(tmp_path):
    """`pdf --save-html`: the HTML, its stylesheets and pictures, from which bare WeasyPrint
    makes a PDF with the same pages as the pipeline's (the bench's yardstick)."""
    import sys

    out, saved = tmp_path / "out", tmp_path / "saved" / "index.html"
    build_ok("pdf", "--force", "--source", FIXTURES / "features", "--out", out, "--save-html", saved)
    html = saved.read_text(encoding="utf-8")
    assert '<link rel="stylesheet" href="print.css"/>' in html and (saved.parent / "print.css").is_file()
    assert (saved.parent / "images" / "chart.png").is_file()  # the figure, as the PDF embeds it
    bare = tmp_path / "bare.pdf"
    weasyprint = Path(sys.executable).with_name("weasyprint")
    subprocess.run([str(weasyprint), "--pdf-tags", str(saved), str(bare)], check=True, capture_output=True,
                   cwd=tmp_path, timeout=300)
    assert page_texts(bare) == page_texts(next(out.glob("*.pdf")))
