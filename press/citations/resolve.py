"""Every citation of the parsed sections rendered, and the references they cite: the `Citations`
record (press.model.citations), or for `check` the problems.

Once every section is parsed, `resolve` registers every citation in reading order (a note's
citations where the note is called), renders each one and the list of references under the
render's budget, and reports an unknown key with its file and line. The renderers then ask
press.citations.markup.citation_html for each token's HTML in their edition.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import traceback
import warnings
from html import escape
from pathlib import Path

from press.base import budget, limits
from press.base.errors import Location, PressError, SourceError
from press.citations import forms
from press.citations.citeproc_fixes import patch_citeproc, punctuation_in_quote, tidy_punctuation
from press.citations.markup import link_urls, plain, safe_html
from press.citations.sources import load_bibliography
from press.citations.styles import load_style
from press.markdown.citation_syntax import CiteItem
from press.markdown.markdown import line_numbers
from press.model import targets
from press.model.citations import DEFAULT_STYLE, Citations, Entry


def walk_citations(sections) -> list[tuple[object, Path, int]]:
    """Every citation token in reading order, with its file and line; a note's citations
    come where the note is called."""
    found = []
    for section in sections:
        tokens = section.tokens
        notes: dict[int, list] = {}
        start = None
        for i, token in enumerate(tokens):
            if token.type == "footnote_open":
                start = i
            elif token.type == "footnote_close" and start is not None:
                notes[tokens[start].meta["id"]] = [t for t in tokens[start:i] if t.type == "inline"]
                start = None
        in_note = {id(t) for body in notes.values() for t in body}
        done: set[int] = set()

        def visit(inline, called_at=1):
            # A note made inline (`^[...]`, or a note style's citation) has no line: its call's.
            block_line = inline.map[0] + 1 if inline.map else called_at
            children = inline.children or []
            lines = line_numbers(children, block_line)
            for k, child in enumerate(children):
                if child.type == "citation":
                    found.append((child, section.path, lines[k]))
                elif child.type == "footnote_ref" and child.meta["id"] not in done:
                    done.add(child.meta["id"])
                    for body in notes.get(child.meta["id"], []):
                        visit(body, lines[k])

        for token in tokens:
            if token.type == "inline" and id(token) not in in_note:
                visit(token)
        for note_id, body in notes.items():   # notes never called: still checked
            if note_id not in done:
                for inline in body:
                    visit(inline)
    return found


def _anchor(key: str, used: set[str]) -> str:
    base = "ref-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", key).strip("-") or "entry")
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor


def resolve(manifest, sections, taken: set[str] = frozenset()) -> Citations:
    """Render every citation of the parsed sections; an unknown key stops with file:line.
    `taken`: the ids headings and notes already have; an entry's `ref-<key>` avoids them."""
    found = walk_citations(sections)
    if manifest.bibliography is None:
        # Without a bibliography an in-text `@name` (a handle) stays text; `[@key]` is a citation.
        found = [f for f in found if not f[0].meta["intext"]]
        if found:
            token, path, line = found[0]
            raise SourceError(f"citation '{token.content}', but the manifest names no 'bibliography'",
                              Location(path, line), "E902")
        return Citations()
    bound_citations(found)

    # citeproc-py parses and formats in pure Python with no bound of its own: it works under the
    # render's budget, in a worker (the briefing's own when it loads there). Its results come back
    # by each citation's place in reading order, which the tokens here share.
    cited = budget.run(lambda: _citeproc_blamed(manifest, _resolve, manifest, found, taken),
                       lambda: _largest(manifest))
    return dataclasses.replace(cited, rendered={id(found[n][0]): parts for n, parts in cited.rendered.items()})


def bound_citations(found: list) -> None:
    """Refuse more cited items than limits.MAX_CITATIONS (citeproc-py formats each, several
    times over): at the first one over the limit."""
    count = 0
    for token, path, line in found:
        count += len(token.meta["items"])
        if count > limits.MAX_CITATIONS:
            raise SourceError(f"more than {limits.MAX_CITATIONS:,} citations in the briefing: the limit "
                              "(each work cited counts, [@a; @b] twice)", Location(path, line), "E511")


