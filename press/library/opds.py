"""The OPDS catalogue: OPDS 1.2 (Atom XML) and OPDS 2.0 (JSON) feeds of the library.

    opds/index.xml|json        navigation: all, newest, by series, by language
    opds/series.xml|json       navigation: one entry per series
    opds/languages.xml|json    navigation: one entry per language
    opds/all.xml|json          acquisition, paged (all-2.xml, ...), newest first
    opds/new.xml|json          acquisition: the newest briefings
    opds/series/<id>.xml|json, opds/language/<tag>.xml|json   acquisition, paged

Links between the catalogue's files are relative, so the catalogue works wherever the folder
is served (a publisher's host, or `build.py serve` for trying it with an e-reader app); ids
are the briefings' identifiers, or URLs under the library's `base_url`.
"""

from __future__ import annotations

import json
import posixpath
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from press.base import xmlout
from press.base.digests import files_digest
from press.library.fragments import KeptPieces, digest
from press.library.library import Library

ATOM = "http://www.w3.org/2005/Atom"
DC = "http://purl.org/dc/terms/"
OPDS = "http://opds-spec.org/2010/catalog"
PREFIXES = {"dc": DC, "opds": OPDS}

NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPDS2 = "application/opds+json"
ACQUIRE = "http://opds-spec.org/acquisition"
IMAGE, THUMBNAIL = "http://opds-spec.org/image", "http://opds-spec.org/image/thumbnail"
SORT_NEW = "http://opds-spec.org/sort/new"
FACET = "http://opds-spec.org/facet"
PAGE_SIZE = 50
NEWEST = 20
URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
UNDATED = "1980-01-01"
ENTRY_MARK = "press-entry-"   # where an entry goes in a feed's XML (see _acq_xml)
ENTRY_MARK_RE = re.compile(f"<!--{ENTRY_MARK}([0-9]+)-->")


@dataclass(frozen=True)
class Facet:
    group: str        # "Series", "Language"
    title: str
    path: str         # first page of the facet's feed, without suffix: "series/briefs"
    entries: tuple


@dataclass(frozen=True)
class Listing:
    """An acquisition feed before paging: its path (without suffix), title and entries."""

    path: str
    title: str
    entries: tuple


def files(library: Library, entries: list[dict], language_names, kept: KeptPieces | None = None) -> dict[str, bytes]:
    """Every file of the catalogue, by its path relative to the output folder; `kept`: the
    entries of earlier runs (press/library/fragments.py)."""
    catalogue = _Catalogue(library, entries, language_names, kept or KeptPieces())
    return catalogue.render()


