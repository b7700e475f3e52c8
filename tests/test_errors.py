"""Bad sources: one line per problem naming file and line, exit status 1, and the last good PDF kept."""

from __future__ import annotations

import pytest

from conftest import FIXTURES, build_ok, run_build

pytestmark = pytest.mark.slow  # each builds the PDF, then the failing build


@pytest.fixture
def built(copy_fixture, tmp_path):
    """A fixture briefing copied to a scratch folder and built once: (source, out, pdf bytes)."""
    source = copy_fixture("features")
    out = tmp_path / "out"
    build_ok("pdf", "--source", source, "--out", out)
    pdf = next(out.glob("*.pdf"))
    return source, out, pdf.read_bytes()


def fails_cleanly(source, out, good: bytes) -> str:
    result = run_build("pdf", "--source", source, "--out", out)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    pdfs = list(out.glob("*.pdf"))
    assert len(pdfs) == 1 and pdfs[0].read_bytes() == good, "the previous PDF was changed"
    assert not [p for p in out.iterdir() if p.name.startswith(".press-tmp-")]
    return result.stderr.strip()


def manifest(source):
    return source / "briefing.yml"


def test_missing_manifest(built):
    source, out, good = built
    manifest(source).unlink()
    message = fails_cleanly(source, out, good)
    assert message.split(": ")[0].endswith("briefing.yml") and "no briefing.yml found" in message


def test_yaml_syntax_error_names_the_line(built):
    source, out, good = built
    text = manifest(source).read_text().replace("language: en", "language: [en")
    manifest(source).write_text(text)
    message = fails_cleanly(source, out, good)
    assert "briefing.yml:" in message and "invalid YAML" in message
    assert len(message.splitlines()) == 1


def test_every_manifest_problem_is_reported_in_one_run(built):
    source, out, good = built
    manifest(source).write_text(
        "title: [a, b]\nlanguage: english!\nsections: sections/01-first.md\ndate: soon\n")
    lines = fails_cleanly(source, out, good).splitlines()
    assert any("briefing.yml:1: E103: 'title' must be text, not a list" in line for line in lines)
    assert any("briefing.yml:2: E103: 'language' must be a BCP 47 tag" in line for line in lines)
    assert any("briefing.yml:3: E103: 'sections' must be a list" in line for line in lines)
    assert any("briefing.yml:4: E103: 'date' must be an ISO date" in line for line in lines)
    assert any("missing required key 'disclaimer'" in line for line in lines)
    assert len(lines) == 5


def test_refuses_to_publish_without_a_disclaimer(built):
    source, out, good = built
    text = manifest(source).read_text()
    text = text.replace("  🛠️ Fixture disclaimer: this briefing exists only for the tests.\n", "")
    manifest(source).write_text(text.replace("disclaimer: |\n", "disclaimer: \"  \"\n"))
    message = fails_cleanly(source, out, good)
    assert "briefing.yml:8: E104: 'disclaimer' must not be empty" in message


def test_missing_section_file_names_the_manifest_line(built):
    source, out, good = built
    (source / "sections" / "02-second.md").unlink()
    message = fails_cleanly(source, out, good)
    assert "briefing.yml:12: E106: section file 'sections/02-second.md' does not exist\n" in message
    # The build applies check's rules, so the link to the missing section is reported too (the
    # first problem of each section file; `check` lists them all).
    assert message.endswith("01-first.md:6: E302: link to '02-second.md', which is not a section of this briefing")


def test_section_that_is_not_utf8(built):
    source, out, good = built
    (source / "sections" / "02-second.md").write_bytes(b"# Second Section\n\nCaf\xe9 latin-1\n")
    message = fails_cleanly(source, out, good)
    assert "02-second.md:3: E201: not UTF-8 text (invalid byte 0xe9): it looks like Windows-1252 (Latin-1): re-save it as UTF-8" in message


def test_empty_section(built):
    source, out, good = built
    (source / "sections" / "02-second.md").write_text("\n  \n")
    assert fails_cleanly(source, out, good).endswith("02-second.md:1: E202: section is empty")


def test_section_without_a_title_heading(built):
    source, out, good = built
    (source / "sections" / "02-second.md").write_text("Just text.\n\n## Sub\n")
    assert "02-second.md:1: E203: a section must start with its title" in fails_cleanly(source, out, good)


def test_problems_in_several_files_are_all_reported(built):
    source, out, good = built
    (source / "sections" / "01-first.md").write_text("")
    (source / "sections" / "02-second.md").write_bytes(b"\xff")
    lines = fails_cleanly(source, out, good).splitlines()
    assert len(lines) == 2 and "01-first.md:1" in lines[0] and "02-second.md:1" in lines[1]


def test_link_to_a_missing_heading(built):
    source, out, good = built
    path = source / "sections" / "01-first.md"
    path.write_text(path.read_text().replace("02-second.md#the-data", "02-second.md#no-such-heading"))
    message = fails_cleanly(source, out, good)
    assert message.endswith("01-first.md:6: E303: link to '02-second.md#no-such-heading': "
                            "no heading with id 'no-such-heading' in 02-second.md")


def test_character_without_a_glyph_is_an_error_naming_it(built):
    source, out, good = built
    path = source / "sections" / "02-second.md"
    path.write_text(path.read_text() + "\nA private-use character \ue000 here.\n")
    message = fails_cleanly(source, out, good)
    assert "02-second.md:13: E401: no edition font can draw U+E000" in message


def test_missing_image(built):
    source, out, good = built
    (source / "images" / "chart.png").unlink()
    assert "02-second.md:5: E313: image '../images/chart.png' does not exist" in fails_cleanly(source, out, good)


def test_an_output_folder_that_cannot_be_made(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_build("pdf", "--source", FIXTURES / "features", "--out", blocker / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"{blocker / 'out'}: E858: Not a directory"


def test_a_heading_without_text(built):
    source, out, good = built
    (source / "sections" / "02-second.md").write_text("# \n\nText.\n")
    assert fails_cleanly(source, out, good).endswith("02-second.md:1: E209: heading has no text: "
                                                     "the contents and bookmarks need one")
