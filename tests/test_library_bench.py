"""The library's bench rows (tests/benchmarks/library_bench.py, run by `make bench` through
engines.py), at a tiny scale: the script runs end to end and reports every row. Timings are
not checked here (they mean something only on a quiet machine, at full scale)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow  # a library benchmark


def test_the_library_bench_runs_at_a_tiny_scale(tmp_path):
    figures = tmp_path / "library.json"
    result = subprocess.run([sys.executable, "tests/benchmarks/library_bench.py", "--briefings", "2", "--runs", "1",
                             "--json", str(figures)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    data = json.loads(figures.read_text())
    assert data["briefings"] == 2
    for key in ("jobs1_s", "jobs2_s", "speed-up", "no-change", "edit_library_s", "edit_alone_s", "edit-ratio",
                "parent_peak_mb", "parent_peak_mb_small"):
        assert data[key] > 0, key
    assert set(data["verdicts"]) == {"speed-up", "no-change", "edit-ratio"}
    for row in ("full build --jobs 1", "full build --jobs 2", "no-change rebuild", "one edit", "parent peak memory"):
        assert row in result.stdout, row


def test_make_bench_runs_the_library_rows():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nbench:", 1)[1].split("\n\n", 1)[0]
    assert "engines.py --library 200" in recipe
    help_text = subprocess.run([sys.executable, "tests/benchmarks/engines.py", "--help"], cwd=ROOT,
                               capture_output=True, text=True, timeout=60).stdout
    assert "--library" in help_text
