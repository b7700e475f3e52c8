"""The library's feeds for the web: `feed.atom` (new briefings, for feed readers), `sitemap.xml`
and `opensearch.xml` (the library page's search, for browsers). Unlike the OPDS catalogue,
these carry absolute URLs under the library's `base_url`, as feed readers and crawlers expect.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from press.library.library import Library
from press.library.opds import ATOM, _sub, _summary, _timestamp, _xml, URI_RE, UNDATED

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
FEED_SIZE = 50


def files(library: Library, entries: list[dict]) -> dict[str, bytes]:
    return {"feed.atom": atom_feed(library, entries), "sitemap.xml": sitemap(library, entries),
            "opensearch.xml": opensearch(library)}


def atom_feed(library: Library, entries: list[dict]) -> bytes:
    base = library.base_url
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": library.language})
    _sub(feed, "id", base + "feed.atom")
    _sub(feed, "title", library.title)
    if library.description:
        _sub(feed, "subtitle", library.description)
    _sub(feed, "updated", _timestamp(max((e["date"] for e in entries), default=UNDATED)))
    _sub(_sub(feed, "author"), "name", library.publisher or library.title)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=base + "feed.atom", type="application/atom+xml")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=base, type="text/html")
    by_slug = {e["slug"]: e for e in entries}
    for e in entries[:FEED_SIZE]:
        entry = _sub(feed, "entry", **{"{http://www.w3.org/XML/1998/namespace}lang": e["language"]})
        _sub(entry, "title", e["title"])
        _sub(entry, "id", e["identifier"] if URI_RE.match(e["identifier"]) else base + e["href"])
        _sub(entry, "published", _timestamp(e["date"]))
        _sub(entry, "updated", _timestamp(e["date"]))
        for name in e["authors"] or [library.publisher or library.title]:
            _sub(_sub(entry, "author"), "name", name)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=base + e["href"], type="text/html",
                      hreflang=e["language"])
        for slug in library.translations.get(e["slug"], ()):
            if slug != e["slug"] and slug in by_slug:
                other = by_slug[slug]
                ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=base + other["href"], type="text/html",
                              hreflang=other["language"], title=other["title"])
        for d in e["downloads"]:
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="enclosure", href=base + d["href"], type=d["type"],
                          length=str(d["size"]))
        if _summary(e):
            _sub(entry, "summary", _summary(e), type="text")
    return _xml(feed)


def sitemap(library: Library, entries: list[dict]) -> bytes:
    base = library.base_url
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    newest = max((e["date"] for e in entries), default=UNDATED)
    home = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
    ET.SubElement(home, f"{{{SITEMAP}}}loc").text = base
    ET.SubElement(home, f"{{{SITEMAP}}}lastmod").text = newest
    by_slug = {e["slug"]: e for e in entries}
    for e in sorted(entries, key=lambda e: e["slug"]):
        url = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = base + e["href"]
        ET.SubElement(url, f"{{{SITEMAP}}}lastmod").text = e["date"]
        group = [s for s in library.translations.get(e["slug"], ()) if s in by_slug]
        if len(group) > 1:
            for slug in group:
                ET.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang=by_slug[slug]["language"],
                              href=base + by_slug[slug]["href"])
    return _xml(urlset, SITEMAP, {"xhtml": XHTML})


def opensearch(library: Library) -> bytes:
    root = ET.Element(f"{{{OPENSEARCH}}}OpenSearchDescription")
    ET.SubElement(root, f"{{{OPENSEARCH}}}ShortName").text = library.title[:16]
    ET.SubElement(root, f"{{{OPENSEARCH}}}Description").text = f"Search the briefings of {library.title}"
    ET.SubElement(root, f"{{{OPENSEARCH}}}InputEncoding").text = "UTF-8"
    ET.SubElement(root, f"{{{OPENSEARCH}}}Language").text = library.language
    ET.SubElement(root, f"{{{OPENSEARCH}}}Url", type="text/html", template=library.base_url + "?q={searchTerms}")
    return _xml(root, OPENSEARCH, {})
