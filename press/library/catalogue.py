"""The library's catalogue: every file of `<out>/` that lists briefings rather than being one.

`render(library, entries)` returns them all by relative path (bytes), from the briefings'
catalogue records (`entries`, newest first): the library page `index.html` and one static
page per filter (`series/<id>/`, `language/<tag>/`, `year/<yyyy>/`, so filtering works
without JavaScript), its stylesheet and small script, the OPDS catalogue (press/library/opds.py) and
the web feeds (press/library/feeds.py). Nothing here reads the clock or the briefings' sources.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup

from press.library import feeds, opds, search
from press.render import templating
from press.library.fragments import KeptPieces, digest
from press.library.library import Library
from press.base import i18n, sizes
from press.base.i18n import language_name
from press.base.sizes import human_size
from press.base.digests import files_digest
from press.render.templating import STYLES_DIR, TEMPLATES_DIR

# The library page's own ids, in one table (the page holds no briefing text, so they cannot clash
# with a section's ids; library.js looks elements up by these).
ANCHORS = {"search_title": "search-title", "search_form": "search-form", "search_input": "search-input",
           "search_results": "search-results", "briefings": "briefings", "listing_title": "listing-title",
           "filter": "filter"}
FORMATS = {"epub": ("EPUB", "for e-readers"), "pdf": ("PDF", "for print")}


@dataclass(frozen=True)
class Filter:
    kind: str      # "series", "language", "year"
    value: str
    label: str
    count: int

    @property
    def path(self) -> str:
        return f"{self.kind}/{self.value}/"


def filters(library: Library, entries: list[dict]) -> dict[str, list[Filter]]:
    def count(kind, value):
        return sum(1 for e in entries if _value(e, kind) == value)

    series = sorted({e["series"] for e in entries if e["series"]})
    languages = sorted({e["language"] for e in entries})
    years = sorted({e["date"][:4] for e in entries}, reverse=True)
    return {
        "series": [Filter("series", s, (library.series_by_id(s).title if library.series_by_id(s) else s),
                          count("series", s)) for s in series],
        "language": [Filter("language", t, language_name(t), count("language", t)) for t in languages],
        "year": [Filter("year", y, y, count("year", y)) for y in years],
    }


def _value(entry: dict, kind: str) -> str | None:
    return {"series": entry["series"], "language": entry["language"], "year": entry["date"][:4]}[kind]


def render(library: Library, entries: list[dict], kept: KeptPieces | None = None) -> dict[str, bytes]:
    """Every file of the catalogue; `kept`: the cards and feed entries of earlier runs (press/library/fragments.py)."""
    kept = kept or KeptPieces()
    files: dict[str, bytes] = {}
    groups = filters(library, entries)
    parts = " ".join(g.folder + "/" for g in search.groups([e["slug"] for e in entries])[1:])
    cards = Cards(library, kept)
    files["index.html"] = page(library, entries, groups, None, "", len(entries), parts, cards)
    for kind, items in groups.items():
        for f in items:
            files[f"{f.path}index.html"] = page(library, [e for e in entries if _value(e, f.kind) == f.value],
                                                groups, f, "../../", len(entries), parts, cards)
    files["library.css"] = (STYLES_DIR / "library.css").read_bytes()
    files["library.js"] = (TEMPLATES_DIR / "library" / "library.js").read_bytes()
    files.update(opds.files(library, entries, language_name, kept))
    files.update(feeds.files(library, entries))
    return files


def page(library: Library, entries: list[dict], groups, active: Filter | None, root: str, all_count: int,
         parts: str, cards: Cards) -> bytes:
    """A listing page; `parts`: the folders of the search index's other parts (press/library/search.py)."""
    html = templating.render("library/index.html.j2", library=library, cards=[cards.html(e, root) for e in entries],
                             groups=groups, active=active, root=root,
                             all_count=all_count, anchors=ANCHORS, search_parts=parts)
    return html.encode("utf-8")


class Cards:
    """Each briefing's card, rendered once per run (a briefing is on several pages) and kept
    between runs while its entry is the same."""

    TEMPLATE = "library/_card.html.j2"

    def __init__(self, library: Library, kept: KeptPieces):
        self.library, self.kept = library, kept
        self.code = files_digest(Path(__file__), Path(i18n.__file__), Path(sizes.__file__),
                                TEMPLATES_DIR / self.TEMPLATE)

    def html(self, e: dict, root: str) -> Markup:
        series = self.library.series_by_id(e["series"]) if e["series"] else None
        key = digest("card", self.code, root, series.title if series else None, self.kept.entry(e))
        return Markup(self.kept.get(key, lambda: templating.render(self.TEMPLATE, e=card(self.library, e, root))))


def card(library: Library, e: dict, root: str) -> dict:
    series = library.series_by_id(e["series"]) if e["series"] else None
    downloads = [{"href": root + d["href"], "type": d["type"], "format": FORMATS.get(d["edition"], (d["edition"].upper(), ""))[0],
                  "purpose": FORMATS.get(d["edition"], ("", ""))[1], "size": human_size(d["size"])}
                 for d in e["downloads"]]
    thumb = e["cover"]["thumbnail"] if e["cover"] else None
    return {**e, "href": root + e["href"], "series_title": series.title if series else (e["series"] or ""),
            "language_name": language_name(e["language"]), "year": e["date"][:4], "downloads": downloads,
            "long_date": templating.long_date(_date(e["date"]), e["language"]),
            "thumb": {**thumb, "href": root + thumb["href"]} if thumb else None}


def _date(text: str):
    import datetime as dt

    return dt.date.fromisoformat(text)
