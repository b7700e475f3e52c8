"""A BibTeX file checked by a scanner of our own, with lines, before citeproc-py's parser (which
hangs on some malformed input, and is not linear in the file's size) reads it."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from press.base import limits
from press.base.errors import Location, SourceError
from press.base.sizes import human_size


class BibliographyError(SourceError):
    pass


def bib_error(message: str, path: Path, line: int | None) -> BibliographyError:
    return BibliographyError(message, Location(path, line), "E901")



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
        raise bib_error(message, path, line(min(at, n)))

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
            opener = text[start:start + 1]   # "" at the end of the file, which `in "{("` would accept
            pos = braced(start, "}" if opener == "{" else ")") if opener in ("{", "(") else text.find("\n", start)
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
