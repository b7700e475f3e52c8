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
from pathlib import Path

from . import output
from .errors import PressError

FOLDER = "pagefind"
SCRATCH = ".press/pagefind-scratch"
VERSION = "pagefind-3"
ENTRY = "pagefind-entry.json"   # part of the index's recorded inputs: bump to force a new index


def index(out: Path, slugs: list[str], recorded: dict[str, str], language: str) -> tuple[list[str], dict[str, str]]:
    """Index the briefings' pages; return the files written and every file's hash.

    One index for every language (the library's, for stemming): Pagefind would otherwise
    keep one per language and search only the one of the page the reader is on, so the
    library page could not find a briefing in another language."""
    scratch = out / SCRATCH
    shutil.rmtree(scratch, ignore_errors=True)
    target = out / FOLDER
    if not slugs:
        shutil.rmtree(target, ignore_errors=True)
        return [], {}
    command = [sys.executable, "-m", "pagefind", "--site", str(out), "--glob", "*/index.html",
               "--output-path", str(scratch), "--silent",
               "--force-language", language.split("-")[0].lower()]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PressError(f"the search index could not be built: {exc}", code="E861") from None
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise PressError("the search index could not be built: pagefind: "
                         f"{message[-1] if message else result.returncode}", code="E861")
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
