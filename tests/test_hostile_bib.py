"""Hostile bibliographies and styles (the hardening issue's items 5-8, 13 and 15): each runs the
real CLI under a 1.5 GB address-space cap and a timeout, and either builds or fails with one
`file:line: CODE message` line, exit status 1 and no traceback; no edition links `javascript:`.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import ROOT

pytestmark = pytest.mark.slow   # hostile builds under prlimit, each a second or more: `make test` only

CAP = str(1536 * 1024 * 1024)
CSL_HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n'
            '<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">\n'
            "<info><title>x</title><id>x</id><updated>2020-01-01T00:00:00+00:00</updated></info>\n")
CSL_BIBLIOGRAPHY = '<bibliography><layout><text variable="title"/></layout></bibliography>\n</style>\n'


def press(*args, timeout: int = 120) -> subprocess.CompletedProcess:
    """`python build.py ARGS` under the memory cap and a deadline (a hang fails the test)."""
    return subprocess.run(["prlimit", f"--as={CAP}", sys.executable, str(ROOT / "build.py"), *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def refused(result, file: str, code: str, words: str = "", line: int | None = None) -> str:
    """The one error line: its file, line and code; no traceback."""
    assert result.returncode == 1, result.stderr + result.stdout
    assert "Traceback" not in result.stderr + result.stdout
    # `check` lists its findings on stdout; a build prints its error on stderr
    errors = [e for e in (result.stderr + result.stdout).splitlines() if f": {code}: " in e]
    assert len(errors) == 1, result.stderr + result.stdout
    where = re.escape(file) + ":" + (str(line) if line else r"\d+") + ": "
    assert re.search(where + code + ": ", errors[0]), errors[0]
    assert words in errors[0]
    return errors[0]


@pytest.fixture
def cited(copy_fixture):
    return copy_fixture("cited")


def with_bib(source: Path, text: str, name: str = "refs.bib") -> Path:
    (source / "refs.bib").unlink()
    (source / name).write_text(text, encoding="utf-8")
    manifest = source / "briefing.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("bibliography: refs.bib",
                                                                      f"bibliography: {name}"), encoding="utf-8")
    return source


def with_csl(source: Path, body: str) -> Path:
    (source / "style.csl").write_text(CSL_HEAD + body + CSL_BIBLIOGRAPHY, encoding="utf-8")
    manifest = source / "briefing.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("bibliography:", "csl: style.csl\nbibliography:"),
                        encoding="utf-8")
    return source


FIXTURE_BIB = (ROOT / "tests" / "fixtures" / "cited" / "refs.bib").read_text(encoding="utf-8")


# --- 5: an entry without fields hung citeproc-py's parser ------------------------------------


@pytest.mark.parametrize("command", ["check", "epub"])
def test_an_entry_without_fields_is_refused_with_its_line(cited, tmp_path, command):
    with_bib(cited, FIXTURE_BIB + "\n@book{a,}\n")
    line = FIXTURE_BIB.count("\n") + 2
    refused(press("--source", cited, "--out", tmp_path / "out", command), "refs.bib", "E901", "has no fields", line)


def test_an_at_comment_at_the_end_of_the_file_does_not_hang(cited, tmp_path):
    """citeproc-py skips an @comment to the next line break, forever when there is none."""
    with_bib(cited, FIXTURE_BIB + "@comment{the end}")
    result = press("--source", cited, "--out", tmp_path / "out", "epub")
    assert result.returncode == 0, result.stderr


# --- 6: an entry's URL is linked: http or https only ------------------------------------------


def test_a_javascript_url_in_an_entry_is_refused_and_never_linked(cited, tmp_path):
    bib = FIXTURE_BIB.replace("url = {https://example.org/unep}", "url = {javascript:alert(1)}")
    with_bib(cited, bib)
    result = press("--source", cited, "--out", tmp_path / "out", "all", timeout=300)
    refused(result, "refs.bib", "E301", "not 'javascript:'", bib[:bib.index("@techreport")].count("\n") + 1)
    # The same URL through CSL-JSON, and nothing was written that links it.
    items = [{"id": key, "type": "book", "title": key.title()} for key in ("smith2020", "adams2015", "unused2000")]
    items.append({"id": "unep2011", "type": "report", "title": "Unep", "URL": " JavaScript:alert(1)"})
    (cited / "refs.bib").write_text(FIXTURE_BIB, encoding="utf-8")
    with_bib(cited, json.dumps(items, indent=1), "refs.json")
    refused(press("--source", cited, "--out", tmp_path / "out", "all", timeout=300), "refs.json", "E301",
            "not 'javascript:'", 1 + json.dumps(items, indent=1)[:json.dumps(items, indent=1).index('"unep2011"')].count("\n"))
    assert not (tmp_path / "out").exists() or not any(
        "javascript:" in p.read_text(errors="replace").lower() for p in (tmp_path / "out").rglob("*.html"))


def test_web_urls_in_entries_are_linked_in_every_edition_and_nothing_else(cited, tmp_path):
    build = press("--source", cited, "--out", tmp_path / "out", "all", timeout=300)
    assert build.returncode == 0, build.stderr
    out = tmp_path / "out"
    page = (out / "html" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/unep"' in page and "javascript:" not in page.lower()
    with zipfile.ZipFile(out / "cited-briefing.epub") as epub:
        xhtml = "".join(epub.read(n).decode("utf-8") for n in epub.namelist() if n.endswith(".xhtml"))
    assert 'href="https://example.org/unep"' in xhtml and "javascript:" not in xhtml.lower()
    uris = [str(a.get_object()["/A"].get("/URI")) for page in PdfReader(out / "cited-briefing.pdf").pages
            for a in page.get("/Annots") or [] if "/A" in a.get_object()]
    assert "https://example.org/unep" in uris and all(u.startswith(("http://", "https://", "mailto:"))
                                                       for u in uris if u != "None")


# --- 7: @string expansion is bounded ----------------------------------------------------------


def test_doubling_strings_are_refused_at_the_value_that_grows_too_large(cited, tmp_path):
    strings = "@string{s0 = {xxxxxxxxxxxxxxxx}}\n" + "".join(
        f"@string{{s{i} = s{i - 1} # s{i - 1}}}\n" for i in range(1, 41))
    with_bib(cited, strings + FIXTURE_BIB)
    assert len(strings) < 1500
    line = refused(press("--source", cited, "--out", tmp_path / "out", "check"), "refs.bib", "E901",
                   "expands to more than 100,000 characters", 14)   # s13: 16 x 2^13 = 131,072
    assert "cannot be read: \n" not in line


# --- 8: inputs within the bounds finish; beyond them they are refused early -------------------


def test_a_style_whose_macros_fan_out_is_refused_before_evaluation(cited, tmp_path):
    call = '<text macro="m{}"/>'
    macros = "".join(f'<macro name="m{i}"><group>{4 * call.format(i + 1)}</group></macro>\n' for i in range(25)) + '<macro name="m25"><text variable="title"/></macro>\n'
    with_csl(cited, macros + '<citation><layout><text macro="m0"/></layout></citation>\n')
    for command in ("check", "epub"):
        refused(press("--source", cited, "--out", tmp_path / "out", command, timeout=60), "style.csl", "E903",
                "more than 5,000 steps")


def test_more_citations_than_the_limit_are_refused_at_the_first_over_it(cited, tmp_path):
    section = cited / "sections" / "02-two.md"
    section.write_text("# Two\n\n" + "@smith2020 " * 2001 + "\n", encoding="utf-8")
    # 01-one.md cites 6 works before it: the 1,995th of this line is the 2,001st
    for command in ("check", "epub"):
        refused(press("--source", cited, "--out", tmp_path / "out", command), "02-two.md", "E511",
                "more than 2,000 citations", 3)


def test_a_1_mb_bibliography_is_read_in_linear_time(cited, tmp_path):
    entries = "".join(f"@book{{k{i},\n  author = {{Author, A{i}}},\n  title = {{A title number {i}}},\n"
                      f"  publisher = {{P}},\n  year = {{2000}}\n}}\n\n" for i in range(9000))
    with_bib(cited, FIXTURE_BIB + entries)
    assert (cited / "refs.bib").stat().st_size > 1_000_000
    result = press("--source", cited, "--out", tmp_path / "out", "check", timeout=60)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert result.stdout.count(": W901: ") == 9001


# --- 13: the briefing's own .ris and .bib hold no line breaks or controls ---------------------


def test_the_ris_and_bib_downloads_hold_one_line_per_field(cited, tmp_path):
    manifest = cited / "briefing.yml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("title: Cited Briefing", 'title: "Cited\\rUR  - https://evil.example\\rBriefing"')
    text = text.replace("  - Bo Writer", "  - UNICEF")
    manifest.write_text(text, encoding="utf-8")
    build = press("--source", cited, "--out", tmp_path / "out", "html", timeout=300)
    assert build.returncode == 0, build.stderr
    folder = tmp_path / "out" / "html"
    ris = next(folder.glob("*.ris")).read_bytes().decode("utf-8")
    assert [line[:6] for line in ris.split("\r\n") if line].count("UR  - ") == 1   # the DOI's only
    assert "TI  - Cited UR  - https://evil.example Briefing\r\n" in ris
    assert "\r" not in ris.replace("\r\n", "") and "\n" not in ris.replace("\r\n", "")
    bib = next(folder.glob("*.bib")).read_text(encoding="utf-8")
    assert "author = {Editor, Ada and {UNICEF}}" in bib and "\\{" not in bib
    assert "\r" not in bib


# --- 15: malformed styles and fields are the sources' errors, with file and line -------------


@pytest.mark.parametrize("body, line, words", [
    ("", 2, "needs a <citation>"),
    ('<citation><layout><text macro="nope"/></layout></citation>\n', 4, "'nope' is not defined"),
    ('<macro name="a"><text macro="b"/></macro>\n<macro name="b"><group><text macro="a"/></group></macro>\n'
     '<citation><layout><text macro="a"/></layout></citation>\n', 4, "calls itself"),
    ('<citation et-al-min="abc"><layout><names variable="author"/></layout></citation>\n', 4, "whole number"),
])
def test_a_malformed_style_is_named_with_its_line(cited, tmp_path, body, line, words):
    with_csl(cited, body)
    for command in ("check", "epub"):
        refused(press("--source", cited, "--out", tmp_path / "out", command), "style.csl", "E903", words, line)


@pytest.mark.parametrize("field, value, words", [
    ("author", [{"family": 5}], "'family' is a number"),
    ("issued", {"date-parts": [["x"]]}, "[[year, month, day]]"),
    ("title", ["a", "list"], "must be text"),
])
def test_a_malformed_csl_json_field_is_named_with_its_entry(cited, tmp_path, field, value, words):
    items = [{"id": key, "type": "book", "title": key.title()} for key in ("smith2020", "adams2015", "unep2011")]
    items[1][field] = value
    text = json.dumps(items, indent=1)
    with_bib(cited, text, "refs.json")
    line = text[:text.index('"adams2015"')].count("\n") + 1
    for command in ("check", "epub"):
        refused(press("--source", cited, "--out", tmp_path / "out", command), "refs.json", "E901", words, line)


@pytest.mark.parametrize("entity", ["&eacute;", "&#0;"])
def test_an_html_entity_in_a_bibtex_title_is_refused(cited, tmp_path, entity):
    with_bib(cited, FIXTURE_BIB.replace("title = {Water and Conflict}", f"title = {{Caf{entity} Conflict}}"))
    refused(press("--source", cited, "--out", tmp_path / "out", "epub"), "refs.bib", "E901", entity, 3)


def test_an_entity_in_csl_json_is_text_in_valid_xhtml(cited, tmp_path):
    """In CSL-JSON, where citeproc-py escapes the fields, "&eacute;" is the text it says."""
    items = [{"id": key, "type": "book", "title": f"Caf&eacute; &#0; {key}"} for key in ("smith2020", "adams2015", "unep2011")]
    with_bib(cited, json.dumps(items, indent=1), "refs.json")
    build = press("--source", cited, "--out", tmp_path / "out", "epub")
    assert build.returncode == 0, build.stderr
    from lxml import etree

    with zipfile.ZipFile(tmp_path / "out" / "cited-briefing.epub") as epub:
        for name in epub.namelist():
            if name.endswith(".xhtml"):
                etree.fromstring(epub.read(name))   # well-formed, or this raises
        references = next(epub.read(n).decode() for n in epub.namelist() if "references" in n)
    assert "Caf&amp;eacute; &amp;#0; " in references
