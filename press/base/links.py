"""The one rule for the addresses an edition links to: a section's links, and a bibliography
entry's URL (which points to the web only)."""

from __future__ import annotations

from urllib.parse import urlsplit

LINK_SCHEMES = ("http", "https", "mailto")   # a link in a section or the disclaimer
WEB_SCHEMES = ("http", "https")              # a bibliography entry's URL


def scheme_problem(href: str, schemes: tuple[str, ...] = LINK_SCHEMES) -> str | None:
    """Why `href` may not be linked ("links may use http, https or mailto, not 'javascript:'"), or None."""
    scheme = urlsplit(href.strip()).scheme.lower()
    if scheme in schemes:
        return None
    allowed = ", ".join(schemes[:-1]) + " or " + schemes[-1]
    return f"links may use {allowed}, not '{scheme}:'" if scheme else f"links must be web addresses ({allowed})"
