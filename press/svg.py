"""What an SVG image may hold: drawing only. No script, no event handler, no foreign content,
no entity declarations, and references only to its own fragments, raster data: URIs or
files inside the source folder. Every edition uses the same image file (the PDF draws it,
the EPUB and the web edition copy it), so an SVG that breaks the rule is refused at load time.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

_ACTIVE = re.compile(r"<\s*(script|foreignObject|iframe|object|embed|handler|listener)\b"
                     r"|\son[a-z]+\s*=|<!ENTITY|<!DOCTYPE[^>]*\[", re.IGNORECASE)
_REFERENCE = re.compile(r"""(?:href\s*=\s*["']([^"']*)["'])|(?:url\(\s*["']?([^"')]*))"""
                        r"""|(?:@import\s+["']([^"']*)["'])""", re.IGNORECASE)
_SAFE_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp)[;,]", re.IGNORECASE)


def problems(path: Path, root: Path) -> list[tuple[int, str]]:
    """(line, message) for everything in the SVG file at `path` that the editions refuse."""
    try:
        text = path.read_bytes()[:5_000_000].decode("utf-8", errors="replace")
    except OSError:
        return []
    found = []
    for match in _ACTIVE.finditer(text):
        what = match.group(0).strip()
        found.append((text.count("\n", 0, match.start()) + 1,
                      f"SVG images may not hold '{what[:40]}' (script, event handlers, foreign content "
                      "and entity declarations are refused)"))
    for match in _REFERENCE.finditer(text):
        ref = (match.group(1) or match.group(2) or match.group(3) or "").strip()
        if not ref or ref.startswith("#") or _SAFE_DATA.match(ref):
            continue
        parts = urlsplit(ref)
        inside = not parts.scheme and not parts.netloc and parts.path and \
            (path.parent / unquote(parts.path)).resolve().is_relative_to(root)
        if not inside:
            found.append((text.count("\n", 0, match.start()) + 1,
                          f"SVG image refers to '{ref[:200]}', which is not a file inside the source folder"))
    return sorted(found)
