"""The library's records, read as claims: `.press/library.json` and each briefing's `entry.json`.

Every file of the output folder may have been planted (a restored CI cache, a downloaded shard),
so a record is used only when every path it names is one the build itself would derive: a
slug that passes `valid_slug` (the check the library's own slugs pass), a cover name made from
that slug, a search folder made from its group's number, a relative path that `output.relative`
accepts. A record that fails is not used at all: a state is then "no previous state" (the next
build starts afresh), an entry is "no entry" (the briefing is built again, or left out of the
catalogue). The paths are checked again, inside their folder with no link followed, by the
functions that remove or write them (press/base/output.py).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from press.base import limits, output
from press.model.manifest import LANGUAGE_RE, SLUG_RE

SERIES_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
# The catalogue's own folders and files at the top of the output: no briefing may take these as its slug.
RESERVED_SLUGS = ("covers", "opds", "series", "language", "year", "pagefind", "index.html", "feed.atom",
                  "sitemap.xml", "opensearch.xml", "library.css", "library.js")
COVERS = "covers"
FULL_COVERS = f"{COVERS}/full"   # the covers themselves; the thumbnails are covers/<slug>-thumb.jpg
COVER_SUFFIXES = (".jpg", ".png")
SEARCH_FOLDER = "pagefind"       # press/library/search.py: group 0, and part-<n>/ under it


def valid_slug(value: object) -> bool:
    """Whether `value` is a slug the library could hold: the manifest's rule (press/model/manifest.py)
    and none of the library's own names (press/library/library.py)."""
    return (isinstance(value, str) and len(value) <= limits.MAX_SLUG and SLUG_RE.fullmatch(value) is not None
            and value not in RESERVED_SLUGS)


def cover_path(slug: str, suffix: str) -> str:
    """A briefing's cover (`suffix` .jpg or .png): in a folder of their own, so that no slug's
    cover can take another's thumbnail name (`a-thumb`'s cover, `a`'s thumbnail)."""
    return f"{FULL_COVERS}/{slug}{suffix}"


def thumbnail_path(slug: str) -> str:
    return f"{COVERS}/{slug}-thumb.jpg"


def cover_paths(slug: str) -> tuple[str, ...]:
    """Every file a briefing may have under covers/, and only its own."""
    return (*(cover_path(slug, s) for s in COVER_SUFFIXES), thumbnail_path(slug))


def read_json(path: Path):
    """A JSON file that is a regular file (no link followed), or None."""
    data = output.read_file(path)
    if data is None:
        return None
    try:
        return json.loads(data.decode("utf-8"))
    except ValueError:
        return None


def _hashes(value: object) -> bool:
    """A map of safe relative paths to hashes."""
    return isinstance(value, dict) and all(output.relative(k) is not None and isinstance(v, str)
                                           for k, v in value.items())


def valid_state(state: object) -> bool:
    """Whether `.press/library.json` names only what a build would have written."""
    if not isinstance(state, dict):
        return False
    slugs = state.get("slugs", {})
    if not isinstance(slugs, dict) or not all(valid_slug(s) and isinstance(f, str) for s, f in slugs.items()):
        return False
    if not _hashes(state.get("catalogue", {})):
        return False
    search, files = state.get("search"), state.get("search_files", {})
    if search is None or not isinstance(search, dict):   # an older state: one index in pagefind/
        return search is None and _hashes(files)
    if not all(isinstance(k, str) and k.isdigit() and isinstance(v, str) for k, v in search.items()):
        return False
    if not isinstance(files, dict):
        return False
    for key, group in files.items():
        if not (isinstance(key, str) and key.isdigit() and isinstance(group, dict) and _hashes(group.get("files"))
                and group.get("folder") in (SEARCH_FOLDER, f"{SEARCH_FOLDER}/part-{int(key)}")):
            return False
    return True


def read_state(path: Path) -> dict:
    """The last library build's state, or {} (no previous state) when it claims any path the
    build would not have made."""
    state = read_json(path)
    return state if valid_state(state) else {}


def _text(value: object, optional: bool = False) -> bool:
    return isinstance(value, str) or (optional and value is None)


def _cover(cover: object, slug: str) -> bool:
    if cover is None:
        return True
    if not isinstance(cover, dict) or cover.get("href") not in {cover_path(slug, s) for s in COVER_SUFFIXES}:
        return False
    thumb = cover.get("thumbnail")
    return (isinstance(thumb, dict) and thumb.get("href") == thumbnail_path(slug)
            and all(_number(cover.get(k)) for k in ("width", "height", "size"))
            and all(_number(thumb.get(k)) for k in ("width", "height")) and _text(cover.get("type"))
            and _text(thumb.get("type")) and _text(cover.get("sha")))


def _number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _date(value: object) -> bool:
    try:
        dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def valid_entry(entry: object, slug: str) -> bool:
    """Whether a briefing's `entry.json` is a record of that briefing, naming only its own files."""
    if not isinstance(entry, dict) or entry.get("slug") != slug or entry.get("href") != f"{slug}/":
        return False
    site_files = entry.get("site_files")
    if not _hashes(site_files):
        return False
    downloads = entry.get("downloads")
    if not isinstance(downloads, list) or not all(
            isinstance(d, dict) and isinstance(d.get("href"), str) and d["href"].startswith(f"{slug}/")
            and d["href"][len(slug) + 1:] in site_files and _text(d.get("edition")) and _text(d.get("type"))
            and _number(d.get("size")) and _text(d.get("sha")) for d in downloads):
        return False
    series, number = entry.get("series"), entry.get("number")
    return (all(_text(entry.get(k)) for k in ("title", "identifier", "page_sha", "epub_sha"))
            and all(_text(entry.get(k), optional=True) for k in ("subtitle", "summary", "publisher", "translation_of"))
            and all(isinstance(entry.get(k), list) and all(isinstance(v, str) for v in entry[k])
                    for k in ("authors", "keywords"))
            and isinstance(entry.get("language"), str) and LANGUAGE_RE.fullmatch(entry["language"]) is not None
            and _date(entry.get("date")) and _cover(entry.get("cover"), slug)
            and (series is None or (isinstance(series, str) and SERIES_ID_RE.fullmatch(series) is not None))
            and (number is None or _number(number) or isinstance(number, str)))


def read_entry(path: Path, slug: str) -> dict | None:
    """A briefing's catalogue record, or None when there is none or it claims what is not its own."""
    entry = read_json(path)
    return entry if valid_entry(entry, slug) else None
