"""Full-text search across the library's briefings: Pagefind indexes under `<out>/pagefind/`.

Pagefind (PyPI `pagefind[bin]`, which carries the binary) indexes the briefings' pages,
`<slug>/index.html`, and writes a static bundle the library page searches from the browser.

The pages are indexed in groups, so that an edit to one briefing re-indexes its group, not
the whole library (Pagefind has no incremental mode, and its time grows with the pages):
a briefing's group is a stable hash of its slug (press.library.partition), the number of groups the
power of two that keeps them at about `GROUP_SIZE` pages (one group up to that size). Group 0
is `pagefind/`, with Pagefind's script and WebAssembly; group k is `pagefind/part-k/`, its index
only, which the library page merges into the first (Pagefind's `mergeIndex`: the merged
indexes share the first one's WebAssembly, and their results are ranked together).

Each group is indexed into a scratch folder first; only the files whose bytes changed are
then copied into place and the ones it no longer makes are removed, so an unchanged library
rewrites nothing and a reader never sees half an index.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from press.base import output
from press.base.errors import PressError
from press.library.partition import shard_of

FOLDER = "pagefind"
WORK = ".press/search"
VERSION = "pagefind-4"
ENTRY = "pagefind-entry.json"
GROUP_SIZE = 64
GROUP_SIZE_VARIABLE = "PRESS_SEARCH_GROUP_SIZE"   # smaller groups, for the tests of merged indexes
# What a merged index (part-k) needs: the rest (script, styles, WebAssembly) comes from group 0.
INDEX_ONLY = (ENTRY, "index/", "fragment/", "filter/")


def group_count(pages: int) -> int:
    """How many groups `pages` pages are indexed in: 1, 2, 4, ... (a power of two, so that a
    library growing past a bound regroups rarely)."""
    size = max(1, int(os.environ.get(GROUP_SIZE_VARIABLE) or GROUP_SIZE))
    count = 1
    while pages > count * size:
        count *= 2
    return count


@dataclass(frozen=True)
class Group:
    number: int        # the hash group (press.library.partition.shard_of over group_count)
    folder: str        # relative to the output folder
    slugs: tuple[str, ...]

    @property
    def primary(self) -> bool:
        return self.folder == FOLDER


def groups(slugs: list[str]) -> list[Group]:
    """The groups that have briefings, by number: the first is the primary index, `pagefind/`,
    with Pagefind's script; each other is `pagefind/part-<number>/`."""
    count = group_count(len(slugs))
    found: dict[int, list[str]] = {}
    for slug in sorted(slugs):
        found.setdefault(shard_of(slug, count) if count > 1 else 0, []).append(slug)
    return [Group(number, FOLDER if n == 0 else f"{FOLDER}/part-{number}", tuple(found[number]))
            for n, number in enumerate(sorted(found))]


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
    group: Group
    process: subprocess.Popen

    @property
    def scratch(self) -> Path:
        return self.out / WORK / f"index-{self.group.number}"


def start(out: Path, group: Group, language: str) -> Run:
    """Start Pagefind on one group's pages (it runs while the caller renders the catalogue).

    The group's pages are hard links in a folder of their own, laid out as in the site (so the
    URLs Pagefind records are the site's). One language for every index (the library's, for
    stemming): Pagefind would otherwise keep one per language and search only the one of the
    page the reader is on, so the library page could not find a briefing in another language."""
    site, scratch = out / WORK / f"site-{group.number}", out / WORK / f"index-{group.number}"
    for work in (site, scratch):
        shutil.rmtree(work, ignore_errors=True)
    for slug in group.slugs:
        (site / slug).mkdir(parents=True)
        try:
            os.link(out / slug / "index.html", site / slug / "index.html")
        except OSError:  # a file system without hard links
            shutil.copyfile(out / slug / "index.html", site / slug / "index.html")
    command = [*_executable(), "--site", str(site), "--glob", "*/index.html", "--output-path", str(scratch),
               "--silent", "--force-language", language.split("-")[0].lower()]
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except OSError as exc:
        raise PressError(f"the search index could not be built: {exc}", code="E861") from None
    return Run(out, group, process)


def stop(run: Run) -> None:
    """A run the build no longer needs (it failed elsewhere)."""
    run.process.kill()
    run.process.wait()


def finish(run: Run, recorded: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Wait for Pagefind; put the group's files whose bytes changed in place, remove those it no
    longer makes. Returns the files written (relative to the output folder) and, for the next
    run, every file of the group with its hash."""
    try:
        stdout, stderr = run.process.communicate(timeout=600)
    except subprocess.TimeoutExpired as exc:
        stop(run)
        raise PressError(f"the search index could not be built: {exc}", code="E861") from None
    if run.process.returncode != 0:
        message = (stderr or stdout).strip().splitlines()
        raise PressError(f"the search index could not be built: pagefind: "
                         f"{message[-1] if message else run.process.returncode}", code="E861") from None
    scratch, target = run.scratch, run.out / run.group.folder
    files = {p.relative_to(scratch).as_posix(): p for p in sorted(scratch.rglob("*")) if p.is_file()}
    if not run.group.primary:
        files = {rel: p for rel, p in files.items() if rel.startswith(INDEX_ONLY) or rel.endswith(".pf_meta")}
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
        written.append(f"{run.group.folder}/{rel}")
    remove(run.out, run.group.folder, set(recorded) - set(files))
    for work in (scratch, run.out / WORK / f"site-{run.group.number}"):
        shutil.rmtree(work, ignore_errors=True)
    return written, hashes


def remove(out: Path, folder: str, files) -> None:
    """Remove these files of an index (relative to its folder), and folders left empty."""
    for rel in sorted(files):
        output.remove_file(out / folder / rel, out)
