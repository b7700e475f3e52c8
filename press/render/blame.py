"""Which source file and line an address the PDF could not use comes from.

WeasyPrint reports only the address it refused or could not draw. A section is blamed only when
one of its own pictures is that file (not when a line merely holds the same word); then an SVG
picture that refers to it, the theme's templates and stylesheets, and the manifest.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from press.base.errors import Location
from press.model.model import Briefing
from press.model import theme


def locate_url(briefing: Briefing, url: str) -> Location | None:
    """The first source line that asks for `url`, or None."""
    parts = urlsplit(url)
    path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
    needle = (unquote(parts.path).rsplit("/", 1)[-1] if path else url) or url
    if path is not None:
        for section in briefing.sections:
            if any(asset.path == path for asset in section.assets):
                found = _line(section.source, section.text, needle)
                if found:
                    return found
    for asset in briefing.assets:  # a reference inside an SVG picture
        if asset.media_type == "image/svg+xml":
            found = _line(asset.path, asset.path.read_text(encoding="utf-8", errors="replace"), needle)
            if found:
                return found
    themed = theme.folder(briefing.manifest.root)
    if themed is not None:
        for file in [*theme.templates(themed), *(themed / name for name in theme.STYLESHEETS)]:
            if file.is_file() and file.resolve().is_relative_to(briefing.manifest.root.resolve()):
                found = _line(file, file.read_text(encoding="utf-8", errors="replace"), needle)
                if found:
                    return found
    return _line(briefing.manifest.path, briefing.manifest.text, needle)


def _line(file: Path, text: str, needle: str) -> Location | None:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return Location(file, number)
    return None
