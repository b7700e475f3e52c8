"""build(): load -> render -> write, rebuilding only the editions whose inputs changed.

The editions are the records of press.editions. An edition may link to other editions
(`after`): they are built first, and their output hashes are part of its inputs, so a rebuilt
PDF also refreshes the web page. The state in the output folder is kept per briefing, so
briefings built into one folder do not disturb each other's.

All or nothing: every edition is rendered in memory before any file is written, and every
file is written to a temporary name and renamed into place, under the output folder's lock.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, fonts, output
from .editions import EDITIONS, Edition, ordered
from .errors import Location, PressError
from .manifest import Manifest, load_manifest
from .media import media_type
from .templating import STYLES_DIR, TEMPLATES_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
STATE_NAME = ".press-state.json"
STATE_FORMAT = 2  # the state is kept per briefing (by slug), each briefing's editions by name



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


@dataclass
class _Plan:
    edition: Edition
    digest: str = ""
    rebuild: bool = False
    data: bytes | None = None                      # a file edition, rendered
    files: dict[str, bytes] = field(default_factory=dict)  # a folder edition, rendered
    seconds: float = 0.0


def build(source: Path, out: Path, formats: list[str], paper: str | None = None,
          force: bool = False, on_wait=None, progress: Progress | None = None,
          cache=None) -> list[Result]:
    """Build the requested editions (and those they link to); raise PressError before writing
    anything if the sources are bad. `cache` (press.cache.SectionCache) keeps rendered sections
    between builds of one process."""
    try:
        return _build(source, out, formats, {"paper": paper}, force, on_wait, progress, cache)
    except OSError as exc:  # a folder that cannot be written, a full disk, an unreadable file
        where = Location(Path(exc.filename)) if exc.filename else None
        raise PressError(exc.strerror or str(exc), where) from None


def _build(source, out, formats, options, force, on_wait, progress, cache) -> list[Result]:
    source, out = Path(source), Path(out)
    progress = progress or Progress()
    names = ordered(formats)
    with output.build_lock(out, on_wait=on_wait):
        started = time.perf_counter()
        output.remove_stale_temporaries(out)
        manifest = load_manifest(source)  # read once: the load below is given it
        options = {**options, "paper": options.get("paper") or manifest.paper}
        everything = _read_state(out)
        state = everything.setdefault(manifest.slug, {})  # this briefing's editions only
        common = _common_digest(manifest)
        progress.stage("check inputs", time.perf_counter() - started)

        plans: dict[str, _Plan] = {}
        briefing = None
        for name in names:  # in dependency order: render everything before writing anything
            edition = EDITIONS[name]
            plan = plans[name] = _Plan(edition)
            bound = {key: options.get(key) for key in edition.options}
            plan.digest = _inputs_digest(edition, common, bound,
                                         {d: _output_hash(plans[d], state, d) for d in edition.dependencies()})
            plan.rebuild = force or not _up_to_date(edition, state.get(name), plan.digest, out, manifest)
            if not plan.rebuild:
                continue
            if briefing is None:
                t = time.perf_counter()
                briefing = _load(source, manifest, cache, {EDITIONS[n].style for n in names if EDITIONS[n].style})
                progress.stage("load sources", time.perf_counter() - t)
            progress.rendering(name)
            t = time.perf_counter()
            if edition.is_folder:
                downloads = [_download(plans[d], out, manifest) for d in edition.dependencies()]
                plan.files = edition.render(briefing, downloads, **bound)
            else:
                plan.data = edition.render(briefing, **bound)
            plan.seconds = time.perf_counter() - t
            progress.rendered(name, plan.seconds)

        t = time.perf_counter()
        results = []
        for name in names:
            plan, edition = plans[name], plans[name].edition
            target = edition.target(out, manifest.slug)
            if plan.rebuild:
                if edition.is_folder:
                    state[name] = {"inputs": plan.digest,
                                   "files": _write_folder(out / edition.folder, plan.files,
                                                          (state.get(name) or {}).get("files", {}),
                                                          _claimed(everything, manifest.slug, name))}
                    size = len(plan.files[edition.page])
                else:
                    output.write_bytes(target, plan.data)
                    state[name] = {"inputs": plan.digest, "output": _sha(plan.data)}
                    size = len(plan.data)
            else:
                size = target.stat().st_size
            results.append(Result(name, target, size, plan.seconds, plan.rebuild))
        if any(plan.rebuild for plan in plans.values()):
            _write_state(out, everything)
            progress.stage("write", time.perf_counter() - t)
    return results


def _load(source: Path, manifest: Manifest, cache, styles):
    from .source import load_briefing  # parsing only when something must be rebuilt

    if cache is None:
        return load_briefing(source, manifest=manifest, styles=styles)
    return cache.load_briefing(source, manifest=manifest, styles=styles)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _output_hash(plan: _Plan, state: dict, name: str) -> str:
    """The hash of a file edition's output as it will be after this build."""
    if plan.data is not None:
        return _sha(plan.data)
    return (state.get(name) or {}).get("output", "")


