"""build(): load -> render -> write, rebuilding only the editions whose inputs changed.

The editions are the records of press.build.editions. An edition may link to other editions
(`after`): they are built first, and their output hashes are part of its inputs, so a rebuilt
PDF also refreshes the web page. The state in the output folder is kept per briefing, so
briefings built into one folder do not disturb each other's.

Safe by construction: the output folder may not be, or hold, the source folder; every path
the build writes, renames or deletes is derived by the build and checked by press.base.output to
lie inside the output folder without passing a symbolic link; the state file is validated
the same way and ignored (a full rebuild) when anything in it is off.

All or nothing: every edition is rendered in memory (in a worker under a memory and time
budget, press.base.budget) before any file is written; every file of every edition, and the
state, is then written to a temporary name, and only when all are written are they renamed
into place, under the output folder's lock. A failure at any point (a full disk included)
removes the temporaries and leaves every previous output byte for byte as it was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from press.base import budget, build_inputs, output
from press import __version__
from press.build import editions
from press.base.build_state import STATE_NAME, read_state, state_bytes
from press.base.pdf_variants import EDITION_OF
from press.build.editions import EDITIONS, Edition, ordered
from press.base.errors import Location, PressError, Problems, display_path
from press.model.manifest import MANIFEST_NAME, Manifest, load_manifest
from press.base.media import media_type
from press.base.datadirs import STYLES_DIR, TEMPLATES_DIR


@dataclass(frozen=True)
class Result:
    edition: str
    path: Path
    size: int
    seconds: float
    rebuilt: bool


@dataclass(frozen=True)
class Download:
    """A file edition as the web edition offers it: copied beside the page."""

    edition: str
    name: str         # file name, beside index.html
    data: bytes
    media_type: str


class Progress:
    """What a build tells its user; the CLI subclasses it (see cli_output). Silent by default."""

    def stage(self, name: str, seconds: float) -> None: ...
    def rendering(self, edition: str) -> None: ...
    def rendered(self, edition: str, seconds: float) -> None: ...
    def warning(self, problem) -> None: ...  # a W finding of the rules (press.check.checks.Problem)


@dataclass
class _Plan:
    edition: Edition
    digest: str = ""
    rebuild: bool = False
    data: bytes | None = None                      # a file edition, rendered
    files: dict[str, bytes] = field(default_factory=dict)  # a folder edition, rendered
    seconds: float = 0.0
    rel: str = ""                                  # its output, relative to the output folder


def build(source: Path, out: Path, formats: list[str], paper: str | None = None,
          force: bool = False, on_wait=None, progress: Progress | None = None,
          cache=None, strict: bool = False, also_in=None, series_title: str | None = None) -> list[Result]:
    """Build the requested editions (and those they link to); raise PressError before writing
    anything if the sources are bad. `cache` (press.build.cache.SectionCache) keeps rendered sections
    between builds of one process. `also_in` (manifest.AlsoIn): the briefing's translations as
    its library links them, in place of what its manifest alone knows; `series_title`: the title
    its library gives the series its manifest names by id (`series: sahel`)."""
    try:
        return _build(source, out, formats, {"paper": paper}, force, on_wait, progress, cache, strict, also_in,
                      series_title)
    except OSError as exc:  # a folder that cannot be written, a full disk, an unreadable file
        where = Location(Path(exc.filename)) if exc.filename else None
        raise PressError(exc.strerror or str(exc), where, code="E858") from None


def output_folder(source: Path, out: Path) -> Path:
    """The output folder, resolved; refused (E851) when it is the source folder, holds it, or
    is reached from inside the source folder through a symbolic link."""
    given = Path(os.path.abspath(out))
    real_source, real_out = Path(source).resolve(), given.resolve()
    if real_source == real_out or real_source.is_relative_to(real_out):
        raise PressError(f"the output folder {display_path(out)} is the source folder or holds it: "
                         "choose another --out", None, "E851")
    for base in {Path(os.path.abspath(source)), real_source}:
        if given.is_relative_to(base):  # the folders between are the sources': no links there
            folder = base
            for part in given.relative_to(base).parts:
                folder = folder / part
                if folder.is_symlink():
                    raise PressError(f"the output folder {display_path(out)} is reached through the "
                                     f"symbolic link {display_path(folder)} in the source folder", None, "E851")
    return real_out


def _build(source, out, formats, options, force, on_wait, progress, cache, strict=False, also_in=None,
           series_title=None) -> list[Result]:
    source, shown = Path(source), Path(out)  # results name the folder as the user did
    out = output_folder(source, out)
    progress = progress or Progress()
    names = ordered(formats)
    with output.build_lock(out, on_wait=on_wait):
        started = time.perf_counter()
        output.remove_stale_temporaries(out)
        manifest = load_manifest(source)  # read once: the load below is given it
        if also_in is not None:  # the library's "Also in" links: an input of every edition
            manifest = dataclasses.replace(manifest, also_in=also_in)
        if series_title and manifest.series is not None:  # the library's name of the series
            manifest = dataclasses.replace(manifest, series=dataclasses.replace(manifest.series, title=series_title))
        options = {**options, "paper": manifest.page(options.get("paper")).paper}  # what names the PDF
        if "pdf" in names:  # the PDF variants the manifest asks for come with the PDF
            names = ordered(names + [EDITION_OF[v] for v in manifest.pdf_variant if EDITION_OF[v] not in names])
        everything = read_state(out)
        state = everything.setdefault(manifest.slug, {})  # this briefing's editions only
        common = _common_digest(manifest, out)
        if also_in is not None or series_title:
            common["root"] += b"\0" + repr((also_in, series_title)).encode()
        progress.stage("check inputs", time.perf_counter() - started)

        def replan(render=None) -> dict[str, _Plan]:
            return _plan(names, common, options, state, out, manifest, force, render)

        plans = replan()  # without rendering: does anything need a rebuild at all?
        if any(p.rebuild for p in plans.values()):
            editions.warm_in_background([name for name, p in plans.items() if p.rebuild])  # joined in _render
            t = time.perf_counter()
            parsed = _apply_rules(source, manifest, progress, strict)
            progress.stage("rules", time.perf_counter() - t)
            styles = {EDITIONS[n].style for n in names if EDITIONS[n].style}  # only those the editions need
            plans = _render(source, manifest, options, replan, progress, cache, out, styles,
                            [name for name, p in plans.items() if p.rebuild], parsed)

        t = time.perf_counter()
        results = []
        with output.Batch(out) as batch:
            for name in names:
                plan, edition = plans[name], plans[name].edition
                rel = plan.rel
                if plan.rebuild:
                    state[name] = _stage(batch, edition, plan, manifest.slug, state.get(name),
                                         _claimed(everything, manifest.slug, name))
                    size = len(plan.files[edition.page]) if edition.is_folder else len(plan.data)
                else:
                    size = (out / rel).stat().st_size
                results.append(Result(name, shown / rel, size, plan.seconds, plan.rebuild))
            if any(plan.rebuild for plan in plans.values()):
                batch.write(STATE_NAME, state_bytes(everything), internal=True)
                batch.commit()  # everything is written: now, and only now, rename it all into place
                progress.stage("write", time.perf_counter() - t)
    return results


def _bound(edition: Edition, options: dict) -> dict:
    return {key: options.get(key) for key in edition.options}


def _target(edition: Edition, slug: str, options: dict | None = None) -> str:
    """The edition's output, relative to the output folder; a file edition is one file in it."""
    rel = edition.relative_target(slug, options)
    if output.relative(rel) is None or (not edition.is_folder and "/" in rel):
        raise output.UnsafePath(f"the {edition.name} edition's output '{rel[:200]}' is not a file name")
    return rel


