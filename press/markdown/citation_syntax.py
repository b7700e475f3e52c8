"""Citations in Pandoc's syntax, read by markdown-it inline rules into `citation` tokens.

`[@key]`, `[@key, p. 12]`, `[see @a; @b, ch. 2]`, `[-@key]` (the year alone) and in-text
`@key` ("Smith (2020)") become `citation` tokens whose meta holds their `CiteItem`s.
`@fig-…`, `@tbl-…`, `@box-…`, `@sec-…` (and Quarto's other cross-reference prefixes) are
left alone: they are cross-references, read by their own rule. With a note style
(`md.options[NOTE_MODE]`, set by press.citations.styles.use_notes) each citation in the text is
made a footnote while parsing. press.citations.resolve renders them once every section is parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

# Quarto's cross-reference prefixes: `@fig-delta` is a figure, never a citation.
QUARTO_CROSSREF_PREFIXES = ("fig-", "tbl-", "box-", "sec-", "eq-", "lst-", "thm-", "lem-", "cor-", "prp-",
                     "cnj-", "def-", "exm-", "exr-")
# Pandoc's citation key: a letter, digit or _, then those and internal punctuation.
KEY_RE = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_]|[:.#$%&\-+?<>~/](?=[A-Za-z0-9_]))*")
# Locator labels, as Pandoc reads them, mapped to CSL's locator terms.
LOCATOR_LABELS = {
    "p": "page", "pp": "page", "page": "page", "pages": "page",
    "ch": "chapter", "chap": "chapter", "chapter": "chapter", "chapters": "chapter",
    "sec": "section", "section": "section", "sections": "section", "§": "section", "§§": "section",
    "para": "paragraph", "paragraph": "paragraph", "¶": "paragraph",
    "fig": "figure", "figure": "figure", "vol": "volume", "volume": "volume",
    "n": "note", "note": "note", "nn": "note", "l": "line", "line": "line", "col": "column",
    "art": "article", "bk": "book", "no": "issue", "pt": "part", "v": "verse",
}
LOCATOR_RE = re.compile(
    r"^,?\s*(?:(?P<label>" + "|".join(sorted(map(re.escape, LOCATOR_LABELS), key=len, reverse=True))
    + r")\.?\s*)?(?P<locator>[0-9ivxlcdmIVXLCDM]+[a-z]?(?:\s*[-–,]\s*[0-9ivxlcdmIVXLCDM]+[a-z]?)*)(?P<suffix>.*)$",
    re.S)


@dataclass(frozen=True)
class CiteItem:
    key: str             # as written
    prefix: str = ""
    label: str = "page"
    locator: str = ""
    suffix: str = ""
    suppress_author: bool = False


# --- the markdown-it rule --------------------------------------------------------------


NOTE_MODE = "press_note_citations"   # md.options: the style is a note style (see use_notes)
_INLINE_NOTE_DEPTH = "press_inline_note_depth"
_NO_NOTES = "press_no_notes"          # env: the inline tokens whose citations stay in the text


def citation_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "citation", _bracketed)
    md.inline.ruler.before("link", "citation_intext", _in_text)
    md.core.ruler.before("inline", "citation_places", _places_without_notes)
    inline_note = next(rule.fn for rule in md.inline.ruler.__rules__ if rule.name == "footnote_inline")

    def footnote_inline(state: StateInline, silent: bool) -> bool:   # `^[...]`: a note already
        state.env[_INLINE_NOTE_DEPTH] = state.env.get(_INLINE_NOTE_DEPTH, 0) + 1
        try:
            return inline_note(state, silent)
        finally:
            state.env[_INLINE_NOTE_DEPTH] -= 1

    md.inline.ruler.at("footnote_inline", footnote_inline)


_SUMMARY = re.compile(r"^\s*summary\s*$|\.summary\b")   # before press.markdown.blocks has read the fences


def _places_without_notes(state) -> None:
    """Before inline parsing: the inline tokens where a citation stays in the text even with a
    note style: inside a footnote, a heading, or the summary (which stands apart from its notes)."""
    if not state.md.options.get(NOTE_MODE):
        return
    keep: set[int] = set()
    inside = {"footnote_reference": 0, "heading": 0}
    summary_depth = 0
    for token in state.tokens:
        kind = token.type.rsplit("_", 1)[0]
        if kind in inside:
            inside[kind] += token.nesting
        elif token.type == "container_div_open" and (summary_depth or _SUMMARY.search(token.info)):
            summary_depth += 1
        elif token.type == "container_div_close" and summary_depth:
            summary_depth -= 1
        elif token.type == "inline" and (summary_depth or any(inside.values())):
            keep.add(id(token.children))
    state.env[_NO_NOTES] = keep


NOTE_AFTER = ".,;:!?"   # a note's call goes after this punctuation, as Pandoc puts it


def _push_citation(state: StateInline, items: list, intext: bool, content: str, end: int, lines: int = 0) -> int:
    """The citation token; with a note style, outside notes, a footnote call whose note holds it
    (an in-text citation keeps its authors in the text: "Smith and Doe¹"), after the punctuation
    that follows and without the space before. Returns where parsing goes on."""
    meta = {"items": items, "intext": intext, "lines": lines}
    if not state.md.options.get(NOTE_MODE) or state.env.get(_INLINE_NOTE_DEPTH) \
            or id(state.tokens) in state.env.get(_NO_NOTES, ()):
        token = state.push("citation", "", 0)
        token.meta, token.content = meta, content
        return end
    names = None
    if intext and not any(i.suppress_author for i in items):
        names = state.push("citation", "", 0)
        names.meta, names.content = {**meta, "names_only": True}, content
    else:
        state.pending = state.pending.rstrip(" \t")
        if not state.pending and state.tokens and state.tokens[-1].type == "softbreak":
            state.tokens.pop()   # "agree\n[@key]." -> "agree.¹": the line break is kept count of
            state.tokens_meta.pop()
            lines += 1
    while end < state.posMax and state.src[end] in NOTE_AFTER:
        state.pending += state.src[end]
        end += 1
    cited = Token("citation", "", 0)
    cited.meta, cited.content = {**meta, "intext": False, "lines": 0, "note": True, "names_token": names}, content
    data = state.env.setdefault("footnotes", {})
    notes = data.setdefault("list", {})
    data.setdefault("refs", {})
    number = len(notes)
    notes[number] = {"content": content, "tokens": [cited]}
    call = state.push("footnote_ref", "", 0)
    call.meta = {"id": number, "subId": 0, "citation": True, "lines": lines}
    return end


def _key_at(text: str, pos: int) -> tuple[str, int] | None:
    """The key after an '@' at text[pos] (also `@{key}`), and where it ends."""
    if text.startswith("{", pos + 1):
        end = text.find("}", pos + 2)
        if end < 0 or end == pos + 2:
            return None
        return text[pos + 2:end], end + 1
    found = KEY_RE.match(text, pos + 1)
    if not found:
        return None
    return found.group(), found.end()


def is_crossref(key: str) -> bool:
    return key.startswith(QUARTO_CROSSREF_PREFIXES)


# Pandoc's locator after an in-text citation, `@key [p. 33]`: spaces and at most one line break,
# then brackets holding no citation, no note call, and not a link's text.
BARE_LOCATOR = re.compile(r"[ \t]*(\n[ \t]*)?\[(?!\^)([^\[\]@;]*)\](?![\[(:])")


def _in_text(state: StateInline, silent: bool) -> bool:
    pos, src = state.pos, state.src
    suppress = src.startswith("-@", pos)   # `-@key`: the year alone, as in brackets
    at = pos + suppress
    if src[at] != "@" or (pos > 0 and (src[pos - 1].isalnum() or src[pos - 1] in "_@")):
        return False  # an e-mail address or a handle inside a word
    found = _key_at(src, at)
    if not found or is_crossref(found[0]):
        return False
    end, item = found[1], CiteItem(found[0], suppress_author=suppress)
    bare = BARE_LOCATOR.match(src, end)
    if bare and bare.group(2).strip():
        item, end = _bare_locator(found[0], bare.group(2).strip(), suppress), bare.end()
    if not silent:
        end = _push_citation(state, [item], True, src[pos:end], end,
                             1 if bare and bare.group(1) and end == bare.end() else 0)
    state.pos = end
    return True


def _bare_locator(key: str, inner: str, suppress: bool) -> CiteItem:
    """`@key [p. 33, emphasis added]`: a locator and a suffix; a suffix alone follows a comma,
    as Pandoc prints it ("Smith (2004, emphasis added)")."""
    locator = LOCATOR_RE.match(inner)
    if locator:
        label = LOCATOR_LABELS.get((locator.group("label") or "p").lower(), "page")
        return CiteItem(key, "", label, locator.group("locator").strip(), _suffix(locator.group("suffix")),
                        suppress)
    return CiteItem(key, suffix=inner if inner.startswith(",") else ", " + inner, suppress_author=suppress)


def _bracketed(state: StateInline, silent: bool) -> bool:
    pos, src = state.pos, state.src
    if src[pos] != "[" or src.startswith("[^", pos):
        return False
    end = src.find("]", pos + 1)
    if end < 0 or "[" in src[pos + 1:end] or src.startswith(("(", "["), end + 1):
        return False  # not a citation: a link, or brackets holding brackets
    items = parse_items(src[pos + 1:end])
    if not items:
        return False
    if not silent:
        end = _push_citation(state, items, False, src[pos:end + 1], end + 1) - 1
    state.pos = end + 1
    return True


def parse_items(inner: str) -> list[CiteItem] | None:
    """'see @a, p. 3; -@b' -> items; None when any part is not a citation (so it stays text)."""
    items = []
    for part in inner.split(";"):
        at = part.find("@")
        while at > 0 and (part[at - 1].isalnum() or part[at - 1] in "_"):
            at = part.find("@", at + 1)
        if at < 0:
            return None
        suppress = at > 0 and part[at - 1] == "-"
        prefix = part[:at - 1 if suppress else at]
        found = _key_at(part, at)
        if not found or is_crossref(found[0]):
            return None
        key, after = found
        rest = part[after:]
        locator = LOCATOR_RE.match(rest) if rest.startswith(",") or rest[:1].isspace() and rest.strip() else None
        if locator:
            label = LOCATOR_LABELS.get((locator.group("label") or "p").lower(), "page")
            items.append(CiteItem(key, prefix.strip(), label, locator.group("locator").strip(),
                                  _suffix(locator.group("suffix")), suppress))
        else:
            items.append(CiteItem(key, prefix.strip(), suffix=_suffix(rest), suppress_author=suppress))
    return items


def _suffix(text: str) -> str:
    text = text.rstrip()
    return text if not text or text.startswith(",") else " " + text.lstrip() if text.strip() else ""
