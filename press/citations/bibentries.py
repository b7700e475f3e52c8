"""What a bibliography entry may hold before citeproc-py reads it: names, dates and the other
fields in the forms CSL-JSON gives them, and web addresses only. citeproc-py trusts its input
(a family name 5 or a date part "x" ended the render with a TypeError), so it is checked here,
where the entry's file and line are known.
"""

from __future__ import annotations

from press.base.links import WEB_SCHEMES, scheme_problem

# CSL 1.0.2's name and date variables (the others are text or numbers).
NAME_VARIABLES = frozenset({
    "author", "chair", "collection-editor", "compiler", "composer", "container-author", "contributor",
    "curator", "director", "editor", "editorial-director", "editor-translator", "executive-producer",
    "guest", "host", "illustrator", "interviewer", "narrator", "organizer", "original-author",
    "performer", "producer", "recipient", "reviewed-author", "script-writer", "series-creator",
    "translator"})
DATE_VARIABLES = frozenset({"accessed", "available-date", "event-date", "issued", "original-date", "submitted"})
NAME_PARTS = frozenset({"family", "given", "literal", "suffix", "dropping-particle", "non-dropping-particle"})


def url_problem(url: str) -> str | None:
    """Why an entry's URL cannot be linked, or None: the rule of a section's links, web only."""
    return scheme_problem(url, WEB_SCHEMES)


def csl_item_problem(item: dict) -> str | None:
    """Why a CSL-JSON entry cannot be used as it is, or None."""
    for name, value in item.items():
        if name in NAME_VARIABLES:
            problem = _names_problem(value)
        elif name in DATE_VARIABLES:
            problem = _date_problem(value)
        elif isinstance(value, bool) or not isinstance(value, (str, int, float)):
            problem = f"must be text or a number, not {_kind(value)}"
        else:
            problem = None
        if problem:
            return f"'{name}' {problem}"
    return None


def _names_problem(value) -> str | None:
    if not isinstance(value, list):
        return f"must be a list of names, not {_kind(value)}"
    for person in value:
        if not isinstance(person, dict):
            return f"must be a list of names ({{\"family\": ..., \"given\": ...}}), not {_kind(person)}"
        for part, text in person.items():
            if part in NAME_PARTS and not isinstance(text, str):
                return f"has a name whose '{part}' is {_kind(text)}, not text"
    return None


def _date_problem(value) -> str | None:
    if not isinstance(value, dict):
        return f"must be a date ({{\"date-parts\": [[2020, 5, 1]]}}), not {_kind(value)}"
    if "date-parts" not in value:
        return None if any(isinstance(value.get(k), str) for k in ("raw", "literal")) else \
            "needs 'date-parts' (or 'raw' or 'literal' text)"
    parts = value["date-parts"]
    if not isinstance(parts, list) or not 1 <= len(parts) <= 2 or not all(
            isinstance(p, list) and 1 <= len(p) <= 3 and all(_date_number(n, DATE_RANGES[i]) for i, n in enumerate(p))
            for p in parts):
        return "must hold 'date-parts' as [[year, month, day]] in numbers"
    return None


# A year, a month (or 21-24, CSL's seasons), a day.
DATE_RANGES = ((-9999, 9999), (1, 24), (1, 31))


def _date_number(value, bounds: tuple[int, int]) -> bool:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) <= 5:
        value = int(value)
    return isinstance(value, int) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]


def _kind(value) -> str:
    if value is None:
        return "null"
    return {bool: "true or false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "an object"}.get(type(value), type(value).__name__)
