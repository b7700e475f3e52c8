#!/usr/bin/env python3
"""The library at scale: part of `make bench` (tests/benchmarks/engines.py calls `run`), or alone:
`.venv/bin/python tests/benchmarks/library_bench.py [--briefings 200] [--runs 3] [--json FILE]`.

On a library of N generated briefings (tests/library_gen.py, plus N/20 French translations;
written to a scratch folder, never committed):
  1. a full build with --jobs 1, then (into a fresh folder) with --jobs 2;
  2. a no-change rebuild (whole process: `python build.py library`);
  3. an edit to one section of one briefing: the library rebuild, against that briefing's own
     incremental build after the same kind of edit (`python build.py all` on the briefing alone);
  4. the peak memory (max RSS) of the parent process, for N and for N/10 briefings: the
     workers are separate processes, so this is what grows, or not, with the library's size.
Each build runs in its own process, as a user runs it. Prints a table with the targets; the
load average is printed too, since the machine may be shared.
"""

from __future__ import annotations

import argparse
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

# Runs build_library in a fresh process and reports its time and the parent's peak memory.
MEASURE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from press.library.library_build import build_library
started = time.perf_counter()
result = build_library({source!r}, {out!r}, jobs={jobs})
print(json.dumps({{"seconds": time.perf_counter() - started, "built": len(result.built), "failed": len(result.failed),
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
# The targets: (comparison, value, unit).
TARGETS = {"speed-up": (">=", 1.8, "x"), "no-change": ("<=", 2.0, "s"), "edit-ratio": ("<=", 1.2, "x")}


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


def median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def run(count: int = 200, runs: int = 3, log=print) -> dict:
    """Every figure of the library's rows, with its target and verdict."""
    scratch = Path(tempfile.mkdtemp(prefix="press-library-bench-"))
    try:
        source = make_library(scratch / "lib", count=count, translations=count // 20)
        total = count + count // 20
        log(f"library of {total} briefings; {os.cpu_count()} cores; load average before: "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        one = measure(source, scratch / "out1", 1)
        log(f"full build --jobs 1: {one['seconds']:7.1f} s  (parent peak {one['maxrss_mb']:.0f} MB)")
        two = measure(source, scratch / "out2", 2)
        log(f"full build --jobs 2: {two['seconds']:7.1f} s  (parent peak {two['maxrss_mb']:.0f} MB)  "
            f"speed-up {one['seconds'] / two['seconds']:.2f}x")
        out = scratch / "out2"
        no_change = median([whole("library", "--source", str(source), "--out", str(out)) for _ in range(runs)])
        log(f"no-change rebuild (whole process, median of {runs}): {no_change:5.2f} s")

        folder = source / f"b{min(7, count - 1):03d}"
        section = folder / "sections" / "01-first.md"
        alone = scratch / "alone"
        whole("all", "--source", str(folder), "--out", str(alone))
        lib_times, alone_times = [], []
        for n in range(runs):
            edit(section, n)
            lib_times.append(whole("library", "--source", str(source), "--out", str(out)))
            alone_times.append(whole("all", "--source", str(folder), "--out", str(alone)))
        lib_edit, alone_edit = median(lib_times), median(alone_times)
        log(f"one-briefing edit: library current in {lib_edit:5.2f} s; that briefing alone {alone_edit:5.2f} s "
            f"(ratio {lib_edit / alone_edit:.2f})")

        small_count = max(1, count // 10)
        small = make_library(scratch / "small", count=small_count, translations=small_count // 20)
        small_run = measure(small, scratch / "out-small", 2)
        log(f"parent peak memory: {small_run['maxrss_mb']:.0f} MB for {small_count + small_count // 20} briefings, "
            f"{two['maxrss_mb']:.0f} MB for {total}")
        log(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        figures = {
            "briefings": total, "jobs1_s": one["seconds"], "jobs2_s": two["seconds"],
            "speed-up": one["seconds"] / two["seconds"], "no-change": no_change,
            "edit_library_s": lib_edit, "edit_alone_s": alone_edit, "edit-ratio": lib_edit / alone_edit,
            "parent_peak_mb": two["maxrss_mb"], "parent_peak_mb_small": small_run["maxrss_mb"],
            "small_briefings": small_count + small_count // 20,
        }
        figures["verdicts"] = {key: ("met" if (figures[key] >= value if op == ">=" else figures[key] <= value)
                                     else "missed") for key, (op, value, _) in TARGETS.items()}
        return figures
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def print_rows(figures: dict) -> None:
    n = figures["briefings"]
    rows = [
        (f"library of {n}: full build --jobs 1", f"{figures['jobs1_s']:.1f} s", ""),
        (f"library of {n}: full build --jobs 2", f"{figures['jobs2_s']:.1f} s",
         f"{figures['speed-up']:.2f}x (>= 1.8x) {figures['verdicts']['speed-up']}"),
        (f"library of {n}: no-change rebuild", f"{figures['no-change']:.2f} s",
         f"(<= 2 s) {figures['verdicts']['no-change']}"),
        (f"library of {n}: one edit vs that briefing alone",
         f"{figures['edit_library_s']:.2f} s / {figures['edit_alone_s']:.2f} s",
         f"{figures['edit-ratio']:.2f}x (<= 1.2x) {figures['verdicts']['edit-ratio']}"),
        ("library: parent peak memory", f"{figures['parent_peak_mb_small']:.0f} MB ({figures['small_briefings']}) / "
                                        f"{figures['parent_peak_mb']:.0f} MB ({n})", "flat"),
    ]
    for what, now, target in rows:
        print(f"{what:<48} {now:>24}  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, help=argparse.SUPPRESS)  # the older positional form
    parser.add_argument("--briefings", type=int, default=200, help="English briefings generated (plus 1 in 20 translated)")
    parser.add_argument("--runs", type=int, default=3, help="runs of the no-change and edit measures (medians)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    figures = run(args.count or args.briefings, args.runs, log=lambda line: print(line, flush=True))
    print()
    print_rows(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
