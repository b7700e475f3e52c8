"""The cache kept between builds (press.base.diskcache): the same editions cold, warm and without it;
corrupt entries made again; concurrent writers; the size bound; a cache that cannot be written."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, build_ok
from press.base import diskcache


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of this test's own, for the tests that call the module."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv(diskcache.DISABLE_VARIABLE, raising=False)
    monkeypatch.delenv(diskcache.SIZE_VARIABLE, raising=False)
    monkeypatch.setitem(diskcache._state, "unwritable", False)
    monkeypatch.setitem(diskcache._state, "written", 0)
    return tmp_path / "xdg" / "press"


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".press")}


def _entries(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


@pytest.mark.slow
def test_editions_are_the_same_cold_warm_and_without_the_cache(tmp_path):
    """Every edition of a briefing with script faces and a drawn cover, byte for byte."""
    source = FIXTURES / "scripts"
    xdg, empty = tmp_path / "xdg", tmp_path / "empty"
    empty.mkdir()
    outputs = {}
    for run, env, extra in [("cold", {"XDG_CACHE_HOME": str(xdg)}, []),
                            ("warm", {"XDG_CACHE_HOME": str(xdg)}, ["--force"]),
                            ("none", {"XDG_CACHE_HOME": str(empty)}, ["--no-cache"])]:
        build_ok("all", "--source", source, "--out", tmp_path / run, *extra, env=env)
        outputs[run] = _outputs(tmp_path / run)
    assert {name.rsplit(".", 1)[-1] for name in outputs["cold"]} >= {"pdf", "epub", "docx", "html"}
    assert outputs["warm"] == outputs["cold"]
    assert outputs["none"] == outputs["cold"]
    kinds = {p.parent.name for p in _entries(xdg / "press")}
    assert {"cover", "coverage", "subset", "file-digest"} <= kinds
    assert _entries(empty) == [], "--no-cache wrote to the cache"


@pytest.mark.slow
def test_no_cache_reads_nothing(tmp_path):
    """A cache whose every entry is valid but wrong: a --no-cache build does not see it."""
    source, xdg = FIXTURES / "brief", tmp_path / "xdg"
    build_ok("epub", "--source", source, "--out", tmp_path / "cold", env={"XDG_CACHE_HOME": str(xdg)})
    for path in _entries(xdg / "press"):
        payload = b"poison"
        path.write_bytes(diskcache.HEADER.pack(diskcache.MAGIC, len(payload),
                                               hashlib.sha256(payload).digest()) + payload)
    build_ok("epub", "--source", source, "--out", tmp_path / "none", "--no-cache",
             env={"XDG_CACHE_HOME": str(xdg)})
    assert _outputs(tmp_path / "none") == _outputs(tmp_path / "cold")


def test_a_corrupt_entry_is_ignored_and_made_again(cache):
    made = []

    def compute() -> bytes:
        made.append(1)
        return b"the value" * 100

    assert diskcache.cached("kind", ["a", 1], compute) == b"the value" * 100
    (entry,) = _entries(cache / "kind")
    good = entry.read_bytes()
    for broken in (good[:-1], good[:10], good[:-1] + b"X", b"", good + b"more"):
        entry.write_bytes(broken)
        assert diskcache.get("kind", entry.name) is None
        assert not entry.exists(), "a corrupt entry is removed"
        assert diskcache.cached("kind", ["a", 1], compute) == b"the value" * 100
        assert entry.read_bytes() == good, "and written again"
    assert len(made) == 6
    assert diskcache.cached("kind", ["a", 1], compute) == b"the value" * 100 and len(made) == 6


@pytest.mark.slow
def test_a_corrupt_cover_entry_gives_the_same_epub(tmp_path):
    source, xdg = FIXTURES / "brief", tmp_path / "xdg"
    env = {"XDG_CACHE_HOME": str(xdg)}
    build_ok("epub", "--source", source, "--out", tmp_path / "out", env=env)
    first = _outputs(tmp_path / "out")
    (cover,) = _entries(xdg / "press" / "cover")
    data = bytearray(cover.read_bytes())
    data[len(data) // 2] ^= 0xFF
    cover.write_bytes(bytes(data))
    build_ok("epub", "--source", source, "--out", tmp_path / "out", "--force", env=env)
    assert _outputs(tmp_path / "out") == first
    assert diskcache._payload(cover.read_bytes()) is not None, "the entry was written again"


def test_keys_change_with_every_part():
    keys = {diskcache.key("k", ["a", "b"]), diskcache.key("k", ["ab"]), diskcache.key("k", ["a", b"b"]),
            diskcache.key("k", [["a"], "b"]), diskcache.key("j", ["a", "b"]), diskcache.key("k", [1]),
            diskcache.key("k", ["1"]), diskcache.key("k", [None])}
    assert len(keys) == 8


WRITER = textwrap.dedent("""
    import sys
    from press.base import diskcache
    role, fill, rounds = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3])
    payloads = {b"a" * 300_000, b"b" * 500_000}
    for _ in range(rounds):
        if role == "write":
            diskcache.put("race", "same", fill * (300_000 if fill == b"a" else 500_000))
        else:
            got = diskcache.get("race", "same")
            assert got is None or got in payloads, len(got)
