"""Pictures are checked by their content when the briefing is loaded: a picture no edition
can use is one `file:line` error with its code, in every edition and in `check`, within
seconds, without a traceback, leaving the previous editions as they were. The EPUB and the
web page get pictures scaled for a screen; the PDF keeps them at full resolution.

Every pathological picture is made here (tests/hostile_images.py), never committed.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

import hostile_images as make
from conftest import build_ok, run_build
from press.base import limits, sniff
from press.render import pdf
from press.source import images
from press.base.errors import Location, PressError
from press.source.source import load_briefing

LINE = "sections/01.md:5: "
# case -> (the one line's tail after file:line, the code `check` reports)
REFUSED = {
    "svg-path-50mb": (LINE + r"E501: image 'images/path\.svg' is 52,416,103 bytes: the limit is 5,242,880$", "E501"),
    "png-palette-13370": (LINE + r"E318: image 'images/palette\.png' is 13,370 x 13,370 px: the limit is 40,000,000 "
                          r"pixels", "E318"),
    "png-30000": (LINE + r"E318: image 'images/huge\.png' is 30,000 x 30,000 px: the limit", "E318"),
    "jpeg-65000": (LINE + r"E318: image 'images/huge\.jpg' is 65,000 x 65,000 px: the limit", "E318"),
    "svg-nested-100000": (r"images/nested\.svg:1: E319: SVG image nests elements more than 64 deep", "E319"),
    "not-an-image": (LINE + r"E316: image 'images/map\.png' is not a picture: its content is not PNG", "E316"),
    "png-named-jpg": (LINE + r"E316: image 'images/chart\.jpg' is a PNG picture named like a JPEG: rename it "
                      r"'chart\.png'", "E316"),
}
PREVIOUS = {"pictures.pdf": b"%PDF previous", "pictures.epub": b"PK previous", "html/index.html": b"previous"}


def _previous(out: Path) -> None:
    for name, data in PREVIOUS.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_bytes(data)


def _refused(source: Path, out: Path, pattern: str, code: str) -> float:
    """Every edition and `check` refuse `source` with one line matching `pattern`; return the time."""
    _previous(out)
    started = time.monotonic()
    result = run_build("all", "--source", source, "--out", out)
    seconds = time.monotonic() - started
    output = result.stderr + result.stdout
    assert "Traceback" not in output
    assert result.returncode == 1, output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(pattern, lines[0]), output
    for name, data in PREVIOUS.items():
        assert (out / name).read_bytes() == data, f"{name} was changed"
    checked = run_build("check", "--source", source, "--out", out)
    assert "Traceback" not in checked.stderr + checked.stdout
    assert checked.returncode == 1 and f": {code}: " in checked.stdout, checked.stdout
    assert re.search(pattern, checked.stdout), checked.stdout
    return seconds


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_picture_no_edition_can_use_is_one_error_in_every_edition(name, tmp_path):
    file_name, data = make.cases()[name]
    source = make.write_briefing(tmp_path / "src", file_name, data)
    pattern, code = REFUSED[name]
    seconds = _refused(source, tmp_path / "out", pattern, code)
    assert seconds < 20, f"refused after {seconds:.1f} s"  # about 1.5 s here; the bound is for a busy machine


def test_a_huge_cover_is_refused_at_load_time_with_its_line(tmp_path):
    source = make.write_briefing(tmp_path / "src", "front.png", make.png_declaring(30_000, 30_000, whole=False),
                                 cover=True)
    _refused(source, tmp_path / "out", r"briefing\.yml:6: E318: cover 'front\.png' is 30,000 x 30,000 px: the limit",
             "E318")


def _load_error(tmp_path: Path, file_name: str, data: bytes) -> PressError:
    source = make.write_briefing(tmp_path / "src", file_name, data)
    with pytest.raises(PressError) as caught:
        load_briefing(source)
    found = getattr(caught.value, "problems", [caught.value])
    assert len(found) == 1
    return found[0]


@pytest.mark.parametrize("file_name, data, pattern, code", [
    ("cut.png", make.picture("PNG", (400, 300))[:-200], r"image 'images/cut\.png' cannot be decoded: it is "
                                                        r"damaged or truncated", "E317"),
    ("cut.jpg", make.picture("JPEG", (400, 300), quality=95)[:300], r"image 'images/cut\.jpg' cannot be", "E317"),
    ("bad.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, r"image 'images/bad\.png' cannot be read as a PNG", "E317"),
    ("anim.png", make.picture("GIF", (10, 10)), r"image 'images/anim\.png' is a GIF picture, not PNG: convert it",
     "E316"),
    ("photo.png", make.picture("JPEG", (10, 10)), r"rename it 'photo\.jpg'", "E316"),
    ("chart.svg", make.picture("PNG", (10, 10)), r"image 'images/chart\.svg' is a PNG picture named like an SVG: "
                                                 r"rename it 'chart\.png'", "E316"),
    ("page.svg", b"<html><body>hello</body></html>", r"image 'images/page\.svg' is not a picture", "E316"),
    ("empty.png", b"", r"image 'images/empty\.png' is not a picture", "E316"),
    ("broken.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>', r"broken\.svg:1: E317: SVG image is not "
                                                                         r"well-formed XML", "E317"),
    ("many.svg", make.svg_elements(limits.MAX_SVG_ELEMENTS + 1), r"many\.svg:1: E319: SVG image holds more than "
                                                                 r"50,000 elements", "E319"),
])
def test_damaged_or_misnamed_pictures_name_file_line_and_code(tmp_path, file_name, data, pattern, code):
    error = _load_error(tmp_path, file_name, data)
    assert re.search(pattern, error.format_message()), error.format_message()
    assert error.code == code and "\n" not in error.format_message()


def _pdf_images(data: bytes) -> list[tuple[int, int, str]]:
    """Width, height and colour space of each picture in the PDF (pages share resources)."""
    found = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for obj in (page["/Resources"].get("/XObject") or {}).values():
            obj = obj.get_object()
            if obj.get("/Subtype") == "/Image":
                found.add((int(obj["/Width"]), int(obj["/Height"]), str(obj.get("/ColorSpace"))))
    return sorted(found)


def _zip_member(epub: Path, name: str) -> bytes:
    with zipfile.ZipFile(epub) as archive:
        return archive.read(f"EPUB/{name}")


@pytest.mark.slow
def test_large_pictures_are_scaled_for_screens_and_kept_for_print(tmp_path):
    """A 4000 x 2400 photo: 1600 px wide in the EPUB and the web folder, 4000 px in the PDF,
    and the same bytes on every build."""
    from PIL import ImageDraw

    photo = Image.new("RGB", (4000, 2400), (20, 60, 120))
    ImageDraw.Draw(photo).ellipse((400, 300, 3600, 2100), fill=(230, 180, 40))
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", quality=90)
    source = make.write_briefing(tmp_path / "src", "photo.jpg", buffer.getvalue())
    out = tmp_path / "out"
    build_ok("all", "--source", source, "--out", out)
    web = (out / "html" / "images" / "photo.jpg").read_bytes()
    book = _zip_member(out / "pictures.epub", "images/photo.jpg")
    assert web == book
    assert Image.open(io.BytesIO(web)).size == (1600, 960)
    assert (4000, 2400, "/DeviceRGB") in _pdf_images((out / "pictures.pdf").read_bytes())
    build_ok("all", "--force", "--source", source, "--out", tmp_path / "again")
    assert (tmp_path / "again" / "html" / "images" / "photo.jpg").read_bytes() == web
    assert (tmp_path / "again" / "pictures.epub").read_bytes() == (out / "pictures.epub").read_bytes()


def test_small_pictures_are_used_as_they_are(tmp_path):
    data = make.picture("PNG", (320, 200))
    source = make.write_briefing(tmp_path / "src", "chart.png", data)
    briefing = load_briefing(source)
    picture = images.for_asset(briefing.assets[0], source)
    assert picture.data == data and images.scaled(picture) == data


@pytest.mark.slow
@pytest.mark.parametrize("mode, kind, suffix", [("CMYK", "JPEG", "jpg"), ("I;16", "PNG", "png"),
                                                ("LA", "PNG", "png"), ("P", "PNG", "png")])
def test_unusual_pixel_formats_build_in_every_edition(tmp_path, mode, kind, suffix):
    """CMYK JPEGs, 16-bit grey PNGs, grey with alpha and palette PNGs: drawn in the PDF, and in
    8-bit RGB or grey for screens."""
    data = make.picture(kind, (300, 200), mode)
    source = make.write_briefing(tmp_path / "src", f"picture.{suffix}", data)
    out = tmp_path / "out"
    result = build_ok("all", "--source", source, "--out", out)
    assert "Traceback" not in result.stderr and "WARNING" not in result.stderr.upper(), result.stderr
    found = _pdf_images((out / "pictures.pdf").read_bytes())
    assert [(w, h) for w, h, _ in found] == [(300, 200)], found
    screen = Image.open(io.BytesIO((out / "html" / "images" / f"picture.{suffix}").read_bytes()))
    assert screen.mode in ("L", "LA", "RGB", "RGBA", "P") and screen.size == (300, 200)
    if mode == "I;16":  # 40000 of 65535 is grey 156 of 255, not clipped to white
        assert abs(screen.convert("L").getpixel((10, 10)) - 40000 // 257) <= 1
        printed = images.for_asset(load_briefing(source).assets[0], source)
        assert Image.open(io.BytesIO(printed.data)).mode == "L"


def test_exif_orientation_is_applied_for_screens(tmp_path):
    """A portrait photo stored landscape with EXIF orientation 6: upright in the EPUB and web."""
    photo = Image.new("RGB", (400, 300), (200, 10, 10))
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    photo.save(buffer, format="JPEG", exif=exif.tobytes())
    source = make.write_briefing(tmp_path / "src", "portrait.jpg", buffer.getvalue())
    picture = images.for_asset(load_briefing(source).assets[0], source)
    screen = Image.open(io.BytesIO(images.scaled(picture)))
    assert screen.size == (300, 400) and 0x0112 not in screen.getexif()


def test_the_cover_is_checked_and_scaled_for_the_epub(tmp_path):
    from press.render.cover import cover_image

    big = make.picture("PNG", (2000, 3200))
    source = make.write_briefing(tmp_path / "src", "front.png", big, cover=True)
    cover = cover_image(load_briefing(source))
    assert cover.size == (1600, 2560) and Image.open(io.BytesIO(cover.data)).size == (1600, 2560)
    (source / "images" / "front.png").write_bytes(make.picture("JPEG", (2000, 3200)))
    with pytest.raises(PressError, match=r"briefing\.yml:6: E316: cover 'front\.png' is a JPEG picture named like a "
                                         r"PNG: rename it 'front\.jpg'"):
        load_briefing(source)


def test_an_image_weasyprint_cannot_draw_stops_the_pdf_with_its_line(tmp_path, monkeypatch):
    """The last line of defence: were a picture to pass every check and WeasyPrint still fail
    to load it (it only logs an error and leaves a blank), the PDF is not made."""
    source = make.write_briefing(tmp_path / "src", "chart.png", make.picture("PNG", (50, 50)))
    briefing = load_briefing(source)
    broken = images.Picture("png", b"\x89PNG\r\n\x1a\n broken", (50, 50))
    monkeypatch.setattr(images, "load", lambda *args, **kwargs: broken)
    with pytest.raises(PressError) as caught:
        pdf.pdf_bytes(briefing)
    message = caught.value.format_message()
    assert re.search(r"sections/01\.md:5: E317: image 'chart\.png' cannot be drawn in the PDF", message), message
    assert caught.value.code == "E317"


def test_the_pixel_bound_is_pillows_bound_too():
    """WeasyPrint decodes with the same Pillow: anything that slipped past is refused there too."""
    images.check_raster(make.picture("PNG", (10, 10)), "png")
    assert Image.MAX_IMAGE_PIXELS == limits.MAX_IMAGE_PIXELS


def test_sniffing_reads_content_not_names():
    assert sniff.sniff(make.picture("PNG", (2, 2))) == "png"
    assert sniff.sniff(make.picture("JPEG", (2, 2))) == "jpeg"
    assert sniff.sniff(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- x -->\n<svg xmlns="x"/>') == "svg"
    assert sniff.sniff('<svg xmlns="http://www.w3.org/2000/svg"/>'.encode("utf-16")) == "svg"
    assert sniff.sniff(b"<html><svg></svg></html>") == "svg"  # press.source.svg then refuses its root
    assert sniff.sniff(b"<html><body/></html>") is None
    assert sniff.sniff(b"GIF89a....") == "gif"
    assert sniff.sniff(b"") is None


def test_a_location_is_given_for_every_refusal(tmp_path):
    at = Location(tmp_path / "sections" / "01.md", 5)
    (tmp_path / "x.png").write_bytes(b"not a picture")
    found = images.problems(tmp_path / "x.png", tmp_path, at)
    assert [e.location for e in found] == [at] and found[0].code == "E316"


def test_a_picture_changed_under_a_reused_section_is_checked_again(tmp_path):
    """In `watch` a section whose text did not change is reused without loading its images
    again: the editions check each picture when they embed it, so a picture replaced by
    something unusable still stops them."""
    from press.render import web
    from press.build.cache import SectionCache

    source = make.write_briefing(tmp_path / "src", "chart.png", make.picture("PNG", (40, 30)))
    cache = SectionCache()
    web.html_files(cache.load_briefing(source), downloads=[])
    (source / "images" / "chart.png").write_bytes(b"<html>saved the page, not the picture</html>")
    briefing = cache.load_briefing(source)
    assert cache.reused_now  # the section was not rendered (nor its image loaded) again
    with pytest.raises(PressError, match=r"images/chart\.png: E316: image 'images/chart\.png' is not a picture"):
        web.html_files(briefing, downloads=[])


def test_all_the_pictures_together_are_bounded(copy_fixture, monkeypatch):
    """120 pictures of 40 Mpx each, each inside its own bound, took 131 s to decode: the pixels
    of a briefing's distinct pictures are added up from their headers, each before it is decoded,
    and the picture that passes the total is refused at its line (E512). A picture used twice
    counts once."""
    source = copy_fixture("features")
    chart = source / "images" / "chart.png"
    with Image.open(chart) as image:
        each = image.size[0] * image.size[1]
    for n in (1, 2, 3):
        (source / "images" / f"copy{n}.png").write_bytes(chart.read_bytes())
    section = source / "sections" / "02-second.md"
    text = section.read_text(encoding="utf-8")
    lines = ["", "![One](../images/copy1.png)", "", "![One again](../images/copy1.png)", "",
             "![Two](../images/copy2.png)", "", "![Three](../images/copy3.png)", ""]
    section.write_text(text + "\n".join(lines), encoding="utf-8")
    third = text.count("\n") + 1 + lines.index("![Three](../images/copy3.png)")
    monkeypatch.setattr(limits, "MAX_TOTAL_IMAGE_PIXELS", int(each * 3.5))  # chart + copies 1 and 2 fit
    with pytest.raises(PressError) as caught:
        load_briefing(source)
    [problem] = getattr(caught.value, "problems", [caught.value])  # the load collects, one here
    assert problem.code == "E512" and problem.location.line == third
    assert "'copy3.png'" in problem.bare_message and f"{each * 4:,} pixels" in problem.bare_message
    monkeypatch.setattr(limits, "MAX_TOTAL_IMAGE_PIXELS", each * 4)  # exactly at the bound: it builds
    assert len(load_briefing(source).assets) >= 4
