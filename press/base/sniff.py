"""What a file holds, by its first bytes: shared by press.source.images and press.source.svg (below both)."""

from __future__ import annotations

import re


def sniff(data: bytes) -> str | None:
    """The picture type by its first bytes: png, jpeg, svg (any XML text), gif, webp, ... or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:2] == b"BM":
        return "bmp"
    if data[:5] == b"%PDF-":
        return "pdf"
    if data[4:8] == b"ftyp":
        return "avif" if data[8:12] in (b"avif", b"avis") else "heic"
    text = head_text(data)
    return "svg" if text.lstrip().startswith("<") and _SVG_ROOT.search(text) else None


def head_text(data: bytes, size: int = 65536) -> str:
    """The beginning of an XML file as text, its encoding told by a BOM or by where the NULs
    of '<' fall (UTF-16 without BOM), else read byte for byte."""
    head = data[:size]
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head, encoding = head[len(bom):], codec
            break
    else:
        encoding = "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be" if head[:1] == b"\x00" else "latin-1"
    return head[: len(head) - len(head) % 2].decode(encoding, errors="replace")


# The root element's start tag, after any declaration, comments and DOCTYPE, with any prefix.
_SVG_ROOT = re.compile(r"<([A-Za-z_][\w.-]*:)?svg[\s>/]")
