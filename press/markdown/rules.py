"""Rules on a section's Markdown that `check` and the build both apply (via
markdown.structure_problems): each is a function from a parsed section to its problems.

- E216: a footnote call with no footnote text (`claim.[^missing]`), which would print as typed;
- E217: a code fence that is never closed, which swallows the rest of the section;
- E218: TeX math (`$x^2$`), which no edition typesets: refused rather than printed as typed.
"""

from __future__ import annotations

import re

from press.base.errors import Location, SourceError

_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?(?<!`)\1(?!`)")
_FOOTNOTE_CALL = re.compile(r"(?<!\\)\[\^([^\]\s]+)\](?!:)")
# Pandoc's rule: an opening $ followed by a non-space, a closing $ after a non-space and not
# followed by a digit (so "$5 and $10" is money, not math); $$...$$ is display math.
_MATH = re.compile(r"(?<![\\$])\$\$(?:.|\n)+?\$\$|(?<![\\$\w])\$(?=[^\s$])[^$\n]*?(?<=[^\s\\$])\$(?!\d)")


def _masked(text: str) -> str:
    """The inline text with code spans blanked (their content is not Markdown), lines kept."""
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


def _inlines(section):
    for token in section.tokens:
        if token.type == "inline" and token.map:
            yield token.map[0] + 1, _masked(token.content)


def undefined_footnotes(section) -> list[SourceError]:
    defined = set((section.env.get("footnotes") or {}).get("refs", {}))
    found = []
    for line, text in _inlines(section):
        for match in _FOOTNOTE_CALL.finditer(text):
            if f":{match.group(1)}" not in defined:
                at = Location(section.path, line + text.count("\n", 0, match.start()))
                found.append(SourceError(
                    f"footnote [^{match.group(1)}] has no text: add a line `[^{match.group(1)}]: the note` "
                    "(or remove the call)", at, "E216"))
    return found


def unclosed_fences(section) -> list[SourceError]:
    lines = section.text.splitlines()
    found = []
    for token in section.tokens:
        if token.type != "fence" or not token.map:
            continue
        start, end = token.map
        last = lines[end - 1] if 0 < end <= len(lines) and end - 1 > start else ""
        fence = re.escape(token.markup[0])
        if not re.fullmatch(rf"[\s>]*(?:[-*+]\s+|\d+[.)]\s+)?{fence}{{{len(token.markup)},}}\s*", last):
            found.append(SourceError(
                f"code block opened with {token.markup} is never closed: add a line {token.markup} where it "
                "ends (everything after it is shown as code)", Location(section.path, start + 1), "E217"))
    return found


def tex_math(section) -> list[SourceError]:
    found = []
    for line, text in _inlines(section):
        for match in _MATH.finditer(text):
            at = Location(section.path, line + text.count("\n", 0, match.start()))
            found.append(SourceError(
                f"TeX math {match.group(0)[:40]!r} is not supported: no edition can typeset it. Write it in "
                "words or Unicode (x², H₂O; or x^2^, H~2~O), or escape a dollar sign as \\$", at, "E218"))
    return found


SECTION_RULES = (undefined_footnotes, unclosed_fences, tex_math)


def section_problems(section) -> list[SourceError]:
    return [problem for rule in SECTION_RULES for problem in rule(section)]
