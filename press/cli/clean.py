"""`clean`: remove what builds made in an output folder, and nothing else.

A build leaves its lock (`.press.lock`) and its state (`.press-state.json`, every file of every
briefing's editions); `clean` removes exactly those files, then the folders they leave empty.
It refuses, before removing anything, a folder without the lock, one that holds a
`briefing.yml` anywhere, and one holding any file (or link) no build recorded.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from press.base import output
from press.base.errors import Location, PressError
from press.base.build_state import STATE_NAME, read_state

BRIEFING = "briefing.yml"


def _refuse(message: str, path: Path) -> PressError:
    return PressError(message, Location(path), "E853")


def clean(out: Path) -> list[Path]:
    """Remove the builds' files from `out` (and `out` itself when that leaves it empty);
    return what was removed."""
    out = Path(out)
    try:
        return _clean(out)
    except OSError as exc:  # a read-only folder, a file that cannot be removed
        raise PressError(exc.strerror or str(exc), Location(Path(exc.filename)) if exc.filename else None,
                         "E853") from None


def _clean(out: Path) -> list[Path]:
    if not os.path.lexists(out):
        return []
    info = os.lstat(out)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise _refuse("not a folder a build made (a link or a file): clean removes only what builds made", out)
    if not output.regular_file(out / output.LOCK_NAME):
        raise _refuse(f"no {output.LOCK_NAME}: not a folder a build made; clean removes only what builds made", out)
    with output.build_lock(out):
        known = {output.LOCK_NAME, STATE_NAME}
        for editions in read_state(out).values():
            for entry in editions.values():
                if "files" in entry:
                    known.update(f"{entry['folder']}/{rel}" for rel in entry["files"])
                else:
                    known.add(entry["path"])
        found = _walk(out)
        for rel in found:
            if rel.rsplit("/", 1)[-1] == BRIEFING:
                raise _refuse("the folder holds a briefing: clean never removes sources", out / rel)
        for rel in found:
            if rel not in known and not rel.rsplit("/", 1)[-1].startswith(output.TEMP_PREFIX):
                raise _refuse("not written by a build: clean removes only what builds made "
                              "(remove it yourself, or choose another --out)", out / rel)
        removed = []
        for rel in sorted(found, key=lambda r: (r == output.LOCK_NAME, r == STATE_NAME, r)):
            if rel == output.LOCK_NAME:
                continue  # still held: removed after the lock is released
            path = out / rel
            path.unlink()
            removed.append(path)
        for parent, _, _ in os.walk(out, topdown=False):  # the folders the files leave empty
            if Path(parent) != out:
                try:
                    os.rmdir(parent)
                except OSError:
                    pass
    (out / output.LOCK_NAME).unlink(missing_ok=True)
    try:
        out.rmdir()
    except OSError:
        pass
    return removed


def _walk(out: Path) -> list[str]:
    """Every file and link under `out`, relative, with '/' (links to folders are not entered)."""
    found = []
    for parent, dirs, files in os.walk(out, followlinks=False):
        base = Path(parent).relative_to(out)
        for name in files + [d for d in dirs if os.path.islink(os.path.join(parent, d))]:
            found.append((base / name).as_posix())
    return found
