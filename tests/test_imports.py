"""Each command imports only what it needs (docs/developers.md, "Lazy imports"): read off the real CLI's
`python -X importtime` report, which names every module the process imported."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ARTICLE_SOURCE, ROOT

HEAVY = ("weasyprint", "ebooklib", "fontTools", "PIL", "citeproc", "lxml", "jinja2", "markdown_it", "docx")


def imported(*args, **env) -> set[str]:
    """The top-level packages `python build.py ARGS` imported, render included (in process)."""
    result = subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "build.py"), *map(str, args)],
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "PRESS_RENDER_IN_PROCESS": "1", **env})
    assert result.returncode == 0, result.stderr[-3000:]
    names = re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", result.stderr, re.M)
    assert "press.report.cli_output" in names  # the report is there
    return {name.split(".")[0] for name in names}


def test_epub_build_never_imports_weasyprint(tmp_path):
    modules = imported("epub", "--source", ARTICLE_SOURCE, "--out", tmp_path)
    assert (tmp_path / "understanding-peacekeeping-in-mali.epub").is_file()
    assert "ebooklib" in modules
    assert "weasyprint" not in modules


def test_all_with_nothing_to_do_imports_no_writer(article_out):
    modules = imported("all", "--source", ARTICLE_SOURCE, "--out", article_out)
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_help_imports_no_writer():
    modules = imported("--help")
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
