"""A section rendered as an HTML fragment for one style of edition, by markdown-it-py's renderer:
`print` (the PDF: notes inline for `float: footnote`), `screen` (the web page) and `ebook`
(the EPUB), each with its renderer class, after `press.markdown.markdown` parsed it and the
section's headings were given their ids.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape
from typing import Callable, Sequence
from urllib.parse import quote

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token

from press.base.errors import Location, SourceError
from press.markdown import blocks
from press.markdown.markdown import ParsedSection, line_of

Style = str  # "print" | "screen" | "ebook": see RENDERERS and model.Fragments


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

