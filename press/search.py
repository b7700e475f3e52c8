"""Full-text search across the library's briefings: a Pagefind index in `<out>/pagefind/`.

Pagefind (PyPI `pagefind[bin]`, which carries the binary) indexes the briefings' pages,
`<slug>/index.html`, and writes a static bundle the library page searches from the browser.
It writes into a scratch folder first; only the files whose bytes changed are then copied
into place and the ones it no longer makes are removed, so an unchanged library rewrites
nothing and a reader never sees half an index.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import output
from .errors import PressError

FOLDER = "pagefind"
SCRATCH = ".press/pagefind-scratch"
VERSION = "pagefind-3"
ENTRY = "pagefind-entry.json"   # part of the index's recorded inputs: bump to force a new index


def index(out: Path, slugs: list[str], recorded: dict[str, str], language: str) -> tuple[list[str], dict[str, str]]:
    """Index the briefings' pages; return the files written and every file's hash."""
    return finish(start(out, slugs, language), recorded)


def _executable() -> list[str]:
    """Pagefind's binary itself (from `pagefind[bin]`): no Python start-up in between."""
    try:
        from pagefind_bin import get_executable

        return [str(get_executable())]
    except Exception:  # another packaging of the binary: through its Python wrapper
        return [sys.executable, "-m", "pagefind"]


@dataclass
class Run:
    out: Path
    slugs: list[str]
    process: subprocess.Popen | None


def start(out: Path, slugs: list[str], language: str) -> Run:
    """Start Pagefind on the briefings' pages (it runs while the caller renders the catalogue).

    One index for every language (the library's, for stemming): Pagefind would otherwise
    keep one per language and search only the one of the page the reader is on, so the
    library page could not find a briefing in another language."""
    scratch = out / SCRATCH
    shutil.rmtree(scratch, ignore_errors=True)
    if not slugs:
        return Run(out, slugs, None)
    command = [*_executable(), "--site", str(out), "--glob", "*/index.html",
               "--output-path", str(scratch), "--silent",
               "--force-language", language.split("-")[0].lower()]
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        raise PressError(f"the search index could not be built: {exc}", code="E861") from None
    return Run(out, slugs, process)


def finish(run: Run, recorded: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Wait for Pagefind; put the files whose bytes changed in place, remove those it no longer makes."""
    out, scratch, target = run.out, run.out / SCRATCH, run.out / FOLDER
    if run.process is None:
        shutil.rmtree(target, ignore_errors=True)
        return [], {}
    try:
        stdout, stderr = run.process.communicate(timeout=600)
    except subprocess.TimeoutExpired as exc:
        run.process.kill()
        raise PressError(f"the search index could not be built: {exc}", code="E861") from None
    if run.process.returncode != 0:
        message = (stderr or stdout).strip().splitlines()
        raise PressError(f"the search index could not be built: pagefind: "
                         f"{message[-1] if message else run.process.returncode}", code="E861")
    files = {p.relative_to(scratch).as_posix(): p for p in sorted(scratch.rglob("*")) if p.is_file()}
    hashes, written = {}, []
    for rel, path in files.items():
        data = path.read_bytes()
        if rel == ENTRY:  # pagefind lists the languages in hash-map order: sort, for identical builds
            data = json.dumps(json.loads(data), sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        hashes[rel] = hashlib.sha256(data).hexdigest()
        dest = target / rel
        if dest.is_file() and dest.stat().st_size == len(data) and dest.read_bytes() == data:
            continue
        output.write_bytes(dest, data)
        written.append(f"{FOLDER}/{rel}")
    for rel in sorted(set(recorded) - set(files)):
        (target / rel).unlink(missing_ok=True)
    for folder in sorted((p for p in target.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()
    shutil.rmtree(scratch, ignore_errors=True)
    return written, hashes
