"""The print edition's page: the paper sizes, listed once, and the one geometry a build uses.

The manifest's `paper` (a name, or `{width, height}`) and `margins`, and `--paper` on the
command line, are resolved here once (`resolve`) into a `Page`: the PDF's `@page` rule, the
name its file is given, and what `check` measures pictures against all read that record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The paper of a manifest that names none, and the one whose files carry no paper in their name.
DEFAULT = "a4"
# name in the manifest and on the command line -> CSS `@page { size: ... }`, and (width, height) in mm
SIZES = {"a4": "A4", "letter": "letter", "a5": "A5", "b5": "B5"}
SIZES_MM = {"a4": (210, 297), "letter": (215.9, 279.4), "a5": (148, 210), "b5": (176, 250)}
# A manifest may also give {width: 170mm, height: 240mm}: its `paper` is then CUSTOM.
CUSTOM = "custom"
# print.css's left and right page margins (mm), when the manifest gives none.
SIDE_MARGINS_MM = 22 + 22
UNITS_MM = {"mm": 1, "cm": 10, "in": 25.4, "pt": 25.4 / 72}


def length_mm(length: str) -> float:
    """A CSS length the manifest validated ("170mm", "1in") in millimetres."""
    number, unit = re.fullmatch(r"([\d.]+)([a-z]+)", length).groups()
    return float(number) * UNITS_MM[unit]


@dataclass(frozen=True)
class Page:
    paper: str                 # a name of SIZES, or CUSTOM
    size: str                  # CSS `@page { size: ... }`
    width_mm: float
    height_mm: float
    margins: str | None = None # the manifest's CSS margin shorthand; None: print.css's

    @property
    def css(self) -> str:
        """The declarations of the PDF's `@page` rule."""
        return f"size: {self.size};" + (f" margin: {self.margins};" if self.margins else "")

    @property
    def text_width_mm(self) -> float:
        """The paper's width less the left and right margins."""
        sides = SIDE_MARGINS_MM
        if self.margins:  # CSS's shorthand: 1 to 4 lengths, top right bottom left
            parts = [length_mm(p) for p in self.margins.split()]
            right, left = {1: (0, 0), 2: (1, 1), 3: (1, 1), 4: (1, 3)}[len(parts)]
            sides = parts[right] + parts[left]
        return max(self.width_mm - sides, 1)


def resolve(paper: str = DEFAULT, page_size: str | None = None, margins: str | None = None,
            override: str | None = None) -> Page:
    """The page of a manifest's `paper`, `page_size` (a custom paper's "170mm 240mm") and
    `margins`, with `--paper` (`override`) taking the place of its paper when given."""
    name = override if override in SIZES else paper
    if name in SIZES:
        return Page(name, SIZES[name], *SIZES_MM[name], margins)
    if page_size:
        width, height = page_size.split()
        return Page(CUSTOM, page_size, length_mm(width), length_mm(height), margins)
    return Page(DEFAULT, SIZES[DEFAULT], *SIZES_MM[DEFAULT], margins)