def _download(plan: _Plan, out: Path, manifest: Manifest) -> Download:
    edition = plan.edition
    target = edition.target(out, manifest.slug)
    data = plan.data if plan.data is not None else target.read_bytes()
    return Download(edition.name, target.name, data, media_type(target))


def _claimed(briefings: dict[str, dict], slug: str, name: str) -> set[str]:
    """The files of folder edition `name` that other briefings' builds wrote."""
    return {rel for other, editions in briefings.items() if other != slug
            for rel in ((editions.get(name) or {}).get("files") or {})}


def _write_folder(folder: Path, files: dict[str, bytes], previous: dict[str, str],
                  claimed: set[str] = frozenset()) -> dict[str, str]:
    """Write a folder edition: files whose bytes are unchanged are left alone, the page last;
    files the previous build wrote and this one does not are removed, unless another
    briefing's build wrote them too."""
    hashes = {rel: _sha(data) for rel, data in files.items()}
    for rel in sorted(files, key=lambda r: r.count("/") == 0 and r.endswith(".html")):
        target = folder / rel
        if previous.get(rel) == hashes[rel] and target.is_file() and _sha(target.read_bytes()) == hashes[rel]:
            continue
        output.write_bytes(target, files[rel])
    for rel in set(previous) - set(files) - claimed:
        stale = folder / rel
        if stale.is_file():
            stale.unlink()
        for parent in stale.parents:  # and the folders it leaves empty
            if parent == folder or not parent.is_relative_to(folder):
                break
            try:
                parent.rmdir()
            except OSError:
                break
    return hashes


def _up_to_date(edition: Edition, recorded: dict | None, digest: str, out: Path, manifest: Manifest) -> bool:
    if not recorded or recorded.get("inputs") != digest:
        return False
    if edition.is_folder:
        files = recorded.get("files") or {}
        folder = out / edition.folder
        return edition.page in files and all(
            (folder / rel).is_file() and _sha((folder / rel).read_bytes()) == sha for rel, sha in files.items())
    target = edition.target(out, manifest.slug)
    return target.is_file() and _sha(target.read_bytes()) == recorded.get("output")


def _common_digest(manifest: Manifest) -> dict[str, bytes]:
    """Hashes shared by the editions' inputs: the sources, this package, the fonts."""
    sources = hashlib.sha256()
    root = manifest.root.resolve()
    # Only what a build may read: regular files whose real path is inside the source folder.
    files = sorted(p for p in manifest.root.rglob("*")
                   if p.is_file() and not _hidden(p, manifest.root) and p.resolve().is_relative_to(root))
    for path in files:
        with open(path, "rb") as handle:  # in chunks: a stray huge file must not fill the memory
            content = hashlib.file_digest(handle, "sha256").digest()
        sources.update(str(path.relative_to(manifest.root)).encode() + b"\0" + content)
    code = hashlib.sha256(f"{__version__}|{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    for path in sorted(PACKAGE_DIR.glob("*.py")):  # the writers are lazy-imported: hash them all
        code.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    font_hash = hashlib.sha256()
    for family, paths in sorted(fonts.font_files().items()):
        for path in paths:
            stat = path.stat()
            font_hash.update(f"{family}|{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return {"sources": sources.digest(), "code": code.digest(), "fonts": font_hash.digest(),
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


def _read_state(out: Path) -> dict[str, dict]:
    """Each briefing's editions as the last builds in `out` recorded them, by slug."""
    try:
        state = json.loads((out / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        return {}  # another format: rebuild everything
    briefings = state.get("briefings")
    return briefings if isinstance(briefings, dict) else {}


def _write_state(out: Path, briefings: dict[str, dict]) -> None:
    state = {"format": STATE_FORMAT, "briefings": briefings}
    output.write_bytes(out / STATE_NAME, json.dumps(state, indent=1, sort_keys=True).encode())


def clean(out: Path) -> list[Path]:
    """Remove the output folder's editions and build state."""
    import shutil

    out = Path(out)
    if not out.exists():
        return []
    with output.build_lock(out):
        removed = sorted(out.iterdir())
        for path in removed:
            if path.name == output.LOCK_NAME:
                continue
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    (out / output.LOCK_NAME).unlink(missing_ok=True)
    try:
        out.rmdir()
    except OSError:
        pass
    return [p for p in removed if p.name != output.LOCK_NAME]
