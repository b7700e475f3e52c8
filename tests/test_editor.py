"""The editor's experience (issue 12): tests that do not depend on source/, `init`, options anywhere."""

from __future__ import annotations

import re

from conftest import ARTICLE_SOURCE, FIXTURES, ROOT


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
