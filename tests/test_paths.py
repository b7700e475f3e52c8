"""Paths: the build writes, renames and deletes only what it derived, inside the output folder,
never through a symbolic link; the state file is validated, never obeyed; `clean` deletes only
what a build made; `serve` serves regular files inside the site only (issue 13, defects 1 and 3)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat

import pytest

from conftest import FIXTURES, build_ok, run_build
from live import Command, serving_address
from press.base import build_state
from press.build import pipeline
from press.base.codes import CODES

pytestmark = pytest.mark.slow  # several builds each, serve

SLUG = "features-edge-cases"
SHA = "0" * 64


def one_line_error(result, code_text: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and code_text in lines[0], result.stderr


@pytest.fixture
def victims(tmp_path):
    """Files outside every folder a build owns, that no build may touch."""
    home = tmp_path / "home" / "me"
    (home / "dir").mkdir(parents=True)
    (home / "victim.txt").write_text("precious")
    (home / "dir" / "file.txt").write_text("precious too")
    return home


def intact(home) -> bool:
    return ((home / "victim.txt").read_text() == "precious"
            and (home / "dir" / "file.txt").read_text() == "precious too")


def test_defect_1_a_shipped_state_file_deletes_nothing_outside(copy_fixture, victims):
    """The reproduction of defect 1, exactly: a briefing ships build/.press-state.json naming
    files outside, and is built with --out inside --source."""
    source = copy_fixture("features")
    (source / "build").mkdir()
    depth = len(source.joinpath("build", "html").relative_to(victims.parent.parent).parts)
    climbing = "../" * (depth + 2) + str((victims / "dir" / "file.txt").relative_to("/"))
    for files in ({str(victims / "victim.txt"): "0", climbing: "0"},  # the defect's old format
                  {str(victims / "victim.txt"): SHA, climbing: SHA}):
        for state in ({"html": {"inputs": "x", "files": files}},
                      {"format": 2, "briefings": {SLUG: {"html": {"inputs": SHA, "folder": "html", "files": files}}}}):
            (source / "build" / ".press-state.json").write_text(json.dumps(state))
            build_ok("html", "--source", source, "--out", source / "build")
            assert intact(victims)
            shutil.rmtree(source / "build" / "html")
    # Built again with a clean state: a further build deletes nothing outside either.
    build_ok("html", "--source", source, "--out", source / "build")
    assert intact(victims) and (source / "build" / "html" / "index.html").is_file()


@pytest.mark.parametrize("state", [
    "{not json",
    json.dumps([1, 2]),
    json.dumps({"format": 2, "briefings": {SLUG: {"pdf": {"inputs": SHA, "output": SHA, "path": "/etc/passwd"}}}}),
    json.dumps({"format": 2, "briefings": {SLUG: {"html": {"inputs": SHA, "folder": "..", "files": {"a": SHA}}}}}),
    json.dumps({"format": 2, "briefings": {SLUG: {"html": {"inputs": SHA, "folder": "html",
                                                             "files": {"x/../../y": SHA}}}}}),
    json.dumps({"format": 2, "briefings": {SLUG: {"html": {"inputs": SHA, "folder": "html", "files": ["a"]}}}}),
    json.dumps({"format": 2, "briefings": {SLUG: {"html": {"inputs": 1, "folder": "html", "files": {}}}}}),
])
def test_a_state_file_that_fails_validation_is_ignored(tmp_path, state):
    out = tmp_path / "out"
    out.mkdir()
    (out / build_state.STATE_NAME).write_text(state)
    assert build_state.read_state(out) == {}
    result = build_ok("html", "--source", FIXTURES / "features", "--out", out)
    assert "up to date" not in result.stdout  # a full rebuild
    assert build_state.read_state(out)[SLUG]["html"]["files"]["index.html"]


def test_a_state_file_through_a_symlink_is_ignored(tmp_path):
    out = tmp_path / "out"
    build_ok("epub", "--source", FIXTURES / "features", "--out", out)
    real = tmp_path / "elsewhere.json"
    shutil.move(out / build_state.STATE_NAME, real)
    os.symlink(real, out / build_state.STATE_NAME)
    assert build_state.read_state(out) == {}
    assert "up to date" not in build_ok("epub", "--source", FIXTURES / "features", "--out", out).stdout
    assert not (out / build_state.STATE_NAME).is_symlink()


def test_stale_files_are_removed_only_inside_the_folder_never_through_a_link(copy_fixture, tmp_path, victims):
    """The state names html/sub/file.txt (a real hash); html/sub is then made a link to a victim's folder."""
    source, out = copy_fixture("features"), tmp_path / "out"
    build_ok("html", "--source", source, "--out", out)
    state = json.loads((out / build_state.STATE_NAME).read_text())
    state["briefings"][SLUG]["html"]["files"]["sub/file.txt"] = SHA
    (out / build_state.STATE_NAME).write_text(json.dumps(state))
    os.symlink(victims / "dir", out / "html" / "sub")
    build_ok("html", "--force", "--source", source, "--out", out)
    assert intact(victims)


def test_a_symlinked_edition_folder_is_replaced_not_written_through(tmp_path, victims):
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victims, out / "html")
    build_ok("html", "--source", FIXTURES / "features", "--out", out)
    assert intact(victims) and sorted(p.name for p in victims.iterdir()) == ["dir", "victim.txt"]
    assert not (out / "html").is_symlink() and (out / "html" / "index.html").is_file()


