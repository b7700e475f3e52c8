"""The article in ../shared/article became the sources (their copy in tests/fixtures/mali) without
losing a sentence."""

from __future__ import annotations

import re

import yaml

from conftest import ARTICLE_SOURCE, FIXTURES, ROOT

# The author's text as supplied (../shared, beside every checkout and CI's clone), and a copy
# kept with the tests so that a clone on its own can run them too.
SHARED_ARTICLE = ROOT.parent / "shared" / "article" / "peacekeeping-in-mali.txt"
ARTICLE_COPY = FIXTURES / "article" / "peacekeeping-in-mali.txt"
ARTICLE = SHARED_ARTICLE if SHARED_ARTICLE.is_file() else ARTICLE_COPY
SOURCE = ARTICLE_SOURCE  # the fixture copy of source/: an editor may change source/ freely


def normalise(text: str) -> str:
    return " ".join(text.split())


def source_text() -> str:
    manifest = yaml.safe_load((SOURCE / "briefing.yml").read_text(encoding="utf-8"))
    parts = [(SOURCE / rel).read_text(encoding="utf-8") for rel in manifest["sections"]]
    # Markdown markers are not the author's text.
    return normalise(re.sub(r"(?m)^(#+|-) ", "", "\n".join(parts)))


def test_every_paragraph_of_the_article_is_kept_as_written():
    manifest = yaml.safe_load((SOURCE / "briefing.yml").read_text(encoding="utf-8"))
    text = source_text()
    lines = [line.strip().lstrip("•").strip() for line in ARTICLE.read_text(encoding="utf-8").splitlines()]
    kept = 0
    for line in filter(None, lines):
        if line == "Skip to content":
            assert line not in text
        elif line.startswith("See also"):
            assert line.removeprefix("See also").strip() in manifest["related"]
        elif line.startswith("🛠️"):
            assert manifest["disclaimer"].strip() == line
        elif line.startswith("Understanding Peacekeeping in Mali:"):
            assert f"{manifest['title']}: {manifest['subtitle']}" == line
        else:
            assert normalise(line) in text, line[:60]
            kept += 1
    assert kept > 60


def test_sub_sections_are_level_two_headings():
    challenges = (SOURCE / "sections" / "04-challenges.md").read_text(encoding="utf-8")
    assert "\n## Security threats and insurgent activities\n" in challenges
    assert "\n## Logistical and operational obstacles\n" in challenges
    humanitarian = (SOURCE / "sections" / "07-humanitarian-support.md").read_text(encoding="utf-8")
    assert "\n## Protecting displaced populations\n" in humanitarian
    assert "\n## Supporting local governance and community rebuilding\n" in humanitarian
    assert (SOURCE / "sections" / "00-introduction.md").read_text(encoding="utf-8").startswith("# Introduction\n")


def test_the_tests_copy_of_the_article_is_the_authors_text():
    if SHARED_ARTICLE.is_file():  # where ../shared is beside the checkout, as in CI
        assert ARTICLE_COPY.read_bytes() == SHARED_ARTICLE.read_bytes()
    assert ARTICLE_COPY.read_text(encoding="utf-8").startswith("Skip to content")