def _citeproc_blamed(manifest, work, *args):
    """`work(*args)`; an error raised inside citeproc-py (which trusts its style and entries)
    is the sources' (E903, naming the style), not a bug of this program (E856)."""
    try:
        return work(*args)
    except (PressError, MemoryError):
        raise
    except Exception as exc:
        frames = traceback.extract_tb(exc.__traceback__)
        if not frames or "/citeproc/" not in frames[-1].filename:
            raise
        style = manifest.csl if isinstance(manifest.csl, Path) else None
        name = style.name if style else str(manifest.csl or DEFAULT_STYLE)
        raise SourceError(f"citeproc-py cannot format the entries of {manifest.bibliography.name} with the "
                          f"style '{name}': {type(exc).__name__}: {str(exc)[:200]}",
                          Location(style) if style else manifest.at("csl"), "E903") from None


def _largest(manifest) -> Path:
    files = [manifest.bibliography] + ([manifest.csl] if isinstance(manifest.csl, Path) else [])
    return max(files, key=lambda f: f.stat().st_size if f.exists() else 0)


def _resolve(manifest, found: list, taken) -> Citations:
    """`resolve`'s work; `rendered` is keyed by the citation's place in `found`."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source import Locator

    place = {id(token): n for n, (token, _, _) in enumerate(found)}
    patch_citeproc()
    source, lines = load_bibliography(manifest.bibliography)
    style = load_style(manifest.csl, manifest.language, manifest.at("csl"))
    for token, path, line in found:
        for item in token.meta["items"]:
            if item.key.lower() not in source:
                raise SourceError(f"citation key '{item.key}' is not in {manifest.bibliography.name}",
                                  Location(path, line), "E902")
    bibliography = CitationStylesBibliography(style, source, formatter.html)

    def citation_of(items: list[CiteItem]):
        cites = []
        for item in items:
            extra = {}
            if item.locator:
                extra["locator"] = Locator(item.label, item.locator)
            # citeproc-py's HTML formatter escapes the entries' fields, never the affixes.
            if item.prefix:
                extra["prefix"] = escape(item.prefix, quote=False) + " "
            if item.suffix:
                extra["suffix"] = escape(item.suffix, quote=False)
            cites.append(CitationItem(item.key.lower(), **extra))
        return Citation(cites)

    def probe(items: list[CiteItem]):
        citation = citation_of(items)
        bibliography.register(citation)   # keys already known: changes nothing
        return citation

    # A note style's in-text citation leaves the authors in the text ("Smith and Doe¹"): not a
    # citation of its own for citeproc-py, whose note forms depend on what came before.
    names_only = [token for token, _, _ in found if token.meta.get("names_only")]
    found = [f for f in found if not f[0].meta.get("names_only")]
    notes = style.root.get("class") == "note"
    # The keys first, in reading order and without locators: citeproc-py prints a registered
    # item's locator in its bibliography entry (as if it were the article's pages).
    for token, _, _ in found:
        bibliography.register(Citation([CitationItem(i.key.lower()) for i in token.meta["items"]]))
    citations = [probe(token.meta["items"]) for token, _, _ in found]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if notes:   # each item on its own, in the order written (citeproc-py would sort them)
            texts = [forms.items_in_order(bibliography, probe, token.meta["items"], style) for token, _, _ in found]
        else:
            texts = [safe_html(bibliography.cite(c, lambda item: None)) for c in citations]
        bibliography.sort()
        entries_html = [safe_html(e) for e in bibliography.bibliography()]

    used: set[str] = set(taken)
    anchors = {key: _anchor(key, used) for key in bibliography.keys}
    entries = []
    in_quote = punctuation_in_quote(style)
    for key, html in zip(bibliography.keys, entries_html):
        html = link_urls(tidy_punctuation(html, in_quote))
        reference = source[key]
        link = f"https://doi.org/{reference['DOI']}" if reference.get("DOI") else reference.get("URL")
        if link and f'href="{escape(str(link))}"' not in html and f'href="{link}"' not in html:
            html += f' <a href="{escape(str(link))}">{escape(str(link))}</a>'
        entries.append(Entry(key, anchors[key], html, plain(html)))

    layout = style.root.citation.layout
    prefix, suffix = (safe_html(layout.get("prefix", "")), safe_html(layout.get("suffix", "")))
    and_term = forms.and_term(style)
    rendered: dict[int, list] = {}
    for (token, _, _), citation, text in zip(found, citations, texts):
        items = token.meta["items"]
        if notes:   # cited once each, in reading order: "Ibid." and short forms stay right
            names_token = token.meta.get("names_token")
            if len(items) == 1 and (names_token is not None or items[0].suppress_author):
                # The authors stand in the text ("Kofi Adams¹"), or nowhere (`-@key`): the note
                # is the rest, as Pandoc prints it.
                split = forms.split_names(text, source[items[0].key.lower()], and_term)
                if split:
                    text = split[1]
                    if names_token is not None:
                        rendered[id(names_token)] = [(split[0], anchors[items[0].key.lower()])]
            rendered[id(token)] = forms.note(text, items, anchors, style, whole=token.meta.get("note", False))
        elif token.meta["intext"] or any(i.suppress_author for i in items):
            rendered[id(token)] = forms.author_suppressed(token, text, items, source, bibliography, probe,
                                                     anchors, prefix, suffix, and_term)
        else:
            rendered[id(token)] = forms.linked(text, items, bibliography, probe, anchors, prefix, suffix)
    for token in names_only:
        if id(token) in rendered:
            continue
        item = token.meta["items"][0]
        rendered[id(token)] = [(escape(forms.author_names(source[item.key.lower()], and_term), quote=False),
                                anchors[item.key.lower()])]
    cited = set(bibliography.keys)
    unused = tuple((key, line) for key, line in lines.items() if key not in cited)
    digest = hashlib.sha256(repr(([e.html for e in entries], sorted(
        (str(v) for v in rendered.values())))).encode()).hexdigest()
    return Citations(tuple(entries), manifest.bibliography, str(manifest.csl or DEFAULT_STYLE),
                     {place[key]: parts for key, parts in rendered.items()},
                     unused, digest, {key: lines.get(key) for key in bibliography.keys})


def add_targets(index, cited: Citations, after_sections: int) -> None:
    """Each entry of the references is a target of the index (kind `reference`), in the
    references' document, after every section."""
    for number, entry in enumerate(cited.entries, 1):
        index.add(targets.Target(entry.anchor, targets.REFERENCE, after_sections, f"{targets.PAGE_IDS['references']}.xhtml",
                                 Location(cited.bibliography, cited.lines.get(entry.key)), entry.text, number))


