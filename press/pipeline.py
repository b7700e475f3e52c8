"""build(): load -> render -> write, rebuilding only the editions whose inputs changed."""

from __future__ import annotations

import hashlib
import importlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from . import __version__, fonts, output
from .manifest import Manifest, load_manifest
from .templating import STYLES_DIR, TEMPLATES_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
STATE_NAME = ".press-state.json"


@dataclass(frozen=True)
class Edition:
    """One kind of output: where it goes, which writer makes it, what it depends on."""

    name: str
    module: str                  # press.<module> defines <name>_bytes(briefing, paper=...)
    suffix: str
    templates: tuple[str, ...]   # what it is made from, besides the sources and this package
    styles: tuple[str, ...]

    def target(self, out: Path, manifest: Manifest) -> Path:
        return out / f"{manifest.slug}{self.suffix}"

    def writer(self):
        return importlib.import_module(f"press.{self.module}")


EDITIONS = {
    "pdf": Edition("pdf", "pdf", ".pdf", ("print.html.j2", "_toc.html.j2", "_disclaimer.html.j2"),
                   ("print.css",)),
    "epub": Edition("epub", "epub", ".epub",
                    ("epub/_page.xhtml.j2", "epub/cover.xhtml.j2", "epub/titlepage.xhtml.j2",
                     "epub/disclaimer.xhtml.j2", "epub/nav.xhtml.j2", "epub/section.xhtml.j2",
                     "epub/further-reading.xhtml.j2", "_toc.html.j2", "_disclaimer.html.j2"),
                    ("epub.css",)),
}


@dataclass(frozen=True)
class Result:
    edition: str
    path: Path
    size: int
    seconds: float
    rebuilt: bool


def build(source: Path, out: Path, formats: list[str], paper: str | None = None,
          force: bool = False, on_wait=None) -> list[Result]:
    """Build the requested editions; raise PressError before writing anything if the sources are bad."""
    source, out = Path(source), Path(out)
    with output.build_lock(out, on_wait=on_wait):
        output.remove_stale_temporaries(out)
        manifest = load_manifest(source)
        state = _read_state(out)
        todo = {}
        for name in formats:
            edition = EDITIONS[name]
            digest = _inputs_digest(edition, manifest, paper)
            target = edition.target(out, manifest)
            if force or not _up_to_date(state.get(name), digest, target):
                todo[name] = digest
        results = [Result(name, EDITIONS[name].target(out, manifest),
                          EDITIONS[name].target(out, manifest).stat().st_size, 0.0, False)
                   for name in formats if name not in todo]
        if todo:
            from .source import load_briefing  # parsing only when something must be rebuilt
            briefing = load_briefing(source)
            made = {}
            for name in todo:  # render everything before writing anything
                started = time.perf_counter()
                edition = EDITIONS[name]
                data = getattr(edition.writer(), f"{name}_bytes")(briefing, paper=paper)
                made[name] = (data, time.perf_counter() - started)
            for name, (data, seconds) in made.items():
                target = EDITIONS[name].target(out, manifest)
                output.write_bytes(target, data)
                state[name] = {"inputs": todo[name], "output": hashlib.sha256(data).hexdigest()}
                results.append(Result(name, target, len(data), seconds, True))
            _write_state(out, state)
    order = list(formats)
    return sorted(results, key=lambda r: order.index(r.edition))


def _up_to_date(recorded: dict | None, digest: str, target: Path) -> bool:
    if not recorded or recorded.get("inputs") != digest or not target.is_file():
        return False
    return hashlib.sha256(target.read_bytes()).hexdigest() == recorded.get("output")


def _inputs_digest(edition: Edition, manifest: Manifest, paper: str | None) -> str:
    """A content hash of everything the edition is made from."""
    writer_deps = ([TEMPLATES_DIR / name for name in edition.templates]
                   + [STYLES_DIR / name for name in edition.styles])
    digest = hashlib.sha256()
    digest.update(f"{__version__}|{edition.name}|{paper}|{os.environ.get('SOURCE_DATE_EPOCH', '')}".encode())
    files = sorted(p for p in manifest.root.rglob("*") if p.is_file() and not _hidden(p, manifest.root))
    files += sorted(PACKAGE_DIR.glob("*.py")) + writer_deps
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    for family, paths in sorted(fonts.font_files().items()):
        for path in paths:
            stat = path.stat()
            digest.update(f"{family}|{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def _hidden(path: Path, root: Path) -> bool:
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def _read_state(out: Path) -> dict:
    try:
        return json.loads((out / STATE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_state(out: Path, state: dict) -> None:
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
