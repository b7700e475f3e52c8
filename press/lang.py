"""Typography and direction by language: quotes, French spacing, marked passages, right to left.

`use(md, language)` adds to a markdown-it parser what depends on the briefing's language
(the typographer's quotes, French spaces before `; : ! ?`) and the Pandoc syntax that marks
the language of a passage: `[texte]{lang=fr}` spans and `::: {lang=ar}` divs. Every marked
passage gets its `lang` (hyphenation, quotes, PDF tags, screen readers) and, in a script
written right to left, `dir="rtl"`; an embedded passage is its own bidi isolate.
"""

from __future__ import annotations

import re

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
}
ENGLISH_QUOTES = ("“", "”", "‘", "’")
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


def is_tag(value: str) -> bool:
    return bool(TAG.fullmatch(value)) and len(value) <= 35


def use(md: MarkdownIt, language: str) -> None:
    """The briefing language's quotes and spacing; `lang` spans and divs."""
    md.options["quotes"] = list(quotes(language))
    if primary(language) == "fr":
        md.core.ruler.after("smartquotes", "french_spacing", _french_spacing)
    attrs_plugin(md, after=(), spans=True, allowed=("lang",))
    container_plugin(md, "lang", validate=lambda params, *_: bool(DIV_PARAMS.fullmatch(params.strip())),
                     render=lambda self, tokens, idx, options, env: self.renderToken(tokens, idx, options, env))
    md.core.ruler.push("lang_direction", _lang_direction)


def problems(env: dict) -> list[tuple[int, str]]:
    """(line, message) for every marked passage whose `lang` is not a language tag."""
    return env.get("lang_problems", [])


def _french_spacing(state: StateCore) -> None:
    for token in state.tokens:
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "text":
                for pattern, replacement in FRENCH_SPACING:
                    child.content = pattern.sub(replacement, child.content)


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