def _plan(names, common, options, state, out, manifest, force, render=None) -> dict[str, _Plan]:
    """Each edition's input hash and whether it must be rebuilt, in dependency order. With
    `render`, each edition to rebuild is rendered before the next is planned, so an edition
    linking to it sees the new output's hash (a PDF rebuilt to the same bytes changes nothing)."""
    plans: dict[str, _Plan] = {}
    for name in names:
        edition = EDITIONS[name]
        plan = plans[name] = _Plan(edition, rel=_target(edition, manifest.slug, options))
        plan.digest = _inputs_digest(edition, common, _bound(edition, options),
                                     {d: _output_hash(plans[d], state, d) for d in edition.dependencies()})
        plan.rebuild = force or not _up_to_date(edition, state.get(name), plan.digest, out, plan.rel)
        if plan.rebuild and render is not None:
            render(plan, plans)
    return plans


def _render(source: Path, manifest: Manifest, options: dict, plan, progress: Progress, cache,
            out: Path, styles: set[str], rebuilding: list[str], parsed: dict | None = None) -> dict[str, _Plan]:
    """Plan again and render what must be rebuilt, in a worker under the budget (press.base.budget).
    `parsed`: the sections the rules pass parsed, which the load uses rather than parse again."""
    loaded = []
    if cache is not None:  # watch: load here, so the warm cache keeps what this load parsed
        t = time.perf_counter()
        loaded.append(_load(source, manifest, cache, styles, parsed))
        progress.stage("load sources", time.perf_counter() - t)

    def render(current: _Plan, plans: dict[str, _Plan]) -> None:
        edition = current.edition
        if edition.name in rendered:  # by its own worker, beside the others (watch)
            current.data, current.seconds = rendered[edition.name]
            return
        if not loaded:
            t = time.perf_counter()
            loaded.append(_load(source, manifest, None, styles, parsed))
            progress.stage("load sources", time.perf_counter() - t)
        progress.rendering(edition.name)
        t = time.perf_counter()
        if edition.is_folder:
            downloads = [_download(plans[d], out, manifest) for d in edition.dependencies()]
            current.files = edition.render(loaded[0], downloads, **_bound(edition, options))
        else:
            current.data = edition.render(loaded[0], **_bound(edition, options))
        current.seconds = time.perf_counter() - t
        progress.rendered(edition.name, current.seconds)

    editions.warm(rebuilding)  # kept by this process for its next builds
    largest = lambda: _largest_input(manifest, out)  # noqa: E731
    rendered = _render_apart(loaded, rebuilding, options, progress, largest) if loaded else {}
    if rendered and all(name in rendered for name in rebuilding):
        return plan(render)  # nothing left to render: no worker needed
    return budget.run(lambda: plan(render), largest)


