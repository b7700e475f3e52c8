"""Pathological pictures, made at test time (never committed): small files that declare
huge pictures, damaged files, pictures named as another type, SVGs at and over the bounds.

`python tests/hostile_images.py DIR` writes a briefing per case into DIR, to time a build of
each by hand (`/usr/bin/time -v python build.py pdf --source DIR/NAME --out ...`).
"""

from __future__ import annotations

import io
import struct
import sys
import zlib
from pathlib import Path


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int, palette: bool = True, whole: bool = True) -> bytes:
    """A 1-bit palette PNG of width x height white pixels, compressed row by row: a 13,370²
    picture is about 22 KB, a 30,000² one about 110 KB. `whole=False`: the header and a
    token IDAT only (the picture is cut short)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 3 if palette else 0, 0, 0, 0)
    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    packer = zlib.compressobj(9)
    if whole:
        body = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    else:
        body = packer.compress(row) + packer.flush()
    out = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
    if palette:
        out += _chunk(b"PLTE", b"\xff\xff\xff\x00\x00\x00")
    return out + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A real 8 x 8 JPEG whose frame header says width x height."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def picture(kind: str, size=(320, 200), mode="RGB", **save) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    colour = {"RGB": (30, 90, 160), "RGBA": (30, 90, 160, 128), "L": 120, "CMYK": (200, 40, 0, 30),
              "I;16": 40000, "P": 3, "LA": (120, 200)}[mode]
    Image.new(mode, size, colour).save(buffer, format=kind, **save)
    return buffer.getvalue()


def svg_path(megabytes: float) -> bytes:
    """An SVG whose one path has about `megabytes` MB of coordinates."""
    step = b" l 1 1 l -1 -1" * 1000
    count = int(megabytes * 1024 * 1024 / len(step))
    return (b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><path d="M 0 0'
            + step * count + b'" stroke="black"/></svg>')


def svg_nested(depth: int) -> bytes:
    return (b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">' + b"<g>" * depth
            + b'<rect width="10" height="10"/>' + b"</g>" * depth + b"</svg>")


def svg_elements(count: int) -> bytes:
    rects = b"".join(b'<rect x="%d" y="%d" width="1" height="1"/>' % (i % 100, i // 100 % 100)
                     for i in range(count))
    return b'<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">' + rects + b"</svg>"


# name -> (file name, bytes); the section shows it as a figure.
def cases() -> dict[str, tuple[str, bytes]]:
    return {
        "svg-path-50mb": ("path.svg", svg_path(50)),
        "png-palette-13370": ("palette.png", png_declaring(13_370, 13_370)),
        "png-30000": ("huge.png", png_declaring(30_000, 30_000, whole=False)),
        "jpeg-65000": ("huge.jpg", jpeg_declaring(65_000, 65_000)),
        "svg-nested-100000": ("nested.svg", svg_nested(100_000)),
        "not-an-image": ("map.png", b"<html><body>not a picture</body></html>\n"),
        "png-named-jpg": ("chart.jpg", picture("PNG")),
    }


def write_briefing(folder: Path, file_name: str, data: bytes, cover: bool = False) -> Path:
    (folder / "sections").mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    (folder / "images" / file_name).write_bytes(data)
    figure = "" if cover else f"![A figure](../images/{file_name} \"Caption\")\n"
    (folder / "sections" / "01.md").write_text(f"# One\n\nText.\n\n{figure}")
    extra = f"cover: images/{file_name}\n" if cover else ""
    (folder / "briefing.yml").write_text("title: Pictures\nlanguage: en\ndisclaimer: Not advice.\n"
                                         f"sections:\n  - sections/01.md\n{extra}")
    return folder


if __name__ == "__main__":
    target = Path(sys.argv[1])
    for name, (file_name, data) in cases().items():
        write_briefing(target / name, file_name, data)
    write_briefing(target / "cover-30000", "front.png", png_declaring(30_000, 30_000, whole=False), cover=True)
    print(f"wrote {len(cases()) + 1} briefings into {target}")
