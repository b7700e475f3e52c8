"""Pandoc and Quarto syntax for the parts of a policy brief: fenced divs, numbered figures and
tables, heading ids and cross-references.

```
::: {.box #box-wells title="Wells"}      a block: .summary .recommendations .box .callout-*
![Caption](map.svg){#fig-delta}          a numbered figure
: Caption {#tbl-water}                   after a table (and a blank line): a numbered table
## Title {#sec-id}                       a heading's explicit id
@fig-delta, @tbl-water, @box-wells, @sec-id    cross-references
```

`blocks_plugin` adds the parsing to markdown-it: mdit-py-plugins' `container` for the fences,
`attrs` for an image's `{#id}`, an inline rule for cross-references and a core rule that reads
the attributes, gives each block its title (its first heading, or `title="..."`) and marks
headings inside blocks, which are titles and never entries of the contents. Problems are kept
on the tokens and reported, with file and line, by `problems()` (the build and `check` alike).
Numbers and ids come later, from press.model.targets, once every section is parsed.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.attrs.parse import ParseError, parse as parse_attrs
from mdit_py_plugins.container import container_plugin

from press.base import lang
from press.base.errors import Location, SourceError

CALLOUTS = ("callout-note", "callout-tip", "callout-important", "callout-warning", "callout-caution")
BLOCKS = ("summary", "recommendations", "box", *CALLOUTS)
# What a cross-reference's prefix names: `@fig-x` a figure, ... `@sec-x` a section or heading.
# A citation rule (`@key`) added after this one sees every `@` these prefixes do not claim.
CROSSREF_PREFIXES = {"fig": "figure", "tbl": "table", "box": "box", "sec": "section"}
ID = r"[A-Za-z][A-Za-z0-9_-]*"
_CROSSREF = re.compile(rf"@((?:{'|'.join(CROSSREF_PREFIXES)})-[A-Za-z0-9_-]*[A-Za-z0-9_])")
_HEADING_ATTRS = re.compile(r"\s*(\{[^{}]*\})\s*$")
_TABLE_CAPTION = re.compile(r"^:\s+(.*?)\s*(\{[^{}]*\})?\s*$", re.S)
_FENCE = re.compile(r"\s*(:{3,})\s*$")


def blocks_plugin(md: MarkdownIt) -> None:
    # A passage marked only with its language (`::: {lang=ar}`) is press.base.lang's, not a block.
    container_plugin(md, "div", validate=lambda params, *_: bool(params.strip())
                     and not lang.DIV_PARAMS.fullmatch(params.strip()))
    attrs_plugin(md, after=("image",), allowed=("id", "class", "fig-alt"))
    md.inline.ruler.push("crossref", _crossref)
    md.core.ruler.push("press_blocks", _annotate)


def _crossref(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] != "@" or (state.pos > 0 and (state.src[state.pos - 1].isalnum()
                                                         or state.src[state.pos - 1] in "_@")):
        return False
    found = _CROSSREF.match(state.src, state.pos)
    if not found:
        return False
    if not silent:
        token = state.push("crossref", "", 0)
        token.meta = {"id": found.group(1)}
        token.markup = found.group(0)
    state.pos = found.end()
    return True


def _problem(token: Token, code: str, message: str) -> None:
    token.meta.setdefault("problems", []).append((code, message))


def _attrs(text: str) -> dict | None:
    try:
        end, attrs = parse_attrs(text)
    except ParseError:
        return None
    return attrs if not text[end + 1:].strip() else None  # `end` is the closing brace


def _annotate(state) -> None:
    tokens: list[Token] = state.tokens
    lines = state.src.split("\n")
    _table_captions(state)
    stack: list[Token] = []
    used_fences: set[int] = set()
    for i, token in enumerate(tokens):
        token.meta = token.meta or {}
        if token.type == "container_div_open":
            _open_block(token)
            stack.append(token)
        elif token.type == "container_div_close":
            block = stack.pop()
            end = block.map[1] if block.map else -1
            fence = _FENCE.fullmatch(lines[end]) if 0 <= end < len(lines) else None
            if fence is None or end in used_fences or len(fence.group(1)) < len(block.markup):
                _problem(block, "E211", f"'{block.markup}' fence is not closed: end the block with a line "
                                        f"'{block.markup}' (a fence inside another needs fewer colons)")
            used_fences.add(end)
            block.meta["close"] = token
        elif token.type == "heading_open":
            if stack:
                token.meta["in_block"] = True
                block = stack[-1]
                if "title" not in block.meta and "title_heading" not in block.meta:
                    block.meta["title_heading"] = tokens[i + 1]
                    token.meta["block_title"] = True
            else:
                _heading_attrs(token, tokens[i + 1])
        elif token.type == "paragraph_open" and tokens[i + 1].type == "inline":
            _figure(token, tokens[i + 1])
            if _FENCE.fullmatch(tokens[i + 1].content) and not stack:
                _problem(token, "E211", f"'{tokens[i + 1].content.strip()}' closes no block")


def _open_block(token: Token) -> None:
    params = token.info.strip()
    attrs = _attrs(params) if params.startswith("{") else {"class": params} if re.fullmatch(r"[\w-]+", params) \
        else None
    if attrs is None:  # one finding for the fence: its class and title cannot be judged
        _problem(token, "E210", f"cannot read the block's attributes '{params[:80]}': write "
                                "'::: {.box #box-id}' or '::: summary'")
        token.meta["kind"], token.meta["unknown"] = "box", True
        return
    classes = str(attrs.get("class", "")).split()
    kinds = [c for c in classes if c in BLOCKS]
    if not kinds:
        known = ", ".join(f".{b}" for b in BLOCKS)
        _problem(token, "E210", f"unknown block class '{' '.join('.' + c for c in classes) or params[:80]}': "
                                f"use one of {known}")
    token.meta["kind"] = kinds[0] if kinds else "box"  # rendered as a box; its error is the class
    token.meta["unknown"] = not kinds
    if "id" in attrs:
        token.meta["id"] = str(attrs["id"])
        if not re.fullmatch(ID, token.meta["id"]):
            _problem(token, "E214", f"id '{token.meta['id'][:80]}' must be letters, digits, '-' or '_'")
        elif token.meta["kind"] == "box" and not token.meta["id"].startswith("box-"):
            _problem(token, "E214", f"a box's id starts with 'box-': '{token.meta['id']}'")
        elif token.meta["kind"] != "box":
            _problem(token, "E214", f"only a box can be referred to by its id; remove '#{token.meta['id']}'")
    if attrs.get("title"):
        token.meta["title"] = str(attrs["title"])


def _heading_attrs(token: Token, inline: Token) -> None:
    """`## Title {#sec-id}`: the id, taken off the heading's text."""
    children = inline.children or []
    if not children or children[-1].type != "text":
        return
    found = _HEADING_ATTRS.search(children[-1].content)
    if not found:
        return
    attrs = _attrs(found.group(1))
    if attrs is None:
        return
    children[-1].content = children[-1].content[: found.start()]
    inline.content = inline.content[: inline.content.rfind("{")].rstrip()
    if "id" in attrs:
        token.meta["id"] = str(attrs["id"])
        if not re.fullmatch(ID, token.meta["id"]):
            _problem(token, "E214", f"id '{token.meta['id'][:80]}' must be letters, digits, '-' or '_'")


