"""The command line: help everywhere, no-change rebuilds, clean."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, build_ok, run_build


@pytest.mark.parametrize("command", [[], ["all"], ["pdf"], ["epub"], ["clean"]])
def test_help_on_every_command(command):
    result = run_build(*command, "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout


def test_second_build_with_nothing_changed_does_no_work(tmp_path):
    out = tmp_path / "out"
    first = build_ok("pdf", "--source", FIXTURES / "features", "--out", out)
    pdf = next(out.glob("*.pdf"))
    mtime = pdf.stat().st_mtime_ns
    second = build_ok("pdf", "--source", FIXTURES / "features", "--out", out)
    assert "up to date" in second.stdout and "up to date" not in first.stdout
    assert pdf.stat().st_mtime_ns == mtime
    # Changing a source rebuilds; deleting the output rebuilds.
    pdf.unlink()
    assert "up to date" not in build_ok("pdf", "--source", FIXTURES / "features", "--out", out).stdout


def test_clean_removes_the_outputs(tmp_path):
    out = tmp_path / "out"
    build_ok("pdf", "--source", FIXTURES / "features", "--out", out)
    result = build_ok("clean", "--out", out)
    assert not out.exists() and "removed" in result.stdout