""")


def test_concurrent_writers_leave_a_valid_entry(cache):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-c", WRITER, role, fill, "150"], env=env,
                                  stderr=subprocess.PIPE, text=True)
                 for role, fill in [("write", "a"), ("write", "b"), ("read", "-")]]
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
    assert diskcache.get("race", "same") in (b"a" * 300_000, b"b" * 500_000)
    assert [p.name for p in _entries(cache / "race")] == ["same"], "no temporary left behind"


def test_the_size_bound_evicts_the_least_recently_used(cache, monkeypatch):
    now = time.time()
    for n in range(12):
        diskcache.put("big", f"entry{n:02}", bytes([n]) * 200_000)
        os.utime(cache / "big" / f"entry{n:02}", (now - 10_000 + n, now - 10_000 + n))
    os.utime(cache / "big" / "entry00", (now, now))                  # read lately
    assert diskcache.get("big", "entry01") is not None               # read now: touched, being old
    (cache / "big" / ".tmp-1-dead").write_bytes(b"left by a killed build")
    os.utime(cache / "big" / ".tmp-1-dead", (now - 7200, now - 7200))
    diskcache.sweep(1024 * 1024)
    kept = {p.name for p in _entries(cache / "big")}
    assert sum(p.stat().st_blocks * 512 for p in _entries(cache / "big")) <= 1024 * 1024
    assert {"entry00", "entry01", "entry11"} <= kept
    assert "entry02" not in kept and ".tmp-1-dead" not in kept


def test_writing_sweeps_by_itself(cache, monkeypatch):
    monkeypatch.setenv(diskcache.SIZE_VARIABLE, "1")
    for n in range(40):
        diskcache.put("big", f"entry{n:02}", bytes([n]) * 200_000)
    total = sum(p.stat().st_blocks * 512 for p in _entries(cache / "big"))
    assert total <= 1024 * 1024 * 1.2   # the bound, plus at most an eighth written since the last sweep
    assert diskcache.get("big", "entry39") is not None


def test_the_cache_off_reads_and_writes_nothing(cache, monkeypatch):
    diskcache.put("k", "x", b"1")
    monkeypatch.setenv(diskcache.DISABLE_VARIABLE, "1")
    assert diskcache.get("k", "x") is None
    diskcache.put("k", "y", b"2")
    assert not (cache / "k" / "y").exists()


@pytest.mark.slow
def test_a_build_with_a_cache_it_cannot_write(tmp_path):
    """XDG_CACHE_HOME is a file: nothing can be kept, the build is only slower."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("in the way")
    build_ok("epub", "--source", FIXTURES / "brief", "--out", tmp_path / "blocked",
             env={"XDG_CACHE_HOME": str(blocker)})
    build_ok("epub", "--source", FIXTURES / "brief", "--out", tmp_path / "none", "--no-cache")
    assert _outputs(tmp_path / "blocked") == _outputs(tmp_path / "none")


