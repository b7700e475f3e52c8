"""Every script, right to left, typography by language: read back from the editions the build wrote."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from PIL import Image

from conftest import FIXTURES, ROOT, _build_all, build_ok, run_build
from press.base import fonts, lang
from press.markdown.markdown import make_parser
from test_epub import epubcheck

SCRIPTS = FIXTURES / "scripts"
ARABIC = FIXTURES / "arabic"
# The face each paragraph of the scripts fixture must be drawn in (pdffonts' names).
FACES = {
    "Arabic": "Noto-Naskh-Arabic", "N’Ko": "Noto-Sans-NKo", "Tifinagh": "Noto-Sans-Tifinagh",
    "Adlam": "Noto-Sans-Adlam", "Ethiopic": "Noto-Sans-Ethiopic", "Devanagari": "Noto-Sans-Devanagari",
    "Mathematics and symbols": "Noto-Sans-Math", "Emoji": "Noto-Color-Emoji",
}
LEFT_TO_RIGHT = ("Tifinagh", "Ethiopic", "Mathematics and symbols")


@pytest.fixture(scope="module")
def scripts_out(tmp_path_factory) -> Path:
    return _build_all(tmp_path_factory, "scripts", SCRIPTS)


@pytest.fixture(scope="module")
def arabic_out(tmp_path_factory) -> Path:
    return _build_all(tmp_path_factory, "arabic", ARABIC)


def paragraphs() -> dict[str, str]:
    """The scripts fixture's paragraphs by the heading above them."""
    text = (SCRIPTS / "sections" / "01-scripts.md").read_text(encoding="utf-8")
    found = re.findall(r"^## (.+)\n\n(.+)$", text, re.M)
    return {title.replace("'", "’"): body for title, body in found}


def pdffonts(path: Path) -> dict[str, str]:
    """Face name (without the subset tag) -> the 'emb' column."""
    lines = subprocess.run(["pdffonts", path], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    return {line.split()[0].split("+")[-1]: line.split()[-5] for line in lines}


def letters(text: str) -> Counter:
    return Counter(c for c in text if unicodedata.category(c)[0] in "LMN")


# --- every script ----------------------------------------------------------------------


def test_the_pdf_draws_each_script_in_its_noto_face_all_embedded(scripts_out):
    faces = pdffonts(next(scripts_out.glob("*.pdf")))
    for face in FACES.values():
        assert faces.get(face) == "yes", (face, faces)
    # One face per script, the fewest: the Devanagari danda does not pull in Bengali.
    assert not [f for f in faces if "Bengali" in f or "Kufi" in f or "Unjoined" in f]


def test_the_pdf_text_round_trips(scripts_out):
    """Left-to-right paragraphs come back as typed; right-to-left ones (which pdftotext
    reorders) and Devanagari with every letter. WeasyPrint's ToUnicode maps a glyph to the text of
    the cluster it was first drawn in, so a consonant first seen with the pre-base sign ि reads
    with it everywhere (docs/developers.md, "Known limitation"): the signs it adds are the only difference."""
    text = subprocess.run(["pdftotext", next(scripts_out.glob("*.pdf")), "-"], capture_output=True,
                          text=True, check=True).stdout
    extracted = letters(text)
    for title, body in paragraphs().items():
        if title in LEFT_TO_RIGHT:
            assert body in text, title
        assert not letters(body) - extracted, title
    hindi = next(line for line in text.splitlines() if "माली" in line).replace("\u2060", "")
    typed = paragraphs()["Devanagari"]
    assert hindi in (typed, typed.replace("रक्षा करती", "रिक्षा करितिी"))  # as typed, or with the known defect


def test_a_character_no_font_draws_is_refused_by_name_and_line(copy_fixture):
    source = copy_fixture("scripts")
    section = source / "sections" / "02-marked.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nA private character \ue000.\n", encoding="utf-8")
    result = run_build("pdf", "--source", source, "--out", source / "out")
    assert result.returncode == 1
    line = section.read_text(encoding="utf-8").splitlines().index("A private character \ue000.") + 1
    assert f"02-marked.md:{line}: E401: no edition font can draw U+E000" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_known_package_is_named():
    assert fonts.package_for("漢") == "fonts-noto-cjk"
    assert fonts.package_for("a") is None
    if ord("漢") not in fonts.coverage() and not fonts.script_families("漢"):
        assert "apt-get install fonts-noto-cjk" in str(fonts.glyph_error(["漢"], []))


