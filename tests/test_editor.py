"""The editor's experience (issue 12): tests that do not depend on source/, `init`, options anywhere."""

from __future__ import annotations

import re

import pytest

from conftest import ARTICLE_SOURCE, FIXTURES, ROOT

pytestmark = pytest.mark.slow  # init, then every edition and check


def test_no_test_reads_the_sample_briefing_in_source():
    """An editor may rename a heading in source/: `make test` reads fixture copies only."""
    offenders = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if re.search(r"ROOT\s*/\s*[\"']source[\"']", text):
            offenders.append(path.name)
    assert offenders == []
    assert ARTICLE_SOURCE == FIXTURES / "mali"
    assert (ARTICLE_SOURCE / "briefing.yml").is_file()


# --- init -------------------------------------------------------------------------------

def test_init_makes_a_briefing_that_builds_and_checks_clean(tmp_path):
    import subprocess

    from conftest import build_ok, run_build
    from pypdf import PdfReader

    folder = tmp_path / "my-briefing"
    result = subprocess.run(["make", "-s", "init", f"DIR={folder}"], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"make pdf SOURCE={folder}" in result.stdout
    manifest = (folder / "briefing.yml").read_text(encoding="utf-8")
    # Every key, the required ones first, each with a comment.
    import yaml
    from press.model.manifest import OPTIONAL, REQUIRED
    required_at = [manifest.index(f"\n{key}:") for key in REQUIRED]
    assert required_at == sorted(required_at)
    for key in OPTIONAL:
        assert f"# {key}:" in manifest, key
    assert list(yaml.safe_load(manifest)) == list(REQUIRED)
    sections = "".join(p.read_text(encoding="utf-8") for p in sorted((folder / "sections").glob("*.md")))
    for shown in ("\n## ", "[^source]", "|---|", "![Bar chart", "](https://", "](02-findings.md#"):
        assert shown in sections, shown
    assert (folder / "images" / "chart.svg").read_text(encoding="utf-8").startswith("<svg")

    # Options before the command, as well as after.
    build_ok("--source", folder, "--out", tmp_path / "out", "all")
    check = run_build("check", "--strict", "--source", folder, "--out", tmp_path / "out")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "0 error(s), 0 warning(s)" in check.stderr
    text = " ".join(page.extract_text() for page in PdfReader(tmp_path / "out" / "a-new-briefing.pdf").pages)
    assert "Projects by region" in text and "Why this briefing exists" in text


def test_init_refuses_to_overwrite_anything(tmp_path):
    from conftest import run_build

    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_build("init", folder)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"{folder}: E857: this exists and is not empty: `init` never overwrites anything; name a new folder"]
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_source_and_out_are_accepted_before_or_after_the_command(tmp_path):
    from conftest import build_ok

    before = build_ok("--source", FIXTURES / "features", "--out", tmp_path / "a", "pdf")
    after = build_ok("pdf", "--source", FIXTURES / "features", "--out", tmp_path / "b")
    assert (tmp_path / "a" / "features-edge-cases.pdf").read_bytes() == \
        (tmp_path / "b" / "features-edge-cases.pdf").read_bytes()
    assert "features-edge-cases.pdf" in before.stdout and "features-edge-cases.pdf" in after.stdout
