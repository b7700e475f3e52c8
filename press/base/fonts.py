"""The edition fonts: which families the editions use, where their files are, what they cover.

The families come from Debian packages (see `make deps`); fontconfig finds them for
WeasyPrint, and the EPUB embeds subsets of the same files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from press.base import limits
from press.base.errors import GlyphError, Location, PressError
from press.base import diskcache


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
# Script families chosen before others that cover the same characters: the book face for
# Arabic, the standard Hebrew, then mathematics before symbols.
PREFERRED_SCRIPT_FAMILIES = ("Noto Naskh Arabic", "Noto Sans Hebrew", "Noto Sans Math", "Noto Sans Symbols",
                             "Noto Sans Symbols2", "Noto Sans CJK SC", "Noto Serif CJK SC")
# Display cuts, monospace and interface variants duplicate a family in another design.
SKIPPED_WORDS = ("Display", "Mono", "UI")
# Characters fonts-noto-cjk draws (Chinese, Japanese, Korean).
CJK_NAMES = ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "BOPOMOFO", "IDEOGRAPHIC", "HALFWIDTH", "FULLWIDTH")
# Characters that select or join glyphs rather than being drawn themselves.
INVISIBLE_CATEGORIES = {"Cc", "Cf", "Mn", "Me", "Zl", "Zp"}
INVISIBLE = {0x20, 0xA0, 0x202F, 0x2009, 0x200A, 0x2002, 0x2003, 0xAD}


@lru_cache(maxsize=None)
def _fc_list() -> tuple[tuple[Path, tuple[str, ...], str], ...]:
    """(file, family names, style) of every installed font, as fontconfig lists them."""
    if not shutil.which("fc-list"):
        raise PressError("fontconfig's fc-list is missing: run `make deps`", code="E402")
    listing = subprocess.run(["fc-list", ":", "family", "style", "file"], capture_output=True, text=True,
                             check=False).stdout
    fonts = []
    for line in listing.splitlines():
        path, _, rest = line.partition(": ")
        families, _, style = rest.partition(":style=")
        fonts.append((Path(path), tuple(f.strip() for f in families.split(",")), style.split(",")[0]))
    return tuple(sorted(fonts))


@lru_cache(maxsize=None)
def font_files() -> dict[str, tuple[Path, ...]]:
    """Font files of each edition family, as fontconfig lists them, sorted for stable output."""
    files: dict[str, set[Path]] = {f.name: set() for f in FAMILIES}
    for path, families, _ in _fc_list():
        for family in families:
            if family in files:
                files[family].add(path)
    return {name: tuple(sorted(paths)) for name, paths in files.items()}


@lru_cache(maxsize=None)
def script_font_files() -> dict[str, tuple[Path, ...]]:
    """The installed Noto families that draw what the edition families cannot (other scripts,
    mathematics, symbols), each with its regular and bold files, in order of preference."""
    files: dict[str, list[Path]] = {}
    core = {f.name for f in FAMILIES}
    for path, families, style in _fc_list():
        family = families[0]
        if (family.startswith("Noto ") and family not in core and style in ("Regular", "Bold")
                and not any(word in family.split() for word in SKIPPED_WORDS)):
            files.setdefault(family, []).append(path)
    preferred = {name: n for n, name in enumerate(PREFERRED_SCRIPT_FAMILIES)}
    order = sorted(files, key=lambda f: (preferred.get(f, len(preferred)),
                                         not f.startswith("Noto Sans "), not f.startswith("Noto Serif "), f))
    return {family: tuple(sorted(files[family])) for family in order}


@lru_cache(maxsize=None)
def face_index(path: Path, family: str) -> int:
    """Which face of a font collection is `family` (NotoSansCJK-Regular.ttc holds the JP, KR,
    SC, TC and HK faces); 0 for a file with one face."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    listing = subprocess.run(["fc-list", "-f", "%{file}|%{index}\n", family], capture_output=True, text=True,
                             check=False).stdout
    found = [int(index) for file, _, index in (line.rpartition("|") for line in listing.splitlines())
             if file == str(path) and index.isdigit()]
    return min(found, default=0)


