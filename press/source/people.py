"""The briefing's people and identifiers, ready for the templates: one record, every edition.

The title page, the imprint, "About the authors", the OPF, the web page's meta tags and
JSON-LD are all renderings of `Imprint`; nothing else reads these manifest keys.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from press.citations import export
from press.markdown import markdown, renderers
from press.base.errors import SourceError
from press.model.manifest import Manifest
from press.model.model import Asset, Imprint, Person

IMPRINT_ID, ABOUT_AUTHORS_ID, ABOUT_PUBLISHER_ID, CITE_ID = "imprint", "about-authors", "about-publisher", "cite"
REFERENCES_ID = "references"


def _markdown(md, manifest: Manifest, key: str, text: str | None) -> str | None:
    """A bio or an 'about' in Markdown: web links only, no images (like the disclaimer)."""
    if not text:
        return None
    at = manifest.at(key.split(".")[0].split("[")[0])
    where = manifest.lines.get(key)
    if where:
        at = type(at)(at.file, where)

    def web_links_only(href: str, line: int) -> str:
        if urlsplit(href).scheme.lower() in ("http", "https", "mailto"):
            return href
        raise SourceError(f"'{key}' may link only to web addresses", at, "E321")

    def no_images(src: str, line: int) -> str:
        raise SourceError(f"'{key}' may not contain images", at, "E321")

    env: dict = {}
    parsed = markdown.ParsedSection(manifest.path, text, md.parse(text, env), env, [])
    return renderers.render(md, parsed, "screen", renderers.RenderContext(key.replace(".", "-"), web_links_only,
                                                                          no_images))


def imprint(md, manifest: Manifest, logo: Asset | None) -> Imprint:
    authors = tuple(
        Person(p.name, p.affiliation, _markdown(md, manifest, f"authors[{i}].bio", p.bio), p.orcid)
        for i, p in enumerate(manifest.people))
    info = manifest.publisher_info
    has_cite = bool(manifest.people or manifest.publisher or manifest.doi or manifest.series)
    return Imprint(
        authors=authors,
        publisher=manifest.publisher,
        publisher_url=info.url if info else None,
        publisher_about_html=_markdown(md, manifest, "publisher.about", info.about if info else None),
        logo=logo,
        series=manifest.series,
        isbn=dict(manifest.isbn),
        doi=manifest.doi,
        license=manifest.license,
        how_to_cite_html=export.how_to_cite(manifest) if has_cite else "",
        bibtex=export.bibtex(manifest) if has_cite else "",
        ris=export.ris(manifest) if has_cite else "",
    )


def json_ld(briefing, pdf_name: str | None = None) -> str:
    """schema.org `Report` for the web page; '<' escaped so the data block cannot close its tag."""
    m, imp = briefing.manifest, briefing.imprint
    data: dict = {"@context": "https://schema.org", "@type": "Report", "name": briefing.title,
                  "inLanguage": briefing.language}
    if briefing.subtitle:
        data["alternativeHeadline"] = briefing.subtitle
    if imp.authors:
        data["author"] = [_person_ld(p) for p in imp.authors]
    if imp.publisher:
        data["publisher"] = {"@type": "Organization", "name": imp.publisher,
                             **({"url": imp.publisher_url} if imp.publisher_url else {})}
    if briefing.edition_date:
        data["datePublished"] = briefing.edition_date.isoformat()
    if imp.series:
        data["isPartOf"] = {"@type": "Periodical" if imp.series.issn else "CreativeWorkSeries",
                            "name": imp.series.title, **({"issn": imp.series.issn} if imp.series.issn else {})}
        if imp.series.number:
            data["reportNumber"] = imp.series.number
    if imp.doi:
        data["identifier"] = {"@type": "PropertyValue", "propertyID": "DOI", "value": imp.doi}
        data["sameAs"] = imp.doi_url
    if imp.isbn:
        data["isbn"] = imp.isbn.get("pdf") or imp.isbn.get("epub")
    if imp.license:
        data["license"] = imp.license.url
    if m.keywords:
        data["keywords"] = list(m.keywords)
    if pdf_name:
        data["encoding"] = {"@type": "MediaObject", "contentUrl": pdf_name, "encodingFormat": "application/pdf"}
    if briefing.citations.entries:
        data["citation"] = [e.text for e in briefing.citations.entries]
    text = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _person_ld(person: Person) -> dict:
    out: dict = {"@type": "Person", "name": person.name}
    if person.affiliation:
        out["affiliation"] = {"@type": "Organization", "name": person.affiliation}
    if person.orcid_url:
        out["sameAs"] = person.orcid_url
    return out
