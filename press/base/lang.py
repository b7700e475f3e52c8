"""Typography and direction by language: quotes, French spacing, marked passages, right to left.

`long_date(date, language)` writes a date as the language does (CLDR, through Babel).
`use(md, language)` adds to a markdown-it parser what depends on the briefing's language
(the typographer's quotes, French spaces before `; : ! ?`) and the Pandoc syntax that marks
the language of a passage: `[texte]{lang=fr}` spans and `::: {lang=ar}` divs. Every marked
passage gets its `lang` (hyphenation, quotes, PDF tags, screen readers) and, in a script
written right to left, `dir="rtl"`; an embedded passage is its own bidi isolate.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin

# Typographer quotes by primary language subtag: (open double, close double, open single,
# close single), each a string; markdown-it reads a plain string one character at a time.
NNBSP = "\u202f"   # narrow no-break space
QUOTES = {
    "de": ("„", "“", "‚", "‘"), "fr": (f"«{NNBSP}", f"{NNBSP}»", f"‹{NNBSP}", f"{NNBSP}›"),
    "es": ("«", "»", "“", "”"), "it": ("«", "»", "“", "”"), "pt": ("«", "»", "“", "”"),
    "ru": ("«", "»", "„", "“"), "pl": ("„", "”", "‚", "’"), "nl": ("‘", "’", "‘", "’"),
    "sv": ("”", "”", "’", "’"), "da": ("»", "«", "›", "‹"), "ar": ("«", "»", "‹", "›"),
    "fa": ("«", "»", "‹", "›"),
    "ja": ("「", "」", "『", "』"),
}
ENGLISH_QUOTES = ("“", "”", "‘", "’")
# What smartquotes writes for each quote before its passage's language is known: NUL, which
# markdown-it's normalize step removes from every source, then the English mark (punctuation,
# like every language's quotes, so smartquotes reads its neighbours as it would the marks).
PLACEHOLDERS = tuple("\0" + mark for mark in ENGLISH_QUOTES)
PLACEHOLDER = re.compile("\0[“”‘’]")
RTL_LANGUAGES = {"ar", "fa", "ur", "he", "yi", "ps", "sd", "ug", "ckb", "dv", "syr", "nqo", "arc"}
RTL_SCRIPTS = {"Arab", "Hebr", "Syrc", "Thaa", "Nkoo", "Adlm", "Rohg", "Mand", "Samr"}
# A BCP 47 tag as editors write them: language, then script, region or variants.
TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
DIV_PARAMS = re.compile(r"\{\s*lang=([^\s}]+)\s*\}")
# French: a narrow no-break space before ; ! ? (and : when the author left a space), and
# inside « » typed by hand.
FRENCH_SPACING = (
    (re.compile(r"[ \u00a0]+([;:!?»›])"), NNBSP + r"\1"),
    (re.compile(r"(?<=[\w»›)\]])([;!?])(?=\s|$)"), NNBSP + r"\1"),
    (re.compile(r"([«‹])[ \u00a0]+"), r"\1" + NNBSP),
)


def primary(language: str) -> str:
    return language.split("-")[0].lower()


def quotes(language: str) -> tuple[str, str, str, str]:
    return QUOTES.get(primary(language), ENGLISH_QUOTES)


def direction(language: str) -> str:
    """"rtl" for a language written right to left (or an explicit right-to-left script), else "ltr"."""
    parts = language.split("-")
    script = next((p.title() for p in parts[1:] if len(p) == 4 and p.isalpha()), None)
    if script:
        return "rtl" if script in RTL_SCRIPTS else "ltr"
    return "rtl" if primary(language) in RTL_LANGUAGES else "ltr"


@lru_cache(maxsize=4096)  # a library page prints hundreds of dates; CLDR formatting is slow
def long_date(value: dt.date, language: str) -> str:
    """The date as the language writes it in full, from CLDR (Babel): "30 November 2026",
    "30. November 2026", "30 novembre 2026", "30 de noviembre de 2026", "2026年11月30日". A tag
    CLDR does not know falls back to its language, then to ISO 8601. `en` alone is international
    English (CLDR's en-001, day first); `en-US` writes "November 30, 2026"."""
    from babel import Locale, UnknownLocaleError  # here: only the editions that print a date load it
    from babel.dates import format_date

    for tag in dict.fromkeys((language, primary(language))):
        try:
            locale = Locale.parse("en-001" if tag.lower() == "en" else tag, sep="-")
        except (UnknownLocaleError, ValueError, TypeError):
            continue
        return format_date(value, "long", locale=locale)
    return value.isoformat()


def is_tag(value: str) -> bool:
    return bool(TAG.fullmatch(value)) and len(value) <= 35


def use(md: MarkdownIt, language: str) -> None:
    """Quotes and spacing of each passage's language (the briefing's, or a marked passage's
    own); `lang` spans and divs."""
    # markdown-it's smartquotes pairs the quotes; it writes placeholders, and lang_typography
    # puts in the marks of the language of the passage each pair stands in.
    md.options["quotes"] = list(PLACEHOLDERS)
    md.core.ruler.after("smartquotes", "lang_typography", lambda state: _typography(state, language))
    attrs_plugin(md, after=(), spans=True, allowed=("lang",))
    container_plugin(md, "lang", validate=lambda params, *_: bool(DIV_PARAMS.fullmatch(params.strip())),
                     render=lambda self, tokens, idx, options, env: self.renderToken(tokens, idx, options, env))
    md.core.ruler.push("lang_direction", _lang_direction)


def problems(env: dict) -> list[tuple[int, str]]:
    """(line, message) for every marked passage whose `lang` is not a language tag."""
    return env.get("lang_problems", [])


def _typography(state: StateCore, language: str) -> None:
    """Each placeholder quote replaced by the mark of the language of its passage, and French
    spaces in French passages. The passages nest: a `::: {lang=..}` div, then a `[..]{lang=..}` span."""
    blocks = [language]
    for token in state.tokens:
        if token.type == "container_lang_open":
            blocks.append(_marked(DIV_PARAMS.fullmatch(token.info.strip()).group(1).strip("\"'"), blocks[-1]))
        elif token.type == "container_lang_close" and len(blocks) > 1:
            blocks.pop()
        elif token.type == "inline" and token.children:
            spans: list[str | None] = []   # each open span: its language, or None when it has none
            for child in token.children:
                if child.type == "span_open":
                    spans.append(_marked(str(child.attrs["lang"]), None) if "lang" in child.attrs else None)
                elif child.type == "span_close" and spans:
                    spans.pop()
                elif child.type == "text":
                    here = next((s for s in reversed(spans) if s), blocks[-1])
                    child.content = _set_marks(child.content, here)


def _marked(value: str, otherwise: str | None) -> str | None:
    return value if is_tag(value) else otherwise  # a bad tag is reported by _lang_direction


def _set_marks(text: str, language: str) -> str:
    if "\0" in text:
        marks = dict(zip(PLACEHOLDERS, quotes(language)))
        text = PLACEHOLDER.sub(lambda m: marks[m.group()], text)
    if primary(language) == "fr":
        for pattern, replacement in FRENCH_SPACING:
            text = pattern.sub(replacement, text)
    return text


def _lang_direction(state: StateCore) -> None:
    """Check each span's `lang` and give it `dir` when its direction differs from the text around it."""
    line = 1
    for token in state.tokens:
        if token.map:
            line = token.map[0] + 1
        if token.type == "container_lang_open":
            value = DIV_PARAMS.fullmatch(token.info.strip()).group(1).strip("\"'")
            token.attrs = _attributes(state, value, line)
        for child in token.children or ():
            if child.type == "span_open" and "lang" in child.attrs:
                child.attrs = _attributes(state, str(child.attrs["lang"]), line)


def _attributes(state: StateCore, value: str, line: int) -> dict:
    if not is_tag(value):
        state.env.setdefault("lang_problems", []).append(
            (line, f"lang={value[:40]!r} is not a language tag (write lang=fr, lang=ar, lang=pt-BR ...)"))
        return {}
    # dir on every marked passage: an element with dir is a bidi isolate, so a Latin name in
    # Arabic text (or Arabic in English) keeps its own order and does not reorder its neighbours.
    return {"lang": value, "dir": direction(value)}

