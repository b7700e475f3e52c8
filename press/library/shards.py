"""Shards: `--shard K/N` (its record) and the merge of shard outputs (which briefing falls in which
shard: press/library/partition.py).

`library --shard K/N --out OUT_K` builds only the briefings whose slug falls in shard K and
writes `OUT_K/.press/shard.json`; `library --merge OUT_1 ... OUT_N --out OUT` copies each
shard's briefings (their pages, covers and build folders) into OUT, as they are, and renders
the catalogue from their records: no briefing is rebuilt, and OUT equals a full build.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from press.base import output
from press.base.errors import Location, PressError
from press.library.library import load_library
from press.library.library_files import place
from press.library.library_state import cover_paths, read_json, read_state, valid_entry, valid_slug
from press.library.publish import publish
from press.library.site_folder import (ENTRY, LIBRARY_STATE, WORK, LibraryResult, collect_entries, dump_json,
                                       remove_briefings, write_if_changed)

RECORD = "shard.json"


def parse(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise PressError(f"--shard must be K/N with 1 <= K <= N, such as 2/3, not '{text}'", code="E862")
    return int(match.group(1)), int(match.group(2))


def write_record(out: Path, shard: tuple[int, int], slugs: list[str]) -> None:
    write_if_changed(out / WORK / RECORD, dump_json({"shard": shard[0], "of": shard[1], "slugs": slugs}))


def merge(source: Path, parts: list[Path], out: Path, on_wait=None):
    """Assemble the site from shard outputs: check every shard's files, copy, then publish the
    catalogue. A shard output is untrusted: its slugs must be slugs, its files regular files (no
    link is followed or published), its briefing folders real folders; else nothing is written."""
    library = load_library(source)
    records = [(Path(part), _record(Path(part), read_json(Path(part) / WORK / RECORD))) for part in parts]
    counts = {record["of"] for _, record in records}
    numbers = sorted(record["shard"] for _, record in records)
    if len(counts) != 1 or numbers != list(range(1, counts.pop() + 1)):
        raise PressError(f"--merge needs every shard of one partition exactly once; got shards {numbers}", code="E862")
    # What to copy, checked before anything is written: slug -> (folder in the site, files).
    slugs: dict[str, str] = {}
    copies: list[tuple[Path, str, dict[str, Path]]] = []   # (shard, its folder, {rel: file})
    for part, record in records:
        part_slugs = read_state(part / WORK / LIBRARY_STATE).get("slugs") or {}
        for slug in record["slugs"]:
            if slug in slugs:
                raise PressError(f"{part}: briefing '{slug}' is in two shards", code="E862")
            slugs[slug] = part_slugs.get(slug, slug)
            entry = read_json(part / WORK / slug / ENTRY)
            if entry is not None and not valid_entry(entry, slug):
                raise shard_error(part / WORK / slug / ENTRY, "is not the catalogue record of this briefing")
            for folder in (f"{WORK}/{slug}", slug):
                copies.append((part, folder, _files(part, folder)))
            covers = {rel: part / rel for rel in cover_paths(slug) if _present(part, rel)}
            copies.append((part, "", covers))
    out = Path(out)
    with output.build_lock(out, on_wait=on_wait):
        state = read_state(out / WORK / LIBRARY_STATE)
        placed: dict = {}
        for part, folder, files in copies:
            if folder:
                _copy_tree(files, out, folder, placed)
            else:
                for rel, path in files.items():
                    write_if_changed(output.inside(out, rel, create=True), output.read_file(path))
        remove_briefings(out, set((state.get("slugs") or {})) - set(slugs))
        entries = collect_entries(out, slugs)
        new_state = {"slugs": dict(sorted(slugs.items()))}
        written = publish(library, out, entries, state, new_state)
        write_if_changed(out / WORK / LIBRARY_STATE, dump_json(new_state))
    return LibraryResult(entries, [], [], written)


def shard_error(path: Path, message: str) -> PressError:
    return PressError(message, Location(path), "E864")


def _record(part: Path, record) -> dict:
    """A shard's `shard.json`, checked: shard K of N and the slugs it built."""
    path = part / WORK / RECORD
    if record is None:
        raise PressError(f"{part}: not a shard output (no {WORK}/{RECORD}): build it with "
                         "`library --shard K/N`", code="E862")
    if not (isinstance(record, dict) and all(isinstance(record.get(k), int) and not isinstance(record.get(k), bool)
                                             for k in ("shard", "of")) and isinstance(record.get("slugs"), list)):
        raise shard_error(path, "is not a shard's record ({shard, of, slugs})")
    for slug in record["slugs"]:
        if not valid_slug(slug):
            raise shard_error(path, f"names '{str(slug)[:80]}', which is not a briefing's slug")
    return record


def _present(part: Path, rel: str) -> bool:
    """Whether the shard has `rel`: a regular file reached through real folders, or nothing."""
    if not _real_folders(part, rel):
        raise shard_error(part / rel, "is behind a symbolic link: a shard's files are published as they are, "
                          "never through a link")
    path = part / rel
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise shard_error(path, "is not a regular file (a symbolic link?): it is not published")
    return True


def _real_folders(part: Path, rel: str) -> bool:
    try:
        output.inside(part, rel, internal=True)
    except output.UnsafePath:
        return False
    return True


def _files(part: Path, folder: str) -> dict[str, Path]:
    """The regular files under a shard's folder, by path relative to it (lstat: no link followed).
    The folder itself or anything in it that is a link, or neither file nor folder, is an error."""
    root = part / folder
    if not _real_folders(part, f"{folder}/x"):
        raise shard_error(root, "is behind a symbolic link: a shard's briefing folders must be real folders")
    try:
        info = os.lstat(root)
    except FileNotFoundError:
        return {}
    if not stat.S_ISDIR(info.st_mode):
        raise shard_error(root, "is not a folder (a symbolic link?): a shard's briefing folders must be real folders")
    files: dict[str, Path] = {}
    for parent, dirs, names in os.walk(root, followlinks=False):
        for name in sorted(dirs + names):
            path = Path(parent) / name
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode) or name.startswith(output.TEMP_PREFIX):
                continue
            if not stat.S_ISREG(mode):
                raise shard_error(path, "is not a regular file (a symbolic link?): it is not published")
            files[path.relative_to(root).as_posix()] = path
    return dict(sorted(files.items()))


def _copy_tree(files: dict[str, Path], out: Path, folder: str, placed: dict) -> None:
    """Place a shard folder's files at `out/folder` (hard links to the shard's, or copies:
    press/library/library_files.py); remove files the source no longer has. A file the shard stores
    under several names is stored once here too (`placed`: the shard's file -> where it was put)."""
    for rel, path in files.items():
        target = output.inside(out, f"{folder}/{rel}", create=True, internal=True)
        st = os.lstat(path)
        first = placed.setdefault((st.st_dev, st.st_ino), target)
        place(first if first != target else path, target)
    root = out / folder
    if not _real_folders(out, f"{folder}/x") or not os.path.isdir(root) or os.path.islink(root):
        return
    for parent, dirs, names in os.walk(root, followlinks=False):
        for name in names + [d for d in dirs if os.path.islink(os.path.join(parent, d))]:
            path = Path(parent) / name
            rel = path.relative_to(root).as_posix()
            if rel not in files and name != output.LOCK_NAME:
                path.unlink()   # a link is removed itself, never what it points to
