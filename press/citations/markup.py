"""The HTML the editions get of citeproc-py's output: its own inline markup kept and anything
else shown as text, URLs linked; a citation token's HTML, linked to its entries."""

from __future__ import annotations

import re
from html import escape, unescape

from press.base import limits
from press.model.citations import Citations


_URL_RE = re.compile(r"(https?://[^\s<>\"]+?)(?=[.,;)]?(?:\s|<|$))")


def link_urls(html: str) -> str:
    return _URL_RE.sub(lambda m: f'<a href="{m.group(1)}">{m.group(1)}</a>', html)


# What citeproc-py's HTML formatter writes; anything else (a .csl's affixes are printed as they
# are, unescaped) is dropped, its text kept and escaped.
SAFE_TAGS = {"i", "b", "em", "strong", "sup", "sub", "span"}
SAFE_STYLE = re.compile(r"^\s*(font-variant|font-style|font-weight|text-decoration)\s*:\s*[a-z-]+;?\s*$")


_TAG = re.compile(r"<(/?)([a-z]+)((?:\s[^<>]*)?)>")
# The references XHTML can hold: XML's own five, and characters by number (checked below).
_ENTITY = re.compile(r"&(?:amp|lt|gt|quot|apos|#([0-9]{1,7})|#x([0-9A-Fa-f]{1,6}));")


def _xml_entity(found: re.Match) -> bool:
    """Whether the entity is one XML reads: "&eacute;" is HTML's only, "&#0;" no character."""
    number = found.group(1) or found.group(2)
    if number is None:
        return True
    code = int(number, 10 if found.group(1) else 16)
    return code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF and not limits.FORBIDDEN_CHARS.match(chr(code))


def safe_html(rendered) -> str:
    """citeproc-py's output with only the inline markup its formatter makes (balanced); any
    other tag, and any stray '<', '>' or '&', is shown as text."""
    text, out, stack, pos = str(rendered), [], [], 0

    def as_text(piece: str) -> str:
        kept, last = [], 0
        for entity in filter(_xml_entity, _ENTITY.finditer(piece)):
            kept += [escape(piece[last:entity.start()], quote=False), entity.group()]
            last = entity.end()
        return "".join(kept) + escape(piece[last:], quote=False)

    for tag in _TAG.finditer(text):
        out.append(as_text(text[pos:tag.start()]))
        pos = tag.end()
        closing, name, attrs = tag.groups()
        style = re.fullmatch(r'\s+style="([^"]*)"', attrs or "")
        if name not in SAFE_TAGS or (attrs and not (name == "span" and style and SAFE_STYLE.match(style.group(1)))):
            out.append(as_text(tag.group()))
        elif closing:
            if name in stack:
                while stack:
                    top = stack.pop()
                    out.append(f"</{top}>")
                    if top == name:
                        break
        else:
            stack.append(name)
            out.append(f'<span style="{style.group(1).strip()}">' if attrs else f"<{name}>")
    out.append(as_text(text[pos:]))
    out += [f"</{name}>" for name in reversed(stack)]
    return "".join(out)


def plain(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def citation_html(cited: Citations, token, reference_href) -> str:
    """A citation token's HTML; `reference_href(anchor)` is the link to an entry in this edition."""
    parts = cited.rendered.get(id(token))
    if parts is None:
        return escape(token.content)
    out = []
    for text, anchor in parts:
        if anchor is None:
            out.append(text)
        else:
            out.append(f'<a class="citation" href="{escape(reference_href(anchor))}" role="doc-biblioref">'
                       f"{text}</a>")
    return f'<span class="citation">{"".join(out)}</span>'
