"""Markdown -> HTML fragments and headings, with markdown-it-py.

Parsing and rendering are separate steps because links between sections can only be
checked once every section's headings are known: `parse` one file, give its headings
ids (see `source.py`), then `render` it once per kind of edition.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from html import escape, unescape
from pathlib import Path
from typing import Callable, Sequence
from urllib.parse import quote

import yaml
from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from press.base import lang, limits, yamlload
from press.markdown import blocks, citation_syntax, rules, syntax
from press.base.errors import Location, Problems, SourceError
from press.base.sizes import human_size

FRONT_MATTER_KEYS = ("id",)

Style = str  # "print" | "screen" | "ebook": see RENDERERS and model.Fragments


def make_parser(language: str) -> MarkdownIt:
    """CommonMark plus tables, footnotes, front matter and press.markdown.syntax (strikethrough, sub- and
    superscript, comments dropped); raw HTML is shown as text."""
    md = MarkdownIt("commonmark", {"typographer": True, "html": False, "xhtmlOut": True})
    md.enable(["table", "replacements", "smartquotes"])
    md.use(front_matter_plugin).use(footnote_plugin).use(syntax.extensions).use(blocks.blocks_plugin)
    md.use(citation_syntax.citation_plugin)
    md.options["maxNesting"] = limits.PARSER_MAX_NESTING  # deeper input is refused, see _check_limits
    md.core.ruler.before("inline", "press_bracket_bound", _bracket_bound)
    # Every link and image reaches the resolvers in source.py, which allow only http, https,
    # mailto, sections and headings (links) and files inside the folder (images), and report
    # anything else with its file and line. markdown-it's own filter would silently print a
    # `javascript:` or `file:` link as text instead.
    md.validateLink = lambda url: True
    lang.use(md, language)  # quotes and spacing of the language, `lang` spans and divs
    return md


@dataclass
class Heading:
    level: int
    title: str          # plain text
    html: str           # inline HTML
    line: int
    token: Token        # heading_open, which receives the id
    anchor: str = ""
    explicit_id: str = ""   # `## Title {#sec-id}`


@dataclass
class ParsedSection:
    path: Path
    text: str
    tokens: list[Token]
    env: dict
    headings: list[Heading]
    front_matter: dict = field(default_factory=dict)
    # Ids of each footnote (by number) and of each call of one (by number and call), given out
    # with the headings' ids by press.model.targets.
    footnote_ids: dict = field(default_factory=dict)
    footnote_ref_ids: dict = field(default_factory=dict)

    @property
    def title(self) -> Heading:
        return self.headings[0]


def read_section(path: Path, listed_at: Location) -> str:
    """The section's text; errors name the manifest line that lists a bad file."""
    if not path.is_file():
        from press.base.hints import case_mismatch

        base = listed_at.file.parent
        written = os.path.relpath(path, base) if path.is_absolute() else str(path)
        raise SourceError(f"section file '{Path(written).as_posix()}' does not exist"
                          + case_mismatch(path, base), listed_at, "E106")
    size = path.stat().st_size
    if size > limits.MAX_SECTION_BYTES:
        raise SourceError(f"section is {human_size(size)}; the limit is "
                          f"{human_size(limits.MAX_SECTION_BYTES)}: split it into several sections",
                          Location(path, 1), "E501")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        from press.base.hints import encoding_advice

        raise SourceError(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x}): {encoding_advice(data)}",
                          Location(path, line), "E201") from None
    if not text.strip():
        raise SourceError("section is empty", Location(path, 1), "E202")
    forbidden = limits.FORBIDDEN_CHARS.search(text)
    if forbidden:
        line = text.count("\n", 0, forbidden.start()) + 1
        raise SourceError(f"control character U+{ord(forbidden.group()):04X} is not allowed: delete it",
                          Location(path, line), "E208")
    return text


class TooManyBrackets(SourceError):
    """A paragraph with more '[' than markdown-it can parse in bounded time."""


def _bracket_bound(state) -> None:
    """Before inline parsing: markdown-it scans from every '[' to the end of its paragraph for
    the ']' that closes it (50,000 '[ ' took minutes), so a paragraph may hold only so many."""
    for token in state.tokens:
        if token.type == "inline" and token.content.count("[") > limits.MAX_BRACKETS:
            line = token.map[0] + 1 if token.map else None
            raise TooManyBrackets(f"a paragraph holds {token.content.count('[')} '['; the limit is "
                                  f"{limits.MAX_BRACKETS}: split it, or write \\[ for a bracket that opens no link",
                                  Location(state.env[_PATH], line) if _PATH in state.env else None, "E508")


