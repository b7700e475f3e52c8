"""The briefing's own reference: as its style prints it ("How to cite"), as CSL-JSON, and the
`.bib` and `.ris` files for reference managers."""

from __future__ import annotations

import re
import warnings

from press.citations.citeproc_fixes import punctuation_in_quote, tidy_punctuation
from press.citations.markup import link_urls, safe_html
from press.citations.styles import load_style


def briefing_item(manifest, url: str | None = None) -> dict:
    """The briefing as a CSL-JSON item of type 'report'."""
    item: dict = {"id": "this-briefing", "type": "report", "title": manifest.title}
    if manifest.people:
        item["author"] = [_csl_name(p.name) for p in manifest.people]
    if manifest.publisher:
        item["publisher"] = manifest.publisher
    if manifest.date:
        item["issued"] = {"date-parts": [[manifest.date.year, manifest.date.month, manifest.date.day]]}
    if manifest.series:
        item["collection-title"] = manifest.series.title
        if manifest.series.number:
            item["number"] = manifest.series.number
    if manifest.doi:
        item["DOI"] = manifest.doi
    elif url:
        item["URL"] = url
    return item


def _csl_name(name: str) -> dict:
    """'Aminata Traoré' -> family Traoré, given Aminata; one word (an institution) stays literal."""
    parts = name.rsplit(" ", 1)
    return {"family": parts[1], "given": parts[0]} if len(parts) == 2 else {"literal": name}


def how_to_cite(manifest) -> str:
    """The briefing's own entry in its style, as HTML."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.json import CiteProcJSON

    style = load_style(manifest.csl, manifest.language, manifest.at("csl"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        source = CiteProcJSON([briefing_item(manifest)])
        bibliography = CitationStylesBibliography(style, source, formatter.html)
        bibliography.register(Citation([CitationItem("this-briefing")]))
        return link_urls(tidy_punctuation(safe_html(bibliography.bibliography()[0]), punctuation_in_quote(style)))


# Line breaks and other control characters (C0, DEL, C1, Unicode's line and paragraph
# separators): in an RIS record a line break starts a new field ("UR  - ..."), so none is kept.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _one_line(value: str) -> str:
    return _CONTROLS.sub(" ", value)


def bibtex(manifest) -> str:
    """The briefing as a BibTeX @techreport, for reference managers."""
    def escaped(value: str) -> str:
        return re.sub(r"([{}\\])", r"\\\1", _one_line(value))

    fields = [("title", escaped(manifest.title))]
    if manifest.people:   # a one-word name (an institution) in braces of its own: not a family name
        fields.append(("author", " and ".join(
            "{" + escaped(p.name) + "}" if " " not in p.name else escaped(", ".join(reversed(p.name.rsplit(" ", 1))))
            for p in manifest.people)))
    if manifest.publisher:
        fields.append(("institution", escaped(manifest.publisher)))
    if manifest.series:
        fields.append(("type", escaped(manifest.series.title)))
        if manifest.series.number:
            fields.append(("number", escaped(manifest.series.number)))
    if manifest.date:
        fields += [("year", str(manifest.date.year)), ("month", str(manifest.date.month))]
    if manifest.doi:
        fields.append(("doi", escaped(manifest.doi)))
    if manifest.series and manifest.series.issn:
        fields.append(("issn", escaped(manifest.series.issn)))
    if manifest.isbn.get("pdf"):
        fields.append(("isbn", escaped(manifest.isbn["pdf"])))
    if manifest.license:
        fields.append(("copyright", escaped(manifest.license.name)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@techreport{{{manifest.slug},\n{body}\n}}\n"


def ris(manifest) -> str:
    """The briefing as an RIS record (type RPRT), for reference managers."""
    lines = [("TY", "RPRT"), ("TI", manifest.title)]
    lines += [("AU", ", ".join(reversed(p.name.rsplit(" ", 1)))) for p in manifest.people]
    if manifest.publisher:
        lines.append(("PB", manifest.publisher))
    if manifest.date:
        lines += [("PY", str(manifest.date.year)), ("DA", manifest.date.strftime("%Y/%m/%d"))]
    if manifest.series:
        lines.append(("T2", manifest.series.title))
        if manifest.series.number:
            lines.append(("IS", manifest.series.number))
    isbn = manifest.isbn.get("pdf")
    if manifest.series and manifest.series.issn:
        lines.append(("SN", manifest.series.issn))
    elif isbn:
        lines.append(("SN", isbn))
    if manifest.doi:
        lines += [("DO", manifest.doi), ("UR", f"https://doi.org/{manifest.doi}")]
    if manifest.language:
        lines.append(("LA", manifest.language))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {_one_line(value)}\r\n" for tag, value in lines)
