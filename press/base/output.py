"""Writing outputs safely: only paths the build derived, inside the output folder, never
through a symbolic link; every file of a build first under a temporary name, then all renamed
into place together; one build at a time per folder.

Paths come in relative to a folder the build owns (`<out>`, or an edition's folder inside it)
with '/' separators. `relative()` refuses anything else (absolute, `..`, empty or hidden parts,
NUL, backslashes, over-long), so a path read from the state file is checked exactly like one
the build made. `inside()` then walks the folders from the root down: a folder that is a
symbolic link is replaced by a real one (the link is removed, never what it points to), a file
where a folder belongs is an error.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import stat
import tempfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from press.base.errors import BuildBusyError, Location, PressError

TEMP_PREFIX = ".press-tmp-"
LOCK_NAME = ".press.lock"
MAX_PATH = 1024  # characters of a relative output path


class UnsafePath(PressError):
    """A path the build will not write, rename or delete."""

    def __init__(self, message: str, path: Path | None = None):
        super().__init__(message, Location(path) if path else None, "E852")


def relative(rel: object, internal: bool = False) -> PurePosixPath | None:
    """`rel` as a safe relative path, or None when it is not one. Only the build's own files
    (`internal`: its state, lock and temporaries) may have a part starting with '.press'."""
    if not isinstance(rel, str) or not rel or len(rel) > MAX_PATH or "\0" in rel or "\\" in rel:
        return None
    path = PurePosixPath(rel)
    if path.is_absolute() or rel.startswith("/") or rel.endswith("/"):
        return None
    for part in rel.split("/"):
        if part in ("", ".", "..") or len(part.encode("utf-8", "surrogatepass")) > 255:
            return None
        if part.startswith(".press") and not internal:
            return None
    return path


def inside(root: Path, rel: str, create: bool = False, internal: bool = False) -> Path:
    """`root/rel`, after checking that no folder on the way is a symbolic link or a file.

    With `create`, missing folders are made, and a folder that is a symbolic link is replaced
    by a real, empty one. Without it, such a path is refused.
    """
    safe = relative(rel, internal)
    if safe is None:
        raise UnsafePath(f"refused to use the output path '{str(rel)[:200]}'")
    folder = root
    for part in safe.parts[:-1]:
        folder = folder / part
        try:
            info = os.lstat(folder)
        except FileNotFoundError:
            if not create:
                return root.joinpath(*safe.parts)  # nothing there yet: nothing to follow
            os.mkdir(folder)
            continue
        if stat.S_ISLNK(info.st_mode):
            if not create:
                raise UnsafePath("is a symbolic link: the build does not write through it", folder)
            os.unlink(folder)  # the link only, never what it points to
            os.mkdir(folder)
        elif not stat.S_ISDIR(info.st_mode):
            raise UnsafePath("is not a folder, but the build writes a folder there: remove it", folder)
    return root.joinpath(*safe.parts)


def regular_file(path: Path) -> bool:
    """Whether `path` is a regular file itself (not a symbolic link to one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def within(root: Path, target: Path) -> str | None:
    """`target` as a safe path relative to `root` (see relative()), or None when it is not
    inside `root` by its parts alone: absolute elsewhere, `..`, empty parts."""
    try:
        rel = target.relative_to(root).as_posix()
    except ValueError:
        return None
    return rel if relative(rel, internal=True) is not None else None


def _no_link_on_the_way(root: Path, rel: str) -> bool:
    """Whether every folder between `root` and `root/rel` is a real folder (lstat: no link followed)."""
    try:
        inside(root, rel, internal=True)
    except UnsafePath:
        return False
    return True


def remove_file(target: Path, stop: Path) -> None:
    """Remove a regular file (never a link's target) and the folders it leaves empty, up to `stop`.
    A path outside `stop` is refused; one through a folder that is a symbolic link is left alone."""
    rel = within(stop, target)
    if rel is None:
        raise UnsafePath(f"refused to remove '{str(target)[:200]}': not inside {stop}")
    if not _no_link_on_the_way(stop, rel):
        return  # not the build's file: it is behind a link
    if regular_file(target):
        target.unlink()
    for parent in target.parents:
        if parent == stop or not parent.is_relative_to(stop):
            break
        try:
            parent.rmdir()
        except OSError:
            break


def remove_tree(root: Path, rel: str) -> None:
    """Remove the folder `root/rel` and everything in it; a symbolic link there is removed itself,
    never what it points to. `rel` must be a safe relative path (see relative())."""
    if relative(rel, internal=True) is None:
        raise UnsafePath(f"refused to remove the folder '{str(rel)[:200]}'")
    if not _no_link_on_the_way(root, rel):
        return
    target = root / rel
    try:
        info = os.lstat(target)
    except FileNotFoundError:
        return
    if stat.S_ISDIR(info.st_mode):
        shutil.rmtree(target)  # removes links inside as links (it never follows them)
    elif stat.S_ISLNK(info.st_mode):
        target.unlink()


def read_file(path: Path) -> bytes | None:
    """The bytes of a regular file, never through a symbolic link; None if there is none."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(fd)


class Batch:
    """The files of one build: `write` puts each under a temporary name beside its target,
    `commit` renames them all into place and then removes the files the build no longer
    makes. Until `commit`, nothing the readers see has changed; if any write fails, `discard`
    removes every temporary and the previous outputs stay byte for byte as they were."""

    def __init__(self, root: Path):
        self.root = root
        self._staged: list[tuple[Path, Path]] = []   # (temporary, target)
        self._removals: list[tuple[Path, Path]] = []  # (file, folder it may leave empty)

    def write(self, rel: str, data: bytes, base: str = "", internal: bool = False) -> Path:
        target = inside(self.root, f"{base}/{rel}" if base else rel, create=True, internal=internal)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
        temp = Path(name)
        self._staged.append((temp, target))
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        return target

    def remove(self, rel: str, base: str = "") -> None:
        """Remove `base/rel` at commit, if it is a regular file; and the folders it leaves empty."""
        try:
            target = inside(self.root, f"{base}/{rel}" if base else rel)
        except UnsafePath:
            return  # never obeyed: nothing to remove there
        self._removals.append((target, self.root / base if base else self.root))

    def commit(self) -> None:
        for temp, target in self._staged:
            os.replace(temp, target)  # replaces a symbolic link itself, never its target
        self._staged = []
        for target, stop in self._removals:
            remove_file(target, stop)
        self._removals = []

    def discard(self) -> None:
        for temp, _ in self._staged:
            with contextlib.suppress(OSError):
                temp.unlink()
        self._staged = []

    def __enter__(self) -> Batch:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        self.discard()  # after commit there is nothing left to discard


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
    """Temporary files a killed build left behind (safe: we hold the folder's lock). Symbolic
    links to folders are not followed."""
    if not folder.is_dir():
        return
    for parent, dirs, files in os.walk(folder, followlinks=False):
        for name in files:
            if name.startswith(TEMP_PREFIX):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(parent, name))  # a link named so: the link only


def _open_lock(path: Path) -> int:
    """The lock file, created if missing; a symbolic link in its place is replaced."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno != errno.ELOOP:
            raise
    os.unlink(path)
    return os.open(path, flags, 0o644)


@contextlib.contextmanager
def build_lock(folder: Path, wait: bool = True, on_wait=None) -> Iterator[None]:
    """Hold an exclusive lock on the output folder; a second build waits (or fails fast)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = _open_lock(folder / LOCK_NAME)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BuildBusyError(f"another build is writing to {folder}", code="E859") from None
            if on_wait:
                on_wait()
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