class _Catalogue:
    def __init__(self, library: Library, entries: list[dict], language_names, kept: KeptPieces):
        self.library, self.entries, self.kept = library, tuple(entries), kept
        self.code = files_digest(Path(__file__), Path(xmlout.__file__))   # what makes a kept entry
        self.by_slug = {e["slug"]: e for e in entries}
        self.order = {e["slug"]: n for n, e in enumerate(entries)}   # translations in the feed's order
        self.updated = _timestamp(max((e["date"] for e in entries), default=UNDATED))
        self.series = tuple(
            Facet("Series", _series_title(library, sid), f"series/{sid}",
                  tuple(sorted((e for e in entries if e["series"] == sid),
                               key=lambda e: (e["number"] is None, e["number"] or 0, e["slug"]))))
            for sid in sorted({e["series"] for e in entries if e["series"]}))
        self.languages = tuple(
            Facet("Language", language_names(tag), f"language/{tag}",
                  tuple(e for e in entries if e["language"] == tag))
            for tag in sorted({e["language"] for e in entries}))

    # -- the structure, shared by both versions ------------------------------------------------

    def navigation(self) -> dict[str, tuple[str, list[tuple[str, str, str, str, bool]]]]:
        """Navigation feeds: path -> (title, [(title, path, description, rel, is_navigation)])."""
        lib = self.library
        top = [("All briefings", "all", f"Every briefing of {lib.title}, newest first.", "subsection", False),
               ("Newest", "new", f"The {NEWEST} newest briefings.", SORT_NEW, False)]
        if self.series:
            top.append(("By series", "series", "The briefings of each series.", "subsection", True))
        if self.languages:
            top.append(("By language", "languages", "The briefings in each language.", "subsection", True))
        feeds = {"index": (lib.title, top)}
        if self.series:
            feeds["series"] = ("Series", [(f.title, f.path, self._series_description(f), "subsection", False)
                                          for f in self.series])
        if self.languages:
            feeds["languages"] = ("Languages", [(f.title, f.path, f"{len(f.entries)} briefing(s) in {f.title}.",
                                                 "subsection", False) for f in self.languages])
        return feeds

    def _series_description(self, facet: Facet) -> str:
        series = self.library.series_by_id(facet.path.split("/", 1)[1])
        description = series.description if series and series.description else ""
        return (description + " " if description else "") + f"{len(facet.entries)} briefing(s)."

    def listings(self) -> list[Listing]:
        found = [Listing("all", f"All briefings · {self.library.title}", self.entries),
                 Listing("new", f"Newest · {self.library.title}", self.entries[:NEWEST])]
        found += [Listing(f.path, f"{f.title} · {self.library.title}", f.entries) for f in self.series + self.languages]
        return found

    def render(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for path, (title, items) in self.navigation().items():
            out[f"opds/{path}.xml"] = self._nav_xml(path, title, items)
            out[f"opds/{path}.json"] = self._nav_json(path, title, items)
        for listing in self.listings():
            pages = _pages(listing.entries, None if listing.path == "new" else PAGE_SIZE)
            for number, chunk in enumerate(pages, 1):
                out[f"opds/{_page_path(listing.path, number)}.xml"] = self._acq_xml(listing, chunk, number, len(pages))
                out[f"opds/{_page_path(listing.path, number)}.json"] = self._acq_json(listing, chunk, number, len(pages))
        return out

    # -- OPDS 1.2 ------------------------------------------------------------------------------

    def _feed(self, path: str, title: str, kind: str) -> ET.Element:
        feed = ET.Element(f"{{{ATOM}}}feed")
        _sub(feed, "id", self.library.base_url + f"opds/{path}.xml")
        _sub(feed, "title", title)
        _sub(feed, "updated", self.updated)
        author = _sub(feed, "author")
        _sub(author, "name", self.library.publisher or self.library.title)
        _sub(author, "uri", self.library.base_url)
        here = f"{path}.xml"
        _link(feed, "self", _rel(here, here), kind)
        _link(feed, "start", _rel(here, "index.xml"), NAVIGATION, title=self.library.title)
        if path != "index":
            _link(feed, "up", _rel(here, "index.xml"), NAVIGATION)
        _link(feed, "alternate", _rel(here, "../index.html"), "text/html", title=f"{self.library.title} (web)")
        _link(feed, SORT_NEW, _rel(here, "new.xml"), ACQUISITION, title="Newest")
        return feed

    def _nav_xml(self, path: str, title: str, items) -> bytes:
        feed = self._feed(path, title, NAVIGATION)
        for item_title, target, description, rel, is_nav in items:
            entry = _sub(feed, "entry")
            _sub(entry, "title", item_title)
            _sub(entry, "id", self.library.base_url + f"opds/{target}.xml")
            _sub(entry, "updated", self.updated)
            _sub(entry, "content", description, type="text")
            _link(entry, rel, _rel(f"{path}.xml", f"{target}.xml"), NAVIGATION if is_nav else ACQUISITION)
        return _xml(feed)

    def _acq_xml(self, listing: Listing, chunk, number: int, count: int) -> bytes:
        here = f"{_page_path(listing.path, number)}.xml"
        feed = self._feed(_page_path(listing.path, number), listing.title, ACQUISITION)
        for rel, page in _paging(number, count):
            _link(feed, rel, _rel(here, f"{_page_path(listing.path, page)}.xml"), ACQUISITION)
        for facet in self.series + self.languages:
            _link(feed, FACET, _rel(here, f"{facet.path}.xml"), ACQUISITION, title=facet.title,
                  **{f"{{{OPDS}}}facetGroup": facet.group,
                     **({f"{{{OPDS}}}activeFacet": "true"} if facet.path == listing.path else {})})
        if not chunk:
            return _xml(feed)
        # The entries are serialized apart (and kept between runs): the feed holds a mark for each.
        feed.set("xmlns:dc", DC)
        for n in range(len(chunk)):
            feed.append(ET.Comment(f"{ENTRY_MARK}{n}"))
        texts = [self._entry_text(e, here) for e in chunk]
        return ENTRY_MARK_RE.sub(lambda m: texts[int(m.group(1))], _xml(feed).decode("utf-8")).encode("utf-8")

    def _entry_text(self, e: dict, here: str) -> str:
        """An entry as it stands in a feed of `here`'s folder: one level in, its own namespace
        declarations left to the feed's."""
        def make() -> str:
            entry = self._entry_xml(e, here)
            ET.indent(entry, level=1)
            text = xmlout.tostring(entry, ATOM, PREFIXES, declaration=False)
            return "<entry>" + text[text.index(">") + 1:]

        return self.kept.get(self._key("opds-xml", e, here), make)

    def _key(self, kind: str, e: dict, here: str) -> str:
        lib = self.library
        series = _series_title(lib, e["series"]) if e["series"] else None
        others = [(o["href"], o["title"], o["language"]) for o in self.translations(e)]
        return digest(kind, self.code, here.count("/"), lib.base_url, lib.publisher, lib.title, series,
                      others, self.kept.entry(e))

    def _entry_xml(self, e: dict, here: str) -> ET.Element:
        entry = ET.Element(f"{{{ATOM}}}entry")
        _sub(entry, "title", e["title"])
        _sub(entry, "id", self._id(e))
        _sub(entry, "updated", _timestamp(e["date"]))
        for name in e["authors"] or [self.library.publisher or self.library.title]:
            _sub(_sub(entry, "author"), "name", name)
        if e["series"]:
            _sub(entry, "category", term=e["series"], label=_series_title(self.library, e["series"]),
                 scheme=self.library.base_url + "series/")
        for keyword in e["keywords"]:
            _sub(entry, "category", term=keyword, label=keyword)
        _sub(entry, f"{{{DC}}}identifier", e["identifier"])
        _sub(entry, f"{{{DC}}}language", e["language"])
        _sub(entry, f"{{{DC}}}issued", e["date"])
        if e["publisher"] or self.library.publisher:
            _sub(entry, f"{{{DC}}}publisher", e["publisher"] or self.library.publisher)
        if e["series"]:
            series = _series_title(self.library, e["series"])
            _sub(entry, f"{{{DC}}}isPartOf", f"{series}, {e['number']}" if e["number"] is not None else series)
        summary = _summary(e)
        if summary:
            _sub(entry, "summary", summary, type="text")
        if e["cover"]:
            _link(entry, IMAGE, _rel(here, f"../{e['cover']['href']}"), e["cover"]["type"])
            thumb = e["cover"]["thumbnail"]
            _link(entry, THUMBNAIL, _rel(here, f"../{thumb['href']}"), thumb["type"])
        _link(entry, "alternate", _rel(here, f"../{e['href']}"), "text/html", title="Web page")
        for other in self.translations(e):
            _link(entry, "alternate", _rel(here, f"../{other['href']}"), "text/html", title=other["title"],
                  hreflang=other["language"])
        for d in e["downloads"]:
            _link(entry, ACQUIRE, _rel(here, f"../{d['href']}"), d["type"], length=str(d["size"]),
                  title=d["edition"].upper())
        return entry

    def translations(self, e: dict) -> list[dict]:
        group = self.library.translations.get(e["slug"], ())
        return [self.by_slug[s] for s in sorted(group, key=self.order.__getitem__)
                if s != e["slug"] and s in self.by_slug]

    def _id(self, e: dict) -> str:
        return e["identifier"] if URI_RE.match(e["identifier"]) else self.library.base_url + e["href"]

    # -- OPDS 2.0 ------------------------------------------------------------------------------

    def _links2(self, path: str) -> list[dict]:
        here = f"{path}.json"
        links = [{"rel": "self", "href": _rel(here, here), "type": OPDS2},
                 {"rel": "start", "href": _rel(here, "index.json"), "type": OPDS2, "title": self.library.title},
                 {"rel": "alternate", "href": _rel(here, "../index.html"), "type": "text/html"},
                 {"rel": SORT_NEW, "href": _rel(here, "new.json"), "type": OPDS2, "title": "Newest"}]
        if path != "index":
            links.insert(2, {"rel": "up", "href": _rel(here, "index.json"), "type": OPDS2})
        return links

    def _nav_json(self, path: str, title: str, items) -> bytes:
        feed = {"metadata": {"title": title, "modified": self.updated},
                "links": self._links2(path),
                "navigation": [{"href": _rel(f"{path}.json", f"{target}.json"), "title": item_title,
                                "type": OPDS2, "rel": rel}
                               for item_title, target, _, rel, _ in items]}
        return _json(feed)

    def _acq_json(self, listing: Listing, chunk, number: int, count: int) -> bytes:
        path = _page_path(listing.path, number)
        here = f"{path}.json"
        links = self._links2(path)
        for rel, page in _paging(number, count):
            links.append({"rel": rel, "href": _rel(here, f"{_page_path(listing.path, page)}.json"), "type": OPDS2})
        metadata = {"title": listing.title, "modified": self.updated, "numberOfItems": len(listing.entries)}
        if count > 1 or listing.path != "new":
            metadata.update(itemsPerPage=PAGE_SIZE, currentPage=number)
        feed = {"metadata": metadata, "links": links,
                "facets": [{"metadata": {"title": group},
                            "links": [{"href": _rel(here, f"{f.path}.json"), "type": OPDS2, "title": f.title,
                                       "properties": {"numberOfItems": len(f.entries)},
                                       **({"rel": "self"} if f.path == listing.path else {})}
                                      for f in facets]}
                           for group, facets in (("Series", self.series), ("Language", self.languages)) if facets],
                "publications": []}
        if not feed["facets"]:
            del feed["facets"]
        # The publications are serialized apart (and kept between runs), then put in their place.
        head, _, tail = _json(feed).decode("utf-8").rpartition('"publications":[]')
        publications = ",".join(self.kept.get(self._key("opds-json", e, here),
                                              lambda e=e: _json_text(self._publication(e, here))) for e in chunk)
        return (head + '"publications":[' + publications + "]" + tail).encode("utf-8")

    def _publication(self, e: dict, here: str) -> dict:
        metadata = {"@type": "http://schema.org/Book", "title": e["title"], "identifier": self._id(e),
                    "language": e["language"], "published": e["date"], "modified": _timestamp(e["date"])}
        if e["subtitle"]:
            metadata["subtitle"] = e["subtitle"]
        if e["authors"]:
            metadata["author"] = [{"name": name} for name in e["authors"]]
        if e["publisher"] or self.library.publisher:
            metadata["publisher"] = e["publisher"] or self.library.publisher
        summary = _summary(e)
        if summary:
            metadata["description"] = summary
        if e["keywords"]:
            metadata["subject"] = list(e["keywords"])
        if e["series"]:
            series = {"name": _series_title(self.library, e["series"])}
            if e["number"] is not None:
                series["position"] = e["number"]
            metadata["belongsTo"] = {"series": [series]}
        links = [{"rel": "alternate", "href": _rel(here, f"../{e['href']}"), "type": "text/html", "title": "Web page"}]
        links += [{"rel": "alternate", "href": _rel(here, f"../{o['href']}"), "type": "text/html",
                   "title": o["title"], "language": o["language"]} for o in self.translations(e)]
        links += [{"rel": ACQUIRE, "href": _rel(here, f"../{d['href']}"), "type": d["type"], "size": d["size"],
                   "title": d["edition"].upper()} for d in e["downloads"]]
        publication = {"metadata": metadata, "links": links}
        if e["cover"]:
            c, t = e["cover"], e["cover"]["thumbnail"]
            publication["images"] = [
                {"href": _rel(here, f"../{c['href']}"), "type": c["type"], "width": c["width"], "height": c["height"]},
                {"href": _rel(here, f"../{t['href']}"), "type": t["type"], "width": t["width"], "height": t["height"]}]
        return publication


def _series_title(library: Library, series_id: str) -> str:
    series = library.series_by_id(series_id)
    return series.title if series else series_id


def _summary(e: dict) -> str:
    return e["summary"] or e["subtitle"] or ""


def _timestamp(date: str) -> str:
    return f"{date}T00:00:00Z"


def _pages(entries: tuple, size: int | None) -> list[tuple]:
    if not size:
        return [entries]
    return [entries[i:i + size] for i in range(0, len(entries), size)] or [()]


def _page_path(path: str, number: int) -> str:
    return path if number == 1 else f"{path}-{number}"


def _paging(number: int, count: int) -> list[tuple[str, int]]:
    if count < 2:
        return []
    links = [("first", 1), ("last", count)]
    if number > 1:
        links.append(("previous", number - 1))
    if number < count:
        links.append(("next", number + 1))
    return links


def _rel(here: str, target: str) -> str:
    """`target` (relative to opds/) as seen from the feed at `here` (relative to opds/)."""
    if target.startswith("../") and "/." not in target[2:]:  # outside opds/ (an entry's files): no common part
        return "../" * here.count("/") + target
    relative = posixpath.relpath(posixpath.normpath(target), posixpath.dirname(here) or ".")
    return relative + "/" if target.endswith("/") else relative


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag if tag.startswith("{") else f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def _link(parent: ET.Element, rel: str, href: str, kind: str, **attrs) -> ET.Element:
    return ET.SubElement(parent, f"{{{ATOM}}}link", {"rel": rel, "href": href, "type": kind, **attrs})


def _xml(root: ET.Element, default: str = ATOM, chosen: dict[str, str] = PREFIXES) -> bytes:
    ET.indent(root)
    return (xmlout.tostring(root, default, chosen) + "\n").encode("utf-8")


def _json_text(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def _json(data: dict) -> bytes:
    # Compact: json's C encoder (an indented dump runs in Python, several times slower).
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
