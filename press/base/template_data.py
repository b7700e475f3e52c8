"""What templates are given: plain values made from the records, never the records themselves.

A theme's templates come with the sources, which are untrusted. Jinja's sandbox blocks dunder
attributes but not ordinary methods, so a `pathlib.Path` reachable from a template could read,
write or delete any file (`briefing.manifest.root.joinpath('/etc/passwd').read_text()`). So
every template, the tool's and a theme's alike, receives only strings (markup included),
numbers, booleans, dates, tuples, mappings and `Record`s of those: a record's public fields and
properties, copied. Paths, callables and any other object are left out, so they cannot be
reached at all; a template that names one fails as an undefined name.
"""

from __future__ import annotations

import datetime as dt
import dataclasses
from collections.abc import Mapping

from markupsafe import Markup

# Leaf values a template may hold and call methods of (str's, date's): none reaches a file.
PLAIN_TYPES = (str, Markup, int, float, bool, type(None), dt.date, dt.datetime, dt.time)
_OMIT = object()  # what a path, a callable or any other object becomes: nothing


class Record:
    """A record's public fields and properties as read-only attributes (or items)."""

    __slots__ = ("_values",)

    def __init__(self, values: dict):
        object.__setattr__(self, "_values", values)

    def __getattr__(self, name: str):
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str):
        return self._values[name]

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def __setattr__(self, name, value):
        raise AttributeError("template data is read-only")

    def __eq__(self, other) -> bool:   # as the records compare (`active == f` in a template)
        return isinstance(other, Record) and self._values == other._values

    __hash__ = None

    def __repr__(self) -> str:
        return f"Record({', '.join(self._values)})"


def plain(context: Mapping) -> dict:
    """The context a template is rendered with: each value made plain (see the module's doc)."""
    seen: dict[int, object] = {}
    values = {key: _recent(value) or _plain(value, seen) for key, value in context.items()}
    return {key: value for key, value in values.items() if value is not _OMIT}


# The last few records made plain, by identity (the object is kept, so its id is not reused):
# an EPUB renders a dozen documents from one briefing, which is copied once.
_RECENT: dict[int, tuple[object, Record]] = {}


def _recent(value) -> Record | None:
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return None
    kept = _RECENT.get(id(value))
    if kept is None or kept[0] is not value:
        if len(_RECENT) >= 4:
            _RECENT.pop(next(iter(_RECENT)))
        kept = _RECENT[id(value)] = (value, _plain(value, {}))
    return kept[1]


def _plain(value, seen: dict):
    if isinstance(value, PLAIN_TYPES):
        return value
    known = seen.get(id(value))
    if known is not None:
        return known
    if isinstance(value, tuple) and hasattr(value, "_fields"):   # a named tuple: its fields, all plain
        items = [_plain(v, seen) for v in value]
        made = _OMIT if _OMIT in items else type(value)._make(items)
    elif isinstance(value, (tuple, list)):
        made = tuple(item for item in (_plain(v, seen) for v in value) if item is not _OMIT)
    elif isinstance(value, Mapping):
        made = {k: v for k, v in ((k, _plain(v, seen)) for k, v in value.items())
                if isinstance(k, PLAIN_TYPES) and v is not _OMIT}
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        made = Record(_record_values(value, seen))
    else:
        return _OMIT
    seen[id(value)] = made
    return made


def _record_values(record, seen: dict) -> dict:
    names = [f.name for f in dataclasses.fields(record)]
    names += [name for kind in type(record).__mro__ for name, member in vars(kind).items()
              if isinstance(member, property)]
    values = {}
    for name in names:
        if name.startswith("_"):
            continue
        value = _plain(getattr(record, name), seen)
        if value is not _OMIT:
            values[name] = value
    return values


def walk(value, path: str = "context"):
    """Every (path, value) reachable from a template context: for the test that nothing else is."""
    yield path, value
    if isinstance(value, Record):
        for name, item in value._values.items():
            yield from walk(item, f"{path}.{name}")
    elif isinstance(value, Mapping):
        for name, item in value.items():
            yield from walk(item, f"{path}[{name!r}]")
    elif isinstance(value, tuple):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")