@pytest.mark.slow
def test_font_coverage_is_cached_on_disk(tmp_path):
    """A fresh process reads each font's characters from the cache, not from the font."""
    probe = ("import time; t = time.perf_counter(); from press.base import fonts; "
             "fonts.script_families('ߊ ⵣ 𞤀 ሰ न ∲'); print(time.perf_counter() - t)")
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    run = lambda: subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                                 cwd=ROOT, env={**os.environ, **env})
    cold = float(run().stdout)
    entries = list((tmp_path / "press" / "coverage").glob("[0-9a-f]*"))  # press.base.diskcache
    assert len(entries) >= len(fonts.script_font_files())
    warm = float(run().stdout)
    assert warm < 0.5 and warm < cold
    entries[0].write_text("not an entry")  # a corrupt entry is read again from the font
    assert float(run().stdout) < cold


def test_the_epub_embeds_a_subset_of_each_face_it_uses_and_no_other(scripts_out):
    path = next(scripts_out.glob("*.epub"))
    with zipfile.ZipFile(path) as book:
        embedded = {Path(n).stem for n in book.namelist() if n.startswith("EPUB/fonts/")}
        css = book.read("EPUB/styles/epub.css").decode()
        sizes = {Path(n).stem: book.getinfo(n).file_size for n in book.namelist() if n.startswith("EPUB/fonts/")}
    wanted = {p.stem for family in fonts.script_families("".join(paragraphs().values()))
              for p in fonts.script_font_files()[family]}
    assert {"NotoNaskhArabic-Regular", "NotoSansNKo-Regular", "NotoSansAdlam-Regular",
            "NotoSansTifinagh-Regular", "NotoSansEthiopic-Regular", "NotoSansDevanagari-Regular",
            "NotoSansMath-Regular"} <= wanted
    core = {"CharisSIL-Regular", "CharisSIL-Italic", "CharisSIL-Bold", "CharisSIL-BoldItalic",
            "NotoSans-Regular", "NotoSans-Bold"}
    assert embedded == core | wanted
    for stem in wanted:
        assert f'src: url("../fonts/{stem}.ttf")' in css
        assert sizes[stem] < (next(p for ps in fonts.script_font_files().values() for p in ps
                                   if p.stem == stem)).stat().st_size  # a subset, not the file
    assert 'font-family: "Charis SIL", "Noto Naskh Arabic"' in css


def test_the_mali_epub_embeds_only_the_edition_faces(article_epub):
    with zipfile.ZipFile(article_epub) as book:
        embedded = {Path(n).stem for n in book.namelist() if n.startswith("EPUB/fonts/")}
    assert embedded == {"CharisSIL-Regular", "CharisSIL-Italic", "CharisSIL-Bold", "CharisSIL-BoldItalic",
                        "NotoSans-Regular", "NotoSans-Bold"}


@pytest.mark.slow  # EPUBCheck
@pytest.mark.parametrize("name", ["scripts", "arabic"])
def test_epubcheck_reports_nothing_with_the_script_subsets(name, request, tmp_path):
    out = request.getfixturevalue(f"{name}_out")
    result = epubcheck(next(out.glob("*.epub")), tmp_path / "report.json")
    assert [f"{m['ID']}: {m['message']}" for m in result["messages"]] == []


def test_the_web_page_names_the_script_faces(scripts_out):
    page = (scripts_out / "html" / "index.html").read_text(encoding="utf-8")
    assert re.search(r'--text-font: "Charis SIL", "Noto Naskh Arabic", [^;]*"Noto Sans NKo"', page)
    assert '<span lang="fr" dir="ltr">Liberté, égalité, fraternité</span>' in page
    assert '<div lang="ar" dir="rtl">' in page


# --- right to left ---------------------------------------------------------------------