def check(manifest, sections) -> list[PressError]:
    """For `check`: every unknown key (E802), a bad bibliography or style (E801, E803), and each
    entry no citation uses (W801, a warning)."""
    found = walk_citations(sections)
    if manifest.bibliography is None:
        found = [f for f in found if not f[0].meta["intext"]]
        return [SourceError(f"citation '{t.content}', but the manifest names no 'bibliography'",
                            Location(path, line), "E902") for t, path, line in found]
    try:
        bound_citations(found)
    except PressError as exc:
        return [exc]

    def read() -> tuple[frozenset[str], dict[str, int]]:
        source, lines = load_bibliography(manifest.bibliography)
        load_style(manifest.csl, manifest.language, manifest.at("csl"))
        return frozenset(source), lines

    try:   # under the render's budget, as resolve: citeproc-py's parsers have no bound of their own
        source, lines = budget.run(read, lambda: _largest(manifest))
    except PressError as exc:
        return [exc]
    problems: list[PressError] = []
    cited = set()
    for token, path, line in found:
        for item in token.meta["items"]:
            cited.add(item.key.lower())
            if item.key.lower() not in source:
                problems.append(SourceError(f"citation key '{item.key}' is not in {manifest.bibliography.name}",
                                            Location(path, line), "E902"))
    for key, line in lines.items():
        if key not in cited:
            problems.append(PressError(f"entry '{key}' is never cited, so no edition lists it",
                                       Location(manifest.bibliography, line), "W901"))
    return problems
