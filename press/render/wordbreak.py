"""Break opportunities in very long words of the print HTML, so WeasyPrint sets them in linear time.

WeasyPrint lays out a word that has no break opportunity again for every line it fills
(and, with `hyphens: auto`, once more for every hyphenation point Pyphen offers): a
100,000-character word took minutes, 8 KB in a heading more than two. A zero-width space
(U+200B) every few characters gives Pango ordinary break points; it draws nothing and text
extraction drops it. Only words longer than any real word are touched.
"""

from __future__ import annotations

import re
import unicodedata

from press.base import limits

ZWSP = "\u200b"
_TEXT = re.compile(r">([^<]+)<")   # a text node: escaped text never holds '<' or '>'
_LONG = re.compile(r"(?:&#?\w+;|[^\s&<>]){%d,}" % (limits.LONG_WORD + 1))
_UNIT = re.compile(r"&#?\w+;|[^&]")  # one character, or one character reference


def break_long_words(html: str) -> str:
    """`html` with a zero-width space every `limits.WORD_CHUNK` characters of each long word.

    Only text after `<body` is touched (never the head's title or an attribute), and never
    before a combining mark, a joiner or an emoji modifier, nor after a joiner.
    """
    start = html.find("<body")
    if start < 0 or not _LONG.search(html, start):
        return html
    body = _TEXT.sub(lambda m: ">" + _LONG.sub(_chunked, m.group(1)) + "<", html[start:])
    return html[:start] + body


def _chunked(match: re.Match) -> str:
    out, run, previous = [], 0, ""
    for unit in _UNIT.findall(match.group()):
        if run >= limits.WORD_CHUNK and _may_break(previous, unit, run):
            out.append(ZWSP)
            run = 0
        out.append(unit)
        run += 1
        previous = unit
    return "".join(out)


def _may_break(previous: str, unit: str, run: int) -> bool:
    if len(unit) > 1:   # a character reference: &amp; and the like, never a mark
        return True
    if unicodedata.category(unit) in ("Mn", "Mc", "Me", "Sk", "Cf"):  # marks, modifiers, joiners, tags
        return False
    # Not inside an emoji ZWJ sequence, unless it runs on far longer than any real one.
    return previous != "\u200d" or run >= 4 * limits.WORD_CHUNK