def outline_format(path: Path, index: int = 0) -> str:
    """"otf" for a face with PostScript (CFF) outlines, as Noto CJK's are, else "ttf"."""
    with open(path, "rb") as font:
        head = font.read(4)
        if head == b"ttcf":  # a collection: the face's own table directory
            font.seek(12 + 4 * index)
            font.seek(int.from_bytes(font.read(4), "big"))
            head = font.read(4)
    return "otf" if head == b"OTTO" else "ttf"


def require_fonts() -> None:
    """Refuse to build with a fallback face: say which package brings the missing family."""
    files = font_files()
    missing = [f for f in FAMILIES if not files[f.name]]
    if missing:
        packages = " ".join(f.package for f in missing)
        names = ", ".join(f.name for f in missing)
        raise PressError(f"font {names} is not installed: run `make deps` (apt-get install {packages})",
                         code="E402")


# The format of a coverage entry: a font's cmap as [first, last] ranges. The value is a fact of
# the font file, so its key is the file's hash and this version, not fontTools' version.
COVERAGE_FORMAT = "cmap-ranges-1"
MAX_CODE_POINT = 0x10FFFF


def cmap(path: Path) -> frozenset[int]:
    """The code points the font file has a glyph for: read once with fontTools, then kept in
    the cache (press.base.diskcache) under the file's hash (reading ~300 Noto files takes seconds)."""
    stat = path.stat()
    return _cmap(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


@lru_cache(maxsize=None)
def _cmap(path: str, *identity: int) -> frozenset[int]:
    digest = _installed_digests().get(Path(path)) or diskcache.file_digest(Path(path))
    entry = diskcache.key("coverage", COVERAGE_FORMAT, digest)
    kept = diskcache.get("coverage", entry, check=lambda payload: coverage_ranges(payload) is not None)
    if kept is not None:
        ranges = coverage_ranges(kept)
        return frozenset(code for start, end in ranges for code in range(start, end + 1))
    from fontTools.ttLib import TTFont  # heavy import, only when a font is read for the first time

    with TTFont(path, lazy=True, fontNumber=0) as font:
        points = frozenset(font.getBestCmap() or {})
    ranges, codes = [], sorted(points)
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    diskcache.put("coverage", entry, json.dumps(ranges, separators=(",", ":")).encode("ascii"))
    return points


def coverage_ranges(payload: bytes) -> list[list[int]] | None:
    """The [first, last] ranges of a coverage entry, or None when it cannot be one: more ranges
    than a font's cmap holds (limits.MAX_COVERAGE_RANGES), a range outside Unicode
    (0..U+10FFFF), or ranges unsorted or overlapping. Checked before a code point is expanded,
    so a planted entry costs no more than a font covering all of Unicode."""
    if len(payload) > 2 + limits.MAX_COVERAGE_RANGES * len("[1114111,1114111],"):
        return None
    try:
        ranges = json.loads(payload.decode("ascii"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(ranges, list) or len(ranges) > limits.MAX_COVERAGE_RANGES:
        return None
    previous = -1
    for item in ranges:
        if not (isinstance(item, list) and len(item) == 2 and all(type(n) is int for n in item)):
            return None
        start, end = item
        if not previous < start <= end <= MAX_CODE_POINT:
            return None
        previous = end
    return ranges


@lru_cache(maxsize=None)
def _installed_digests() -> dict[Path, str]:
    """The hash of every installed font file, with one lookup in the cache when none changed."""
    return diskcache.file_digests(path for path, _, _ in _fc_list())


def _union(paths) -> frozenset[int]:
    return frozenset().union(*(cmap(path) for path in paths))


@lru_cache(maxsize=None)
def family_coverage() -> dict[str, frozenset[int]]:
    """The code points each edition family has a glyph for."""
    return {family: _union(paths) for family, paths in font_files().items()}


@lru_cache(maxsize=None)
def script_coverage() -> dict[str, frozenset[int]]:
    """The code points each script family has a glyph for, in order of preference."""
    return {family: _union(paths) for family, paths in script_font_files().items()}


@lru_cache(maxsize=None)
def emoji_only() -> frozenset[int]:
    """Code points only the colour emoji font draws (each costs WeasyPrint a PNG re-encoding)."""
    cmaps = family_coverage()
    text = frozenset().union(*(points for family, points in cmaps.items() if family != "Noto Color Emoji"))
    return cmaps.get("Noto Color Emoji", frozenset()) - text


@lru_cache(maxsize=None)
def coverage() -> frozenset[int]:
    """Every code point an edition family has a glyph for."""
    return frozenset().union(*family_coverage().values())


def script_families(text: str) -> tuple[str, ...]:
    """The script families that draw the characters of `text` the edition families cannot.
    Fewest families first: the one that draws most of what is left, on a tie the preferred
    one, so a Devanagari danda comes from Noto Sans Devanagari and not Bengali."""
    have = coverage()
    wanting = {ord(c) for c in set(text) if ord(c) not in have and needs_glyph(c)}
    if not wanting:  # the usual case: no script face's coverage need be read (~300 files)
        return ()
    chosen: list[str] = []
    families = script_coverage()
    while wanting:
        best, count = None, 0
        for family, points in families.items():
            n = len(wanting & points)
            if n > count:
                best, count = family, n
        if best is None:  # nothing draws the rest: the glyph check names it
            break
        chosen.append(best)
        wanting -= families[best]
    return tuple(sorted(chosen, key=list(families).index))


def with_script_fonts(css: str, families: tuple[str, ...]) -> str:
    """The stylesheet with `families` named right after each edition family that opens a font
    list (`font-family: "Charis SIL", ...` or `--text-font: "Charis SIL", ...`), so every
    reader and renderer finds them where the edition faces have no glyph."""
    if not families:
        return css
    names = "".join(f', "{family}"' for family in families)
    edition = "|".join(re.escape(f.name) for f in FAMILIES if f.role != "emoji")
    # Only a list (a comma follows): an @font-face rule's single family name stays as it is.
    return re.sub(rf'((?:font-family|--[\w-]*font)\s*:\s*"(?:{edition})")(?=\s*,)', lambda m: m.group(1) + names, css)


def package_for(char: str) -> str | None:
    """The Debian package with a font for `char`, when we know one that is not installed."""
    name = unicodedata.name(char, "")
    if name.startswith(CJK_NAMES):
        return "fonts-noto-cjk"
    if not script_font_files():
        return "fonts-noto-core"
    return None


def needs_glyph(char: str) -> bool:
    return ord(char) not in INVISIBLE and unicodedata.category(char) not in INVISIBLE_CATEGORIES


def uncovered(text: str) -> list[str]:
    """Characters of `text` that no installed edition or script font can draw, in order of
    first appearance. The script families are read only when the edition families fall short."""
    have = coverage()
    seen: dict[str, None] = {}
    for char in text:
        if char not in seen and needs_glyph(char) and ord(char) not in have:
            seen[char] = None
    if seen:
        scripts = script_coverage().values()
        seen = {c: None for c in seen if not any(ord(c) in points for points in scripts)}
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
    packages = sorted({p for p in map(package_for, chars) if p})
    remedy = (f"run `make deps` (apt-get install {' '.join(packages)})" if packages
              else "install a font that covers it, or replace the character")
    return GlyphError("no edition font can draw " + ", ".join(described) + ": " + remedy, first, "E401")


def _locate(char: str, where: list[tuple[Path, str]]) -> Location | None:
    for path, text in where:
        index = text.find(char)
        if index >= 0:
            return Location(path, text.count("\n", 0, index) + 1)
    return None


def packages_for(texts) -> list[str]:
    """The Debian packages that would draw characters of `texts` no installed font has."""
    missing = uncovered("".join(texts))
    return sorted({p for p in map(package_for, missing) if p})


if __name__ == "__main__":  # `make deps`: python -m press.base.fonts SOURCE prints the packages it needs
    import sys

    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "source")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*"))
             if p.suffix in (".md", ".yml", ".yaml") and p.is_file()]
    print(" ".join(packages_for(texts)))
