"""Markdown beyond CommonMark that every edition shares: Pandoc's ~~strike~~, H~2~O and x^2^,
and HTML comments (editors' notes) dropped before anything is rendered.

Raw HTML stays text (see markdown.make_parser): a comment is the one piece of HTML syntax that
is understood, and only to be removed.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.subscript import sub_plugin
from mdit_py_plugins.superscript import superscript_plugin

OPEN, CLOSE = "<!--", "-->"


def extensions(md: MarkdownIt) -> None:
    md.enable("strikethrough")  # markdown-it's own rule: ~~x~~ -> <s>x</s>
    md.use(sub_plugin).use(superscript_plugin)
    md.block.ruler.before("paragraph", "comment_block", _comment_block,
                          {"alt": ["paragraph", "reference", "blockquote", "list"]})
    md.inline.ruler.before("text", "comment_inline", _comment_inline)


def _comment_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A comment that starts a block and ends at the end of a line is dropped with its lines."""
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    begin = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith(OPEN, begin):
        return False
    closing = state.src.find(CLOSE, begin + len(OPEN))
    if closing < 0:
        return False  # never closed: shown as typed, as markdown-it shows other HTML
    line = start
    while line < end and state.eMarks[line] < closing:
        line += 1
    if line >= end or state.src[closing + len(CLOSE):state.eMarks[line]].strip():
        return False  # text after the comment on its last line: the inline rule drops the comment
    if not silent:
        state.line = line + 1
    return True


def _comment_inline(state: StateInline, silent: bool) -> bool:
    """A comment inside a paragraph is dropped, the text around it kept."""
    if not state.src.startswith(OPEN, state.pos):
        return False
    closing = state.src.find(CLOSE, state.pos + len(OPEN))
    if closing < 0 or closing + len(CLOSE) > state.posMax:
        return False
    state.pos = closing + len(CLOSE)
    return True