_PATH = "press_path"  # env key: the file being parsed, for the messages of core rules


def _check_table_size(path: Path, text: str) -> None:
    """Before parsing: markdown-it makes three tokens of every table cell, so a 1 MB table took
    gigabytes before it could be counted. A cell takes at least one '|' per row beside it
    (cells <= pipes + rows, rows <= cells), so a block of lines with more than twice the
    limit of '|' holds a table too large."""
    position = 0
    for block in re.split(r"\n[ \t]*\n", text):
        pipes = block.count("|")
        if pipes > 2 * limits.MAX_TABLE_CELLS:
            line = text.count("\n", 0, text.find(block, position)) + 1
            raise SourceError(f"{pipes} '|' in one block: a table may have at most {limits.MAX_TABLE_CELLS} "
                              "cells: split it", Location(path, line), "E507")
        position += len(block)


_NOTE_DEFINITION = re.compile(r"^ {0,3}\[\^[^\]\n]+\]:", re.M)


def _check_footnote_count(path: Path, text: str) -> None:
    """Before parsing: 45,000 footnotes took seconds to parse only to be refused after."""
    for n, found in enumerate(_NOTE_DEFINITION.finditer(text), 1):
        if n > limits.MAX_FOOTNOTES:
            raise SourceError(f"more than {limits.MAX_FOOTNOTES} footnotes in the briefing; the limit is "
                              "reached here", Location(path, text.count("\n", 0, found.start()) + 1), "E506")


def parse(md: MarkdownIt, path: Path, text: str, check_structure: bool = True) -> ParsedSection:
    _check_table_size(path, text)
    _check_footnote_count(path, text)
    env: dict = {_PATH: path}
    tokens = md.parse(text, env)
    for line, message in lang.problems(env):
        raise SourceError(message, Location(path, line), "E215")
    front: dict = {}
    headings: list[Heading] = []
    for i, token in enumerate(tokens):
        if token.type == "front_matter":
            front = _front_matter(path, token)
        elif token.type == "heading_open" and not token.meta.get("in_block"):  # a block's title is not one
            inline = tokens[i + 1]
            headings.append(Heading(
                level=int(token.tag[1]),
                title=plain_text(inline.children or []),
                html=md.renderer.renderInline(_without_links(inline.children or []), md.options, env),
                line=token.map[0] + 1 if token.map else 1,
                token=token,
                explicit_id=token.meta.get("id", ""),
            ))
    section = ParsedSection(path, text, tokens, env, headings, front)
    _check_limits(section)
    if check_structure:
        _check_structure(section)
    return section


def _check_limits(section: ParsedSection) -> None:
    """Refuse nesting and tables too deep or wide to typeset in bounded time and memory."""
    depth = 0
    for i, token in enumerate(section.tokens):
        line = token.map[0] + 1 if token.map else 1
        if token.type in ("bullet_list_open", "ordered_list_open", "blockquote_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close", "blockquote_close"):
            depth -= 1
        if depth > limits.MAX_NESTING or token.level >= limits.PARSER_MAX_NESTING - 1:
            raise SourceError(f"lists and quotes are nested more than {limits.MAX_NESTING} levels deep",
                              Location(section.path, line), "E503")
        if token.type == "table_open":
            columns = cells = 0  # in the first row, and in the whole table: one pass
            for cell in section.tokens[i + 1:]:
                if cell.type == "table_close":
                    break
                if cell.type == "tr_close" and not columns:
                    columns = cells
                cells += cell.type in ("th_open", "td_open")
            if columns > limits.MAX_TABLE_COLUMNS:
                raise SourceError(f"table has {columns} columns; the limit is {limits.MAX_TABLE_COLUMNS}",
                                  Location(section.path, line), "E504")
            if cells > limits.MAX_TABLE_CELLS:
                raise SourceError(f"table has {cells} cells; the limit is {limits.MAX_TABLE_CELLS}: split it",
                                  Location(section.path, line), "E507")
        if token.type == "inline":
            _check_addresses(section.path, token, line)