def _figure(paragraph: Token, inline: Token) -> None:
    images = [c for c in inline.children or [] if c.type == "image" and c.attrGet("id")]
    if not images:
        return
    alone = [c for c in inline.children if not (c.type == "text" and not c.content.strip())]
    anchor = str(images[0].attrGet("id"))
    if len(alone) != 1:
        _problem(paragraph, "E214", f"figure '#{anchor}' must be alone in its paragraph")
    elif not anchor.startswith("fig-") or not re.fullmatch(ID, anchor):
        _problem(paragraph, "E214", f"a figure's id starts with 'fig-' (letters, digits, '-'): '{anchor[:80]}'")
    else:
        paragraph.meta["figure"] = anchor


def _table_captions(state) -> None:
    """`: Caption {#tbl-id}` after a table: its caption. Without the blank line before it,
    markdown-it reads the caption as the table's last row; both are accepted."""
    tokens: list[Token] = state.tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        out.append(token)
        if token.type == "table_close":
            table_open = next(t for t in reversed(out) if t.type == "table_open" and t.level == token.level)
            caption = None
            if (i + 2 < len(tokens) and tokens[i + 1].type == "paragraph_open"
                    and tokens[i + 2].type == "inline" and _TABLE_CAPTION.match(tokens[i + 2].content)):
                caption = tokens[i + 2].content
                i += 3  # the paragraph is the caption
            else:
                caption = _caption_row(out)
            if caption is not None:
                _set_caption(state, table_open, caption)
        i += 1
    state.tokens[:] = out


