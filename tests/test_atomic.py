"""All or nothing: every file of every edition is written under a temporary name first, and
renamed into place only when all are written (issue 13, defect 6). The full disk is real: a
small tmpfs mounted as the output folder."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, build_ok, run_build
from press.base.output import TEMP_PREFIX

pytestmark = pytest.mark.slow  # full disks and failed renders: several builds each

INJECT = ROOT / "tests" / "inject.py"


def snapshot(out) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != ".press.lock" and p.name != "filler"}


def temporaries(out) -> list:
    return [p for p in out.rglob(TEMP_PREFIX + "*")]


@pytest.fixture
def small_disk(tmp_path):
    """A 4 MB tmpfs: the test runs as root (the project's CI does), so mount works here."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk, leave: int) -> None:
    """Fill the disk but `leave` bytes."""
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    with open(disk / "filler", "wb") as handle:
        handle.write(b"\0" * max(free - leave, 0))
    free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
    assert free <= leave + 4096


@pytest.mark.parametrize("leave", [24 * 1024, 120 * 1024, 400 * 1024])
def test_defect_6_a_full_disk_leaves_every_edition_as_it_was(copy_fixture, small_disk, leave):
    """Edit a section, rebuild with little free space: exit 1, and every output byte is the old one
    (with 120 KB the PDF fits but the EPUB does not; with 400 KB the PDF and EPUB fit, not the web)."""
    source, out = copy_fixture("features"), small_disk / "out"
    build_ok("all", "--source", source, "--out", out)
    before = snapshot(out)
    section = source / "sections" / "02-second.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nAn edit before the disk filled up.\n",
                       encoding="utf-8")
    fill(small_disk, leave)
    result = run_build("all", "--source", source, "--out", out)
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr and "No space left on device" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(out) == before
    assert temporaries(out) == []
    # Room again: the next build writes every edition.
    (small_disk / "filler").unlink()
    build_ok("all", "--source", source, "--out", out)
    after = snapshot(out)
    assert all(after[name] != before[name] for name in before if name.endswith((".pdf", ".epub", ".html")))
    assert b"An edit before the disk filled up." in after["html/index.html"]


def test_a_failure_in_the_last_render_writes_nothing(copy_fixture, tmp_path):
    """Any failure, not only a full disk: the web edition's render fails after the PDF and the
    EPUB were rendered; neither is written."""
    source, out = copy_fixture("features"), tmp_path / "out"
    build_ok("all", "--source", source, "--out", out)
    before = snapshot(out)
    (source / "FAIL").write_text("")
    result = subprocess.run([sys.executable, str(INJECT), "all", "--force", "--source", str(source),
                             "--out", str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 1
    assert "injected failure" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(out) == before and temporaries(out) == []
