"""Ids: one function for `check` and the build, unique across each page with the templates' own,
linear de-duplication, and links that reach the heading whose id they name or are an error."""

from __future__ import annotations

import re
import time
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree, html as lxml_html

from conftest import ROOT, build_ok, run_build
from press.base import budget
from press.build import pipeline
from press.check import checks
from press.markdown import markdown, renderers
from press.model import targets
from press.render import pdf
from press.base.errors import PressError
from press.source.source import load_briefing
from test_check import make_briefing


def problems_of(source: Path) -> list[tuple[str, str, int]]:
    return [(p.code, p.file.name if p.file else "", p.line) for p in checks.check_sources(source)]


def build_error(source: Path, out: Path) -> str:
    result = run_build("all", "--source", source, "--out", out)
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- check and the build agree -------------------------------------------------------


def test_check_and_build_give_a_heading_the_same_id(tmp_path):
    """Two '2024 results' headings: the build's ids are the ones check talks about."""
    text = ("# Results\n\n## 2024 results\n\nA.\n\n## 2024 results\n\nB.\n\n"
            "See [the first](#s-2024-results) and [the second](#s-2024-results-2).\n")
    make_briefing(tmp_path, {"a.md": text})
    [warning] = checks.check_sources(tmp_path)
    assert (warning.code, warning.line) == ("W207", 7)
    assert "'#s-2024-results' go there" in warning.message and "'s-2024-results-2'" in warning.message
    briefing = load_briefing(tmp_path)
    assert [c.anchor for c in briefing.toc[0].children] == ["s-2024-results", "s-2024-results-2"]
    assert 'href="#s-2024-results"' in briefing.sections[0].html.print


def test_a_link_without_the_prefix_is_refused_by_both_with_a_hint(tmp_path):
    make_briefing(tmp_path, {"a.md": "# Results\n\n## 2024 results\n\nSee [them](#2024-results).\n"})
    [error] = checks.check_sources(tmp_path)
    assert (error.code, error.line) == ("E303", 5) and "has the id 's-2024-results'" in error.message
    with pytest.raises(PressError) as raised:
        load_briefing(tmp_path)
    assert raised.value.problems[0].code == "E303" and "a.md:5:" in str(raised.value)


def test_duplicate_explicit_ids_stop_the_build_too(tmp_path):
    make_briefing(tmp_path, {"a.md": "---\nid: same\n---\n# A\n", "b.md": "---\nid: same\n---\n# B\n"})
    assert problems_of(tmp_path) == [("E207", "b.md", 4)]
    line = build_error(tmp_path, tmp_path / "out")
    assert re.search(r"b\.md:4: E207: id 'same' is already used at .*a\.md:4$", line)


# --- linear de-duplication -----------------------------------------------------------


@pytest.mark.slow
def test_forty_thousand_identical_headings_get_ids_in_well_under_a_second(tmp_path, monkeypatch):
    """The briefing's bound on headings (E505) refuses such a source now; the ids stay linear."""
    from press.base import limits

    monkeypatch.setattr(limits, "MAX_HEADINGS", 50_000)
    text = "# Title\n\n" + "## a\n\n" * 40_000
    section = markdown.parse(markdown.make_parser("en"), tmp_path / "a.md", text)
    started = time.process_time()  # CPU time: the machine is shared by parallel test runs
    index = targets.build_index([section])
    seconds = time.process_time() - started
    ids = [h.anchor for h in section.headings]
    assert ids[:4] == ["title", "a", "a-2", "a-3"] and ids[-1] == "a-40000" and len(set(ids)) == len(ids)
    assert len(index.repeats) == 39_999
    assert seconds < 1.0, f"{seconds:.2f} s"  # about 0.3 s here; quadratic, it was 166 s


# --- reserved ids and literal slugs ---------------------------------------------------

RESUME = "# Work\n\n## Resume\n\nA.\n\n## Resume\n\nB.\n\n## resume-2\n\nC.\n"


def test_a_literal_slug_keeps_its_id_and_repeats_skip_it(tmp_path):
    make_briefing(tmp_path, {"a.md": RESUME + "\n[C](#resume-2) [B](#resume-3)\n"})
    with pytest.raises(PressError) as raised:  # '#resume-2' could mean the second Resume
        load_briefing(tmp_path)
    assert raised.value.problems[0].code == "E304" and "a.md:15:" in str(raised.value)
    assert problems_of(tmp_path) == [("W207", "a.md", 7), ("E304", "a.md", 15)]


