"""Hostile YAML, characters, links and connections: one `file:line: CODE message` line each, exit 1,
no traceback (hardening items 7-YAML, 14, 17)."""

from __future__ import annotations

import re
import shutil
import socket
import time
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, run_build
from library_gen import LIBRARY_YML, write_briefing

BOMB = "".join(f"{name}: &{name} [{', '.join([ref] * 9)}]\n"
               for name, ref in zip("abcdefghi", ["x", "*a", "*b", "*c", "*d", "*e", "*f", "*g", "*h"]))


def one_line(result, code: str, where: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in (result.stdout + result.stderr).splitlines() if re.search(r": [EW]\d{3}: ", line)]
    assert len(lines) == 1, result.stderr
    assert re.search(where + rf": {code}: ", lines[0]), lines[0]
    return lines[0]


def library(root: Path, text: str | None = None) -> Path:
    root.mkdir(parents=True)
    write_briefing(root / "b0", 10)
    (root / "library.yml").write_text(text if text is not None else yaml.safe_dump(LIBRARY_YML), encoding="utf-8")
    return root


def manifest_lines(tmp_path: Path) -> tuple[Path, list[str]]:
    source = tmp_path / "src"
    shutil.copytree(FIXTURES / "mali", source)
    return source, (source / "briefing.yml").read_text(encoding="utf-8").splitlines()


LIBRARY_BASE = "title: Lib\nbase_url: https://example.org/lib/\nlanguage: en\n"
HOSTILE_LIBRARIES = {
    "duplicate-key": (LIBRARY_BASE + "title: Again\n", "E801", 4, "duplicate key 'title'"),
    "deep": (LIBRARY_BASE + "description: " + "[" * 5000 + "]" * 5000 + "\n", "E801", 4, "nested"),
    "long-number": (LIBRARY_BASE + "publisher: " + "9" * 5000 + "\n", "E801", 4, "digits"),
    "bad-date": (LIBRARY_BASE + "publisher: 2026-02-30\n", "E801", 4, "not a valid date"),
    "aliases": (BOMB + LIBRARY_BASE + "description: *i\n", "E801", 2, "aliases"),
    "surrogate": (LIBRARY_BASE + 'publisher: "a \\uD800 b"\n', "E802", 4, "U\\+D800"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_LIBRARIES))
def test_library_yml_is_read_strictly(name, tmp_path):
    text, code, line, words = HOSTILE_LIBRARIES[name]
    root = library(tmp_path / "lib", text)
    found = one_line(run_build("library", "--source", root, "--out", tmp_path / "out"), code,
                     rf"library\.yml:{line}")
    assert re.search(words, found), found


@pytest.mark.parametrize("value, code, words", [
    ("*i", "E101", "aliases"),                       # a billion laughs in theme.accent
    ('"\\uD800"', "E208", r"U\+D800 \(a lone surrogate\)"),
    ('"\\uFDD0"', "E208", r"U\+FDD0 \(a Unicode non-character\)"),
])
def test_manifest_refuses_aliases_and_unusable_characters(value, code, words, tmp_path):
    source, lines = manifest_lines(tmp_path)
    at = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    if value == "*i":
        lines = BOMB.splitlines() + lines + ["theme:", f"  accent: {value}"]
        where = r"briefing\.yml:2"
    else:
        lines[at] = f"title: {value}"
        where = rf"briefing\.yml:{at + 1}"
    (source / "briefing.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for command in ("check", "html"):
        found = one_line(run_build(command, "--source", source, "--out", tmp_path / "out"), code, where)
        assert re.search(words, found), found


def test_a_briefing_folder_linked_from_outside_is_refused(tmp_path):
    root = library(tmp_path / "lib")
    write_briefing(tmp_path / "outside" / "b1", 11)
    (root / "b1").symlink_to(tmp_path / "outside" / "b1", target_is_directory=True)
    found = one_line(run_build("library", "--source", root, "--out", tmp_path / "out"), "E804", r"library\.yml:\d+")
    assert "'b1'" in found
    (root / "library.yml").write_text(yaml.safe_dump({**LIBRARY_YML, "briefings": ["b0", "b1"]}), encoding="utf-8")
    one_line(run_build("library", "--source", root, "--out", tmp_path / "out"), "E804", r"library\.yml:\d+")


@pytest.mark.parametrize("times, code, words", [(32_000, "E802", "lists 32,000 folders: the limit is 10,000"),
                                                (9_000, "E804", "'b0' is listed more than once (entry 1 is the first)")])
def test_a_folder_listed_thousands_of_times_is_one_line(times, code, words, tmp_path):
    """A 250 kB library.yml that lists one folder 32,000 times took 126 s and printed 32,000 errors."""
    root = library(tmp_path / "lib", LIBRARY_BASE + "briefings:\n" + "  - b0\n" * times)
    started = time.monotonic()
    found = one_line(run_build("library", "--source", root, "--out", tmp_path / "out"), code, r"library\.yml:\d+")
    assert words in found
    assert time.monotonic() - started < 60


def test_init_refuses_a_dangling_link_and_a_path_under_a_file(tmp_path):
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    one_line(run_build("init", tmp_path / "dangling", cwd=tmp_path), "E857", r"\S+")
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    one_line(run_build("init", tmp_path / "afile" / "new", cwd=tmp_path), "E857", r"\S+")


def test_the_server_closes_an_idle_connection(tmp_path, monkeypatch):
    from press.serve import server

    monkeypatch.setattr(server, "IDLE_TIMEOUT", 1.0)
    (tmp_path / "index.html").write_text("<p>hi</p>", encoding="utf-8")
    httpd = server.start(tmp_path, 0)
    try:
        host, port = httpd.server_address[:2]
        started = time.monotonic()
        with socket.create_connection((host, port), timeout=10) as idle, \
                socket.create_connection((host, port), timeout=10) as half:
            half.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")   # headers that never finish
            for sock in (idle, half):
                sock.settimeout(10)
                while sock.recv(4096):   # until the server closes it (b"")
                    pass
        assert time.monotonic() - started < 8
    finally:
        httpd.shutdown()
        httpd.server_close()
