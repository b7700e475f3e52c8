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
# The Mali briefing as the tests know it: a copy of source/, so that editing source/ never breaks
# `make test` (whether source/ is still publishable is `make check`'s job).
ARTICLE_SOURCE = FIXTURES / "mali"


@pytest.fixture(scope="session", autouse=True)
def isolated_cache(tmp_path_factory):
    """Builds keep their cache (press.base.diskcache) in a folder of this session, never the user's:
    the suite starts cold and never depends on what an earlier run left."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    os.environ.pop("PRESS_NO_CACHE", None)
    yield folder
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


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


def _build_all(tmp_path_factory, name: str, source: Path) -> Path:
    out = tmp_path_factory.mktemp(name)
    build_ok("all", "--source", source, "--out", out)
    return out


@pytest.fixture(scope="session")
def article_out(tmp_path_factory) -> Path:
    """Every edition of the real briefing, built once per test session."""
    return _build_all(tmp_path_factory, "article", ARTICLE_SOURCE)


@pytest.fixture(scope="session")
def features_out(tmp_path_factory) -> Path:
    """Every edition of the features fixture, built once per test session."""
    return _build_all(tmp_path_factory, "features", FIXTURES / "features")


@pytest.fixture(scope="session")
def article_pdf(article_out) -> Path:
    return next(article_out.glob("*.pdf"))


@pytest.fixture(scope="session")
def features_pdf(features_out) -> Path:
    return next(features_out.glob("*.pdf"))


@pytest.fixture(scope="session")
def article_epub(article_out) -> Path:
    return next(article_out.glob("*.epub"))


@pytest.fixture(scope="session")
def features_epub(features_out) -> Path:
    return next(features_out.glob("*.epub"))
