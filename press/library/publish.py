"""The catalogue's publication, once the briefings are in place (after a build, or after the merge
of shards): the library pages and feeds (press/library/catalogue.py) and the search index
(press/library/search.py), each file written only where its bytes changed, and those the last
run wrote that this one does not removed."""

from __future__ import annotations

from pathlib import Path

from press.base import output
from press.library import catalogue, search
from press.library.fragments import NAME as KEPT_PIECES, KeptPieces
from press.library.library import Library
from press.library.site_folder import WORK, dump_json, remove_stale, sha, write_if_changed


def publish(library: Library, out: Path, entries: list[dict], state: dict, new_state: dict,
            force: bool = False) -> list[str]:
    """Write the catalogue (pages, feeds, search index): only the files whose bytes changed,
    and remove those the last build wrote that this one does not. `force`: no kept piece is read."""
    # Pagefind reads the briefings' pages (all in place by now) while the catalogue is rendered:
    # each group of pages with a page changed since the last run (press/library/search.py).
    pages = {e["slug"]: e["page_sha"] for e in entries}
    recorded = _search_records(state)
    digests, folders, runs = {}, {}, []
    try:
        for group in search.groups(sorted(pages)):
            key = str(group.number)
            folders[key] = group.folder
            digests[key] = sha(dump_json({"pages": {s: pages[s] for s in group.slugs}, "folder": group.folder,
                                          "pagefind": search.VERSION, "language": library.language}))
            if digests[key] != recorded["digests"].get(key) or not (out / group.folder).is_dir():
                runs.append(search.start(out, group, library.language))
        kept = KeptPieces(out / WORK / KEPT_PIECES, read=not force)
        files = catalogue.render(library, entries, kept)
        kept.save()
        previous = state.get("catalogue") or {}
        written = []
        for rel, data in sorted(files.items()):
            if write_if_changed(output.inside(out, rel, create=True), data, previous.get(rel)):
                written.append(rel)
        remove_stale(out, set(previous) - set(files))
        new_state["catalogue"] = {rel: sha(data) for rel, data in sorted(files.items())}
        # A group gone, or moved (another group is now the first): its old files go before any is written.
        for key, old in recorded["files"].items():
            if folders.get(key) != old["folder"]:
                search.remove(out, old["folder"], old["files"])
        search_files = {key: old for key, old in recorded["files"].items() if folders.get(key) == old["folder"]}
        while runs:
            run = runs.pop(0)
            key = str(run.group.number)
            changed, hashes = search.finish(run, search_files.get(key, {}).get("files", {}))
            search_files[key] = {"folder": run.group.folder, "files": hashes}
            written += changed
    except BaseException:
        for run in runs:
            search.stop(run)
        raise
    new_state["search"] = digests
    new_state["search_files"] = dict(sorted(search_files.items(), key=lambda item: int(item[0])))
    return written


def _search_records(state: dict) -> dict:
    """The last run's search groups: each group's digest, folder and files (an older state, with
    one index and no groups, is read as one group in `pagefind/`, to be indexed again)."""
    digests, files = state.get("search"), state.get("search_files") or {}
    if not isinstance(digests, dict):
        return {"digests": {}, "files": {"0": {"folder": "pagefind", "files": files}} if files else {}}
    return {"digests": digests, "files": files}