def test_links_to_the_real_ids_reach_their_headings(tmp_path):
    make_briefing(tmp_path, {"a.md": RESUME + "\n[B](#resume-3)\n", "b.md": "# B\n\n[C](a.md#resume-3)\n"})
    briefing = load_briefing(tmp_path)
    children = briefing.toc[0].children
    assert [(c.title, c.anchor) for c in children] == [("Resume", "resume"), ("Resume", "resume-3"),
                                                        ("resume-2", "resume-2")]
    assert 'href="#resume-3"' in briefing.sections[0].html.screen
    assert 'href="work.xhtml#resume-3"' in briefing.sections[1].html.ebook
    assert [p[0] for p in problems_of(tmp_path)] == ["W207"]


def test_three_repeats_beside_a_literal_slug(tmp_path):
    """The third Resume has 'resume-4'; '#resume-3' is the second's id but the third's expected one."""
    make_briefing(tmp_path, {"a.md": RESUME + "\n## Resume\n\nD.\n\n[D](#resume-4)\n"})
    briefing = load_briefing(tmp_path)
    assert [c.anchor for c in briefing.toc[0].children] == ["resume", "resume-3", "resume-2", "resume-4"]
    assert 'href="#resume-4"' in briefing.sections[0].html.print
    (tmp_path / "sections" / "a.md").write_text(RESUME + "\n## Resume\n\nD.\n\n[B or D?](#resume-3)\n")
    assert [p for p in problems_of(tmp_path) if p[0] != "W207"] == [("E304", "a.md", 19)]
    assert "a.md:19: E304: link to '#resume-3' is ambiguous" in build_error(tmp_path, tmp_path / "out")


