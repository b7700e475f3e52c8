"""Work kept between builds: content-addressed entries on disk (the drawn cover, each font's
coverage, font subsets).

An entry's key is a hash of everything its value depends on (the bytes of its inputs, the
code that makes it, the options), so an entry is never stale: a change makes a new key, and
the old entry ages out. Entries live under `$XDG_CACHE_HOME/press` (default `~/.cache/press`),
not in the output folder: none of them depends on a briefing's folder, so every output folder
and every briefing of a library share them, and `clean` and the output folder's rules (only
files the build wrote) stay as they are.

Each entry is `<root>/<kind>/<key>`: a header (magic, length, SHA-256 of the payload), then
the payload. It is written under a temporary name and renamed into place, so a reader sees a
whole entry or none, whichever of two concurrent builds wins; a truncated or corrupt entry
(a crash of the machine, a disk error, a hand edit) fails its checksum, is removed and is
made again. A checksum only tells a damaged entry from a whole one, not the build's own entry
from one planted in a cache that CI restored or shared: so an entry larger than any the cache
keeps is not read at all, and each kind's reader passes a check of what its payload must be
(`get(..., check=)`: a cover is a PNG of the drawn size, a coverage a bounded list of Unicode
ranges, a subset a font); an entry that fails it is a miss, removed and made again. The total size is bounded (`PRESS_CACHE_MB`, default 200): a build that writes
sweeps the folder and removes the least recently used entries (a hit refreshes the entry's
modification time, at most once an hour, so a warm build writes nothing).

`PRESS_NO_CACHE=1` (what `build.py --no-cache` sets, so worker processes inherit it) makes
every lookup a miss and every write a no-op. A cache folder that cannot be written only makes
builds slower.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
from functools import lru_cache
from pathlib import Path
from typing import Callable

from press import __version__

DISABLE_VARIABLE = "PRESS_NO_CACHE"
SIZE_VARIABLE = "PRESS_CACHE_MB"
DEFAULT_MB = 200
MAGIC = b"press-cache\x01"
HEADER = struct.Struct(f">{len(MAGIC)}sQ32s")   # magic, payload length, SHA-256 of the payload
TOUCH_AFTER = 3600       # seconds: a hit refreshes an older entry's time (least recently used)
STALE_TEMPORARY = 3600   # seconds: a temporary older than this was left by a killed build
TEMP_PREFIX = ".tmp-"

_state = {"written": 0, "unwritable": False}


def enabled() -> bool:
    return (os.environ.get(DISABLE_VARIABLE, "") not in ("1", "true", "yes") and limit() > 0
            and root() is not None)


def root() -> Path | None:
    """The cache's folder; None when there is no home to put it in."""
    return _root(os.environ.get("XDG_CACHE_HOME") or "")


@lru_cache(maxsize=8)
def _root(base: str) -> Path | None:
    if os.path.isabs(base):  # XDG: a relative path is to be ignored
        return Path(base) / "press"
    try:
        return Path.home() / ".cache" / "press"
    except (RuntimeError, KeyError):
        return None


