"""Each citation's parts, as the style prints them, each linked to its entry: several items in
the order written, a note style's notes, a citation without its authors (`[-@key]`) or with
them in the text (`@key`)."""

from __future__ import annotations

import re
import warnings
from html import escape

from press.citations.citeproc_fixes import punctuation_in_quote, tidy_punctuation
from press.citations.markup import safe_html


def author_names(reference, locale_and: str) -> str:
    """The authors' (else editors') family names as an in-text citation prints them."""
    people = reference.get("author") or reference.get("editor") or []
    names = [str(p.get("family") or p.get("literal") or p.get("given") or "") for p in people]
    names = [n for n in names if n]
    if not names:
        return str(reference.get("title", ""))
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} {locale_and} {names[1]}"
    if len(names) == 3:
        return f"{names[0]}, {names[1]}, {locale_and} {names[2]}"
    return f"{names[0]} et al."


def items_in_order(bibliography, probe, items: list, style) -> str:
    """A note style's citation, its items in the order the author wrote them, as Pandoc keeps
    them: each cited alone (in turn, so that "Ibid." and short forms follow the reading order),
    joined with the style's delimiter."""
    if len(items) == 1:
        return safe_html(bibliography.cite(probe(items), lambda item: None))
    layout = style.root.citation.layout
    prefix, suffix = safe_html(layout.get("prefix", "")), safe_html(layout.get("suffix", ""))
    pieces = [_strip(safe_html(bibliography.cite(probe([item]), lambda i: None)), prefix, suffix) for item in items]
    return prefix + safe_html(layout.get("delimiter", "; ")).join(pieces) + suffix


def note(text: str, items: list, anchors: dict, style, whole: bool) -> list:
    """A note style's citation: as a note of its own (`whole`), with a capital first letter
    ("Ibid."); inside an author's note, in parentheses without the style's closing period, as
    Pandoc sets it. Each item is linked to its entry when the style's delimiter separates
    them, else the whole to the first."""
    layout = style.root.citation.layout
    prefix, suffix = safe_html(layout.get("prefix", "")), safe_html(layout.get("suffix", ""))
    if whole:
        text = re.sub(r"^((?:<[^>]+>)*)([a-z])", lambda m: m.group(1) + m.group(2).upper(), text, count=1)
    else:   # in parentheses, as Pandoc sets it: "A note citing (Adams, Rivers of the Sahel, 3)."
        if suffix and text.endswith(suffix):
            text = text[: -len(suffix)]
        text, prefix, suffix = f"({text})", "(", ")"
    text = tidy_punctuation(text, punctuation_in_quote(style))
    body = _strip(text, prefix, suffix)
    delimiter = safe_html(layout.get("delimiter", "; "))
    pieces = body.split(delimiter) if delimiter else [body]
    keys = [item.key.lower() for item in items]
    if len(pieces) != len(keys):
        pieces, keys = [body], keys[:1]
    parts = [(prefix if prefix and text.startswith(prefix) else "", None)]
    for n, (piece, key) in enumerate(zip(pieces, keys)):
        parts += [(delimiter if n else "", None), (piece, anchors[key])]
    parts.append((suffix if text.endswith(suffix) and suffix else "", None))
    return [p for p in parts if p[0]]


def split_names(text: str, reference, and_term: str) -> tuple[str, str] | None:
    """A note's authors as it prints them ("Kofi Adams", later "Adams") and the rest of it."""
    people = reference.get("author") or reference.get("editor") or []

    def joined(names: list[str]) -> str:
        if len(names) < 3:
            return f" {and_term} ".join(names)
        return ", ".join(names[:-1]) + f", {and_term} " + names[-1]

    for form in (lambda p: " ".join(str(p.get(k)) for k in ("given", "family") if p.get(k)),
                 lambda p: str(p.get("family") or p.get("literal") or "")):
        names = [form(person) for person in people]
        printed = escape(joined(names), quote=False) if names and all(names) else ""
        if printed and text.startswith(printed + ", "):
            return printed, text[len(printed) + 2:]
    return None


def and_term(style) -> str:
    try:
        return str(style.root.get_term("and").single) or "and"
    except Exception:
        return "and"


def _strip(text: str, prefix: str, suffix: str) -> str:
    if prefix and text.startswith(prefix):
        text = text[len(prefix):]
    if suffix and text.endswith(suffix):
        text = text[: -len(suffix)]
    return text


def linked(text, items, bibliography, probe, anchors, prefix, suffix) -> list:
    """The citation as citeproc-py printed it, each item's part linked to its entry (the style
    may have sorted the items: each is looked for wherever it stands)."""
    spans = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for item in items:
            single = _strip(safe_html(bibliography.cite(probe([item]), lambda i: None)), prefix, suffix)
            at = text.find(single) if single else -1
            while at >= 0 and any(a < at + len(single) and at < b for a, b, _ in spans):
                at = text.find(single, at + 1)
            if at < 0:   # collapsed ("[1–3]") or otherwise merged: one link, to the first entry
                inner = _strip(text, prefix, suffix)
                return [p for p in [(prefix if text.startswith(prefix) else "", None),
                                    (inner, anchors[items[0].key.lower()]),
                                    (suffix if text.endswith(suffix) else "", None)] if p[0]]
            spans.append((at, at + len(single), anchors[item.key.lower()]))
    parts, position = [], 0
    for a, b, anchor in sorted(spans):
        parts += [(text[position:a], None), (text[a:b], anchor)]
        position = b
    return [p for p in parts + [(text[position:], None)] if p[0]]


def author_suppressed(token, text, items, source, bibliography, citation_of, anchors, prefix, suffix,
                       and_term) -> list:
    """`[-@key]` prints the citation without its authors ("(2020, 12)"); in-text `@key` prints
    the authors, then that ("Smith and Doe (2020)"); in a numeric style "Smith and Doe [1]"."""
    parts = []
    for n, item in enumerate(items):
        anchor = anchors[item.key.lower()]
        names = author_names(source[item.key.lower()], and_term)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            single = _strip(safe_html(bibliography.cite(citation_of([item]), lambda i: None)), prefix, suffix)
        shown, printed = single, escape(names, quote=False)
        for lead in (escape(item.prefix + " ", quote=False) if item.prefix else "", ""):
            found = _printed_names(single[len(lead):], printed, and_term) if single.startswith(lead) else None
            if found:
                printed = found
                shown = lead + single[len(lead) + len(found):].lstrip(" ,")
                break
        if token.meta["intext"] and not item.suppress_author:
            parts += [(printed + " ", None), (f"{prefix}{shown}{suffix}", anchor)]
        elif token.meta["intext"]:   # `-@key`
            parts += [(f"{prefix}{shown}{suffix}", anchor)]
        else:
            body = shown if item.suppress_author else single
            parts += [(prefix if n == 0 else "; ", None), (body, anchor)]
    if not token.meta["intext"]:
        parts.append((suffix, None))
    return [p for p in parts if p[0]]


def _printed_names(single: str, names: str, and_term: str) -> str | None:
    """The authors as the style prints them at the start of a citation: "Smith and Doe", or
    APA's "Smith & Doe"; else whatever stands before the year ("Smith et al., 2020")."""
    for candidate in (names, names.replace(f", {and_term} ", ", &amp; ").replace(f" {and_term} ", " &amp; ")):
        if single.startswith(candidate):
            return candidate
    before_year = re.match(r"(.+?)(?:,\s*|\s+)(?=\d{4}|n\.\s?d\.)", single)
    return before_year.group(1) if before_year else None
