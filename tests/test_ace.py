"""Ace by DAISY on the EPUBs: no accessibility violation, for every kind of briefing we make.

Ace (npm `@daisy/ace`, installed by `make test` into tests/ace) runs its checks (axe-core
inside each document, plus the package's accessibility metadata) in Debian's Chromium. Its
report lists every violation as an assertion whose outcome is "fail": there must be none.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, build_ok

pytestmark = pytest.mark.slow  # Ace by DAISY in Chromium

ACE = ROOT / "tests" / "ace" / "node_modules" / ".bin" / "ace-puppeteer"
BRIEFINGS = {
    "brief": FIXTURES / "brief",                    # blocks, figures, tables, cross-references
    "scripts": FIXTURES / "scripts",                # every script, with its font subsets
    "arabic": FIXTURES / "arabic",                  # right to left
    "example": ROOT / "examples" / "sahel-water",   # citations, people, imprint, about
}


def violations(epub: Path, out: Path) -> list[str]:
    assert ACE.is_file(), "Ace is missing: `make test` installs it (npm install in tests/ace)"
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": "/usr/bin/chromium"}
    result = subprocess.run([str(ACE), "-f", "-o", str(out), str(epub)], capture_output=True, text=True,
                            env=env, timeout=300)
    report = out / "report.json"
    assert result.returncode == 0 and report.is_file(), result.stdout + result.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    found = []
    for document in data.get("assertions", []):
        for assertion in document.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") == "fail":
                test = assertion.get("earl:test", {})
                found.append(f"{document.get('earl:testSubject', {}).get('url', '?')}: "
                             f"{test.get('dct:title')} ({test.get('earl:impact')})")
    return found


def test_the_article_and_the_features_fixture_have_no_violation(article_epub, features_epub, tmp_path):
    for epub in (article_epub, features_epub):
        assert violations(epub, tmp_path / epub.stem) == []


@pytest.mark.parametrize("name", list(BRIEFINGS))
def test_every_kind_of_briefing_has_no_violation(name, tmp_path):
    out = tmp_path / "out"
    build_ok("epub", "--source", BRIEFINGS[name], "--out", out)
    assert violations(next(out.glob("*.epub")), tmp_path / "ace") == []
