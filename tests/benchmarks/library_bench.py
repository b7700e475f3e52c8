#!/usr/bin/env python3
"""Measure a library build on this machine: `make bench` (or `.venv/bin/python tests/benchmarks/library_bench.py 200`).

On a library of N generated briefings (tests/library_gen.py; written to a scratch folder,
never committed):
  1. a full build with --jobs 1, then (into a fresh folder) with --jobs 2;
  2. a no-change rebuild (whole process: `python build.py library`);
  3. an edit to one section of one briefing: the library rebuild, against that briefing's own
     incremental build after the same kind of edit (`python build.py all` on the briefing alone);
  4. the peak memory (max RSS) of the parent process, for N and for N/10 briefings: the
     workers are separate processes, so this is what grows, or not, with the library's size.
Each build runs in its own process, as a user runs it. Prints a table; the load average is
printed too, since the machine may be shared.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from library_gen import make_library  # noqa: E402

COUNT = int(sys.argv[1]) if len(sys.argv) > 1 else 200
# Runs build_library in a fresh process and reports its time and the parent's peak memory.
MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from press.library_build import build_library
started = time.perf_counter()
result = build_library({source!r}, {out!r}, jobs={jobs})
print(json.dumps({{"seconds": time.perf_counter() - started, "built": len(result.built), "failed": len(result.failed),
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def measure(source: Path, out: Path, jobs: int) -> dict:
    code = MEASURE.format(root=str(ROOT), source=str(source), out=str(out), jobs=jobs)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def whole(*args: str) -> float:
    started = time.perf_counter()
    result = subprocess.run([sys.executable, str(ROOT / "build.py"), *args], capture_output=True, text=True, cwd=ROOT)
    if result.returncode != 0:
        raise SystemExit(result.stderr)
    return time.perf_counter() - started


def edit(section: Path, n: int) -> None:
    section.write_text(section.read_text(encoding="utf-8") + f"\nAn edit, number {n}.\n", encoding="utf-8")


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="press-library-bench-"))
    try:
        source = make_library(scratch / "lib", count=COUNT, translations=COUNT // 20)
        print(f"library of {COUNT + COUNT // 20} briefings; {os.cpu_count()} cores; load average before: "
              f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        one = measure(source, scratch / "out1", 1)
        print(f"full build --jobs 1: {one['seconds']:7.1f} s  (parent peak {one['maxrss_mb']:.0f} MB)", flush=True)
        two = measure(source, scratch / "out2", 2)
        print(f"full build --jobs 2: {two['seconds']:7.1f} s  (parent peak {two['maxrss_mb']:.0f} MB)  "
              f"speed-up {one['seconds'] / two['seconds']:.2f}x", flush=True)
        out = scratch / "out2"
        no_change = sorted(whole("library", "--source", str(source), "--out", str(out)) for _ in range(3))[1]
        print(f"no-change rebuild (whole process, median of 3): {no_change:5.2f} s", flush=True)

        section = source / "b007" / "sections" / "01-first.md"
        alone = scratch / "alone"
        whole("all", "--source", str(source / "b007"), "--out", str(alone))
        lib_times, alone_times = [], []
        for n in range(3):
            edit(section, n)
            lib_times.append(whole("library", "--source", str(source), "--out", str(out)))
            alone_times.append(whole("all", "--source", str(source / "b007"), "--out", str(alone)))
        lib_edit, alone_edit = sorted(lib_times)[1], sorted(alone_times)[1]
        print(f"one-briefing edit: library current in {lib_edit:5.2f} s; that briefing alone {alone_edit:5.2f} s "
              f"(ratio {lib_edit / alone_edit:.2f})", flush=True)

        small = make_library(scratch / "small", count=COUNT // 10, translations=COUNT // 200)
        small_run = measure(small, scratch / "out-small", 2)
        print(f"parent peak memory: {small_run['maxrss_mb']:.0f} MB for {COUNT // 10 + COUNT // 200} briefings, "
              f"{two['maxrss_mb']:.0f} MB for {COUNT + COUNT // 20}", flush=True)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
