"""The EPUB's cover picture: the manifest's `cover` file, or one drawn from the title page.

The drawn cover uses the edition's faces (Noto Sans for the title, Charis SIL for the
subtitle) at 1600 x 2560 px, the proportions stores recommend. Pillow draws it with
FreeType; the PNG it writes carries no timestamp, so the same briefing gives the same bytes.
Drawing and PNG-encoding it takes a fifth of a second, so the PNG is kept in the cache
(press.base.diskcache) under everything it is drawn from.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from press.source import images
from press.base.digests import files_digest
from press.source.images import cover_file
from press.base.errors import PressError
from press.model.model import Briefing
from press.render.templating import long_date
from press.base import fonts
from press.base import diskcache
from press.base.sniff import sniff

WIDTH, HEIGHT = 1600, 2560
MARGIN = 150
BACKGROUND = (31, 78, 121)      # the print edition's accent colour
INK = (255, 255, 255)
SOFT = (214, 226, 238)
RULE = (154, 169, 184)


@dataclass(frozen=True)
class Cover:
    data: bytes
    media_type: str
    suffix: str          # ".png" or ".jpg"
    size: tuple[int, int]


def cover_image(briefing: Briefing) -> Cover:
    """The manifest's cover file if it names one, else a drawn cover."""
    if briefing.manifest.cover is not None:
        return _given(briefing)
    return Cover(drawn(briefing), "image/png", ".png", (WIDTH, HEIGHT))


def _given(briefing: Briefing) -> Cover:
    """The cover file, at most COVER_LONG_SIDE px on its long side: what a reader shows."""
    picture = cover_file(briefing.manifest)
    data = images.scaled(picture, images.COVER_LONG_SIDE)
    size = picture.size
    if data is not picture.data:
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            size = image.size
    return Cover(data, picture.media_type, images.SUFFIXES[picture.kind], size)


def _font_path(family: str, style: str) -> Path:
    files = fonts.font_files()[family]
    wanted = f"{family.replace(' ', '')}-{style}".lower()
    for path in files:
        if path.stem.lower() == wanted:
            return path
    raise PressError(f"font file {wanted} of {family} is missing: run `make deps`", code="E402")


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Lines of `text` no wider than `width`; a word wider than a line is cut where it must be.

    Stops after `max_lines` + 1 lines: enough to know the text does not fit, and a title of
    one 25,000-character word costs no more than a short one.
    """
    lines, line = [], ""
    for word in text.split():
        while word:
            candidate = f"{line} {word}" if line else word
            if draw.textlength(candidate, font=font) <= width:
                line, word = candidate, ""
                continue
            if line:
                lines.append(line)
                line = ""
            else:  # the word alone is wider than the line
                cut = _longest_prefix(draw, word, font, width)
                lines.append(word[:cut])
                word = word[cut:]
            if len(lines) > max_lines:
                return lines
    if line:
        lines.append(line)
    return lines


def _longest_prefix(draw, word: str, font, width: int) -> int:
    """How many characters of `word` fit in `width` (at least one)."""
    # No glyph is narrower than a tenth of the size: the search looks no further than that.
    low, high = 1, min(len(word), int(width / (font.size * 0.1)) + 1)
    while low < high:
        middle = (low + high + 1) // 2
        if draw.textlength(word[:middle], font=font) <= width:
            low = middle
        else:
            high = middle - 1
    return low


def _fit(draw, text: str, path: Path, size: int, width: int, max_lines: int):
    """The largest size (down from `size`) at which `text` fits in `max_lines` lines; at the
    smallest size, the first `max_lines` lines, the last ending in an ellipsis."""
    from PIL import ImageFont

    while True:
        font = ImageFont.truetype(str(path), size)
        lines = _wrap(draw, text, font, width, max_lines)
        if len(lines) <= max_lines:
            return font, lines
        if size <= 40:
            last = lines[max_lines - 1]
            while last and draw.textlength(last + "…", font=font) > width:
                last = last[:-1]
            return font, lines[:max_lines - 1] + [last + "…"]
        size -= 8


def _text(briefing: Briefing) -> dict:
    """What the cover says: everything `draw` reads from the briefing."""
    m = briefing.manifest
    return {"publisher": m.publisher or "", "title": briefing.title, "subtitle": briefing.subtitle or "",
            "date": long_date(briefing.edition_date, briefing.language) or "", "authors": list(m.authors or ())}


def drawn(briefing: Briefing) -> bytes:
    """`draw(briefing)`, from the cache when the same cover was drawn before: keyed by its text,
    the three font files' hashes, this module's code and Pillow's version (its FreeType and
    zlib make the pixels and the bytes)."""
    import PIL


    text = _text(briefing)
    faces = [_font_path("Noto Sans", "Bold"), _font_path("Noto Sans", "Regular"), _font_path("Charis SIL", "Italic")]
    parts = [[[name, text[name]] for name in sorted(text)], [diskcache.file_digest(face) for face in faces],
             files_digest(__file__), PIL.__version__]
    return diskcache.cached("cover", parts, lambda: draw(briefing), check=is_drawn_cover)


def is_drawn_cover(data: bytes) -> bool:
    """Whether a cache entry can be a drawn cover: a PNG of WIDTH x HEIGHT px (its header read
    before anything is decoded), within the pixel bound, that decodes whole. Anything else
    (a planted picture of another size, a bomb, damaged bytes) is a miss and drawn again."""
    if sniff(data) != "png" or images._declared_size(data, "png") != (WIDTH, HEIGHT):
        return False
    return images.check_raster(data, "png") is None


def draw(briefing: Briefing) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    pen = ImageDraw.Draw(image)
    width = WIDTH - 2 * MARGIN
    sans_bold = _font_path("Noto Sans", "Bold")
    sans = _font_path("Noto Sans", "Regular")
    serif_italic = _font_path("Charis SIL", "Italic")
    text = _text(briefing)  # all it reads from the briefing: what `drawn` keys the cache by

    y = MARGIN + 40
    if text["publisher"]:
        font = ImageFont.truetype(str(sans_bold), 52)
        pen.text((MARGIN, y), text["publisher"].upper(), font=font, fill=SOFT)
    y = 620
    pen.rectangle((MARGIN, y, WIDTH - MARGIN, y + 14), fill=INK)
    y += 90
    font, lines = _fit(pen, text["title"], sans_bold, 150, width, 5)
    step = int(font.size * 1.15)
    for line in lines:
        pen.text((MARGIN, y), line, font=font, fill=INK)
        y += step
    if text["subtitle"]:
        y += 60
        font, lines = _fit(pen, text["subtitle"], serif_italic, 80, width, 4)
        for line in lines:
            pen.text((MARGIN, y), line, font=font, fill=SOFT)
            y += int(font.size * 1.3)

    bottom = HEIGHT - MARGIN - 40
    date = text["date"]
    if date:
        font = ImageFont.truetype(str(sans), 52)
        pen.text((MARGIN, bottom), date, font=font, fill=SOFT, anchor="ls")
        bottom -= 110
    if text["authors"]:
        font, lines = _fit(pen, ", ".join(text["authors"]), sans_bold, 64, width, 3)
        for line in reversed(lines):
            pen.text((MARGIN, bottom), line, font=font, fill=INK, anchor="ls")
            bottom -= int(font.size * 1.3)
    pen.rectangle((MARGIN, bottom - 40, MARGIN + 300, bottom - 32), fill=RULE)

    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=9)
    return buffer.getvalue()
