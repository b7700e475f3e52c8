"""Passages in other languages, Chinese, Japanese and Korean, dates by language: read back from
the editions the build wrote for tests/fixtures/languages (an English briefing with a French
span, a German div and a section in Chinese, Japanese and Korean)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, _build_all, build_ok, run_build
from press.base import fonts, lang
from press.render.subset import _fonttools_subset, subset_font
from test_epub import epubcheck
from test_scripts import letters, pdffonts, render

LANGUAGES = FIXTURES / "languages"
NNBSP = "\u202f"
CJK = {"zh-Hans": "马里的维和行动自二〇一三年以来一直在保护平民", "ja": "マリの平和維持活動は二〇一三年から市民を守っている",
       "ko": "말리의 평화유지활동은 2013년부터 민간인을 보호해 왔다"}


@pytest.fixture(scope="module")
def languages_out(tmp_path_factory) -> Path:
    return _build_all(tmp_path_factory, "languages", LANGUAGES)


def pdf_text(out: Path) -> str:
    return subprocess.run(["pdftotext", next(out.glob("*.pdf")), "-"], capture_output=True, text=True,
                          check=True).stdout


def epub_text(out: Path) -> str:
    with zipfile.ZipFile(next(out.glob("*.epub"))) as book:
        return "".join(book.read(n).decode() for n in sorted(book.namelist()) if n.endswith(".xhtml"))


# --- quotes follow the passage's language ----------------------------------------------


def test_quotes_follow_a_marked_passage_and_return_after_it():
    html = render("en", 'A [il dit "oui" ; non !]{lang=fr} and "b".\n\n::: {lang=de}\nSo "x" und \'y\'\n\n'
                        '[in "English"]{lang=en}\n:::\n\nEnd "q", don\'t.')
    assert (f'<span lang="fr" dir="ltr">il dit «{NNBSP}oui{NNBSP}»{NNBSP}; non{NNBSP}!</span> and “b”.'
            in html)
    assert "So „x“ und ‚y‘" in html
    assert '<span lang="en" dir="ltr">in “English”</span>' in html  # a span inside the div: its own
    assert "End “q”, don’t." in html
    # And the other way round: English inside a French briefing has no French spaces.
    assert render("fr", '"a" [say "hi" !]{lang=en-GB} "b" ; c') == (
        f'<p>«{NNBSP}a{NNBSP}» <span lang="en-GB" dir="ltr">say “hi” !</span> «{NNBSP}b{NNBSP}»{NNBSP}; c</p>\n')
    # A pair around a span belongs to the text around it; a bad tag keeps the briefing's marks.
    assert render("en", '"[mot]{lang=fr}"') == '<p>“<span lang="fr" dir="ltr">mot</span>”</p>\n'
    assert "「x」" in render("en", '::: {lang=ja}\nそれは "x" です\n:::\n')


FRENCH = f"dit «{NNBSP}liberté{NNBSP}» et ‹{NNBSP}égalité{NNBSP}›{NNBSP}; toujours{NNBSP}!"
GERMAN = "Die Mission sagte „wir bleiben“ und ‚wir hören zu‘."
ENGLISH = ("The mission said “we stay” and ‘we listen’.", "Back in English, “the quotes” are English again.")


def test_the_web_page_and_the_epub_quote_each_passage_in_its_language(languages_out):
    page = (languages_out / "html" / "index.html").read_text(encoding="utf-8")
    book = epub_text(languages_out)
    for text in (page, book):
        assert f'<span lang="fr" dir="ltr">{FRENCH}</span>' in text
        assert re.search(r'<div lang="de" dir="ltr">\s*<p>' + re.escape(GERMAN), text)
        assert all(english in text for english in ENGLISH)


def test_the_pdf_quotes_each_passage_in_its_language(languages_out):
    text = pdf_text(languages_out)
    assert FRENCH.replace(NNBSP, " ") in text  # pdftotext writes each narrow space as a space
    assert GERMAN in text
    assert all(english in text for english in ENGLISH)


# --- Chinese, Japanese and Korean ------------------------------------------------------


def test_the_pdf_draws_cjk_in_a_noto_cjk_face_and_the_text_round_trips(languages_out):
    faces = pdffonts(next(languages_out.glob("*.pdf")))
    assert faces.get("Noto-Sans-CJK-SC") == "yes", faces
    text = pdf_text(languages_out)
    for passage in CJK.values():
        assert passage in text
    assert "彼は「平和には水が必要だ」と言った" in text and "他说：“和平需要水。”" in text


def test_no_cjk_character_is_drawn_with_notdef(copy_fixture):
    """WeasyPrint logs each character it draws with .notdef; the build turns that into an error
    (the scripts' test pattern): every CJK character is in fonts-noto-cjk's faces."""
    text = (LANGUAGES / "sections" / "02-cjk.md").read_text(encoding="utf-8")
    assert not fonts.uncovered(text)
    assert "Noto Sans CJK SC" in fonts.script_families(text)


@pytest.mark.slow  # EPUBCheck
def test_the_epub_embeds_a_small_subset_of_the_cjk_face_and_passes_epubcheck(languages_out, tmp_path):
    path = next(languages_out.glob("*.epub"))
    with zipfile.ZipFile(path) as book:
        sizes = {n: book.getinfo(n).file_size for n in book.namelist() if n.startswith("EPUB/fonts/")}
        css = book.read("EPUB/styles/epub.css").decode()
        opf = book.read("EPUB/content.opf").decode()
        subset = book.read("EPUB/fonts/NotoSansCJK-Regular.otf")
    assert subset[:4] == b"OTTO"  # Noto CJK's PostScript outlines: an .otf, font/otf
    assert re.search(r'href="fonts/NotoSansCJK-Regular.otf"[^>]*media-type="font/otf"', opf)
    assert 'src: url("../fonts/NotoSansCJK-Regular.otf")' in css
    assert sizes["EPUB/fonts/NotoSansCJK-Regular.otf"] < 60_000  # of a 19 MB collection
    assert path.stat().st_size < 300_000
    # The face named in the CSS is the one cut from the collection (index 2 of the .ttc is SC).
    from fontTools.ttLib import TTFont
    import io
    with TTFont(io.BytesIO(subset)) as font:
        assert font["name"].getDebugName(1) == "Noto Sans CJK SC"
        assert all(ord(c) in font.getBestCmap() for c in "".join(CJK.values()) if c != " ")
    # @font-face keeps one family name; the lists name the CJK face after the edition's.
    assert '@font-face { font-family: "Charis SIL";' in css
    assert 'font-family: "Charis SIL", "Noto Sans CJK SC", serif;' in css
    result = epubcheck(path, tmp_path / "report.json")
    assert [f"{m['ID']}: {m['message']}" for m in result["messages"]] == []


@pytest.mark.slow  # Ace
def test_ace_reports_nothing_for_the_epub_with_its_passages_and_cjk(languages_out, tmp_path):
    from test_ace import violations

    assert violations(next(languages_out.glob("*.epub")), tmp_path / "ace") == []


def test_fonttools_cuts_a_face_out_of_a_ttc_collection():
    """The subsetter without HarfBuzz (fontTools) needs the face's number in a .ttc."""
    path = next(p for p in fonts.script_font_files()["Noto Sans CJK SC"] if p.suffix == ".ttc")
    index = fonts.face_index(path, "Noto Sans CJK SC")
    assert index == 2 and fonts.face_index(path, "Noto Sans CJK JP") == 0
    codes = [ord(c) for c in "".join(CJK.values())]
    from fontTools.ttLib import TTFont
    import io
    for data in (_fonttools_subset(path, codes, index), subset_font(path, codes, index)):
        with TTFont(io.BytesIO(data)) as font:
            assert font["name"].getDebugName(1) == "Noto Sans CJK SC"
            assert set(codes) - {0x20} <= set(font.getBestCmap())
        assert len(data) < 60_000


def test_the_web_page_names_the_cjk_face(languages_out):
    page = (languages_out / "html" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'--text-font: "Charis SIL", "Noto Sans CJK SC"', page)
    assert all(passage in page for passage in CJK.values())


def test_letters_of_every_cjk_passage_come_back(languages_out):
    extracted = letters(pdf_text(languages_out))
    for passage in CJK.values():
        assert not letters(passage) - extracted


# --- dates by language -----------------------------------------------------------------


@pytest.mark.parametrize("language, expected", [
    ("en", "30 November 2026"), ("en-GB", "30 November 2026"), ("en-US", "November 30, 2026"),
    ("de", "30. November 2026"), ("de-AT", "30. November 2026"), ("fr", "30 novembre 2026"),
    ("fr-CA", "30 novembre 2026"), ("es", "30 de noviembre de 2026"), ("pt-BR", "30 de novembro de 2026"),
    ("it", "30 novembre 2026"), ("nl", "30 november 2026"), ("ar", "30 نوفمبر 2026"),
    ("ru", "30 ноября 2026\u202fг."), ("zh-Hans", "2026年11月30日"), ("ja", "2026年11月30日"),
    ("ko", "2026년 11월 30일"), ("bm", "30 nowanburu 2026"), ("en-XX", "30 November 2026"),
    ("xx", "2026-11-30"),
])
def test_a_date_as_the_language_writes_it(language, expected):
    assert lang.long_date(dt.date(2026, 11, 30), language) == expected


@pytest.mark.slow
def test_a_german_briefing_prints_the_german_date_in_every_edition(copy_fixture):
    source = copy_fixture("languages")
    manifest = source / "briefing.yml"
    text = manifest.read_text(encoding="utf-8").replace("language: en", "language: de")
    manifest.write_text(text.replace("  - sections/02-cjk.md\n", ""), encoding="utf-8")  # quicker
    out = source / "out"
    build_ok("all", "--source", source, "--out", out)
    assert "30. November 2026" in pdf_text(out)
    assert "30. November 2026" in epub_text(out)
    assert "30. November 2026" in (out / "html" / "index.html").read_text(encoding="utf-8")
    # The briefing is German now: its unmarked English paragraph gets German quotes, the span
    # keeps its French ones.
    text = pdf_text(out)
    assert "Die Mission sagte „wir bleiben“" in text and "The mission said „we stay“" in text
    assert FRENCH.replace(NNBSP, " ") in text


WITHOUT_CJK = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="no">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><glob>*CJK*</glob></rejectfont></selectfont>
</fontconfig>
"""


@pytest.mark.slow
def test_without_fonts_noto_cjk_the_build_names_the_package(tmp_path):
    """A machine without fonts-noto-cjk (fontconfig told to ignore its files): `make deps` is told
    to install it (python -m press.base.fonts SOURCE), and the build stops naming it."""
    conf = tmp_path / "fonts.conf"
    conf.write_text(WITHOUT_CJK, encoding="utf-8")
    env = {"FONTCONFIG_FILE": str(conf)}
    needed = subprocess.run([sys.executable, "-m", "press.base.fonts", LANGUAGES], capture_output=True, text=True,
                            cwd=ROOT, env={**os.environ, **env}, check=True).stdout.split()
    assert needed == ["fonts-noto-cjk"]
    for edition in ("pdf", "epub"):
        result = run_build(edition, "--source", LANGUAGES, "--out", tmp_path / "out", env=env)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert re.search(r"02-cjk\.md:\d+: .*no edition font can draw U\+[0-9A-F]{4} CJK UNIFIED IDEOGRAPH", result.stderr)
        assert "run `make deps` (apt-get install fonts-noto-cjk)" in result.stderr
    assert not list((tmp_path / "out").glob("*.pdf"))


def structure_languages(path: Path) -> list[tuple[str, str]]:
    """(structure type, /Lang) of every element of the PDF's structure tree that declares one."""
    import pikepdf

    found = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if "/Lang" in node:
                found.append((str(node.get("/S")), str(node.Lang)))
            if isinstance(node.get("/K"), (pikepdf.Array, pikepdf.Dictionary)):
                walk(node.K)
        elif isinstance(node, pikepdf.Array):
            for child in node:
                walk(child)

    with pikepdf.open(path) as pdf:
        walk(pdf.Root.StructTreeRoot)
        assert str(pdf.Root.Lang) == "en"
    return found


def test_the_pdf_tags_declare_each_passage_language_and_pass_pdf_ua_1(languages_out):
    """A screen reader switches voice: /Lang on the span's and the divs' structure elements."""
    import page

    path = next(languages_out.glob("*.pdf"))
    assert structure_languages(path) == [("/Span", "fr"), ("/Div", "de"), ("/Div", "zh-Hans"), ("/Div", "ja"),
                                         ("/Div", "ko")]
    assert [f.rule_id for f in page.validate_pdf(str(path), profile="ua1").failures] == []


@pytest.mark.slow
def test_a_german_passage_is_hyphenated_with_german_patterns(languages_out):
    """WeasyPrint hyphenates with Pyphen by the passage's `lang`: in a narrow column the German
    compounds break only where the German patterns allow."""
    import pyphen
    import weasyprint

    words = ("Friedenssicherungseinsatzverantwortlichen Menschenrechtsbeobachtungskommissionen "
             "Bevölkerungsschutzmaßnahmen Wiederaufbaufinanzierungsprogramme").split()
    html = (f'<html lang="en"><body style="width: 30mm; hyphens: auto; font: 11pt Charis SIL">'
            f'<div lang="de">{" ".join(words)}</div></body></html>')
    text = subprocess.run(["pdftotext", "-", "-"], input=weasyprint.HTML(string=html).write_pdf(),
                          capture_output=True, check=True).stdout.decode()
    lines = [line for line in text.splitlines() if line.strip()]
    broken = [line for line in lines if line.endswith("\u2010")]  # WeasyPrint's hyphen: U+2010
    assert len(broken) >= 4, lines
    german = pyphen.Pyphen(lang="de_DE")
    for line in broken:
        before = lines[:lines.index(line) + 1]
        head = "".join(l[:-1] if l.endswith("\u2010") else l + " " for l in before).split()[-1]
        word = next(w for w in words if w.startswith(head))
        assert len(head) in german.positions(word), (head, word)


def test_every_language_has_every_word_the_editions_print():
    from press.base.i18n import LABELS

    for language, words in LABELS.items():
        assert set(words) == set(LABELS["en"]), (language, sorted(set(LABELS["en"]) - set(words)))
