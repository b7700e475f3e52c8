"""The edition fonts: which families the editions use, where their files are, what they cover.

The families come from Debian packages (see `make deps`); fontconfig finds them for
WeasyPrint, and the EPUB embeds subsets of the same files.
"""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .errors import GlyphError, Location, PressError


@dataclass(frozen=True)
class Family:
    name: str
    package: str     # the Debian package that installs it
    role: str


FAMILIES = (
    Family("Charis SIL", "fonts-sil-charis", "text"),
    Family("Noto Sans", "fonts-noto-core", "headings and page furniture"),
    Family("Noto Color Emoji", "fonts-noto-color-emoji", "emoji"),
)
# Characters that select or join glyphs rather than being drawn themselves.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Mn", "Me", "Zl", "Zp"}
INVISIBLE = {0x20, 0xA0, 0x202F, 0x2009, 0x200A, 0x2002, 0x2003, 0xAD}


@lru_cache(maxsize=None)
def font_files() -> dict[str, tuple[Path, ...]]:
    """Font files of each edition family, as fontconfig lists them, sorted for stable output."""
    if not shutil.which("fc-list"):
        raise PressError("fontconfig's fc-list is missing: run `make deps`", code="E402")
    listing = subprocess.run(["fc-list", ":", "family", "file"], capture_output=True, text=True,
                             check=False).stdout
    files: dict[str, set[Path]] = {f.name: set() for f in FAMILIES}
    for line in listing.splitlines():
        path, _, families = line.partition(": ")
        for family in families.split(","):
            if family.strip() in files:
                files[family.strip()].add(Path(path))
    return {name: tuple(sorted(paths)) for name, paths in files.items()}


def require_fonts() -> None:
    """Refuse to build with a fallback face: say which package brings the missing family."""
    files = font_files()
    missing = [f for f in FAMILIES if not files[f.name]]
    if missing:
        packages = " ".join(f.package for f in missing)
        names = ", ".join(f.name for f in missing)
        raise PressError(f"font {names} is not installed: run `make deps` (apt-get install {packages})",
                         code="E402")


@lru_cache(maxsize=None)
def family_coverage() -> dict[str, frozenset[int]]:
    """The code points each edition family has a glyph for (read once per process)."""
    from fontTools.ttLib import TTFont  # heavy import, only when checking characters

    cmaps = {}
    for family, paths in font_files().items():
        points: set[int] = set()
        for path in paths:
            with TTFont(path, lazy=True, fontNumber=0) as font:
                points.update(font.getBestCmap() or {})
        cmaps[family] = frozenset(points)
    return cmaps


@lru_cache(maxsize=None)
def emoji_only() -> frozenset[int]:
    """Code points only the colour emoji font draws (each costs WeasyPrint a PNG re-encoding)."""
    cmaps = family_coverage()
    text = frozenset().union(*(points for family, points in cmaps.items() if family != "Noto Color Emoji"))
    return cmaps.get("Noto Color Emoji", frozenset()) - text


@lru_cache(maxsize=None)
def coverage() -> frozenset[int]:
    """Every code point some edition font has a glyph for."""
    return frozenset().union(*family_coverage().values())


def needs_glyph(char: str) -> bool:
    return ord(char) not in INVISIBLE and unicodedata.category(char) not in INVISIBLE_CATEGORIES


def uncovered(text: str) -> list[str]:
    """Characters of `text` that no edition font can draw, in order of first appearance."""
    have = coverage()
    seen: dict[str, None] = {}
    for char in text:
        if char not in seen and needs_glyph(char) and ord(char) not in have:
            seen[char] = None
    return list(seen)


def describe(char: str) -> str:
    name = unicodedata.name(char, "unnamed character")
    return f"U+{ord(char):04X} {name}" + (f" ({char})" if char.isprintable() else "")


def glyph_error(chars: list[str], where: list[tuple[Path, str]]) -> GlyphError:
    """One error naming each character and the place (file:line) it first occurs."""
    located = [(char, _locate(char, where)) for char in chars]
    first = located[0][1]
    described = [describe(located[0][0])] + [
        describe(char) + (f" (at {loc})" if loc else "") for char, loc in located[1:]]
    return GlyphError("no edition font can draw " + ", ".join(described)
                      + ": install a font that covers it, or replace the character", first, "E401")


def _locate(char: str, where: list[tuple[Path, str]]) -> Location | None:
    for path, text in where:
        index = text.find(char)
        if index >= 0:
            return Location(path, text.count("\n", 0, index) + 1)
    return None
