"""Themes (issue 12): a briefing's theme/ folder overrides templates and stylesheets by name; the
manifest's `theme:` (accent, logo, fonts), `paper` and `margins` brand it without CSS. The two
themed fixtures are built and looked at as images (tests/_out/theme-*.png)."""

from __future__ import annotations

import subprocess
import zipfile

import pytest
from PIL import Image
from pypdf import PdfReader

from conftest import FIXTURES, ROOT, build_ok, run_build
from press.check import checks

SHOTS = ROOT / "tests" / "_out"


@pytest.fixture(scope="module")
def themed(tmp_path_factory):
    out = tmp_path_factory.mktemp("themes")
    for name in ("themed-keys", "themed-folder"):
        build_ok("all", "--source", FIXTURES / name, "--out", out / name)
    return out


def first_page(pdf, name):
    """Page 1 as an image, kept in tests/_out to be looked at."""
    SHOTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(SHOTS / name)], check=True, timeout=60)
    return Image.open(SHOTS / f"{name}.png").convert("RGB")


def close(colour, wanted, tolerance=12):
    return all(abs(a - b) <= tolerance for a, b in zip(colour, wanted))


@pytest.mark.slow  # two themed briefings built
def test_theme_keys_colour_logo_fonts_paper_and_margins(themed):
    out = themed / "themed-keys"
    pdf = out / "a-themed-briefing-a5.pdf"  # paper: a5, a name of its own
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (420, 595)  # A5
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "DejaVu-Serif" in fonts and "DejaVu-Sans-Bold" in fonts and "Charis" not in fonts
    image = first_page(pdf, "theme-keys-page1")
    colours = {colour for _, colour in image.getcolors(1 << 20)}
    assert any(close(c, (0x7a, 0x3b, 0x12)) for c in colours), "neither the logo nor the accent is drawn"
    page = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert "--accent: #7a3b12;" in page and '<img class="logo" src="images/logo.svg"' in page
    assert '--text-font: "DejaVu Serif"' in page
    assert b"<svg" in (out / "html" / "images" / "logo.svg").read_bytes()  # sanitized, as every image
    with zipfile.ZipFile(out / "a-themed-briefing.epub") as epub:
        css = epub.read(next(n for n in epub.namelist() if n.endswith("epub.css"))).decode()
    assert "--accent: #7a3b12;" in css and "DejaVu" not in css  # no faces the EPUB does not carry


@pytest.mark.slow  # two themed briefings built
def test_a_theme_folder_overrides_templates_and_stylesheets_by_name(themed):
    out = themed / "themed-folder"
    pdf = out / "a-briefing-with-its-own-theme-folder-letter.pdf"  # paper: letter, a name of its own
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # letter
    assert "PUBLISHER'S NOTICE (FROM THE THEME FOLDER)" in reader.pages[0].extract_text()  # its CSS: uppercase
    image = first_page(pdf, "theme-folder-page1")
    assert close(image.getpixel((5, 5)), (0x0b, 0x6e, 0x4f)), "the theme's title page colour"
    # The partial is the theme's in every edition that includes it.
    assert "Publisher's notice (from the theme folder)" in (out / "html" / "index.html").read_text()
    assert checks.check_sources(FIXTURES / "themed-folder") == []


@pytest.mark.slow
def test_a_theme_file_linked_from_outside_the_folder_is_not_used(copy_fixture, tmp_path):
    source = copy_fixture("themed-folder")
    secret = tmp_path / "secret.html.j2"
    secret.write_text("SECRET TEMPLATE", encoding="utf-8")
    (source / "theme" / "_disclaimer.html.j2").unlink()
    (source / "theme" / "_disclaimer.html.j2").symlink_to(secret)
    build_ok("html", "--source", source, "--out", tmp_path / "out")
    page = (tmp_path / "out" / "html" / "index.html").read_text(encoding="utf-8")
    assert "SECRET TEMPLATE" not in page and "Fixture disclaimer" in page


@pytest.mark.parametrize("theme, message", [
    ("theme:\n  accent: #7a3b12\n", "'theme.accent' must be a colour such as \"#7a3b12\" in quotes "
                                   "(# starts a comment in YAML), not empty"),
    ("theme:\n  accent: brown\n", "not 'brown'"),
    ("theme:\n  logo: ../outside.svg\n", "'theme.logo' must be an image file inside the source folder"),
    ("theme:\n  body_font: No Such Face\n", "'theme.body_font': font 'No Such Face' is not installed"),
    ("theme:\n  acent: \"#000\"\n", "unknown theme key `acent`: did you mean `accent`?"),
    ("paper: a3\n", "'paper' must be one of a4, letter, a5, b5 or {width: ..., height: ...}, not 'a3'"),
    ("margins: wide\n", "'margins' must be a length such as 20mm"),
])
def test_theme_mistakes_are_explained(copy_fixture, tmp_path, theme, message):
    source = copy_fixture("features")
    with open(source / "briefing.yml", "a", encoding="utf-8") as manifest:
        manifest.write(theme)
    result = run_build("pdf", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert message in result.stderr, result.stderr


@pytest.mark.slow
def test_a_custom_paper_size(copy_fixture, tmp_path):
    source = copy_fixture("features")
    with open(source / "briefing.yml", "a", encoding="utf-8") as manifest:
        manifest.write("paper: {width: 170mm, height: 240mm}\n")
    build_ok("pdf", "--source", source, "--out", tmp_path / "out")
    box = PdfReader(next((tmp_path / "out").glob("*.pdf"))).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (170, 240)


def test_a_theme_font_without_a_glyph_is_a_warning(copy_fixture):
    source = copy_fixture("themed-keys")
    with open(source / "sections" / "02-second.md", "a", encoding="utf-8") as section:
        section.write("\nA tool: 🛠.\n")
    found = [p for p in checks.check_sources(source) if p.code == "W403"]
    assert [p.file.name for p in found] == ["02-second.md", "02-second.md"]  # body and heading font
    assert "theme body_font 'DejaVu Serif' has no glyph for U+1F6E0 HAMMER AND WRENCH (🛠)" in found[0].message \
        or "theme body_font 'DejaVu Serif' has no glyph for U+1F6E0 HAMMER AND WRENCH (🛠)" in found[1].message
