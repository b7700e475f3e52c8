"""Writing outputs safely: temporary file + rename, and one build at a time per folder."""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from pathlib import Path
from typing import Iterator

from .errors import BuildBusyError

TEMP_PREFIX = ".press-tmp-"
LOCK_NAME = ".press.lock"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it into place only if the block succeeds.

    A failure, Ctrl-C or SIGKILL before the rename leaves the previous `target` as it was.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        os.chmod(temp, 0o644)
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes) -> Path:
    with atomic_path(target) as temp:
        temp.write_bytes(data)
    return target


def remove_stale_temporaries(folder: Path) -> None:
    """Temporary files a killed build left behind (safe: we hold the folder's lock)."""
    if folder.is_dir():
        for stray in folder.rglob(TEMP_PREFIX + "*"):
            if stray.is_file():
                stray.unlink(missing_ok=True)


@contextlib.contextmanager
def build_lock(folder: Path, wait: bool = True, on_wait=None) -> Iterator[None]:
    """Hold an exclusive lock on the output folder; a second build waits (or fails fast)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BuildBusyError(f"another build is writing to {folder}") from None
            if on_wait:
                on_wait()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