def limit() -> int:
    """The bound on the cache's total size, in bytes."""
    try:
        return int(float(os.environ.get(SIZE_VARIABLE) or DEFAULT_MB) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MB * 1024 * 1024


def key(kind: str, *parts) -> str:
    """A hash of `parts` (bytes, str, int, None, or lists and tuples of them), the package's
    version and the entry's kind; each part is length-prefixed, so no two lists collide."""
    digest = hashlib.sha256(f"{__version__}\0{kind}\0".encode())
    _feed(digest, parts)
    return digest.hexdigest()


def _feed(digest, part) -> None:
    if isinstance(part, (list, tuple)):
        digest.update(b"L%d:" % len(part))
        for item in part:
            _feed(digest, item)
        return
    if isinstance(part, bytes):
        data, tag = part, b"B"
    elif isinstance(part, str):
        data, tag = part.encode("utf-8", "surrogatepass"), b"S"
    elif part is None or isinstance(part, int):
        data, tag = repr(part).encode(), b"I"
    else:
        raise TypeError(f"cannot key a {type(part).__name__}")
    digest.update(tag + b"%d:" % len(data) + data)


SECRET_NAME = "secret"   # a file at the cache's top, not a kind's folder: sweep() never removes it


def secret() -> bytes | None:
    """A random key of this user's, kept in the cache (never in an output folder): what signs
    the pieces a build keeps in its output folder (press/library/fragments.py), so that pieces planted
    there are told from the build's own. None when the cache is off or cannot be written."""
    if not enabled():
        return None
    path = root() / SECRET_NAME
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            except FileExistsError:
                continue   # another build made it first: read that one
            except OSError:
                return None
            with os.fdopen(fd, "wb") as handle:
                key_bytes = os.urandom(32)
                handle.write(key_bytes)
            return key_bytes
        except OSError:
            return None
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(64)
        return data if len(data) == 32 else None
    return None


def get(kind: str, entry_key: str, check: Callable[[bytes], bool] | None = None) -> bytes | None:
    """The payload kept under `entry_key`, or None (missing, corrupt, larger than `put` ever
    writes, refused by `check`, or the cache is off)."""
    if not enabled():
        return None
    path = root() / kind / entry_key
    largest = HEADER.size + limit() // 4   # put() keeps no payload larger than a quarter of the bound
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            raw = handle.read(largest + 1) if info.st_size <= largest else b""
            mtime = info.st_mtime
    except OSError:
        return None
    payload = _payload(raw) if len(raw) <= largest else None
    if payload is not None and check is not None and not _passes(check, payload):
        payload = None
    if payload is None:  # truncated, corrupt or not what its kind must be: made again by the caller
        try:
            path.unlink()
        except OSError:
            pass
        return None
    if time.time() - mtime > TOUCH_AFTER:
        try:
            os.utime(path)
        except OSError:
            pass
    return payload


def _passes(check: Callable[[bytes], bool], payload: bytes) -> bool:
    try:
        return bool(check(payload))
    except Exception:  # a checker that trips on hostile bytes: the entry is refused all the same
        return False


def _payload(raw: bytes) -> bytes | None:
    if len(raw) < HEADER.size:
        return None
    magic, length, checksum = HEADER.unpack_from(raw)
    payload = raw[HEADER.size:]
    if magic != MAGIC or length != len(payload) or hashlib.sha256(payload).digest() != checksum:
        return None
    return payload


def put(kind: str, entry_key: str, payload: bytes) -> None:
    """Keep `payload` under `entry_key`: atomically, and never failing the build."""
    if not enabled() or _state["unwritable"] or len(payload) > limit() // 4:
        return
    folder = root() / kind
    temporary = folder / f"{TEMP_PREFIX}{os.getpid()}-{os.urandom(6).hex()}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(temporary, "xb") as handle:
            handle.write(HEADER.pack(MAGIC, len(payload), hashlib.sha256(payload).digest()))
            handle.write(payload)
        os.replace(temporary, folder / entry_key)
    except OSError:  # read-only, full, not ours: builds only get slower
        _state["unwritable"] = True
        try:
            temporary.unlink()
        except OSError:
            pass
        return
    # Sweep on the first write of a process, then after each eighth of the bound written.
    if _state["written"] == 0 or _state["written"] > limit() // 8:
        _state["written"] = 0
        sweep()
    _state["written"] += len(payload) + HEADER.size


def cached(kind: str, parts, compute: Callable[[], bytes], check: Callable[[bytes], bool] | None = None) -> bytes:
    """The entry for `parts`, made by `compute()` when it is missing, unreadable or refused by
    `check` (what a payload of this kind must be)."""
    entry_key = key(kind, parts)
    payload = get(kind, entry_key, check)
    if payload is None:
        payload = compute()
        put(kind, entry_key, payload)
    return payload


def sweep(bound: int | None = None) -> None:
    """Remove temporaries left by killed builds, then, while the entries add up to more than
    the bound, the least recently used ones (down to 90 % of it, so that the next write does
    not sweep again)."""
    bound = limit() if bound is None else bound
    now = time.time()
    entries, total = [], 0
    try:
        kinds = [e for e in os.scandir(root() or "") if e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for kind in kinds:
        try:
            files = list(os.scandir(kind.path))
        except OSError:
            continue
        for entry in files:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if entry.name.startswith(TEMP_PREFIX):
                if now - info.st_mtime > STALE_TEMPORARY:
                    _remove(entry.path)
                continue
            used = info.st_blocks * 512  # what it takes on disk: a small entry fills a block
            entries.append((info.st_mtime, entry.path, used))
            total += used
    if total <= bound:
        return
    for _, path, size in sorted(entries):
        if total <= bound * 0.9:
            break
        if _remove(path):
            total -= size


def _remove(path: str) -> bool:
    try:
        os.unlink(path)
        return True
    except OSError:
        return False


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes. A font of many megabytes is read once: its hash is
    remembered under its path, size, modification time and inode."""
    info = path.stat()
    return _file_digest(str(path), info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


def file_digests(paths) -> dict[Path, str]:
    """`file_digest` of many files (every installed font) with one lookup: remembered under all
    their paths, sizes, modification times and inodes together."""
    paths = list(paths)
    identities = []
    for path in paths:
        try:
            info = path.stat()
        except OSError:
            continue
        identities.append((path, [str(path), info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev]))
    entry_key = key("file-digests", [identity for _, identity in identities])
    known = get("file-digests", entry_key)
    if known is not None and len(known) == 32 * len(identities):
        return {path: known[32 * n:32 * n + 32].hex() for n, (path, _) in enumerate(identities)}
    digests = {path: _file_digest(*identity) for path, identity in identities}
    put("file-digests", entry_key, b"".join(bytes.fromhex(digests[path]) for path, _ in identities))
    return digests


@lru_cache(maxsize=None)
def _file_digest(path: str, *identity: int) -> str:
    entry_key = key("file-digest", path, list(identity))
    known = get("file-digest", entry_key)
    if known is not None and len(known) == 32:
        return known.hex()
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").digest()
    put("file-digest", entry_key, digest)
    return digest.hex()
