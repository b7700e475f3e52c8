"""Shards: a stable partition of the library's briefings by slug, and the merge of shard outputs.

`library --shard K/N --out OUT_K` builds only the briefings whose slug falls in shard K and
writes `OUT_K/.press/shard.json`; `library --merge OUT_1 ... OUT_N --out OUT` copies each
shard's briefings (their pages, covers and build folders) into OUT, as they are, and renders
the catalogue from their records: no briefing is rebuilt, and OUT equals a full build.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from . import output
from .errors import PressError

RECORD = "shard.json"


def parse(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text or "")
    if not match or not 1 <= int(match.group(1)) <= int(match.group(2)):
        raise PressError(f"--shard must be K/N with 1 <= K <= N, such as 2/3, not '{text}'", code="E862")
    return int(match.group(1)), int(match.group(2))


def shard_of(slug: str, count: int) -> int:
    """The shard (0-based) a slug belongs to: the same on every machine and every run."""
    return int.from_bytes(hashlib.sha256(slug.encode("utf-8")).digest()[:8], "big") % count


def write_record(out: Path, shard: tuple[int, int], slugs: list[str]) -> None:
    from .library_build import WORK, dump_json, write_if_changed

    write_if_changed(out / WORK / RECORD, dump_json({"shard": shard[0], "of": shard[1], "slugs": slugs}))


def merge(source: Path, parts: list[Path], out: Path, on_wait=None):
    """Assemble the site from shard outputs: copy, then publish the catalogue."""
    from .library import load_library
    from .library_build import (COVERS, LIBRARY_STATE, WORK, LibraryResult, collect_entries, dump_json, publish,
                                read_json, write_if_changed, _remove_briefings)

    library = load_library(source)
    records = []
    for part in parts:
        record = read_json(Path(part) / WORK / RECORD)
        if record is None:
            raise PressError(f"{part}: not a shard output (no {WORK}/{RECORD}): build it with "
                             "`library --shard K/N`", code="E862")
        records.append((Path(part), record))
    counts = {record["of"] for _, record in records}
    numbers = sorted(record["shard"] for _, record in records)
    if len(counts) != 1 or numbers != list(range(1, counts.pop() + 1)):
        raise PressError(f"--merge needs every shard of one partition exactly once; got shards {numbers}", code="E862")
    out = Path(out)
    with output.build_lock(out, on_wait=on_wait):
        state = read_json(out / WORK / LIBRARY_STATE) or {}
        slugs: dict[str, str] = {}
        placed: dict = {}
        for part, record in records:
            part_state = read_json(part / WORK / LIBRARY_STATE) or {}
            for slug in record["slugs"]:
                if slug in slugs:
                    raise PressError(f"{part}: briefing '{slug}' is in two shards", code="E862")
                slugs[slug] = (part_state.get("slugs") or {}).get(slug, slug)
                for folder in (Path(WORK) / slug, Path(slug)):
                    _copy_tree(part / folder, out / folder, placed)
                for cover in sorted((part / COVERS).glob(f"{slug}*")):
                    if cover.name.startswith((f"{slug}.", f"{slug}-thumb.")):
                        write_if_changed(out / COVERS / cover.name, cover.read_bytes())
        _remove_briefings(out, set((state.get("slugs") or {})) - set(slugs))
        entries = collect_entries(out, slugs)
        new_state = {"slugs": dict(sorted(slugs.items()))}
        written = publish(library, out, entries, state, new_state)
        write_if_changed(out / WORK / LIBRARY_STATE, dump_json(new_state))
    return LibraryResult(entries, [], [], written)


def _copy_tree(source: Path, target: Path, placed: dict) -> None:
    """Place a folder's files (hard links to the shard's, or copies: press/library_files.py);
    remove files the source no longer has. A file the shard stores under several names is
    stored once here too (`placed`: the shard's file -> where it was put)."""
    from .library_files import place

    if not source.is_dir():
        return
    wanted = set()
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.name.startswith(output.TEMP_PREFIX):
            rel = path.relative_to(source)
            wanted.add(rel)
            st = path.stat()
            first = placed.setdefault((st.st_dev, st.st_ino), target / rel)
            place(first if first != target / rel else path, target / rel)
    if target.is_dir():
        for path in sorted(target.rglob("*"), reverse=True):
            if path.is_file() and path.relative_to(target) not in wanted and path.name != output.LOCK_NAME:
                path.unlink()