def test_an_arabic_briefing_declares_rtl_in_every_edition(arabic_out):
    with zipfile.ZipFile(next(arabic_out.glob("*.epub"))) as book:
        opf = book.read("EPUB/content.opf").decode()
        documents = [book.read(n).decode() for n in book.namelist() if n.endswith(".xhtml")]
        css = book.read("EPUB/styles/epub.css").decode()
    assert 'page-progression-direction="rtl"' in opf
    assert all(re.search(r'<html [^>]*lang="ar"[^>]*dir="rtl"', doc) for doc in documents)
    assert "margin-right: 1.4em" in css  # epub.css's sides mirrored
    assert '<html lang="ar" dir="rtl">' in (arabic_out / "html" / "index.html").read_text(encoding="utf-8")
    text = subprocess.run(["pdftotext", next(arabic_out.glob("*.pdf")), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "المحتويات" in text and "تنبيه" in text  # the labels in Arabic


def test_code_and_addresses_stay_left_to_right_inside_arabic(arabic_out):
    """WeasyPrint has no unicode-bidi: inline code is wrapped in LRI ... PDI so `x = 1;` does not
    come out as `;1 = x`, and so are the addresses printed after links."""
    from press.render.pdf import render_html
    from press.source.source import load_briefing

    html = render_html(load_briefing(ARABIC))
    assert "<code>\u2066x = 1;\u2069</code>" in html
    css = (ROOT / "styles" / "print.css").read_text(encoding="utf-8")
    assert 'html[dir="rtl"] main a[href^="http"]::after { content: " \\2066(" attr(href) ")\\2069"; }' in css
    words = subprocess.run(["pdftotext", "-f", "3", "-l", "3", "-bbox", next(arabic_out.glob("*.pdf")), "-"],
                           capture_output=True, text=True, check=True).stdout
    found = {w: float(x) for x, w in re.findall(r'<word xMin="([\d.]+)"[^>]*>([^<]+)</word>', words)}
    assert found["x"] < found["="] < found["1;"]  # drawn left to right


def test_the_manifest_asks_for_the_language_digits(arabic_out, copy_fixture):
    pdf = next(arabic_out.glob("*.pdf"))
    contents = subprocess.run(["pdftotext", "-f", "2", "-l", "2", pdf, "-"], capture_output=True, text=True,
                              check=True).stdout
    assert "٣" in contents and "3" not in contents  # the contents' page numbers and the folio
    body = subprocess.run(["pdftotext", "-f", "3", "-l", "3", pdf, "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "2013" in body and "٣" in body  # the author's digits as typed, the folio in Arabic-Indic
    source = copy_fixture("arabic")
    manifest = source / "briefing.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("arabic-indic", "klingon"), encoding="utf-8")
    result = run_build("pdf", "--source", source, "--out", source / "out")
    assert result.returncode == 1 and "'digits' must be one of latin, arabic-indic" in result.stderr


def ink_lines(image: Image.Image, top: int, bottom: int) -> list[tuple[int, int]]:
    """(left, right) of the ink of each text line between two heights of the page."""
    grey = image.convert("L")
    width = grey.width
    lines, current = [], None
    for y in range(top, bottom):
        row = grey.crop((0, y, width, y + 1)).point(lambda v: 255 if v < 140 else 0)
        box = row.getbbox()
        if box:
            current = (min(current[0], box[0]), max(current[1], box[2])) if current else (box[0], box[2])
        elif current:
            lines.append(current)
            current = None
    return lines


@pytest.mark.parametrize("name, flush", [("arabic", "right"), ("features", "left")])
def test_pages_as_images_run_in_the_language_direction(name, flush, request, tmp_path):
    """Page 3 as pixels: in an Arabic briefing every line ends flush at the right margin and short
    lines (headings, list items) stop short of the left one; an English page is the mirror image."""
    out = request.getfixturevalue(f"{name}_out")
    subprocess.run(["pdftoppm", "-r", "60", "-f", "3", "-l", "3", "-png", next(out.glob("*.pdf")), tmp_path / "p"],
                   check=True)
    image = Image.open(next(tmp_path.glob("p*.png")))
    lines = [(left, right) for left, right in ink_lines(image, round(image.height * 0.08), round(image.height * 0.85))
             if right - left > 8]  # not the rows of dots and vowel signs between Arabic lines
    assert len(lines) >= 8
    lefts, rights = [left for left, _ in lines], [right for _, right in lines]
    flush_side, ragged_side = (rights, lefts) if flush == "right" else (lefts, rights)

    def aligned(values):  # the share of lines whose edge is within 15 px (6 mm) of the usual one
        usual = sorted(values)[len(values) // 2]
        return sum(abs(v - usual) <= 15 for v in values) / len(values)

    assert aligned(flush_side) >= 0.75 and aligned(ragged_side) <= aligned(flush_side) - 0.3
    usual = sorted(flush_side)[len(flush_side) // 2]
    assert (usual > image.width * 0.75) if flush == "right" else (usual < image.width * 0.25)


def test_running_heads_change_sides_right_to_left(arabic_out):
    text = subprocess.run(["pdftotext", "-f", "3", "-l", "3", "-bbox", next(arabic_out.glob("*.pdf")), "-"],
                          capture_output=True, text=True, check=True).stdout
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', text)
    header = [(float(x), word[::-1]) for x, y, word in words if float(y) < 60]  # -bbox: in visual order
    short_title = [x for x, word in header if word in "حفظ السلام في مالي".split()]
    section = [x for x, word in header if word == "مقدمة"]
    assert short_title and section and min(short_title) > 297 > max(section)


# --- typography by language ------------------------------------------------------------


def render(language: str, text: str) -> str:
    return make_parser(language).render(text)


def test_french_quotes_and_spaces():
    nnbsp = "\u202f"
    html = render("fr", "\"double\" et 'simple' ; quoi? Voilà : « ici ».")
    assert html == (f"<p>«{nnbsp}double{nnbsp}» et ‹{nnbsp}simple{nnbsp}›{nnbsp}; quoi{nnbsp}? "
                    f"Voilà{nnbsp}: «{nnbsp}ici{nnbsp}».</p>\n")
    assert render("fr-CA", "\"a\"") == f"<p>«{nnbsp}a{nnbsp}»</p>\n"
    assert render("fr", "10:30 et https://example.org") == "<p>10:30 et https://example.org</p>\n"


def test_german_and_english_quotes():
    assert render("de", "\"doppelt\" und 'einfach'") == "<p>„doppelt“ und ‚einfach‘</p>\n"
    assert render("en", "\"double\" and 'single'") == "<p>“double” and ‘single’</p>\n"


@pytest.mark.slow
def test_a_french_briefing_prints_french_quotes_in_every_edition(copy_fixture):
    source = copy_fixture("features")
    manifest = source / "briefing.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("language: en", "language: fr"),
                        encoding="utf-8")
    section = source / "sections" / "01-first.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nIl dit \"bonjour\" et 'salut' !\n",
                       encoding="utf-8")
    out = source / "out"
    build_ok("all", "--source", source, "--out", out)
    expected = "Il dit «\u202fbonjour\u202f» et ‹\u202fsalut\u202f›\u202f!"
    assert expected in (out / "html" / "index.html").read_text(encoding="utf-8")
    with zipfile.ZipFile(next(out.glob("*.epub"))) as book:
        assert any(expected in book.read(n).decode() for n in book.namelist() if n.endswith(".xhtml"))
    text = subprocess.run(["pdftotext", next(out.glob("*.pdf")), "-"], capture_output=True, text=True).stdout
    assert "« bonjour » et ‹ salut › !" in text  # pdftotext writes each narrow space as a space


def test_marked_passages_carry_lang_and_direction():
    html = render("en", "[mot]{lang=fr} and [كلمة]{lang=ar}\n\n::: {lang=ar}\nنص\n:::\n")
    assert '<span lang="fr" dir="ltr">mot</span>' in html
    assert '<span lang="ar" dir="rtl">كلمة</span>' in html
    assert '<div lang="ar" dir="rtl">\n<p>نص</p>\n</div>' in html
    # Only lang passes: no other attribute, class or handler reaches an edition.
    assert render("en", '[x]{lang=fr onclick="alert(1)" .c #i style="a"}') == '<p><span lang="fr" dir="ltr">x</span></p>\n'


def test_a_bad_language_tag_is_refused_with_its_line(copy_fixture):
    source = copy_fixture("features")
    section = source / "sections" / "01-first.md"
    lines = section.read_text(encoding="utf-8").splitlines()
    section.write_text("\n".join(lines + ["", "A [passage]{lang=\"not a tag\"} here."]) + "\n", encoding="utf-8")
    result = run_build("pdf", "--source", source, "--out", source / "out")
    assert result.returncode == 1
    assert f"01-first.md:{len(lines) + 2}: E215: lang='not a tag' is not a language tag" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("tag, expected", [("ar", "rtl"), ("fa-IR", "rtl"), ("he", "rtl"), ("ur", "rtl"),
                                           ("en", "ltr"), ("az-Arab", "rtl"), ("ar-Latn", "ltr"), ("nqo", "rtl")])
def test_direction_of_a_language(tag, expected):
    assert lang.direction(tag) == expected


@pytest.mark.slow
def test_a_cross_references_page_uses_the_manifests_digits(copy_fixture):
    source = copy_fixture("arabic")
    second = source / "sections" / "02-challenges.md"
    second.write_text(second.read_text(encoding="utf-8").replace("# التحديات", "# التحديات {#sec-challenges}", 1),
                      encoding="utf-8")
    first = source / "sections" / "01-introduction.md"
    filler = "\n\n".join(["وتعمل البعثة مع الاتحاد الأفريقي ومع المجموعة الاقتصادية لدول غرب أفريقيا." * 6] * 12)
    first.write_text(first.read_text(encoding="utf-8") + "\nانظر @sec-challenges.\n\n" + filler + "\n",
                     encoding="utf-8")  # the filler pushes the target onto the next page
    result = run_build("pdf", "--source", source, "--out", source / "out")
    assert result.returncode == 0, result.stderr
    pdf = next((source / "out").glob("*.pdf"))
    pages = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), pdf, "-"], capture_output=True, text=True,
                            check=True).stdout for n in (3, 4)]
    assert "التحديات" in pages[1]  # the target stands on the next page
    [line] = [line for line in pages[0].splitlines() if "انظر" in line]
    assert "ص" in line and "٤" in line and not re.search(r"[0-9p]", line), line  # Arabic's "p." and digits
