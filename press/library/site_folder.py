"""The library's output folder: the names of its records, writing only the bytes that changed,
the briefings' catalogue records, the removal of a briefing, and what a run did there. Shared by
the build (press/library/library_build.py), the catalogue's publication (press/library/publish.py)
and the merge of shards (press/library/shards.py).

Layout of `<out>/`:

    <slug>/index.html, <slug>/<slug>.pdf, <slug>/<slug>.epub, <slug>/images/...   the web edition
    covers/full/<slug>.png|.jpg, covers/<slug>-thumb.jpg                         the EPUB's cover
    index.html, series/ language/ year/, opds/, feed.atom, sitemap.xml, pagefind/  the catalogue
                                                  (pagefind/part-<n>/: the search index's other parts)
    .press/<slug>/   the briefing's own build folder (pipeline state, editions, html/)
    .press/<slug>/entry.json   its catalogue record after its last good build
    .press/library.json        what the last library build wrote
    .press/stamps.json         each briefing's files' sizes and times at its last good build
    .press/fragments.json      the catalogue's cards and feed entries, kept between runs (press/library/fragments.py)
    .press/search/             Pagefind's scratch folders, while it indexes (press/library/search.py)
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from press.base import output
from press.library.library_state import cover_paths, read_entry

WORK = ".press"
LIBRARY_STATE = "library.json"
STAMPS = "stamps.json"   # file times: local to this folder (never copied by --merge)
ENTRY = "entry.json"


@dataclass
class LibraryResult:
    entries: list[dict]        # every briefing the catalogue lists, newest first
    built: list[dict]          # the briefings rebuilt in this run
    failed: list[str]          # one line per briefing that could not be built
    written: list[str]         # catalogue files written (relative to out)
    seconds: float = 0.0


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump_json(data) -> bytes:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False).encode("utf-8") + b"\n"


def write_if_changed(target: Path, data: bytes, known: str | None = None) -> bool:
    """Write `data` unless the file already holds it; `known` is its recorded hash, trusted
    when the size matches (so a no-change run need not read every file back)."""
    try:
        info = os.lstat(target)   # a link in the file's place is replaced, never written through
        size = info.st_size if stat.S_ISREG(info.st_mode) else None
    except OSError:
        size = None
    if size == len(data):
        if known is not None and known == sha(data):
            return False
        if known is None and output.read_file(target) == data:
            return False
    output.write_bytes(target, data)
    return True


def remove_stale(folder: Path, stale: set[str]) -> None:
    """Files the last run wrote under `folder` (relative paths) that this one did not."""
    for rel in sorted(stale):
        output.remove_file(folder / rel, folder)


def collect_entries(out: Path, slugs) -> list[dict]:
    """The catalogue records of the briefings, newest first (then by slug): each is the record
    of the briefing's last good build."""
    entries = []
    for slug in sorted(slugs):
        entry = read_entry(out / WORK / slug / ENTRY, slug)
        if entry is not None:
            entries.append(entry)
    return sorted(sorted(entries, key=lambda e: e["slug"]), key=lambda e: e["date"], reverse=True)


def remove_briefings(out: Path, slugs: set[str]) -> None:
    """Briefings gone from the library: their pages, covers and build folders (`slugs` are
    valid slugs: press/library/library_state.py)."""
    for slug in sorted(slugs):
        for folder in (slug, f"{WORK}/{slug}"):
            output.remove_tree(out, folder)
        for cover in cover_paths(slug):
            output.remove_file(out / cover, out)
