"""Reading what a built PDF really shows, with pypdf."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader


@dataclass(frozen=True)
class Run:
    font: str
    size: float
    text: str


def runs(reader: PdfReader, page_index: int) -> list[Run]:
    """The text drawn on a page, line by line, with the font that drew it."""
    found: list[Run] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            name = str(font.get("/BaseFont", "")) if font else ""
            found.append(Run(name.split("+")[-1], round(size * tm[0] if tm[0] else size, 1), text.strip()))

    reader.pages[page_index].extract_text(visitor_text=visit)
    return found


def body_headings(reader: PdfReader, first_body_page: int) -> list[tuple[str, int]]:
    """(heading text, 1-based page) for every heading on body pages: bold sans, larger than the text."""
    headings: list[tuple[str, int]] = []
    for index in range(first_body_page - 1, len(reader.pages)):
        previous_bold = False
        page_runs = runs(reader, index)
        text_sizes = [run.size for run in page_runs if run.font == "Charis-SIL"]
        text_size = max(set(text_sizes), key=text_sizes.count) if text_sizes else 0
        for run in page_runs:
            bold = run.font == "Noto-Sans-Bold" and run.size > text_size
            if bold and previous_bold:  # a heading that wrapped onto a second line
                text, page = headings[-1]
                headings[-1] = (f"{text} {run.text}", page)
            elif bold:
                headings.append((run.text, index + 1))
            previous_bold = bold
    return headings


def outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    """(level, title, 1-based page) for every bookmark, depth first."""
    flat: list[tuple[int, str, int]] = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                flat.append((level, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 1)
    return flat


def printed_toc(reader: PdfReader, page_index: int, titles: list[str]) -> dict[str, int]:
    """The page number printed after each title on the contents page."""
    # In layout order: the page numbers are floated to the line's end, after their titles.
    text = " ".join(reader.pages[page_index].extract_text(extraction_mode="layout").split())
    numbers = {}
    position = 0
    for title in titles:
        pattern = re.escape(title).replace(r"\ ", r"\s+") + r"[\s.]*?(\d+)"
        found = re.compile(pattern).search(text, position)
        assert found, f"'{title}' is not in the printed table of contents"
        numbers[title] = int(found.group(1))
        position = found.end()
    return numbers


def page_texts(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]
