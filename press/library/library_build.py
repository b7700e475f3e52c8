"""Build a library: every briefing through `pipeline.build`, in worker processes, then the catalogue.

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

Each briefing is built by `pipeline.build` into its own `.press/<slug>/`, exactly as a
briefing folder builds alone, and its `html/` folder is then placed at `<slug>/` (copied
only when bytes differ, so a no-change run rewrites nothing). The web page gets the
library's additions there: a link back to the library and, for translations, `hreflang`
alternates and a language switcher.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import os
import posixpath
import stat
import sys
import time
import zipfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from press.base import output
from press.base.errors import PressError
from press.library.fragments import NAME as FRAGMENTS, Fragments
from press.library.library import Library, load_library, record, walk
from press.library.library_files import place
from press.library.library_state import COVERS, cover_path, cover_paths, read_entry, read_state, thumbnail_path

WORK = ".press"
LIBRARY_STATE = "library.json"
STAMPS = "stamps.json"   # file times: local to this folder (never copied by --merge)
ENTRY = "entry.json"
THUMB_WIDTH = 240


@dataclass(frozen=True)
class Task:
    """What a worker needs to build one briefing: plain values, cheap to send to a process."""

    folder: str
    slug: str
    out: str
    meta: dict          # the briefing's catalogue metadata, from its manifest (read by the parent)
    alternates: tuple   # (slug, language, title) of each translation, itself included
    library_title: str
    force: bool = False
    also_in: tuple = ()  # (label, ((tag, name, url), ...)): the PDF's and EPUB's "Also in" line, or ()
    series_title: str = ""  # `series: <id>` names a series of library.yml: its title, for the editions


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


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


# -- one briefing, in a worker process ---------------------------------------------------------

def build_one(task: Task) -> dict:
    """Build one briefing and place its web edition; return its catalogue entry, or its error."""
    started = time.perf_counter()
    try:
        entry = _build_one(task)
    except PressError as exc:
        return {"slug": task.slug, "error": exc.format_message()}
    except Exception as exc:  # a bug must not take the other briefings down with it
        return {"slug": task.slug, "error": f"{task.folder}: internal error while building: {exc!r}"}
    entry["seconds"] = round(time.perf_counter() - started, 3)
    return entry


def _build_one(task: Task) -> dict:
    from press.build import pipeline
    from press.build.editions import EDITIONS
    out = Path(task.out)
    work = out / WORK / task.slug
    # The web edition and the editions it offers for download (PDF, EPUB): what the site publishes.
    from press.model.manifest import AlsoIn

    also_in = AlsoIn(task.also_in[0], tuple(map(tuple, task.also_in[1]))) if task.also_in else None
    results = pipeline.build(Path(task.folder), work, ["html"], force=task.force, also_in=also_in,
                             series_title=task.series_title or None)
    previous = read_entry(work / ENTRY, task.slug) or {}   # a record that names what is not its own: none
    state = pipeline.read_state(work).get(task.slug, {})
    html = EDITIONS["html"]
    files = dict((state.get("html") or {}).get("files") or {})   # rel -> sha, as the pipeline wrote them
    folder = work / html.folder
    # Each file edition's name as the pipeline gave it (`<slug>-letter.pdf` for `paper: letter`):
    # only the pipeline names files, the library reads the names from its state.
    names = {name: entry["path"] for name, entry in state.items() if "path" in entry}

    # The editions the web page offers for download are the pipeline's own files: one file each,
    # under the build folder, the web folder and the site (press/library/library_files.py).
    for name, rel in names.items():
        if rel in files and state[name]["output"] == files[rel] and (work / rel).is_file():
            place(work / rel, folder / rel)
    site_files = {}
    known = previous.get("site_files") or {}
    site = out / task.slug
    for rel, digest in sorted(files.items()):
        source = folder / rel
        if rel == html.page:
            data = library_page(source.read_bytes(), task)
            digest = sha(data)
            write_if_changed(site / rel, data, known.get(rel))
        else:
            place(source, site / rel)
        site_files[rel] = digest
    _remove_stale(site, set(known) - set(site_files))

    downloads = []
    for name in ("epub", "pdf"):
        rel = names.get(name)
        if rel in site_files:
            downloads.append({"edition": name, "href": f"{task.slug}/{rel}", "size": (site / rel).stat().st_size,
                              "type": _media(rel), "sha": site_files[rel]})
    epub_sha = next((d["sha"] for d in downloads if d["edition"] == "epub"), "")
    cover = previous.get("cover") if previous.get("epub_sha") == epub_sha and epub_sha else None
    if cover is None or not (out / cover["href"]).is_file() or not (out / cover["thumbnail"]["href"]).is_file():
        cover = _cover(out, task.slug, work / names["epub"], previous.get("cover")) if epub_sha else None

    entry = {
        **task.meta, "slug": task.slug, "href": f"{task.slug}/", "page_sha": site_files.get(html.page, ""),
        "downloads": downloads, "cover": cover, "epub_sha": epub_sha, "site_files": site_files,
        "rebuilt": any(r.rebuilt for r in results),
    }
    stored = {k: v for k, v in entry.items() if k != "rebuilt"}
    write_if_changed(work / ENTRY, dump_json(stored))
    return entry


def _media(name: str) -> str:
    from press.base.media import media_type

    return media_type(name)


def _remove_stale(folder: Path, stale: set[str]) -> None:
    for rel in sorted(stale):
        output.remove_file(folder / rel, folder)


def _cover(out: Path, slug: str, epub: Path, previous: dict | None = None) -> dict | None:
    """The EPUB's cover picture (the item the package marks `cover-image`) and a thumbnail of it;
    `previous` (the last build's) is kept when the picture's bytes are the same: an edit to the
    text changes the EPUB, seldom its cover, and decoding and scaling a cover takes a while."""
    found = _cover_image(epub)
    if found is None:
        return None
    data, media_type = found
    suffix = ".jpg" if media_type == "image/jpeg" else ".png"
    cover_rel, thumb_rel = cover_path(slug, suffix), thumbnail_path(slug)
    digest = sha(data)
    if (previous and previous.get("sha") == digest and previous.get("href") == cover_rel
            and (out / cover_rel).is_file() and (out / thumb_rel).is_file()):
        return previous
    from PIL import Image

    image = Image.open(io.BytesIO(data))
    width, height = image.size
    thumb = image.convert("RGB")
    thumb.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
    buffer = io.BytesIO()
    thumb.save(buffer, "JPEG", quality=82, optimize=True, progressive=False)
    write_if_changed(out / cover_rel, data)
    write_if_changed(out / thumb_rel, buffer.getvalue())
    return {"href": cover_rel, "type": media_type, "width": width, "height": height, "size": len(data), "sha": digest,
            "thumbnail": {"href": thumb_rel, "type": "image/jpeg", "width": thumb.width, "height": thumb.height}}


def _cover_image(epub: Path) -> tuple[bytes, str] | None:
    """The bytes and media type of the EPUB's `cover-image` item, if it has one."""
    import xml.etree.ElementTree as ET

    with zipfile.ZipFile(epub) as book:
        container = ET.fromstring(book.read("META-INF/container.xml"))
        opf_path = container.find(".//{*}rootfile").get("full-path")
        opf = ET.fromstring(book.read(opf_path))
        item = next((i for i in opf.iter("{http://www.idpf.org/2007/opf}item")
                     if "cover-image" in (i.get("properties") or "").split()), None)
        if item is None:
            return None
        data = book.read(posixpath.normpath(posixpath.join(posixpath.dirname(opf_path), item.get("href"))))
    return data, item.get("media-type")


def library_page(page: bytes, task: Task) -> bytes:
    """The briefing's web page as the library serves it: a way back to the library, the
    briefing's translations as `hreflang` alternates and a language switcher."""
    from press.render import templating
    from press.base.i18n import also_in

    html = page.decode("utf-8")
    context = dict(alternates=task.alternates, slug=task.slug, library_title=task.library_title,
                   also_in=also_in(task.meta["language"]))
    head = templating.render("library/page-head.html.j2", **context)
    nav = templating.render("library/page-nav.html.j2", **context)
    at_head = html.find("</head>")
    at_header = html.find('<header class="masthead"')
    if at_head < 0 or at_header < 0:
        raise PressError(f"{task.folder}: the web page has no </head> or masthead header to add the "
                         "library's links to", code="E861")
    html = html[:at_head] + head + html[at_head:at_header] + nav + html[at_header:]
    return html.encode("utf-8")


# -- the library, in the parent process ---------------------------------------------------------

@dataclass
class LibraryResult:
    entries: list[dict]        # every briefing the catalogue lists, newest first
    built: list[dict]          # the briefings rebuilt in this run
    failed: list[str]          # one line per briefing that could not be built
    written: list[str]         # catalogue files written (relative to out)
    seconds: float = 0.0


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
    from press.library import shards

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
        refs = [r for r in library.briefings if shard is None or shards.shard_of(r.slug, shard[1]) == shard[0] - 1]
        broken = [b for b in library.broken if shard is None or shards.shard_of(b.slug, shard[1]) == shard[0] - 1]
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
        _remove_briefings(out, set(known) - set(slugs))
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
    from press.base import build_inputs
    from press.render.templating import STYLES_DIR, TEMPLATES_DIR

    digest = hashlib.sha256(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    digest.update(build_inputs.code_digest() + build_inputs.fonts_digest())
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
    from press.library.library import entry_date

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
    from press.base.i18n import also_in, language_name

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


def collect_entries(out: Path, slugs) -> list[dict]:
    """The catalogue records of the briefings, newest first (then by slug): each is the record
    of the briefing's last good build."""
    entries = []
    for slug in sorted(slugs):
        entry = read_entry(out / WORK / slug / ENTRY, slug)
        if entry is not None:
            entries.append(entry)
    return sorted(sorted(entries, key=lambda e: e["slug"]), key=lambda e: e["date"], reverse=True)


def _remove_briefings(out: Path, slugs: set[str]) -> None:
    """Briefings gone from the library: their pages, covers and build folders (`slugs` are
    valid slugs: press/library/library_state.py)."""
    for slug in sorted(slugs):
        for folder in (slug, f"{WORK}/{slug}"):
            output.remove_tree(out, folder)
        for cover in cover_paths(slug):
            output.remove_file(out / cover, out)


def publish(library: Library, out: Path, entries: list[dict], state: dict, new_state: dict,
            force: bool = False) -> list[str]:
    """Write the catalogue (pages, feeds, search index): only the files whose bytes changed,
    and remove those the last build wrote that this one does not. `force`: no kept piece is read."""
    from press.library import catalogue, search

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
        kept = Fragments(out / WORK / FRAGMENTS, read=not force)
        files = catalogue.render(library, entries, kept)
        kept.save()
        previous = state.get("catalogue") or {}
        written = []
        for rel, data in sorted(files.items()):
            if write_if_changed(output.inside(out, rel, create=True), data, previous.get(rel)):
                written.append(rel)
        _remove_stale(out, set(previous) - set(files))
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
