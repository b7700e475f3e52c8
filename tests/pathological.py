"""Pathological briefings, generated (never committed), and a timed, memory-measured build.

`python tests/pathological.py` builds every case and prints the table docs/safety-and-limits.md quotes;
tests/test_robustness.py runs the same cases (the slow at-the-bound ones excepted).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROSE = ("Peacekeepers patrol the roads between the towns, and the mission reports each week "
         "on what they found there. ") * 8 + "\n\n"


def write(root: Path, sections: list[str] | tuple[list[str], dict[str, bytes]]) -> Path:
    """A briefing of `sections`; with (sections, files), also the files (images) it refers to."""
    sections, files = sections if isinstance(sections, tuple) else (sections, {})
    (root / "sections").mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (root / name).write_bytes(data)
    listing = []
    for i, text in enumerate(sections):
        name = f"sections/s{i:04d}.md"
        (root / name).write_text(text, encoding="utf-8")
        listing.append(f"  - {name}\n")
    (root / "briefing.yml").write_text("title: Pathological\nslug: pathological\nlanguage: en\n"
                                       "disclaimer: Generated for a test.\nsections:\n" + "".join(listing))
    return root


def prose(size: int, title: str = "Big") -> str:
    return f"# {title}\n\n" + PROSE * (size // len(PROSE))


def nested_list(depth: int) -> str:
    return "# Lists\n\n" + "".join("  " * i + f"- level {i + 1}\n" for i in range(depth))


def nested_quote(depth: int) -> str:
    return "# Quotes\n\n" + ">" * depth + " deep\n"


def table(columns: int) -> str:
    return ("# Table\n\n" + "|c" * columns + "|\n" + "|-" * columns + "|\n"
            + "|1" * columns + "|\n")


# name -> (sections, expected exit status, the message's tail when it fails)
CASES = {
    "10 MB section": (lambda: [prose(10 * 1024 * 1024)], 1, "s0000.md:1: E501: section is 10.0 MB; the limit is 1.0 MB"),
    "2,000 sections": (lambda: [f"# Section {i}\n\nText.\n" for i in range(2000)], 1,
                       "briefing.yml:5: E502: 'sections' lists 2000 files; the limit is 500"),
    "200-level nested lists": (lambda: [nested_list(200)], 1,
                               "s0000.md:19: E503: lists and quotes are nested more than 16 levels deep"),
    "200-level nested quotes": (lambda: [nested_quote(200)], 1,
                                "s0000.md:3: E503: lists and quotes are nested more than 16 levels deep"),
    "5,000-column table": (lambda: [table(5000)], 1, "s0000.md:3: E504: table has 5000 columns; the limit is 64"),
    "3 sections of 1 MB": (lambda: [prose(1000 * 1024, f"Part {i}") for i in range(3)], 1,
                           "s0002.md:1: E501: the sections hold more than 2.0 MB of text together"),
    # At the bounds: these build.
    "16-level nested lists": (lambda: [nested_list(16)], 0, ""),
    "16-level nested quotes": (lambda: [nested_quote(16)], 0, ""),
    "64-column table": (lambda: [table(64)], 0, ""),
}
SLOW = {  # at the bounds, minutes: measured by this script, not in the test suite
    # broken into lines (press/render/wordbreak.py), about 250 pages: as slow as a 1 MB section
    "1 MB line without spaces": (lambda: ["# Line\n\n" + "x" * 1_000_000 + "\n"], 0, ""),
    "1 MB section": (lambda: [prose(1000 * 1024)], 0, ""),
    "500 sections": (lambda: [f"# Section {i}\n\n" + PROSE for i in range(500)], 0, ""),
    "2 MB in 2 sections": (lambda: [prose(1000 * 1024, f"Part {i}") for i in range(2)], 0, ""),
}

# --- small sources that used to hang or eat memory (issue 13, defect 4) ------------------
# A case's `make` returns the sections, or (sections, {relative path: bytes}) to add files.


def png_palette(side: int) -> bytes:
    """A 1-bit palette PNG of side x side pixels: a few KB on disk, side² pixels once decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer, row = zlib.compressobj(9), b"\0" * (1 + (side + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 1, 3, 0, 0, 0))
            + chunk(b"PLTE", b"\0\0\0\xff\xff\xff") + chunk(b"IDAT", idat) + chunk(b"IEND", b""))


