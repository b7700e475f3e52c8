#!/usr/bin/env python3
"""Measure the editor's loop on this machine: `make bench` (or `.venv/bin/python tests/benchmarks/editor_loop.py`).

On a copy of the project and of the briefing in source/ (nothing in the worktree is touched):
  1. a no-change `python build.py all`, as a whole process (median of N runs);
  2. inside one `watch` process, from the moment a file is saved to the line saying the
     editions are rebuilt (their files renamed into place), median of N edits, for
     an edit to one section (every edition), to styles/web.css (the web edition only) and to
     styles/print.css (the PDF, and the page that offers it); with each edition's render time.
"""

from __future__ import annotations

import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))
from live import Command  # noqa: E402

RUNS = 5  # `editor_loop.py N` sets it (read in main, so that engines.py can import this module)


def copy_project(into: Path) -> Path:
    project = into / "project"
    project.mkdir()
    shutil.copy2(ROOT / "build.py", project)
    for folder in ("press", "templates", "styles", "source"):
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return project


def no_change(project: Path) -> list[float]:
    command = [sys.executable, str(project / "build.py"), "all"]
    subprocess.run(command, cwd=project, check=True, capture_output=True, timeout=300)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        result = subprocess.run(command, cwd=project, check=True, capture_output=True, text=True, timeout=300)
        times.append(time.perf_counter() - started)
        assert "everything is up to date" in result.stdout, result.stdout
    return times


def edits(project: Path) -> dict[str, dict[str, list[float]]]:
    section = project / "source" / "sections" / "04-challenges.md"
    scenarios = {
        "one section": (section, lambda n: f"\nA sentence added by the benchmark, edit {n}.\n"),
        "styles/web.css": (project / "styles" / "web.css", lambda n: f"\n.bench-{n} {{ color: #00{n:04d}; }}\n"),
        "styles/print.css": (project / "styles" / "print.css", lambda n: f"\nh1 {{ word-spacing: 0.0{n + 1}em; }}\n"),
    }
    figures: dict[str, dict[str, list[float]]] = {}
    with Command("watch", "--no-serve", build_py=project / "build.py", cwd=project) as watch:
        watch.wait_for("^watching ", 120)
        for name, (path, text) in scenarios.items():
            figures[name] = {"total": []}
            for n in range(RUNS):
                time.sleep(0.3)
                mark = watch.mark()
                original = path.read_text(encoding="utf-8")
                started = time.perf_counter()
                path.write_text(original + text(n), encoding="utf-8")
                done = watch.wait_for(r"^rebuilt (.*) in [\d.]+ s$", 60, since=mark)
                figures[name]["total"].append(time.perf_counter() - started)
                for line in watch.lines[mark:]:
                    if found := re.match(r"^  rebuilt (\w+) .* ([\d.]+) s$", line):
                        figures[name].setdefault(found.group(1), []).append(float(found.group(2)))
                figures[name]["editions"] = done.group(1)
    return figures


def main() -> None:
    global RUNS
    RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else RUNS
    with tempfile.TemporaryDirectory() as scratch:
        project = copy_project(Path(scratch))
        times = no_change(project)
        print(f"no-change `build.py all`, whole process: median {statistics.median(times):.3f} s "
              f"of {RUNS} ({', '.join(f'{t:.3f}' for t in times)})")
        for name, figures in edits(project).items():
            total = statistics.median(figures.pop("total"))
            editions = figures.pop("editions")
            renders = ", ".join(f"{e} render {statistics.median(v):.3f} s" for e, v in figures.items())
            print(f"watch, edit to {name}: rebuilt {editions}; save -> rebuilt median {total:.3f} s ({renders})")


if __name__ == "__main__":
    main()