def _caption_row(out: list[Token]) -> str | None:
    """A last body row whose first cell is `: ...` and whose other cells are empty: remove it."""
    end = len(out) - 1  # table_close
    if end < 2 or out[end - 1].type != "tbody_close" or out[end - 2].type != "tr_close":
        return None
    start = end - 2
    while out[start].type != "tr_open":
        start -= 1
    cells = [t for t in out[start:end] if t.type == "inline"]
    if not cells or not _TABLE_CAPTION.match(cells[0].content) or any(c.content.strip() for c in cells[1:]):
        return None
    caption = cells[0].content
    del out[start:end - 1]
    if out[start - 1].type == "tbody_open" and out[start].type == "tbody_close":
        del out[start - 1:start + 1]
    return caption


def _set_caption(state, table_open: Token, text: str) -> None:
    found = _TABLE_CAPTION.match(text)
    caption, attrs_text = found.group(1), found.group(2)
    table_open.meta = table_open.meta or {}
    if attrs_text:
        attrs = _attrs(attrs_text) or {}
        anchor = str(attrs.get("id", ""))
        if anchor and (not anchor.startswith("tbl-") or not re.fullmatch(ID, anchor)):
            _problem(table_open, "E214", f"a table's id starts with 'tbl-' (letters, digits, '-'): '{anchor[:80]}'")
        elif anchor:
            table_open.meta["table"] = anchor
    inline = state.md.parseInline(caption, state.env)
    table_open.meta["caption"] = inline[0].children if inline else []


# --- after parsing ---------------------------------------------------------------------


def problems(path, tokens: list[Token]) -> list[SourceError]:
    """Every problem the parser found in the blocks, with its file and line; a box without a
    title; a footnote in the summary, which stands apart from its section's notes."""
    found = []
    summary = summary_range(tokens)
    if summary:
        for token in tokens[summary[0]:summary[1]]:
            if token.type == "inline" and any(c.type == "footnote_ref" for c in token.children or []):
                found.append(SourceError("the summary cannot hold a footnote: it is printed apart from its section",
                                         Location(path, token.map[0] + 1 if token.map else 1), "E213"))
    for token in tokens:
        line = token.map[0] + 1 if token.map else 1
        for code, message in (token.meta or {}).get("problems", ()):
            found.append(SourceError(message, Location(path, line), code))
        if token.type == "container_div_open":
            kind = token.meta.get("kind")
            if kind == "box" and not token.meta.get("unknown") and not token.meta.get("title") \
                    and not token.meta.get("title_heading"):
                found.append(SourceError("a box needs a title: its first heading, or title=\"...\"",
                                         Location(path, line), "E212"))
    return found


def block_title(md: MarkdownIt, block: Token, env: dict, renderer) -> str:
    """A block's title as inline HTML, or '' when it has none."""
    if block.meta.get("title"):
        inline = md.parseInline(block.meta["title"], env)
        return renderer.renderInline(inline[0].children if inline else [], md.options, env)
    heading = block.meta.get("title_heading")
    if heading is not None:
        return renderer.renderInline(heading.children or [], md.options, env)
    return ""


def summary_range(tokens: list[Token]) -> tuple[int, int] | None:
    """Where the summary block stands in a section's tokens: (open, close) indices."""
    for i, token in enumerate(tokens):
        if token.type == "container_div_open" and token.meta.get("kind") == "summary":
            close = token.meta.get("close")
            j = next(j for j in range(i + 1, len(tokens)) if tokens[j] is close)
            return i, j
    return None