def svg_path(size: int) -> bytes:
    head = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><path d="M0 0'
    step = b" L1 1 L2 0"
    return head + step * (size // len(step)) + b'"/></svg>'


def figure(name: str) -> str:
    return f"# Figure\n\n![a figure](../{name} \"A figure\")\n"


HARD = {  # name -> (sections, expected exit status, the message's tail when it fails)
    "4,000 ## headings in one section": (
        lambda: ["# Headings\n\n" + "".join(f"## h{i}\n" for i in range(4000))], 1,
        "s0000.md:1002: E505: more than 1000 headings in the briefing; the limit is reached here"),
    "40,000 identical ## a headings": (
        lambda: ["# Same\n\n" + "## a\n" * 40000], 1,
        "s0000.md:1002: E505: more than 1000 headings in the briefing; the limit is reached here"),
    "one 8 KB word in a heading": (lambda: ["# Word\n\n## " + "peacekeeping" * 683 + "\n\nText.\n"], 0, ""),
    "one 100,000-character word": (lambda: ["# Word\n\n" + "peacekeeping" * 8334 + "\n"], 0, ""),
    "45,000 footnotes": (
        lambda: ["# Notes\n\n" + "".join(f"n[^{i}]\n" for i in range(45000)) + "\n"
                 + "".join(f"[^{i}]: x\n" for i in range(45000))], 1,
        "s0000.md:46004: E506: more than 1000 footnotes in the briefing; the limit is reached here"),
    "45,000 footnotes, one a paragraph": (
        lambda: ["# Notes\n\n" + "".join(f"n[^{i}]\n\n" for i in range(45000))
                 + "".join(f"[^{i}]: x\n" for i in range(45000))], 1,
        "s0000.md:91003: E506: more than 1000 footnotes in the briefing; the limit is reached here"),
    "60-column table of 8,500 rows": (
        lambda: ["# Table\n\n" + "|c" * 60 + "|\n" + "|-" * 60 + "|\n" + ("|1" * 60 + "|\n") * 8500], 1,
        "s0000.md:3: E507: 518622 '|' in one block: a table may have at most 10000 cells"),
    "50,000 '[ ' in a row": (lambda: ["# Brackets\n\n" + "[ " * 50000 + "\n"], 1,
                             "s0000.md:3: E508: a paragraph holds 50000 '['; the limit is 200"),
    "a link to a 30,000-character address": (
        lambda: ["# Link\n\n[x](https://example.org/" + "a" * 30000 + ")\n"], 1,
        "s0000.md:3: E510: a link or image address of 30020 characters; the limit is 2000"),
    "10,000 emoji joined by ZWJ": (lambda: ["# Emoji\n\n" + "\u200d".join(["\U0001f600"] * 10000) + "\n"], 1,
                                   "s0000.md:3: E509: more than 500 emoji in the briefing; the limit is reached here"),
}
IMAGES = {  # the images helper bounds these (issue 13): measured here, not asserted
    "50 MB SVG path": (lambda: ([figure("path.svg")], {"path.svg": svg_path(50 * 1024 * 1024)}), 0, ""),
    "palette PNG of 13,370² pixels": (lambda: ([figure("palette.png")], {"palette.png": png_palette(13370)}), 0, ""),
}
AT_BOUNDS = {  # the new bounds, reached: these build (minutes on a busy machine: not in the suite)
    "500 emoji joined by ZWJ": (lambda: ["# Emoji\n\n" + "\u200d".join(["\U0001f600"] * 500) + "\n"], 0, ""),
    "1,000 headings": (lambda: ["# Headings\n\n" + "".join(f"## h{i}\n" for i in range(999))], 0, ""),
    "1,000 footnotes": (lambda: ["# Notes\n\n" + "".join(f"n[^{i}]\n\n" for i in range(1000))
                                 + "".join(f"[^{i}]: x\n" for i in range(1000))], 0, ""),
    "a table of 10,000 cells": (lambda: ["# Table\n\n" + "|c" * 50 + "|\n" + "|-" * 50 + "|\n"
                                         + ("|1" * 50 + "|\n") * 199], 0, ""),
    "200 '[ ' in a paragraph of 100 KB": (lambda: ["# Brackets\n\n" + "[ " * 200 + "*a " * 33_000 + "\n"], 0, ""),
    "no '[' in a paragraph of 100 KB": (lambda: ["# Brackets\n\n" + "*a " * 33_133 + "\n"], 0, ""),
}


MEMORY_CAP = 3_000_000_000  # address space of a measured build: never starve the machine


def measure(source: Path, out: Path, timeout: float = 600, root: Path = ROOT, command: str = "pdf",
            env: dict | None = None, cpu: list | None = None) -> tuple[subprocess.CompletedProcess, float, int]:
    """Build `source`; return the process, its wall time in seconds and its peak memory in MB.

    `cpu`, a list, receives the process's CPU time (user + system): on a busy machine it
    says more than the wall time.

    The build runs under an address-space cap; past `timeout` it is killed and its return
    code is -9 (its time and memory so far are still reported).
    """
    import os
    import resource
    import tempfile

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))

    args = [sys.executable, str(root / "build.py"), command, "--source", str(source), "--out", str(out)]
    if command == "pdf":
        args.insert(3, "--force")
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        # The render in this process, not in press/budget's forked worker: its time and memory
        # are the build's own (the budget, the last line of defence, is tested on its own).
        process = subprocess.Popen(args, stdout=stdout, stderr=stderr, text=True, cwd=root, preexec_fn=cap,
                                   env={**os.environ, "PRESS_RENDER_IN_PROCESS": "1", **(env or {})})
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                process.kill()
                pid, status, usage = os.wait4(process.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if cpu is not None:
            cpu.append(usage.ru_utime + usage.ru_stime)
        stdout.seek(0)
        stderr.seek(0)
        result = subprocess.CompletedProcess(args, process.returncode, stdout.read(), stderr.read())
    return result, seconds, usage.ru_maxrss // 1024


def outcome(result: subprocess.CompletedProcess, seconds: float) -> str:
    if result.returncode == 0:
        return "builds"
    if result.returncode < 0:
        return f"killed at {seconds:.0f} s"
    lines = result.stderr.strip().splitlines() or ["(no message)"]
    if "Traceback" in result.stderr:
        return "traceback: " + lines[-1][:100]
    return lines[-1].split("/")[-1][:120]


if __name__ == "__main__":
    import argparse
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="cases to run (default: all)")
    parser.add_argument("--root", type=Path, default=ROOT, help="the project tree whose build.py to measure")
    parser.add_argument("--timeout", type=float, default=150)
    options = parser.parse_args()
    rows = {}
    for name, (make, status, _) in {**CASES, **SLOW, **HARD, **IMAGES, **AT_BOUNDS}.items():
        if options.names and name not in options.names:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            source = write(Path(tmp) / "src", make())
            cpu: list = []
            result, seconds, mb = measure(source, Path(tmp) / "out", options.timeout, options.root, cpu=cpu)
        rows[name] = (result.returncode, round(seconds, 1), round(cpu[0], 1), mb, outcome(result, seconds))
        print(f"| {name} | {rows[name][4]} | {seconds:.1f} s | {cpu[0]:.1f} s | {mb} MB |", flush=True)
    json.dump(rows, sys.stderr)
