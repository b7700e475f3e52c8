"""Markdown parsed with markdown-it-py: the parser and its extensions, a section's tokens,
headings and limits, and the line of each inline token.

Parsing and rendering are separate steps because links between sections can only be
checked once every section's headings are known: `parse` one file, give its headings
ids (see `source.py`), then render it once per kind of edition (press.markdown.renderers).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from press.base import lang, limits, yamlload
from press.markdown import blocks, citation_syntax, rules, syntax
from press.base.errors import Location, Problems, SourceError
from press.base.sizes import human_size
from press.base.hints import case_mismatch
from press.base.hints import encoding_advice
from press.base import fonts

FRONT_MATTER_KEYS = ("id",)


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