def test_font_hashes_are_remembered_by_path_size_time_and_inode(cache, tmp_path):
    font = tmp_path / "face.ttf"
    font.write_bytes(b"first")
    first = diskcache.file_digest(font)
    assert first == hashlib.sha256(b"first").hexdigest()
    before = font.stat()
    font.write_bytes(b"other")  # the same path, size and inode: only the time tells
    # saved a second later: set, not slept for (a file system's clock may have a coarse grain)
    os.utime(font, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
    after = font.stat()
    assert (after.st_size, after.st_ino) == (before.st_size, before.st_ino)
    assert diskcache.file_digest(font) == hashlib.sha256(b"other").hexdigest()


# --- entries planted in a cache that CI restored or shared (hardening item 10) ---------------

def _png(width: int, height: int, colour=(200, 0, 0)) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def _bomb_header() -> bytes:
    """A PNG that declares 100,000 x 100,000 px (and holds no pixels)."""
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _damaged(data: bytes) -> bytes:
    return data[:len(data) // 2]


PLANTED = {
    "cover-small-png": ("cover", lambda: _png(10, 10)),
    "cover-jpeg": ("cover", lambda: b"\xff\xd8\xff\xe0" + b"\x00" * 100),
    "cover-not-a-picture": ("cover", lambda: b"<html>planted</html>"),
    "cover-bomb": ("cover", _bomb_header),
    "cover-right-size-damaged": ("cover", lambda: _damaged(_png(1600, 2560))),
    "coverage-huge-range": ("coverage", lambda: b"[[0,300000000]]"),
    "coverage-negative": ("coverage", lambda: b"[[-5,65]]"),
    "coverage-unsorted": ("coverage", lambda: b"[[100,200],[50,60]]"),
    "coverage-overlapping": ("coverage", lambda: b"[[50,200],[100,300]]"),
    "coverage-too-many": ("coverage", lambda: ("[" + ",".join(f"[{2 * n},{2 * n}]" for n in range(70_000))
                                               + "]").encode()),
    "coverage-floats": ("coverage", lambda: b"[[65.0,90]]"),
    "coverage-deep": ("coverage", lambda: b"[" * 100_000 + b"]" * 100_000),
    "coverage-not-json": ("coverage", lambda: b"\xff\xfe planted"),
    "subset-not-a-font": ("subset", lambda: b"planted, not a font"),
    "subset-font-header-only": ("subset", lambda: b"\x00\x01\x00\x00" + b"\x00" * 60),
}


def _plant(folder: Path, payload: bytes) -> list[Path]:
    entries = _entries(folder)
    for path in entries:
        path.write_bytes(diskcache.HEADER.pack(diskcache.MAGIC, len(payload), hashlib.sha256(payload).digest())
                         + payload)
    return entries


def _bounded_build(source: Path, out: Path, xdg: Path) -> subprocess.CompletedProcess:
    """An EPUB build within 1.5 GB of address space and 120 s, as CI would run it."""
    return subprocess.run(["prlimit", "--as=1500000000", sys.executable, str(ROOT / "build.py"), "epub",
                           "--source", str(source), "--out", str(out), "--force"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "XDG_CACHE_HOME": str(xdg)})


@pytest.fixture(scope="module")
def clean_epub(tmp_path_factory) -> dict[str, bytes]:
    """The EPUB of the brief fixture (a drawn cover, subsets, coverage), built with an empty cache."""
    base = tmp_path_factory.mktemp("clean-epub")
    result = _bounded_build(FIXTURES / "brief", base / "out", base / "xdg")
    assert result.returncode == 0, result.stderr
    return _outputs(base / "out")


@pytest.mark.parametrize("case", sorted(PLANTED))
def test_a_planted_entry_is_a_miss_and_made_again(case, clean_epub, tmp_path):
    """Every entry of one kind replaced by a hostile payload with a valid checksum: the build
    stays within its memory and time, gives the clean build's EPUB (the cover's bytes too),
    and writes the entries again."""
    import zipfile

    kind, make = PLANTED[case]
    source, xdg = FIXTURES / "brief", tmp_path / "xdg"
    assert _bounded_build(source, tmp_path / "warm", xdg).returncode == 0
    planted = _plant(xdg / "press" / kind, make())
    assert planted, f"the build kept no {kind} entry"
    started = time.monotonic()
    result = _bounded_build(source, tmp_path / "out", xdg)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    outputs = _outputs(tmp_path / "out")
    assert outputs == clean_epub
    (epub,) = (tmp_path / "out").glob("*.epub")
    with zipfile.ZipFile(epub) as package:
        names = package.namelist()
        covers = [n for n in names if "cover" in n.lower() and n.endswith(".png")]
        assert covers and all(package.read(n) != make() for n in covers)
    for path in planted:
        payload = diskcache._payload(path.read_bytes())
        assert payload is not None and payload != make(), f"{path.name} was not made again"


def test_an_oversized_entry_is_not_read(cache, monkeypatch):
    """An entry larger than put() ever writes (a quarter of the bound) is a miss, not read into memory."""
    monkeypatch.setenv(diskcache.SIZE_VARIABLE, "1")
    entry_key = diskcache.key("kind", ["big"])
    (cache / "kind").mkdir(parents=True)
    payload = b"x" * (1024 * 1024)
    (cache / "kind" / entry_key).write_bytes(diskcache.HEADER.pack(diskcache.MAGIC, len(payload),
                                                                   hashlib.sha256(payload).digest()) + payload)
    assert diskcache.get("kind", entry_key) is None
    assert not (cache / "kind" / entry_key).exists()
    assert diskcache.cached("kind", ["big"], lambda: b"made") == b"made"


def test_a_check_that_raises_refuses_the_entry(cache):
    def check(payload: bytes) -> bool:
        raise ValueError("hostile bytes")

    diskcache.put("kind", diskcache.key("kind", ["a"]), b"planted")
    assert diskcache.cached("kind", ["a"], lambda: b"made", check=check) == b"made"
