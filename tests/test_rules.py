"""Build and check are one rule set (issue 12): what `check` calls an error stops the build, what
it calls a warning the build prints, `--strict` makes warnings fatal in both. And the Markdown
every edition shares: comments dropped, ~~strike~~, H~2~O, x^2^; footnote calls without text,
unclosed fences and TeX math refused."""

from __future__ import annotations

import subprocess
import zipfile

import docx
import pytest

from conftest import build_ok, run_build
from press.check import checks

PAGE = "features-edge-cases"


@pytest.fixture
def features(copy_fixture):
    return copy_fixture("features")


def append(path, text):
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def check_lines(source, tmp_path, *flags):
    result = run_build("check", *flags, "--source", source, "--out", tmp_path / "none")
    return result.returncode, result.stdout.splitlines()


def build_fails_as_check_says(source, tmp_path, code):
    """The build stops with exactly the error lines `check` reports."""
    result = run_build("all", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert not (tmp_path / "out" / f"{PAGE}.pdf").exists()
    found = [p for p in checks.check_sources(source) if p.severity == checks.ERROR]
    assert [p.code for p in found] == [code], [str(p) for p in found]
    errors = result.stderr.strip().splitlines()
    assert errors == [str(p) for p in found]
    return errors[0]


def test_an_undefined_footnote_is_an_error(features, tmp_path):
    append(features / "sections" / "02-second.md", "\nA claim.[^missing]\n")
    message = build_fails_as_check_says(features, tmp_path, "E216")
    assert message.endswith("02-second.md:13: E216: footnote [^missing] has no text: add a line "
                            "`[^missing]: the note` (or remove the call)")


def test_an_unclosed_fence_is_an_error(features, tmp_path):
    append(features / "sections" / "02-second.md", "\n```\nsome code\n\n## Not a heading any more\n")
    message = build_fails_as_check_says(features, tmp_path, "E217")
    assert message.endswith("02-second.md:13: E217: code block opened with ``` is never closed: add a line ``` "
                            "where it ends (everything after it is shown as code)")


def test_tex_math_is_refused_with_a_message_saying_so(features, tmp_path):
    append(features / "sections" / "02-second.md", "\nIt costs $5 and $10, and grows as $x^2$.\n")
    message = build_fails_as_check_says(features, tmp_path, "E218")
    assert "02-second.md:13: E218: TeX math '$x^2$' is not supported: no edition can typeset it" in message


def test_a_skipped_heading_level_and_a_missing_alt_text_stop_the_build(features, tmp_path):
    append(features / "sections" / "02-second.md", "\n#### Too deep\n")
    assert "heading level 4 follows level 2" in build_fails_as_check_says(features, tmp_path, "E205")
    section = features / "sections" / "02-second.md"
    section.write_text(section.read_text(encoding="utf-8").replace("#### Too deep", "### Deep enough")
                       .replace("![Bar chart of four rising bars]", "![]"), encoding="utf-8")
    assert "has no alt text" in build_fails_as_check_says(features, tmp_path, "E314")


@pytest.mark.slow
def test_warnings_are_printed_by_the_build_and_fatal_with_strict(features, tmp_path):
    append(features / "briefing.yml", "geometry: margin=1in\n")
    built = build_ok("pdf", "--source", features, "--out", tmp_path / "out")
    assert "warning: " in built.stderr and "W101: unknown key `geometry` is ignored" in built.stderr
    code, lines = check_lines(features, tmp_path)
    assert any("W101: unknown key `geometry` is ignored" in line for line in lines)
    strict = run_build("pdf", "--strict", "--force", "--source", features, "--out", tmp_path / "out")
    assert strict.returncode == 1
    assert strict.stderr.strip().endswith("briefing.yml:17: W101: unknown key `geometry` is ignored")
    code, lines = check_lines(features, tmp_path, "--strict")
    assert code == 1


@pytest.fixture(scope="module")
def marked_up(tmp_path_factory):
    """The features fixture with comments, strikethrough, subscript and superscript, every edition."""
    import shutil

    from conftest import FIXTURES

    root = tmp_path_factory.mktemp("markup")
    source = root / "features"
    shutil.copytree(FIXTURES / "features", source)
    append(source / "sections" / "02-second.md",
           "\n<!-- TODO: ask Ada for the 2025 figures -->\n\n"
           "Water is H~2~O, area grows as r^2^, and the ~~old plan~~ is gone. <!-- inline note -->Kept.\n")
    build_ok("all", "--source", source, "--out", root / "out")
    return root / "out"


def test_comments_are_dropped_from_every_edition(marked_up):
    texts = {"html": (marked_up / "html" / "index.html").read_text(encoding="utf-8")}
    with zipfile.ZipFile(marked_up / f"{PAGE}.epub") as epub:
        texts["epub"] = " ".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    texts["pdf"] = subprocess.run(["pdftotext", str(marked_up / f"{PAGE}.pdf"), "-"], capture_output=True,
                                  text=True, check=True).stdout
    texts["docx"] = "\n".join(p.text for p in docx.Document(marked_up / f"{PAGE}.docx").paragraphs)
    for edition, text in texts.items():
        assert "TODO" not in text and "inline note" not in text and "<!--" not in text, edition
        assert "Kept." in text, edition


def test_strikethrough_subscript_and_superscript_in_every_edition(marked_up):
    html = (marked_up / "html" / "index.html").read_text(encoding="utf-8")
    assert "H<sub>2</sub>O" in html and "r<sup>2</sup>" in html and "<s>old plan</s>" in html
    with zipfile.ZipFile(marked_up / f"{PAGE}.epub") as epub:
        xhtml = " ".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    assert "H<sub>2</sub>O" in xhtml and "r<sup>2</sup>" in xhtml and "<s>old plan</s>" in xhtml
    pdf = subprocess.run(["pdftotext", str(marked_up / f"{PAGE}.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    assert "H2O" in pdf and "~" not in pdf and "r2" in pdf and "^" not in pdf
    runs = [run for p in docx.Document(marked_up / f"{PAGE}.docx").paragraphs for run in p.runs]
    assert any(r.text == "2" and r.font.subscript for r in runs)
    assert any(r.text == "2" and r.font.superscript for r in runs)
    assert any(r.text == "old plan" and r.font.strike for r in runs)
