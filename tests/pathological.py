"""Pathological briefings, generated (never committed), and a timed, memory-measured build.

`python tests/pathological.py` builds every case and prints the table README.md quotes;
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


def write(root: Path, sections: list[str]) -> Path:
    (root / "sections").mkdir(parents=True, exist_ok=True)
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
    "10 MB section": (lambda: [prose(10 * 1024 * 1024)], 1, "s0000.md:1: section is 10.0 MB; the limit is 1.0 MB"),
    "2,000 sections": (lambda: [f"# Section {i}\n\nText.\n" for i in range(2000)], 1,
                       "briefing.yml:5: 'sections' lists 2000 files; the limit is 500"),
    "200-level nested lists": (lambda: [nested_list(200)], 1,
                               "s0000.md:19: lists and quotes are nested more than 16 levels deep"),
    "200-level nested quotes": (lambda: [nested_quote(200)], 1,
                                "s0000.md:3: lists and quotes are nested more than 16 levels deep"),
    "5,000-column table": (lambda: [table(5000)], 1, "s0000.md:3: table has 5000 columns; the limit is 64"),
    "1 MB line without spaces": (lambda: ["# Line\n\n" + "x" * 1_000_000 + "\n"], 0, ""),
    "3 sections of 1 MB": (lambda: [prose(1000 * 1024, f"Part {i}") for i in range(3)], 1,
                           "s0002.md:1: the sections hold more than 2.0 MB of text together"),
    # At the bounds: these build.
    "16-level nested lists": (lambda: [nested_list(16)], 0, ""),
    "16-level nested quotes": (lambda: [nested_quote(16)], 0, ""),
    "64-column table": (lambda: [table(64)], 0, ""),
}
SLOW = {  # at the bounds, minutes: measured by this script, not in the test suite
    "1 MB section": (lambda: [prose(1000 * 1024)], 0, ""),
    "500 sections": (lambda: [f"# Section {i}\n\n" + PROSE for i in range(500)], 0, ""),
    "2 MB in 2 sections": (lambda: [prose(1000 * 1024, f"Part {i}") for i in range(2)], 0, ""),
}

_MEASURE = """
import resource, runpy, sys, time
sys.argv = ["build.py"] + sys.argv[1:]
started = time.perf_counter()
try:
    runpy.run_path({build!r}, run_name="__main__")
finally:
    print("MEASURE", time.perf_counter() - started,
          resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def measure(source: Path, out: Path, timeout: float = 600) -> tuple[subprocess.CompletedProcess, float, int]:
    """Build `source`; return the process, its wall time in seconds and its peak memory in MB."""
    code = _MEASURE.format(build=str(ROOT / "build.py"))
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, "pdf", "--force", "--source", str(source),
                             "--out", str(out)], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    seconds = time.perf_counter() - started
    line = next((l for l in result.stderr.splitlines() if l.startswith("MEASURE")), "MEASURE 0 0")
    result.stderr = "\n".join(l for l in result.stderr.splitlines() if not l.startswith("MEASURE"))
    return result, seconds, int(line.split()[2]) // 1024


if __name__ == "__main__":
    import tempfile

    rows = {}
    for name, (make, status, _) in {**CASES, **SLOW}.items():
        if len(sys.argv) > 1 and name not in sys.argv[1:]:
            continue
        with tempfile.TemporaryDirectory() as tmp:
            source = write(Path(tmp) / "src", make())
            result, seconds, mb = measure(source, Path(tmp) / "out")
        outcome = "builds" if result.returncode == 0 else result.stderr.strip().splitlines()[-1].split("/")[-1]
        rows[name] = (result.returncode, round(seconds, 1), mb, outcome)
        print(f"| {name} | {outcome} | {seconds:.1f} s | {mb} MB |", flush=True)
    json.dump(rows, sys.stderr)
