"""A briefing's own look, without touching the tool: its `theme/` folder and its `theme:` key.

- `theme/` (inside the source folder): a file there with the name of one of the tool's
  templates (`print.html.j2`, `web.html.j2`, `epub/section.xhtml.j2`, ...) or stylesheets
  (`print.css`, `web.css`, `epub.css`) is used instead of the tool's own;
- `theme:` in briefing.yml, for the common cases without CSS: `accent` (#rgb or #rrggbb),
  `logo` (an image inside the folder, on the title page and the web page), `body_font` and
  `heading_font` (installed font families). They become CSS custom properties appended to
  the stylesheets, which every stylesheet of the tool reads (`--accent`, `--text-font`,
  `--ui-font`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from press.base.datadirs import STYLES_DIR
from press.base.hints import did_you_mean
from press.base.media import IMAGE_SUFFIXES
from press.base.errors import Location, SourceError

FOLDER = "theme"
STYLESHEETS = ("print.css", "web.css", "epub.css", "epub-rtl.css")   # those a theme may replace
KEYS = ("accent", "logo", "body_font", "heading_font")
COLOUR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
FONT_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$")


@dataclass(frozen=True)
class Theme:
    accent: str | None = None
    logo: Path | None = None         # resolved, inside the source folder
    logo_href: str | None = None     # relative to the source folder, '/' separators
    body_font: str | None = None
    heading_font: str | None = None


def folder(root: Path) -> Path | None:
    """The briefing's theme folder, when it has one (and it really is inside the folder)."""
    path = Path(root) / FOLDER
    if path.is_dir() and path.resolve().is_relative_to(Path(root).resolve()):
        return path
    return None


def templates(themed: Path) -> list[Path]:
    """The theme's own templates (really inside its folder), by name: those a failure is blamed on."""
    return sorted(path for path in themed.rglob("*.j2")
                  if path.is_file() and path.resolve().is_relative_to(themed.parent.resolve()))


def stylesheet(name: str, root: Path) -> Path:
    """The stylesheet `name`: the theme's when it has one (checked: press.base.theme_guard), else the tool's."""
    from press.base.theme_guard import check_css  # lxml and tinycss2: only for a theme folder

    themed = folder(root)
    if themed is not None and (themed / name).is_file() and (themed / name).resolve().is_relative_to(
            Path(root).resolve()):
        path = themed / name
        check_css(path.read_text(encoding="utf-8", errors="replace"), [path], where=path, root=Path(root))
        return path
    return STYLES_DIR / name


def css(theme: Theme | None, fonts: bool = True) -> str:
    """The manifest's theme as CSS custom properties (empty when there is none)."""
    if theme is None:
        return ""
    props = []
    if theme.accent:
        props.append(f"--accent: {theme.accent};")
    if fonts and theme.body_font:
        props.append(f'--text-font: "{theme.body_font}", "Charis SIL", serif;')
    if fonts and theme.heading_font:
        props.append(f'--ui-font: "{theme.heading_font}", "Noto Sans", sans-serif;')
    return f":root {{ {' '.join(props)} }}\n" if props else ""


@lru_cache(maxsize=None)
def installed(family: str) -> bool:
    """Whether fontconfig knows a family of exactly this name."""
    if not shutil.which("fc-list"):
        return False
    listing = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    names = {name.strip().casefold() for line in listing.splitlines() for name in line.split(",")}
    return family.casefold() in names


@lru_cache(maxsize=None)
def font_coverage(family: str) -> frozenset[int]:
    """The code points the family's regular face draws."""
    from fontTools.ttLib import TTFont

    listing = subprocess.run(["fc-list", f"{family}", "file"], capture_output=True, text=True,
                             check=False).stdout
    points: set[int] = set()
    for line in sorted(listing.splitlines()):
        path = line.split(":")[0].strip()
        if path:
            with TTFont(path, lazy=True, fontNumber=0) as font:
                points.update(font.getBestCmap() or {})
    return frozenset(points)


def from_manifest(value, root: Path, error) -> Theme | None:
    """The manifest's `theme:` mapping, validated; `error(key, message)` collects problems."""
    if value is None:
        return None
    if not isinstance(value, dict):
        error("theme", "'theme' must be a mapping: accent, logo, body_font, heading_font")
        return None
    for key in value:
        if key not in KEYS:
            error("theme", f"unknown theme key `{key}`" + (did_you_mean(str(key), KEYS) or
                                                         f": the keys are {', '.join(KEYS)}"))
    fields: dict = {}
    accent = value.get("accent")
    if "accent" in value:
        if not isinstance(accent, str) or not COLOUR_RE.match(accent.strip()):
            shown = "empty" if accent is None else f"'{accent}'"
            error("theme", f"'theme.accent' must be a colour such as \"#7a3b12\" in quotes (# starts a "
                           f"comment in YAML), not {shown}")
        else:
            fields["accent"] = accent.strip().lower()
    logo = value.get("logo")
    if "logo" in value:
        path = (Path(root) / str(logo)).resolve() if isinstance(logo, str) and logo.strip() else None
        if path is None or Path(str(logo)).is_absolute() or not path.is_relative_to(Path(root).resolve()):
            error("theme", f"'theme.logo' must be an image file inside the source folder, not '{logo}'")
        elif path.suffix.lower() not in IMAGE_SUFFIXES or not path.is_file():
            error("theme", f"'theme.logo' '{logo}' must be an existing PNG, JPEG or SVG file")
        else:  # its content is checked with the other pictures when the briefing is loaded
            fields["logo"], fields["logo_href"] = path, path.relative_to(Path(root).resolve()).as_posix()
    for key in ("body_font", "heading_font"):
        if key not in value:
            continue
        name = value.get(key)
        if not isinstance(name, str) or not FONT_NAME_RE.match(name.strip()):
            error("theme", f"'theme.{key}' must be a font family name such as 'DejaVu Serif', not '{name}'")
        elif not installed(name.strip()):
            error("theme", f"'theme.{key}': font '{name.strip()}' is not installed (fc-list does not list it): "
                           "install it, or name an installed family")
        else:
            fields[key] = name.strip()
    return Theme(**fields)


def syntax_errors(themed: Path) -> list:
    """Each theme template that Jinja cannot read, as a SourceError at its line (for `check`;
    the build meets the same error when it renders)."""
    import jinja2  # only for a briefing that has a theme folder


    found, env = [], jinja2.Environment()
    for path in templates(themed):
        try:
            env.parse(path.read_text(encoding="utf-8", errors="replace"), filename=str(path))
        except jinja2.TemplateSyntaxError as exc:
            found.append(SourceError(f"the theme's template cannot be read: {exc.message}",
                                     Location(path, exc.lineno), "E231"))
    return found