def _render_apart(loaded: list, rebuilding: list[str], options: dict, progress: Progress,
                  largest) -> dict[str, tuple[bytes, float]]:
    """With the briefing loaded in this process (watch), the file editions that link to no other
    (the PDF, the EPUB, the DOCX) are rendered at once in workers of their own under the budget
    (press.base.budget.run_all), as many as there are cores: an edit is in every edition about as
    soon as the PDF alone is done. Their (bytes, seconds) by name; nothing is written here."""
    apart = [name for name in rebuilding if not EDITIONS[name].is_folder and not EDITIONS[name].dependencies()]
    groups = _share(apart, os.cpu_count() or 1)  # one core: one worker, as any other build
    if len(groups) < 2:
        return {}

    def work(names: list[str]):
        def render() -> dict[str, tuple[bytes, float]]:
            done = {}
            for name in names:
                t = time.perf_counter()
                done[name] = EDITIONS[name].render(loaded[0], **_bound(EDITIONS[name], options)), \
                    time.perf_counter() - t
            return done
        return render

    progress.rendering(" + ".join(apart))
    t = time.perf_counter()
    try:
        results = budget.run_all({" ".join(names): work(names) for names in groups}, largest)
    except BaseException:
        progress.rendered(" + ".join(apart), time.perf_counter() - t)  # stops its ticking line
        raise
    done = {name: rendered for group in results.values() for name, rendered in group.items()}
    for name in apart:
        progress.rendered(name, done[name][1])
    return done


