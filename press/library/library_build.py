"""Build a library: every briefing through `pipeline.build`, in worker processes, then the catalogue.

The parent process's side: which briefings are out of date (their stamps), the workers that build
them (press/library/briefing_build.py), then the catalogue (press/library/publish.py), or, for one
shard, its record (press/library/shards.py). The output folder's layout: press/library/site_folder.py.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from press.base import output
from press.library import shards
from press.library.briefing_build import Task, build_one
from press.library.library import Library, load_library, record, walk
from press.library.library_state import cover_paths, read_state
from press.library.partition import in_shard
from press.library.publish import publish
from press.library.site_folder import (ENTRY, LIBRARY_STATE, STAMPS, WORK, LibraryResult, collect_entries, dump_json,
                                       remove_briefings, write_if_changed)
from press.base import build_inputs
from press.render.templating import STYLES_DIR, TEMPLATES_DIR
from press.library.library import entry_date
from press.base.i18n import also_in, language_name

def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class Progress:
    """Briefings done of total, the current one and the time so far: one line rewritten in place
    on a terminal, a plain line per built or failed briefing otherwise. Silent by default."""

    def start(self, total: int) -> None: ...
    def done(self, entry: dict, count: int) -> None: ...


def build_library(source: Path, out: Path, jobs: int | None = None, shard: tuple[int, int] | None = None,
                  force: bool = False, progress: Progress | None = None, on_wait=None,
                  only: set[Path] | None = None) -> LibraryResult:
    """Build every briefing of the library in SOURCE (or those of one shard) and its catalogue.
    `only` (watch): the briefing folders that changed; the others keep their last build."""
    started = time.perf_counter()
    out = Path(out)
    local = read_json(out / WORK / STAMPS) or {}
    stamps, known = dict(local.get("stamps") or {}), dict(local.get("sources") or {})
    # Briefings whose folders' files have not changed since the last run are not read again.
    library = load_library(source, known)
    progress = progress or Progress()
    with output.build_lock(out, on_wait=on_wait):
        output.remove_stale_temporaries(out)  # what a killed run left (we hold the lock)
        state = read_state(out / WORK / LIBRARY_STATE)
        refs = [r for r in library.briefings if in_shard(r.slug, shard)]
        broken = [b for b in library.broken if in_shard(b.slug, shard)]
        common = common_stamp()
        by_slug = {r.slug: r for r in library.briefings}
        tasks = [task_for(library, ref, out, by_slug, force) for ref in refs
                 if only is None or ref.folder.resolve() in only or not (out / WORK / ref.slug / ENTRY).is_file()]
        # Briefings whose files (sources, outputs) and build code have not changed since their last
        # good build are not even sent to a worker: a no-change run of a large library stays fast.
        prints = {ref.slug: ref.fingerprint for ref in refs}
        tasks = [t for t in tasks if force or stamps.get(t.slug) != stamp(t, out, common, prints[t.slug])]
        outcomes = run(tasks, jobs, progress, here=only is None)  # watch: its process stays small
        for task, outcome in zip(tasks, outcomes):
            if "error" in outcome:
                stamps.pop(task.slug, None)
            else:
                stamps[task.slug] = stamp(task, out, common, prints[task.slug])
        failed = [o["error"] for o in outcomes if "error" in o] + [b.error for b in broken]
        known = dict(state.get("slugs") or {})          # slug -> folder, as last built
        slugs = {ref.slug: _rel(library, ref.folder) for ref in refs}
        # A broken briefing keeps its last good build and entry, found by its folder.
        for b in broken:
            slug = next((s for s, f in known.items() if f == _rel(library, b.folder)), None)
            if slug and slug not in slugs:
                slugs[slug] = known[slug]
        remove_briefings(out, set(known) - set(slugs))
        entries = collect_entries(out, slugs)
        new_state = {"slugs": dict(sorted(slugs.items()))}
        written: list[str] = []
        if shard is not None:
            shards.write_record(out, shard, sorted(slugs))
        else:
            written = publish(library, out, entries, state, new_state, force)
        write_if_changed(out / WORK / LIBRARY_STATE, dump_json(new_state))
        write_if_changed(out / WORK / STAMPS, dump_json({
            "stamps": {s: stamps[s] for s in sorted(stamps) if s in slugs},
            "sources": {str(r.folder): record(r) for r in sorted(library.briefings, key=lambda r: str(r.folder))}}))
    return LibraryResult(entries, [o for o in outcomes if o.get("rebuilt")], failed, written,
                         time.perf_counter() - started)


def common_stamp() -> str:
    """What every briefing's build depends on besides its own folder: this package's code and the
    fonts (press.base.build_inputs, as the pipeline sees them), the templates and styles (by content)
    and SOURCE_DATE_EPOCH."""
    digest = hashlib.sha256(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    digest.update(build_inputs.package_code_digest() + build_inputs.fonts_digest())
    for path in sorted([*TEMPLATES_DIR.rglob("*"), *STYLES_DIR.rglob("*")]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def stamp(task: Task, out: Path, common: str, source_print: str) -> str:
    """A briefing's files as the file system describes them (path, size, modification time):
    its source folder (`source_print`, press.library.library.fingerprint), its build folder and its
    pages; with its task and the common stamp. Equal to the last good build's: nothing to do.
    Different: the worker's pipeline decides, by content, what (if anything) to rebuild."""
    digest = hashlib.sha256(common.encode() + source_print.encode() + json.dumps(
        [task.meta, task.alternates, task.library_title, task.also_in, task.series_title], sort_keys=True,
        default=str).encode())
    for root in (out / WORK / task.slug, out / task.slug):
        for path, st in walk(root):
            digest.update(f"{path}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}".encode())
    for name in cover_paths(task.slug):
        try:
            st = os.stat(out / name)
        except OSError:
            continue
        digest.update(f"{name}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}".encode())
    return digest.hexdigest()