def _check_addresses(path: Path, inline: Token, block_line: int) -> None:
    """The print edition prints a web link's address after it, breakable anywhere: WeasyPrint
    lays out the rest of the address again for every line (30,000 characters: 18 s of CPU)."""
    children = inline.children or []
    for i, child in enumerate(children):
        address = child.attrGet("href") if child.type == "link_open" else (
            child.attrGet("src") if child.type == "image" else None)
        if address and len(str(address)) > limits.MAX_ADDRESS:
            raise SourceError(f"a link or image address of {len(str(address))} characters; the limit is "
                              f"{limits.MAX_ADDRESS}", Location(path, line_of(children, i, block_line)), "E510")


_ABOVE_TEXT = re.compile("[\u2000-\U0010ffff]")


def emoji_offsets(text: str) -> list[int]:
    """Where the characters only the emoji font draws stand: WeasyPrint re-encodes the picture
    of each one it draws (20 ms apiece: 10,000 took minutes)."""
    from press.base import fonts

    only = fonts.emoji_only()
    return [m.start() for m in _ABOVE_TEXT.finditer(text) if ord(m.group()) in only]


def total_problems(sections: Sequence[ParsedSection]) -> list[SourceError]:
    """Headings, footnotes and emoji of the whole briefing (each costs the typesetter some ms
    and MB): one problem for each bound passed, where it is passed."""
    found: dict[str, SourceError] = {}
    headings = notes = emoji = 0
    for section in sections:
        offsets = emoji_offsets(section.text)
        if "E509" not in found and emoji + len(offsets) > limits.MAX_EMOJI:
            offset = offsets[limits.MAX_EMOJI - emoji]
            found["E509"] = SourceError(f"more than {limits.MAX_EMOJI} emoji in the briefing; the limit is reached "
                                        "here", Location(section.path, section.text.count("\n", 0, offset) + 1), "E509")
        emoji += len(offsets)
        for heading in section.headings:
            headings += 1
            if headings == limits.MAX_HEADINGS + 1:
                found["E505"] = SourceError(f"more than {limits.MAX_HEADINGS} headings in the briefing; "
                                            "the limit is reached here", Location(section.path, heading.line), "E505")
        for token in section.tokens:
            # A note style makes each citation a note (press.markdown.citation_syntax): one more to typeset.
            made = sum(1 for c in token.children or () if c.type == "footnote_ref" and c.meta.get("citation")) \
                if token.type == "inline" else 0
            if token.type == "footnote_reference_open" or made:
                notes += made or 1
                if notes > limits.MAX_FOOTNOTES and "E506" not in found:
                    line = token.map[0] + 1 if token.map else None
                    found["E506"] = SourceError(f"more than {limits.MAX_FOOTNOTES} footnotes in the briefing; "
                                                "the limit is reached here", Location(section.path, line), "E506")
    return sorted(found.values(), key=lambda e: (str(e.location.file), e.location.line or 0))


def _without_links(children: Sequence[Token]) -> list[Token]:
    """A heading's inline content for the TOC and bookmarks: its links as text, images as alt text.

    The TOC entry is itself a link (links may not nest), and the heading's own rendering
    already carries the checked link.
    """
    out = []
    for child in children:
        if child.type in ("link_open", "link_close"):
            continue
        if child.type == "image":
            text = Token("text", "", 0)
            text.content = plain_text(child.children or [])
            out.append(text)
        else:
            out.append(child)
    return out


def _front_matter(path: Path, token: Token) -> dict:
    try:
        # The front matter's text starts on the file's line 2: one blank line first keeps
        # YAML's line numbers (in marks and in "first on line N") the file's.
        data = yamlload.load("\n" + token.content) or {}
    except yamlload.CharacterError as exc:
        line, problem = yamlload.problem_line(exc)
        raise SourceError(problem, Location(path, line + 1 if line is not None else 1), "E208") from None
    except yaml.YAMLError as exc:
        line, problem = yamlload.problem_line(exc)
        line = (line + 1) if line is not None else 1
        raise SourceError(f"invalid YAML front matter: {problem}", Location(path, line),
                          "E206") from None
    if not isinstance(data, dict):
        raise SourceError("front matter must be a mapping of keys", Location(path, 1), "E206")
    if "id" in data and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", str(data["id"])):
        raise SourceError(f"front matter 'id' must be letters, digits, '-' or '_', not '{data['id']}'",
                          Location(path, 1), "E206")
    return data