# How long an edition takes to render, roughly, against the others: the PDF is typeset.
RENDER_WEIGHT = {"print": 3}


def _share(names: list[str], cores: int) -> list[list[str]]:
    """The editions in at most `cores` groups of about equal render time, heaviest first (on two
    cores: the PDF in one worker, the EPUB and the DOCX after each other in the other)."""
    def weight(name: str) -> int:
        return RENDER_WEIGHT.get(EDITIONS[name].style, 1)

    groups: list[list[str]] = [[] for _ in range(max(1, min(cores, len(names))))]
    loads = [0] * len(groups)
    for name in sorted(names, key=weight, reverse=True):  # stable: equal weights keep their order
        lightest = loads.index(min(loads))
        groups[lightest].append(name)
        loads[lightest] += weight(name)
    return [group for group in groups if group]


def _largest_input(manifest: Manifest, out: Path) -> Path | None:
    files = _source_files(manifest, out)
    return max(files, key=lambda p: (p.stat().st_size, str(p)), default=None)


def _stage(batch: output.Batch, edition: Edition, plan: _Plan, slug: str, recorded: dict | None,
           claimed: set[str]) -> dict:
    """Write the edition's files to temporaries; return its new state entry."""
    rel = plan.rel
    if not edition.is_folder:
        batch.write(rel, plan.data)
        return {"inputs": plan.digest, "output": _sha(plan.data), "path": rel}
    folder = edition.folder
    previous = (recorded or {}).get("files") or {}
    hashes = {name: _sha(data) for name, data in plan.files.items()}
    for name in plan.files:
        if output.relative(name) is None:
            raise output.UnsafePath(f"the {edition.name} edition would write '{name[:200]}'")
        if previous.get(name) == hashes[name] and _file_sha(out_of(batch, folder, name)) == hashes[name]:
            continue  # unchanged bytes are not rewritten
        batch.write(name, plan.files[name], base=folder)
    for name in set(previous) - set(plan.files) - claimed:  # what the last build wrote, and no longer
        batch.remove(name, base=folder)
    return {"inputs": plan.digest, "folder": folder, "files": hashes}


def out_of(batch: output.Batch, folder: str, name: str) -> Path | None:
    try:
        return output.inside(batch.root, f"{folder}/{name}")
    except output.UnsafePath:
        return None


def _file_sha(path: Path | None) -> str | None:
    data = output.read_file(path) if path is not None else None
    return None if data is None else _sha(data)


def _claimed(briefings: dict[str, dict], slug: str, name: str) -> set[str]:
    """The files of folder edition `name` that other briefings' builds wrote."""
    return {rel for other, editions in briefings.items() if other != slug
            for rel in ((editions.get(name) or {}).get("files") or {})}


def _apply_rules(source: Path, manifest: Manifest, progress: Progress, strict: bool) -> dict:
    """The rules `check` applies to the sources, applied by the build too (one rule set): an
    E finding stops it, a W finding is reported as a warning, or stops it when `strict`.
    Returns the sections it parsed, by path: the load uses them rather than parse again."""
    from press.check.checks import ERROR, check_sources  # Markdown: not when nothing changed

    parsed: dict = {}
    found = check_sources(source, manifest, keep=parsed)
    stopping, files = [], set()
    for p in found:  # sorted by file and line: every manifest problem, the first of each other file
        if (p.severity == ERROR or strict) and (p.file is None or p.file.name == MANIFEST_NAME
                                                 or p.file not in files):
            stopping.append(p)
            files.add(p.file)
    if stopping:
        raise Problems([PressError(p.message, Location(p.file, p.line) if p.file else None,
                                   p.code) for p in stopping])
    for p in found:
        progress.warning(p)
    return parsed