def test_a_symlinked_output_file_is_replaced_not_written_through(tmp_path, victims):
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(victims / "victim.txt", out / f"{SLUG}.epub")
    os.symlink(victims / "dir" / "file.txt", out / pipeline.output.LOCK_NAME)
    build_ok("epub", "--source", FIXTURES / "features", "--out", out)
    assert intact(victims)
    assert stat.S_ISREG(os.lstat(out / f"{SLUG}.epub").st_mode)


def test_out_equal_to_or_holding_the_source_is_refused(copy_fixture, tmp_path):
    source = copy_fixture("features")
    before = sorted(p for p in source.rglob("*"))
    for out in (source, source.parent, source / "sections" / ".."):
        result = run_build("all", "--source", source, "--out", out)
        one_line_error(result, "is the source folder or holds it")
    assert sorted(p for p in source.rglob("*")) == before
    assert "E851" in CODES


def test_out_reached_through_a_link_in_the_source_is_refused(copy_fixture, victims):
    source = copy_fixture("features")
    os.symlink(victims, source / "build")
    result = run_build("html", "--source", source, "--out", source / "build")
    one_line_error(result, "symbolic link")
    assert intact(victims) and sorted(p.name for p in victims.iterdir()) == ["dir", "victim.txt"]


def test_out_inside_the_source_is_not_a_source(copy_fixture):
    source = copy_fixture("features")
    out = source / "build"
    build_ok("all", "--source", source, "--out", out)
    (out / "notes.md").write_text("# Not a section\n")  # something in the output folder
    again = build_ok("all", "--source", source, "--out", out)
    assert "everything is up to date" in again.stdout
    result = run_build("check", "--source", source, "--out", out)
    assert "W102" not in result.stdout, result.stdout


# --- clean ---------------------------------------------------------------------------


def test_clean_removes_what_the_build_made_and_nothing_else(tmp_path):
    out = tmp_path / "out"
    build_ok("all", "--source", FIXTURES / "features", "--out", out)
    result = build_ok("clean", "--out", out)
    assert not out.exists() and "removed" in result.stdout


def test_clean_refuses_a_folder_with_files_it_did_not_write(tmp_path):
    out = tmp_path / "out"
    build_ok("epub", "--source", FIXTURES / "features", "--out", out)
    (out / "notes.txt").write_text("mine")
    result = run_build("clean", "--out", out)
    one_line_error(result, "notes.txt")
    assert (out / "notes.txt").read_text() == "mine" and (out / f"{SLUG}.epub").is_file()


def test_clean_refuses_any_folder_a_build_did_not_make(tmp_path, victims, copy_fixture):
    source = copy_fixture("features")
    for folder in (victims, source, tmp_path / "home"):
        one_line_error(run_build("clean", "--out", folder), "clean removes only what builds made")
    assert intact(victims) and (source / "briefing.yml").is_file()


def test_clean_refuses_a_folder_holding_a_briefing(copy_fixture, tmp_path):
    source = copy_fixture("features")
    out = tmp_path / "out"
    build_ok("epub", "--source", FIXTURES / "features", "--out", out)
    shutil.copy(source / "briefing.yml", out / "briefing.yml")
    one_line_error(run_build("clean", "--out", out), "briefing.yml")
    assert (out / f"{SLUG}.epub").is_file()


def test_clean_on_a_read_only_folder_is_one_line(tmp_path):
    out = tmp_path / "out"
    build_ok("epub", "--source", FIXTURES / "features", "--out", out)
    # Root ignores permissions: make it really read-only with a read-only bind mount.
    ro = tmp_path / "ro"
    ro.mkdir()
    assert os.system(f"mount --bind {out} {ro} && mount -o remount,bind,ro {ro}") == 0
    try:
        result = run_build("clean", "--out", ro)
        one_line_error(result, "Read-only file system")
        assert (out / f"{SLUG}.epub").is_file()
    finally:
        os.system(f"umount {ro}")


# --- serve -----------------------------------------------------------------------------


def raw_get(url: str, path: str) -> bytes:
    host, port = url.split("//")[1].rstrip("/").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode("latin-1"))
        data = b""
        while chunk := conn.recv(65536):
            data += chunk
    return data.split(b"\r\n", 1)[0]


def test_serve_answers_bad_paths_and_never_follows_a_link(tmp_path):
    out = tmp_path / "out"
    build_ok("html", "--source", FIXTURES / "features", "--out", out)
    os.symlink("/etc/passwd", out / "html" / "leak.txt")
    os.symlink("/etc", out / "html" / "etc")
    with Command("serve", "--verbose", "--port", "0", "--source", FIXTURES / "features", "--out", out) as command:
        url = serving_address(command)
        answers = {path: raw_get(url, path) for path in [
            "/", "/index.html", "/x%00.html", "/leak.txt", "/etc/passwd", "/..%2f..%2fetc%2fpasswd",
            "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/images%2fchart.png", "/images\\chart.png",
            "/" + "a" * 5000, "/%ff%fe", "/.press-state.json", "/images/chart.png", "/images"]}
    statuses = {path: int(line.split()[1]) for path, line in answers.items()}
    assert statuses["/"] == statuses["/index.html"] == statuses["/images/chart.png"] == 200
    assert statuses["/images"] == 301
    for path, status in statuses.items():
        if path not in ("/", "/index.html", "/images/chart.png", "/images"):
            assert status in (400, 404, 414), (path, status)
    assert statuses["/x%00.html"] == 400 and statuses["/leak.txt"] == statuses["/etc/passwd"] == 404
    assert "Traceback" not in command.output
