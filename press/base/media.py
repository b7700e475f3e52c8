"""Media types of the files the editions are made of and offer, by file suffix."""

from __future__ import annotations

from pathlib import Path

MEDIA_TYPES = {
    ".html": "text/html",
    ".xhtml": "application/xhtml+xml",
    ".css": "text/css",
    ".pdf": "application/pdf",
    ".epub": "application/epub+zip",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff2": "font/woff2",
    ".bib": "application/x-bibtex",
    ".ris": "application/x-research-info-systems",
}
# The pictures a section may show.
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg")


def media_type(path: Path | str) -> str:
    return MEDIA_TYPES.get(Path(path).suffix.lower(), "application/octet-stream")