def _load(source: Path, manifest: Manifest, cache, styles, parsed: dict | None = None):
    from press.source.source import load_briefing  # parsing only when something must be rebuilt

    if cache is None:
        return load_briefing(source, manifest=manifest, styles=styles, parsed=parsed)
    return cache.load_briefing(source, manifest=manifest, styles=styles, parsed=parsed)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _output_hash(plan: _Plan, state: dict, name: str) -> str:
    """The hash of a file edition's output as it will be after this build ('' when it is to be
    rebuilt and not rendered yet)."""
    if plan.data is not None:
        return _sha(plan.data)
    if plan.rebuild:
        return ""
    return (state.get(name) or {}).get("output", "")


def _download(plan: _Plan, out: Path, manifest: Manifest) -> Download:
    edition = plan.edition
    target = out / plan.rel
    data = plan.data if plan.data is not None else output.read_file(target)
    if data is None:
        raise output.UnsafePath("is not a regular file: build it again with --force", target)
    return Download(edition.name, target.name, data, media_type(target))


def _up_to_date(edition: Edition, recorded: dict | None, digest: str, out: Path, rel: str) -> bool:
    if not recorded or recorded.get("inputs") != digest:
        return False
    if edition.is_folder:
        files = recorded.get("files") or {}
        return edition.page in files and all(
            _file_sha(out_of_folder(out, edition.folder, rel)) == sha for rel, sha in files.items())
    return _file_sha(out / rel) == recorded.get("output")


def out_of_folder(out: Path, folder: str, rel: str) -> Path | None:
    try:
        return output.inside(out, f"{folder}/{rel}")
    except output.UnsafePath:
        return None


def _source_files(manifest: Manifest, out: Path | None = None) -> list[Path]:
    """What a build may read: regular files whose real path is inside the source folder, but
    not hidden ones, nor anything in the output folder when it lies inside the source folder."""
    root = manifest.root.resolve()
    return sorted(p for p in manifest.root.rglob("*")
                  if p.is_file() and not _hidden(p, manifest.root) and p.resolve().is_relative_to(root)
                  and not (out is not None and p.resolve().is_relative_to(out)))


def _common_digest(manifest: Manifest, out: Path | None = None) -> dict[str, bytes]:
    """Hashes shared by the editions' inputs: the sources, this package, the fonts."""
    sources = hashlib.sha256()
    for path in _source_files(manifest, out):
        with open(path, "rb") as handle:  # in chunks: a stray huge file must not fill the memory
            content = hashlib.file_digest(handle, "sha256").digest()
        sources.update(str(path.relative_to(manifest.root)).encode() + b"\0" + content)
    code = hashlib.sha256(f"{__version__}|{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode()
                          + build_inputs.package_code_digest())
    return {"sources": sources.digest(), "code": code.digest(), "fonts": build_inputs.fonts_digest(),
            "root": str(manifest.root).encode()}


def _inputs_digest(edition: Edition, common: dict[str, bytes], options: dict, linked: dict[str, str]) -> str:
    """A content hash of everything the edition is made from, its own options included."""
    digest = hashlib.sha256(f"{edition.name}|{edition.relative_target('')}".encode())
    digest.update(json.dumps(options, sort_keys=True).encode())
    digest.update(common["root"] + common["sources"] + common["code"])
    if edition.fonts:
        digest.update(common["fonts"])
    for path in ([TEMPLATES_DIR / name for name in edition.templates]
                 + [STYLES_DIR / name for name in edition.styles]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name, sha in sorted(linked.items()):
        digest.update(f"{name}={sha}".encode())
    return digest.hexdigest()


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def save_print_html(source: Path, target: Path, paper: str | None = None, variant: str = "default") -> None:
    """Write the HTML, stylesheets and pictures the PDF is typeset from (press.render.pdf.save_html)."""
    # --save-html only: WeasyPrint and the Markdown parser
    from press.render.pdf import save_html
    from press.source.source import load_briefing

    manifest = load_manifest(Path(source))
    briefing = load_briefing(source, manifest=manifest, styles={"print"})
    save_html(briefing, Path(target), paper, variant)
