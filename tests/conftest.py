"""Shared test helpers: run the real CLI, build fixture briefings once per session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTICLE_SOURCE = ROOT / "source"


def run_build(*args: str, cwd: Path = ROOT, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python build.py ARGS` as a user would; return the finished process."""
    return subprocess.run([sys.executable, str(ROOT / "build.py"), *map(str, args)], cwd=cwd,
                          capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=600)


def build_ok(*args: str, **kwargs) -> subprocess.CompletedProcess:
    result = run_build(*args, **kwargs)
    assert result.returncode == 0, result.stderr + result.stdout
    return result


@pytest.fixture
def copy_fixture(tmp_path):
    """Copy a fixture briefing into a scratch folder, so a test may edit it."""
    def copy(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(FIXTURES / name, target, symlinks=True)
        return target
    return copy


@pytest.fixture(scope="session")
def article_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("article")
    build_ok("pdf", "--source", ARTICLE_SOURCE, "--out", out)
    return next(out.glob("*.pdf"))


@pytest.fixture(scope="session")
def features_pdf(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("features")
    build_ok("pdf", "--source", FIXTURES / "features", "--out", out)
    return next(out.glob("*.pdf"))