def test_a_link_to_a_landmark_named_heading_is_an_error_with_the_real_id(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n## Main\n\n[main](#main)\n"})
    [error] = checks.check_sources(tmp_path)
    assert (error.code, error.line) == ("E303", 5) and "has the id 'main-2'" in error.message
    assert "a.md:5:" in build_error(tmp_path, tmp_path / "out")


def test_an_explicit_id_of_the_editions_own_parts_is_refused(tmp_path):
    make_briefing(tmp_path, {"a.md": "---\nid: contents\n---\n# A\n"})
    assert problems_of(tmp_path) == [("E207", "a.md", 4)]
    assert "a.md:4: E207: id 'contents' is the id of a part every edition has" in build_error(tmp_path, tmp_path / "out")


LANDMARKS = ["Main", "Top", "Disclaimer", "Disclaimer label", "Contents", "Contents title", "Titlepage",
             "Downloads title", "Further reading", "Landmarks", "Cover", "Nav"]


def _ids(root) -> list[str]:
    return [element.get("id") for element in root.iter() if isinstance(element.tag, str) and element.get("id")]


def test_no_page_of_any_edition_has_an_id_twice(tmp_path):
    """Headings named like the page's own parts, repeated headings, notes called twice."""
    first = "# Contents\n\n" + "".join(f"## {name}\n\nText[^1].\n\n" for name in LANDMARKS) \
        + "## fn-contents-2-1\n\nAgain[^1].\n\n[^1]: A note.\n"
    second = "---\nid: top-2\n---\n# Top\n\n## Main\n\n[here](#main-3)\n"
    make_briefing(tmp_path, {"a.md": first, "b.md": second},
                  extra="related:\n  - title: More\n    url: https://example.org\n")
    out = tmp_path / "out"
    build_ok("all", "--source", tmp_path, "--out", out)
    briefing = load_briefing(tmp_path)
    pages = {
        "web": lxml_html.fromstring((out / "html" / "index.html").read_bytes()),
        "print": lxml_html.fromstring(pdf.render_html(briefing).encode()),
    }
    with zipfile.ZipFile(out / "tiny.epub") as epub:
        for name in epub.namelist():
            if name.endswith(".xhtml"):
                pages[name] = etree.fromstring(epub.read(name))
    for name, root in pages.items():
        repeated = [i for i, n in Counter(_ids(root)).items() if n > 1]
        assert not repeated, f"{name}: {repeated}"
    web_ids = set(_ids(pages["web"]))
    assert {"main", "top", "disclaimer", "contents-title", "downloads-title"} <= web_ids
    assert pages["web"].get_element_by_id("main").tag == "main"
    assert pages["web"].get_element_by_id("top").tag == "header"
    assert pages["print"].get_element_by_id("contents").tag == "nav"
    # The sections' ids are those of the index, and the links reach them.
    assert briefing.sections[0].id == "contents-2" and briefing.sections[1].id == "top-2"
    assert 'href="#main-3"' in briefing.sections[1].html.screen
    assert pages["web"].get_element_by_id("main-2").text == "Main"
    # A heading literally named like a note's id keeps it; the note goes round it.
    assert pages["web"].get_element_by_id("fn-contents-2-1").tag == "h3"
    assert [t.id for t in briefing.targets.of_kind(targets.FOOTNOTE)] == ["fn-contents-2-1-2"]


def test_templates_take_their_ids_from_one_table():
    """Every id a template writes is a name of targets.PAGE_IDS, so the reserved set is complete."""
    for path in (ROOT / "templates").rglob("*.j2"):
        literal = re.findall(r'\bid="(?!\{\{)([^"]*)"', path.read_text())
        assert not literal, f"{path.name}: {literal}"
        for name in re.findall(r"ids\.(\w+)", path.read_text()):
            assert name in targets.PAGE_IDS, f"{path.name}: ids.{name}"
    assert set(targets.PAGE_IDS.values()) <= targets.RESERVED_IDS


# --- one index, rendered only in the styles needed -----------------------------------


def test_the_index_holds_every_heading_and_footnote(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\n## B\n\n### C\n\nX[^n].\n\n[^n]: N.\n", "b.md": "# D\n"})
    index = load_briefing(tmp_path).targets
    assert [(t.id, t.kind, t.section, t.document) for t in index.targets.values()] == [
        ("a", "section", 0, "a.xhtml"), ("b", "subsection", 0, "a.xhtml"), ("c", "heading", 0, "a.xhtml"),
        ("d", "section", 1, "d.xhtml"), ("fn-a-1", "footnote", 0, "a.xhtml")]
    assert index.get("c").location.line == 5 and index.get("fn-a-1").number == 1


def test_only_the_styles_asked_for_are_rendered(tmp_path):
    make_briefing(tmp_path, {"a.md": "# A\n\nText.\n"})
    section = load_briefing(tmp_path, styles={"print"}).sections[0]
    assert section.html.print and section.html.screen is None and section.html.ebook is None


@pytest.mark.parametrize("formats, styles", [(["pdf"], {"print"}), (["epub"], {"ebook"}),
                                             (["html"], {"print", "ebook", "screen"})])
def test_a_build_renders_the_styles_of_its_editions(tmp_path, monkeypatch, formats, styles):
    import press.source.source

    asked = []
    real = press.source.source.load_briefing

    def spy(source, cache=None, manifest=None, styles=renderers.STYLES, **kwargs):
        asked.append(set(styles))
        return real(source, cache=cache, manifest=manifest, styles=styles, **kwargs)

    monkeypatch.setattr(press.source.source, "load_briefing", spy)
    monkeypatch.setenv(budget.DISABLE_VARIABLE, "1")  # the spy must run in this process, not a worker
    monkeypatch.setenv(budget.DISABLE_VARIABLE, "1")  # render in this process, where the spy is
    make_briefing(tmp_path, {"a.md": "# A\n\nText.\n"})
    pipeline.build(tmp_path, tmp_path / "out", formats)
    assert asked == [styles]
    assert {edition.style for edition in pipeline.EDITIONS.values()} == set(renderers.STYLES)


def test_headings_with_no_latin_letters_get_ids_by_place_and_no_repeat_warning(tmp_path):
    """An Arabic briefing's headings slug to nothing: each gets its own id, none is a 'repeat'."""
    make_briefing(tmp_path, {"a.md": "# مقدمة\n\nنص.\n\n## السياق\n\nنص.\n\n## التنسيق\n\nنص.\n"})
    briefing = load_briefing(tmp_path)
    assert [e.anchor for e in (briefing.toc[0], *briefing.toc[0].children)] == \
        ["section-1", "section-1-1", "section-1-2"]
    assert [p.code for p in checks.check_sources(tmp_path) if p.code == "W207"] == []