def structure_problems(section: ParsedSection) -> list[SourceError]:
    """Every problem with the section's headings: a title first, one title, no skipped level."""
    first_block = next((t for t in section.tokens if t.type != "front_matter" and t.nesting >= 0), None)
    if first_block is None:
        return [SourceError("section is empty", Location(section.path, 1), "E202")]
    found = []
    if first_block.type != "heading_open" or first_block.tag != "h1":
        line = first_block.map[0] + 1 if first_block.map else 1
        found.append(SourceError("a section must start with its title as a level-1 heading ('# Title')",
                                 Location(section.path, line), "E203"))
    previous = 0
    for n, heading in enumerate(section.headings):
        at = Location(section.path, heading.line)
        if not heading.title:
            found.append(SourceError("heading has no text: the contents and bookmarks need one", at, "E209"))
        if heading.level == 1 and n > 0:
            found.append(SourceError(
                f"second level-1 heading '{heading.title}': a section has one title; "
                "use '##' for sub-sections or start a new section file", at, "E204"))
        elif previous and heading.level > previous + 1:
            found.append(SourceError(f"heading level {heading.level} follows level {previous}: "
                                     f"use {'#' * (previous + 1)} for '{heading.title}'", at, "E205"))
        previous = heading.level
    return found + blocks.problems(section.path, section.tokens) + rules.section_problems(section)


def _check_structure(section: ParsedSection) -> None:
    """Stop the build on the section's structural errors: the same rules as `check`."""
    found = structure_problems(section)
    if len(found) == 1:
        raise found[0]
    if found:
        raise Problems(found)


