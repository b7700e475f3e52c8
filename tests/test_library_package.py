"""`pip install .` gives a `press` command that works outside the checkout, templates and styles included."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT
from library_gen import make_library

pytestmark = pytest.mark.slow  # pip installs the package and builds a library


def test_installed_press_builds_a_library_outside_the_checkout(tmp_path):
    target = tmp_path / "installed"
    install = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                              str(ROOT)], capture_output=True, text=True, timeout=600)
    assert install.returncode == 0, install.stderr
    assert (target / "press" / "templates" / "library" / "index.html.j2").is_file()
    assert (target / "press" / "styles" / "library.css").is_file()
    env = {**os.environ, "PYTHONPATH": str(target)}
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = subprocess.run([sys.executable, "-c", "import press.render.templating as t; print(t.TEMPLATES_DIR)"],
                           capture_output=True, text=True, env=env, cwd=work)
    assert where.stdout.strip() == str(target / "press" / "templates")
    make_library(work / "lib", count=1, translations=0)
    result = subprocess.run([str(target / "bin" / "press"), "library", "--source", "lib", "--out", "site", "--jobs", "1"],
                            capture_output=True, text=True, env=env, cwd=work, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (work / "site" / "briefing-000-on-the-sahel" / "briefing-000-on-the-sahel.epub").is_file()
    assert (work / "site" / "opds" / "index.xml").is_file() and (work / "site" / "pagefind").is_dir()
