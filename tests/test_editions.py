"""Editions are values, a briefing is the unit: the registry, per-edition options, state by briefing."""

from __future__ import annotations

import inspect
import json
import shutil
import subprocess
import sys

import pytest

from conftest import FIXTURES, ROOT, build_ok
from press.base import build_state, paper
from press.build import editions, pipeline
from press.model.manifest import PAPER_SIZES


def status(result) -> dict[str, str]:
    return {line.split()[0]: ("up to date" if line.endswith("up to date") else "rebuilt")
            for line in result.stdout.splitlines() if line.split() and line.split()[0] in editions.EDITIONS}


def test_every_edition_is_a_record_with_its_render_function():
    for edition in editions.EDITIONS.values():
        assert callable(edition.render)
        params = inspect.signature(editions.writer(edition.render.args[0])).parameters  # the named writer
        assert ("downloads" in params) == edition.is_folder
        assert set(edition.options) <= {"paper"}
    assert editions.EDITIONS["pdf"].options == ("paper",)
    assert editions.EDITIONS["epub"].options == editions.EDITIONS["html"].options == ()
    assert tuple(paper.SIZES) == PAPER_SIZES
    assert pipeline.EDITIONS is editions.EDITIONS


@pytest.mark.slow
def test_paper_rebuilds_only_the_editions_that_use_it(tmp_path):
    source, out = FIXTURES / "features", tmp_path / "out"
    build_ok("all", "--source", source, "--out", out)
    epub = next(out.glob("*.epub"))
    mtime = epub.stat().st_mtime_ns
    again = status(build_ok("all", "--source", source, "--out", out, "--paper", "letter"))
    assert again == {"pdf": "rebuilt", "epub": "up to date", "docx": "up to date", "html": "rebuilt"}
    assert epub.stat().st_mtime_ns == mtime
    # Each paper size is a file of its own: the Letter build did not overwrite the A4 one.
    assert sorted(p.name for p in out.glob("*.pdf")) == ["features-edge-cases-letter.pdf",
                                                         "features-edge-cases.pdf"]
    # The manifest's paper given on the command line is no change at all.
    same = status(build_ok("all", "--source", source, "--out", out, "--paper", "letter"))
    assert set(same.values()) == {"up to date"}


def test_an_epub_build_does_not_import_weasyprint(tmp_path):
    code = ("import sys; from press.build import pipeline; "
            f"pipeline.build({str(FIXTURES / 'features')!r}, {str(tmp_path / 'out')!r}, ['epub']); "
            "print('weasyprint' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.slow
def test_two_briefings_in_one_folder_keep_their_own_state_and_files(tmp_path):
    one = FIXTURES / "features"
    two = tmp_path / "two"
    shutil.copytree(one, two)
    text = (two / "briefing.yml").read_text(encoding="utf-8")
    (two / "briefing.yml").write_text(text.replace('title: "Features & Edge Cases"', "title: Second Briefing"),
                                      encoding="utf-8")
    out = tmp_path / "out"
    build_ok("pdf", "--source", one, "--out", out)
    build_ok("pdf", "--source", two, "--out", out)
    first, second = out / "features-edge-cases.pdf", out / "second-briefing.pdf"
    assert first.is_file() and second.is_file()
    state = json.loads((out / build_state.STATE_NAME).read_text())
    assert set(state["briefings"]) == {"features-edge-cases", "second-briefing"}
    # Neither build disturbs the other: both are up to date, nothing is rewritten.
    mtimes = first.stat().st_mtime_ns, second.stat().st_mtime_ns
    assert status(build_ok("pdf", "--source", one, "--out", out)) == {"pdf": "up to date"}
    assert status(build_ok("pdf", "--source", two, "--out", out)) == {"pdf": "up to date"}
    assert (first.stat().st_mtime_ns, second.stat().st_mtime_ns) == mtimes


def test_the_manifest_is_read_once_per_build(tmp_path, monkeypatch):
    from press.model import manifest as manifest_module
    from press.source import source as source_module

    calls = []
    real = manifest_module.load_manifest

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "load_manifest", counting)
    monkeypatch.setattr(source_module, "load_manifest", counting)
    pipeline.build(FIXTURES / "features", tmp_path / "out", ["epub"])
    assert len(calls) == 1