def _rel(library: Library, folder: Path) -> str:
    return folder.resolve().relative_to(library.root.resolve()).as_posix()


def task_for(library: Library, ref, out: Path, by_slug: dict, force: bool = False) -> Task:
    """`by_slug`: the library's briefings by slug (made once: a library has thousands)."""
    alternates = tuple((s, by_slug[s].manifest.language, by_slug[s].manifest.title)
                       for s in library.translations.get(ref.slug, ()) if len(library.translations[ref.slug]) > 1)

    m = ref.manifest  # read once, by load_library; the worker's pipeline.build reads it for the build
    meta = {"folder": _rel(library, ref.folder), "title": m.title, "subtitle": m.subtitle or "", "summary": ref.summary,
            "authors": list(m.authors), "publisher": m.publisher or "", "language": m.language,
            "date": entry_date(m).isoformat(), "identifier": m.identifier, "series": ref.series, "number": ref.number,
            "keywords": list(m.keywords), "translation_of": ref.translation_of}
    # The library's form `series: <id>`: the editions print the series' title from library.yml, not its id.
    series = library.series_by_id(ref.series) if ref.series and ref.series_name is None else None
    return Task(str(ref.folder), ref.slug, str(out), meta, alternates, library.title, force,
                also_in_links(library, ref.slug, ref.manifest.language, alternates),
                series.title if series and series.title != ref.series else "")


def also_in_links(library: Library, slug: str, language: str, alternates: tuple) -> tuple:
    """The "Also in" line of a briefing's PDF and EPUB: each translation's web page by its absolute
    URL under base_url (the files travel: downloaded, sent to an e-reader, a relative link would
    lead nowhere there; and an EPUB may not link outside itself by a relative path)."""
    links = tuple((lang, language_name(lang), f"{library.base_url}{other}/")
                  for other, lang, _ in sorted(alternates, key=lambda a: a[1].lower()) if other != slug)
    return (also_in(language), links) if links else ()


_built_here = False   # this process built a briefing itself (see run): later ones go to workers


def run(tasks: list[Task], jobs: int | None, progress: Progress, here: bool = True) -> list[dict]:
    """Build the briefings in worker processes (the parent never imports a renderer, so its
    memory does not grow with the number of briefings); results in the tasks' order. `here`:
    one briefing may be built in this process when it is still fresh (not in `watch`)."""
    global _built_here
    progress.start(len(tasks))
    if not tasks:
        return []
    if here and len(tasks) == 1 and not _built_here and "weasyprint" not in sys.modules:
        # One briefing (an edit), in a process that has rendered nothing yet: it is as fresh as a
        # worker would be, so build it here and save a worker's start-up (the bytes are the same).
        _built_here = True
        outcome = build_one(tasks[0])
        # The build leaves a large heap (the PDF writer's objects); the catalogue to come makes many
        # small objects, and each full collection would walk that heap again: set it aside.
        gc.freeze()
        progress.done(outcome, 1)
        return [outcome]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(tasks)))
    results: dict[str, dict] = {}
    # One process per briefing: since the PDF writer keeps state between builds in one process
    # (fonts, subsets), a warm worker can give other bytes than a fresh one; a fresh process per
    # briefing keeps --jobs 1, --jobs 2 and every shard byte-identical.
    with ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"), max_tasks_per_child=1) as pool:
        futures = {pool.submit(build_one, task): task for task in tasks}
        for future in as_completed(futures):
            outcome = future.result()
            results[outcome["slug"]] = outcome
            progress.done(outcome, len(results))
    return [results[task.slug] for task in tasks]
