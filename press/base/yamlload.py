"""The one YAML reader for briefing.yml and front matter: PyYAML's safe loader, made strict.

PyYAML's SafeLoader lets a later duplicate key silently win, recurses once per level of
nesting (5,000 `[` overflow Python's stack), and lets Python's own errors escape from its
constructors (a 5,000-digit integer exceeds `int`'s digit limit, 2026-02-30 is no date).
Here each of these is a `yaml.YAMLError` with the line it is on, which callers already turn
into a `file:line` message. Aliases (`*name`) are refused too: a 1 kB "billion laughs" of nested
aliases expands to gigabytes wherever a value is walked. A string holding a lone surrogate
(`"\\uD800"`, which no UTF-8 file can hold) or a Unicode non-character is a `CharacterError`.
"""

from __future__ import annotations

import re

import yaml
from yaml.constructor import ConstructorError
from yaml.composer import ComposerError

from press.base import limits

# Lone surrogates (only a YAML escape makes them; nothing can encode them) and the 66 non-characters.
UNUSABLE_CHARS = re.compile("[\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                            + "".join(f"{chr(p * 0x10000 + 0xFFFE)}{chr(p * 0x10000 + 0xFFFF)}" for p in range(1, 17))
                            + "]")


class CharacterError(ConstructorError):
    """A string holds a character no output can carry (a lone surrogate, a non-character)."""


def unusable_char(text: str) -> str | None:
    """'U+XXXX (a ...)' for the first character of `text` no output can carry, or None."""
    found = UNUSABLE_CHARS.search(text)
    if not found:
        return None
    code = ord(found.group())
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else "a Unicode non-character"
    return f"U+{code:04X} ({kind})"


class StrictLoader(yaml.SafeLoader):
    """SafeLoader refusing duplicate keys, nesting deeper than the limit and unreadable scalars."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not allowed: write the value out in full",
                                self.peek_event().start_mark)
        self._depth += 1
        try:
            if self._depth > limits.MAX_YAML_DEPTH:
                raise ComposerError(None, None, f"values are nested more than {limits.MAX_YAML_DEPTH} levels deep",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_scalar(self, node):
        value = super().construct_scalar(node)
        if isinstance(value, str):
            bad = unusable_char(value)
            if bad:
                raise CharacterError(None, None, f"character {bad} is not allowed: delete it", node.start_mark)
        return value

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    continue  # a complex key: PyYAML refuses it as unhashable, with its line
                key = (key_node.tag, key_node.value)
                if key in seen:
                    raise ConstructorError(
                        None, None, f"duplicate key '{_short(key_node.value)}' (first on line {seen[key] + 1})",
                        key_node.start_mark)
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)

    def construct_yaml_int(self, node):
        if len(node.value) > limits.MAX_YAML_INT_DIGITS:  # Python's int() refuses 4,300 and more
            raise ConstructorError(None, None, f"a number of {len(node.value)} digits is too long: "
                                   "put quotes around it if it is text", node.start_mark)
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError) as exc:
            raise ConstructorError(None, None, f"'{_short(node.value)}' is not a valid date ({exc})",
                                   node.start_mark) from None


StrictLoader.add_constructor("tag:yaml.org,2002:int", StrictLoader.construct_yaml_int)
StrictLoader.add_constructor("tag:yaml.org,2002:timestamp", StrictLoader.construct_yaml_timestamp)


def _short(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


def load(text: str):
    """The data of one YAML document; raises yaml.YAMLError with a mark for every problem."""
    return yaml.load(text, Loader=StrictLoader)


def compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document (for lines), with the same depth bound as `load`."""
    return yaml.compose(text, Loader=StrictLoader)


def problem_line(exc: yaml.YAMLError) -> tuple[int | None, str]:
    """(0-based line or None, the problem in words) of a YAML error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return (mark.line if mark else None), problem
