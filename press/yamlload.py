"""The one YAML reader for briefing.yml and front matter: PyYAML's safe loader, made strict.

PyYAML's SafeLoader lets a later duplicate key silently win, recurses once per level of
nesting (5,000 `[` overflow Python's stack), and lets Python's own errors escape from its
constructors (a 5,000-digit integer exceeds `int`'s digit limit, 2026-02-30 is no date).
Here each of these is a `yaml.YAMLError` with the line it is on, which callers already turn
into a `file:line` message.
"""

from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError
from yaml.composer import ComposerError

from . import limits


class StrictLoader(yaml.SafeLoader):
    """SafeLoader refusing duplicate keys, nesting deeper than the limit and unreadable scalars."""

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > limits.MAX_YAML_DEPTH:
                raise ComposerError(None, None, f"values are nested more than {limits.MAX_YAML_DEPTH} levels deep",
                                    self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

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
