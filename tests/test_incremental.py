"""Incremental builds: content hashes decide what is rebuilt, and nothing else is written.

These tests edit templates, styles and the package's version, so they run a copy of the
project (build.py, press/, templates/, styles/) in a scratch folder.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow  # several builds each

SLUG = "features-edge-cases"


@pytest.fixture
def project(tmp_path):
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy2(ROOT / "build.py", copy)
    for folder in ("press", "templates", "styles"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(FIXTURES / "features", copy / "source")
    return copy


def build(project: Path, *args: str) -> dict[str, str]:
    """Run the copy's build.py; return each edition's status: 'rebuilt' or 'up to date'."""
    result = subprocess.run([sys.executable, str(project / "build.py"), *args], cwd=project,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr + result.stdout
    status = {}
    for line in result.stdout.splitlines():
        name, *_ = line.split()
        if name in ("pdf", "epub", "html"):
            status[name] = "up to date" if line.endswith("up to date") else "rebuilt"
    status["stdout"] = result.stdout
    return status


def files(out: Path) -> dict[str, tuple[int, int]]:
    """Every file of the output folder (but the lock) with its mtime and inode."""
    return {str(p.relative_to(out)): (p.stat().st_mtime_ns, p.stat().st_ino)
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != ".press.lock"}


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_a_second_build_with_nothing_changed_writes_nothing(project):
    first = build(project, "all")
    assert first["pdf"] == first["epub"] == first["html"] == "rebuilt"
    before = files(project / "build")
    assert {"html/index.html", f"html/{SLUG}.pdf", "html/images/chart.png", f"{SLUG}.pdf"} <= set(before)
    second = build(project, "all")
    assert second["pdf"] == second["epub"] == second["html"] == "up to date"
    assert "everything is up to date" in second["stdout"]
    assert files(project / "build") == before


def test_a_template_rebuilds_only_the_editions_that_use_it(project):
    build(project, "all")
    out = project / "build"
    before = files(out)

    append(project / "templates" / "web.html.j2", "<!-- web template edited -->\n")
    status = build(project, "all")
    assert (status["pdf"], status["epub"], status["html"]) == ("up to date", "up to date", "rebuilt")
    after = files(out)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"html/index.html", ".press-state.json"}

    # A style of the PDF that changes no byte of it: the PDF is rebuilt, the page is not.
    append(project / "styles" / "print.css", "\n/* a comment */\n")
    status = build(project, "all")
    assert (status["pdf"], status["epub"], status["html"]) == ("rebuilt", "up to date", "up to date")

    # A shared partial: both; the rebuilt PDF is copied again beside the page.
    before = files(out)
    append(project / "templates" / "_disclaimer.html.j2", "<p>Shared partial edited.</p>\n")
    status = build(project, "all")
    assert (status["pdf"], status["epub"], status["html"]) == ("rebuilt", "rebuilt", "rebuilt")
    after = files(out)
    assert after[f"{SLUG}.pdf"] != before[f"{SLUG}.pdf"] and after[f"html/{SLUG}.pdf"] != before[f"html/{SLUG}.pdf"]
    assert (out / f"{SLUG}.pdf").read_bytes() == (out / "html" / f"{SLUG}.pdf").read_bytes()
    assert after["html/images/chart.png"] == before["html/images/chart.png"]  # unchanged bytes: not rewritten


def test_html_alone_builds_the_editions_it_offers(project):
    status = build(project, "html")
    assert status["pdf"] == status["epub"] == status["html"] == "rebuilt"
    assert build(project, "pdf")["pdf"] == "up to date"


def test_the_package_version_and_a_removed_image_count(project):
    build(project, "all")
    init = project / "press" / "__init__.py"
    init.write_text(init.read_text().replace('__version__ = "', '__version__ = "9.'), encoding="utf-8")
    status = build(project, "all")
    assert status["pdf"] == status["epub"] == status["html"] == "rebuilt"

    # A section no longer uses the image: the page's copy of it is removed.
    section = project / "source" / "sections" / "02-second.md"
    section.write_text("\n".join(line for line in section.read_text().splitlines() if "chart.png" not in line),
                       encoding="utf-8")
    build(project, "all")
    assert not (project / "build" / "html" / "images").exists()


def test_quiet_and_verbose(project):
    quiet = subprocess.run([sys.executable, "build.py", "--quiet", "all"], cwd=project,
                           capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0 and quiet.stdout == "" and quiet.stderr == ""
    append(project / "templates" / "web.html.j2", "<!-- edited -->\n")
    verbose = subprocess.run([sys.executable, "build.py", "all", "--verbose"], cwd=project,
                             capture_output=True, text=True, timeout=300)
    assert verbose.returncode == 0
    for stage in ("check inputs", "load sources", "render html", "write"):
        assert stage in verbose.stdout, verbose.stdout
    assert "\r" not in verbose.stdout + verbose.stderr and "\033" not in verbose.stdout + verbose.stderr
