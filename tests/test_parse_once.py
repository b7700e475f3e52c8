"""A build parses each section once: the rules pass (checks.check_sources) hands what it
parsed to the load (source.load_briefing), which reuses it while the file reads the same."""

from __future__ import annotations

from collections import Counter

from conftest import FIXTURES

from press.build import pipeline
from press.check import checks
from press.markdown import markdown
from press.build.cache import SectionCache
from press.model.manifest import load_manifest
from press.source.source import load_briefing


def _counting(monkeypatch) -> Counter:
    calls: Counter = Counter()
    parse = markdown.parse

    def counted(md, path, text, *args, **kwargs):
        calls[path] += 1
        return parse(md, path, text, *args, **kwargs)

    monkeypatch.setattr(markdown, "parse", counted)
    monkeypatch.setenv("PRESS_RENDER_IN_PROCESS", "1")  # the render's parses are counted here too
    return calls


def test_a_build_parses_each_section_once(copy_fixture, tmp_path, monkeypatch):
    source = copy_fixture("features")
    calls = _counting(monkeypatch)
    pipeline.build(source, tmp_path / "out", ["epub", "html"])
    sections = [ref.path for ref in load_manifest(source).sections]
    assert sorted(calls) == sorted(sections)
    assert set(calls.values()) == {1}


def test_watch_parses_only_the_edited_section(copy_fixture, tmp_path, monkeypatch):
    source = copy_fixture("features")
    cache = SectionCache()
    pipeline.build(source, tmp_path / "out", ["epub"], cache=cache)
    edited = load_manifest(source).sections[0].path
    edited.write_text(edited.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    calls = _counting(monkeypatch)
    pipeline.build(source, tmp_path / "out", ["epub"], cache=cache)
    assert calls[edited] == 1  # by the rules pass; the load takes it from there
    assert cache.rendered_now == [edited]


def test_a_section_changed_after_the_rules_pass_is_parsed_again(copy_fixture, tmp_path):
    source = copy_fixture("features")
    manifest = load_manifest(source)
    kept: dict = {}
    assert not [p for p in checks.check_sources(source, manifest, keep=kept) if p.severity == checks.ERROR]
    first = manifest.sections[0].path
    assert set(kept) == {ref.path for ref in manifest.sections}
    first.write_text(first.read_text(encoding="utf-8") + "\nAdded after the rules.\n", encoding="utf-8")
    briefing = load_briefing(source, manifest=manifest, styles={"screen"}, parsed=kept)
    assert "Added after the rules." in briefing.sections[0].text
    assert briefing.sections[1].text == kept[manifest.sections[1].path].text