def plain_text(children: Sequence[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline", "html_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.children:
            parts.append(plain_text(child.children))
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def smarten(md: MarkdownIt, text: str) -> str:
    """Plain text with the typographer's quotes and dashes, for titles from the manifest."""
    tokens = md.parseInline(text, {})
    return plain_text(tokens[0].children or []) if tokens else text


# --- rendering -------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderContext:
    """What rendering needs to know beyond the section itself."""

    section_id: str
    # (href, line) -> the Target a local link reaches (press.model.targets), or an outside address as
    # it is; raises SourceError for a link that may not be
    resolve_link: Callable[[str, int], object]
    # (src, line) -> href of the image for every edition, or raise SourceError
    resolve_image: Callable[[str, int], str]
    notes_label: str = "Notes"   # names the section's notes landmark on the web page
    document: str = ""           # this section's EPUB document, to link across documents
    # (id, line) -> the Target a cross-reference (`@fig-x`) names, or raise SourceError;
    # None where cross-references are not allowed (the disclaimer)
    resolve_ref: Callable[[str, int], object] | None = None
    words: dict = field(default_factory=dict)   # press.base.i18n.labels of the briefing's language
    # (citation token, the renderer's href(target)) -> its HTML, linked to its entry (press.citations.markup)
    cite: Callable[[Token, Callable], str] | None = None


def render(md: MarkdownIt, section: ParsedSection, style: Style, ctx: RenderContext) -> str:
    """The section as an HTML fragment for one style of edition (see `RENDERERS`), without
    its summary, which the editions print up front (`render_summary`)."""
    tokens = section.tokens
    summary = blocks.summary_range(tokens)
    if summary:
        tokens = tokens[: summary[0]] + tokens[summary[1] + 1:]
    return RENDERERS[style](ctx, section).render_section(md, tokens)


def render_summary(md: MarkdownIt, section: ParsedSection, style: Style, ctx: RenderContext) -> str | None:
    """The section's `::: summary` block alone, or None when it has none."""
    summary = blocks.summary_range(section.tokens)
    if not summary:
        return None
    return RENDERERS[style](ctx, section).render_section(md, section.tokens[summary[0]: summary[1] + 1])


def _footnote_bodies(renderer: "_Renderer", tokens: list[Token], md: MarkdownIt, env: dict) -> dict[int, str]:
    """Each footnote's text as inline HTML, to be placed where it is called."""
    bodies, start = {}, None
    for i, token in enumerate(tokens):
        if token.type == "footnote_open":
            start = i
        elif token.type == "footnote_close" and start is not None:
            inner = [t for t in tokens[start + 1:i] if t.type != "footnote_anchor"]
            html = renderer.render(inner, md.options, env)
            html = re.sub(r"</p>\s*<p>", " ", html.strip())
            bodies[tokens[start].meta["id"]] = re.sub(r"^<p>|</p>$", "", html.strip())
            start = None
    return bodies


def _without_footnote_block(tokens: list[Token]) -> list[Token]:
    out, skipping = [], False
    for token in tokens:
        if token.type == "footnote_block_open":
            skipping = True
        elif token.type == "footnote_block_close":
            skipping = False
        elif not skipping:
            out.append(token)
    return out


def line_of(tokens: Sequence[Token], idx: int, block_line: int) -> int:
    """Line of an inline child: the block's first line plus the line breaks before it (a citation
    may hold one: `@key\n[p. 33]`)."""
    return block_line + sum(1 if t.type in ("softbreak", "hardbreak") else (t.meta or {}).get("lines", 0)
                             for t in tokens[:idx] if t.type in ("softbreak", "hardbreak", "citation", "footnote_ref"))


def line_numbers(tokens: Sequence[Token], block_line: int) -> list[int]:
    """`line_of` for every child at once, in one pass (a paragraph may hold 100,000 citations)."""
    lines, line = [], block_line
    for t in tokens:
        lines.append(line)
        if t.type in ("softbreak", "hardbreak"):
            line += 1
        elif t.type in ("citation", "footnote_ref"):
            line += (t.meta or {}).get("lines", 0)
    return lines


def is_figure(tokens: Sequence[Token], inline_idx: int) -> bool:
    """A paragraph holding one image and nothing else becomes a figure."""
    if not (0 <= inline_idx < len(tokens)) or tokens[inline_idx].type != "inline":
        return False
    children = [c for c in tokens[inline_idx].children or []
                if not (c.type == "text" and not c.content.strip())]
    return len(children) == 1 and children[0].type == "image"


class _Replaced(Sequence):
    """`tokens` with the one at `idx` replaced, without copying the list (a section may hold
    tens of thousands of headings): renderToken looks at the neighbours for line breaks."""

    def __init__(self, tokens: Sequence[Token], idx: int, token: Token):
        self.tokens, self.idx, self.token = tokens, idx, token

    def __getitem__(self, i):
        return self.token if i == self.idx else self.tokens[i]

    def __len__(self) -> int:
        return len(self.tokens)


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer with our headings, figures, links and notes.

    The base renders for a screen (notes at the section's end); each style of edition is a
    subclass that overrides what it does differently (`RENDERERS`).
    """

    def __init__(self, ctx: RenderContext, section: ParsedSection):
        super().__init__()
        self.ctx, self.section, self.path = ctx, section, section.path
        self.block_line = 1
        self.blocks: list[Token] = []   # the blocks open where rendering is
        self.md: MarkdownIt | None = None

    def render_section(self, md: MarkdownIt, tokens: list[Token]) -> str:
        self.md = md
        return self.render(tokens, md.options, self.section.env)

    def words(self, key: str) -> str:
        return self.ctx.words.get(key, key)

    def render(self, tokens, options, env) -> str:
        """markdown-it's loop, but inline tokens go through `inline` (a block's title is skipped)."""
        out = []
        for i, token in enumerate(tokens):
            if token.type == "inline":
                if token.children:
                    out.append(self.inline(tokens, i, options, env))
            elif token.type in self.rules:
                out.append(self.rules[token.type](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))
        return "".join(out)

    def _fn_ids(self, n: int, sub: int = 0) -> tuple[str, str]:
        """The ids of note `n` and of its `sub`-th call (press.model.targets gives them out)."""
        ids = self.section.footnote_ids
        refs = self.section.footnote_ref_ids
        note = ids.get(n) or f"fn-{self.ctx.section_id}-{n + 1}"
        ref = refs.get((n, sub)) or f"fnref-{self.ctx.section_id}-{n + 1}" + (f"-{sub + 1}" if sub else "")
        return note, ref

    def href(self, target) -> str:
        """The address of a target (press.model.targets.Target) from this section's document."""
        return f"#{quote(target.id)}"

    # Blocks: remember the line for errors found in inline content.
    def paragraph_open(self, tokens, idx, options, env):
        self.block_line = tokens[idx].map[0] + 1 if tokens[idx].map else self.block_line
        if is_figure(tokens, idx + 1):
            anchor = tokens[idx].meta.get("figure")
            return f'<figure id="{escape(anchor)}">\n' if anchor else "<figure>\n"
        return self.renderToken(tokens, idx, options, env)

    def paragraph_close(self, tokens, idx, options, env):
        if is_figure(tokens, idx - 1):
            image = next(c for c in tokens[idx - 1].children if c.type == "image")
            opening = tokens[idx - 2]
            if opening.meta.get("figure"):  # a numbered figure: its caption is the alt text
                text = self.renderInline(image.children or [], options, env)
                label = f'{self.words("figure")} {opening.meta.get("number", "")}'
                return (f'<figcaption><span class="label">{escape(label)}</span>{self.words("label_sep")}'
                        f"{text}</figcaption>\n</figure>\n")
            title = image.attrGet("title")
            caption = f"<figcaption>{escape(str(title))}</figcaption>\n" if title else ""
            return f"{caption}</figure>\n"
        return self.renderToken(tokens, idx, options, env)

    def heading_open(self, tokens, idx, options, env):
        self.block_line = tokens[idx].map[0] + 1 if tokens[idx].map else self.block_line
        return self._heading(tokens, idx, options, env, tokens[idx])

    def heading_close(self, tokens, idx, options, env):
        return self._heading(tokens, idx, options, env, tokens[idx - 2])

    def _heading(self, tokens, idx, options, env, opening: Token) -> str:
        """Headings inside a block are its title (rendered by the block) or its own small headings."""
        if opening.meta.get("block_title"):
            return ""
        if opening.meta.get("in_block"):
            return '<p class="block-heading">' if tokens[idx].nesting == 1 else "</p>\n"
        return self.renderToken(self._heading_tokens(tokens, idx), idx, options, env)

    def _heading_tokens(self, tokens, idx):
        return tokens

    def inline(self, tokens, idx, options, env):
        if idx > 0 and tokens[idx - 1].type == "heading_open" and tokens[idx - 1].meta.get("block_title"):
            return ""
        if tokens[idx].map:
            self.block_line = tokens[idx].map[0] + 1
        return self.renderInline(tokens[idx].children or [], options, env)

    # Tables: a numbered one has its id and its caption.
    def table_open(self, tokens, idx, options, env):
        token = tokens[idx]
        anchor = token.meta.get("table")
        html = self.renderToken(_Replaced(tokens, idx, token.copy(attrs={"id": anchor})) if anchor else tokens, idx,
                                options, env)
        if "caption" in token.meta:
            text = self.renderInline(token.meta["caption"], options, env)
            label = (f'<span class="label">{escape(self.words("table"))} {token.meta.get("number", "")}</span>'
                     f'{self.words("label_sep")}') if anchor else ""
            html += f"<caption>{label}{text}</caption>\n"
        return html

    # Blocks (press.markdown.blocks): a summary, recommendations, a box, a callout.
    BLOCK_ELEMENT = {"summary": "section", "recommendations": "section"}   # the others: aside
    BLOCK_ROLE = {"summary": "doc-abstract", "box": "note", "callout-tip": "doc-tip", "callout-note": "note",
                  "callout-important": "note", "callout-warning": "note", "callout-caution": "note"}

    def container_div_open(self, tokens, idx, options, env):
        block = tokens[idx]
        self.block_line = block.map[0] + 1 if block.map else self.block_line
        self.blocks.append(block)
        kind = block.meta["kind"]
        title = blocks.block_title(self.md, block, env, self)
        if kind == "box":
            label = f'<span class="label">{escape(self.words("box"))} {block.meta.get("number", "")}</span>'
            heading = f'{label}{self.words("label_sep")}{title}'
        else:
            heading = title or escape(self.words(kind.removeprefix("callout-")))
        plain = unescape(re.sub(r"<[^>]+>", "", heading))
        attrs = f' class="block {kind}"' if not kind.startswith("callout-") else f' class="block callout {kind}"'
        if block.meta.get("id"):
            attrs += f' id="{escape(block.meta["id"])}"'
        if kind in self.BLOCK_ROLE:
            attrs += f' role="{self.BLOCK_ROLE[kind]}"'
        if kind != "recommendations":  # several would be landmarks with one name
            attrs += f' aria-label="{escape(plain)}"'
        attrs += self._block_type(kind)
        return f'<{self._block_element(kind)}{attrs}>\n{self._block_title(heading)}\n'

    def _block_type(self, kind: str) -> str:
        return ""

    def _block_element(self, kind: str) -> str:
        return self.BLOCK_ELEMENT.get(kind, "aside")

    def _block_title(self, heading: str) -> str:
        return f'<p class="block-title">{heading}</p>'

    def container_div_close(self, tokens, idx, options, env):
        block = self.blocks.pop()
        return f'</{self._block_element(block.meta["kind"])}>\n'

    # Recommendations are a numbered list, whatever list the author wrote.
    def bullet_list_open(self, tokens, idx, options, env):
        if self._in_recommendations(tokens[idx]):
            return "<ol>\n"
        return self.renderToken(tokens, idx, options, env)

    def bullet_list_close(self, tokens, idx, options, env):
        if self._in_recommendations(tokens[idx]):
            return "</ol>\n"
        return self.renderToken(tokens, idx, options, env)

    def _in_recommendations(self, token: Token) -> bool:
        return bool(self.blocks) and self.blocks[-1].meta["kind"] == "recommendations" \
            and token.level == self.blocks[-1].level + 1

    # Cross-references: `@fig-x` -> "Figure 1", linked.
    def crossref(self, tokens, idx, options, env):
        anchor = tokens[idx].meta["id"]
        line = line_of(tokens, idx, self.block_line)
        if self.ctx.resolve_ref is None:
            raise SourceError(f"a cross-reference ('@{anchor}') cannot stand here", Location(self.path, line), "E321")
        target = self.ctx.resolve_ref(anchor, line)
        if target.kind in ("figure", "table", "box"):
            text = escape(f"{self.words(target.kind)} {target.number}")
        else:
            text = escape(target.title)
        return f'<a class="xref" href="{escape(self.href(target))}"{self._xref_attrs()}>{text}</a>'

    def _xref_attrs(self) -> str:
        return ""

    def renderInline(self, tokens, options, env):
        out = []
        for i, token in enumerate(tokens):
            if token.type == "link_open":
                href = token.attrGet("href") or ""
                line = line_of(tokens, i, self.block_line)
                resolved = self.ctx.resolve_link(href, line)
                href = resolved if isinstance(resolved, str) else self.href(resolved)
                token = token.copy(attrs={**token.attrs, "href": href})
                out.append(self.renderToken([token], 0, options, env))
            elif token.type == "image":
                out.append(self._image(tokens, i, options, env))
            elif token.type in self.rules:
                out.append(self.rules[token.type](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))
        return "".join(out)

    def _image(self, tokens, idx, options, env):
        token = tokens[idx]
        line = line_of(tokens, idx, self.block_line)
        src = self.ctx.resolve_image(token.attrGet("src") or "", line)
        alt = token.attrGet("fig-alt") or self.renderInlineAsText(token.children or [], options, env)
        return f'<img src="{escape(src)}" alt="{escape(str(alt))}" />'

    def citation(self, tokens, idx, options, env):
        if self.ctx.cite is None:
            return escape(tokens[idx].content)
        return self.ctx.cite(tokens[idx], self.href)

    # Footnotes: a numbered list of notes at the section's end, a landmark of its own.
    def footnote_ref(self, tokens, idx, options, env):
        n, sub = tokens[idx].meta["id"], tokens[idx].meta.get("subId", 0)
        note_id, ref_id = self._fn_ids(n, sub)
        return (f'<sup class="noteref"><a href="#{note_id}" id="{ref_id}" role="doc-noteref"'
                f'{self._noteref_type()}>{n + 1}</a></sup>')

    def _noteref_type(self) -> str:
        return ""

    def footnote_block_open(self, tokens, idx, options, env):
        # Each section's notes are a landmark of their own: their labels must differ.
        return (f'<section class="footnotes" role="doc-endnotes" aria-label="{escape(self.ctx.notes_label)}">\n'
                '<ol>\n')

    def footnote_block_close(self, tokens, idx, options, env):
        return "</ol>\n</section>\n"

    def footnote_open(self, tokens, idx, options, env):
        note_id, _ = self._fn_ids(tokens[idx].meta["id"])
        return f'<li id="{note_id}">\n'

    def footnote_close(self, tokens, idx, options, env):
        return "</li>\n"

    def footnote_anchor(self, tokens, idx, options, env):
        _, ref_id = self._fn_ids(tokens[idx].meta["id"])
        return f' <a href="#{ref_id}" class="backlink" role="doc-backlink" aria-label="Back to text">↩\ufe0e</a>'


class ScreenRenderer(_Renderer):
    """The web page: the briefing's title is its h1, so a section's headings go one level down;
    a wide table scrolls sideways by itself instead of widening the page."""

    def _heading_tokens(self, tokens, idx):
        return _Replaced(tokens, idx, tokens[idx].copy(tag=f"h{min(int(tokens[idx].tag[1]) + 1, 6)}"))

    def table_open(self, tokens, idx, options, env):
        # Focusable, so that a keyboard can scroll a table wider than the screen (axe: scrollable-region-focusable).
        return f'<div class="table-scroll" tabindex="0">{super().table_open(tokens, idx, options, env)}'

    def table_close(self, tokens, idx, options, env):
        return f"{self.renderToken(tokens, idx, options, env)}</div>\n"


class PrintRenderer(_Renderer):
    """One document for WeasyPrint: each note's text stands where it is called (`float: footnote`)."""

    def render_section(self, md: MarkdownIt, tokens: list[Token]) -> str:
        self.md = md
        self.notes = None  # while the notes' own texts are rendered: a note cannot float inside a note
        self.notes = _footnote_bodies(self, self.section.tokens, md, self.section.env)
        return self.render(_without_footnote_block(tokens), md.options, self.section.env)

    # WeasyPrint tags an <aside> as NonStruct: every block is a <section> (Sect), its title a
    # heading one level below the heading it stands under (PDF/UA-1 skips no level), never a bookmark.
    heading_level = 1

    def heading_open(self, tokens, idx, options, env):
        token = tokens[idx]
        if not token.meta.get("in_block") and not token.meta.get("block_title"):
            self.heading_level = int(token.tag[1])
        return super().heading_open(tokens, idx, options, env)

    def _block_element(self, kind: str) -> str:
        return "section"

    def _block_title(self, heading: str) -> str:
        level = min(self.heading_level + len(self.blocks), 6)
        return f'<h{level} class="block-title">{heading}</h{level}>'

    def _xref_attrs(self) -> str:
        # print.css adds the target's page: "Figure 1, p. 4"
        return f' data-page-label="{escape(self.words("page_abbr"))}"'

    def footnote_ref(self, tokens, idx, options, env):
        if self.notes is None:  # a call inside a note's text: printed nowhere, as Pandoc's LaTeX does
            return ""
        n, sub = tokens[idx].meta["id"], tokens[idx].meta.get("subId", 0)
        note_id, _ = self._fn_ids(n)
        # A note called twice is printed twice; only the first carries its id.
        id_attr = f' id="{note_id}"' if not sub else ""
        return f'<span class="footnote"{id_attr}>{self.notes.get(n, "")}</span>'


class EbookRenderer(_Renderer):
    """One document per section: links across documents, notes as EPUB 3 footnote asides."""

    def href(self, target) -> str:
        if target.document != self.ctx.document:
            return f"{target.document}#{quote(target.id)}"
        return f"#{quote(target.id)}"

    def _noteref_type(self) -> str:
        return ' epub:type="noteref"'

    def _block_type(self, kind: str) -> str:
        return ' epub:type="abstract"' if kind == "summary" else ""

    def footnote_block_open(self, tokens, idx, options, env):
        return '<section class="footnotes" epub:type="footnotes">\n'

    def footnote_block_close(self, tokens, idx, options, env):
        return "</section>\n"

    def footnote_open(self, tokens, idx, options, env):
        n = tokens[idx].meta["id"]
        note_id, ref_id = self._fn_ids(n)
        return (f'<aside id="{note_id}" class="footnote" epub:type="footnote" role="doc-footnote">\n'
                f'<p class="note-number"><a href="#{ref_id}" role="doc-backlink">{n + 1}.</a></p>\n')

    def footnote_close(self, tokens, idx, options, env):
        return "</aside>\n"

    def footnote_anchor(self, tokens, idx, options, env):
        return ""


# The styles of edition, each with its renderer: `print` (the PDF), `screen` (the web page),
# `ebook` (the EPUB). A briefing is rendered only in the styles its requested editions need.
RENDERERS: dict[str, type[_Renderer]] = {"print": PrintRenderer, "screen": ScreenRenderer, "ebook": EbookRenderer}
STYLES = tuple(RENDERERS)
