"""Hostile themes (hardening, round 2, items 1, 2 and 16): a contributor's theme/ folder reaches no
file outside the briefing, and nothing it produces puts script, handlers, foreign loads or
attachments into any edition. Each case: one line `theme-file:line: CODE`, exit 1, no traceback,
the victim files outside intact, no canary in any output, the last good editions left as they were."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest

from conftest import FIXTURES, run_build
from press.base import template_data
from test_hostile import output_texts

SECRET = "canary-7f3e9a1c-theme"


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """themed-folder, built once: the editions a hostile edit must leave as they are."""
    root = tmp_path_factory.mktemp("theme-good")
    source = root / "src"
    shutil.copytree(FIXTURES / "themed-folder", source)
    out = root / "out"
    result = run_build("all", "--source", source, "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def digests(out: Path) -> dict[str, str]:
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and ".press" not in p.parts}


def hostile(tmp_path, good, files: dict[str, str]):
    """themed-folder with `files` written into it, a victim folder beside it, the good editions copied."""
    source = tmp_path / "src"
    shutil.copytree(FIXTURES / "themed-folder", source)
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text.replace("VICTIM", str(tmp_path / "victim")), encoding="utf-8")
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "secret.txt").write_text(SECRET, encoding="utf-8")
    out = tmp_path / "out"
    shutil.copytree(good, out)
    return source, out, victim


def assert_refused(result, where: str, code: str, before: dict, out: Path, victim: Path):
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 and f"{where}" in lines[0] and f"{code}:" in lines[0], result.stderr
    assert sorted(p.name for p in victim.iterdir()) == ["secret.txt"], "a file was written or deleted outside"
    assert (victim / "secret.txt").read_text(encoding="utf-8") == SECRET
    assert digests(out) == before, "the last good editions changed"
    for name, data in output_texts(out):
        assert SECRET.encode() not in data, f"{name} holds the canary"


ESCAPES = {
    "read": "{{ briefing.manifest.root.joinpath('VICTIM/secret.txt').read_text() }}",
    "write": "{{ briefing.manifest.root.joinpath('VICTIM/planted.txt').write_text('x') }}",
    "unlink": "{{ briefing.sections[0].source.parent.joinpath('VICTIM/secret.txt').unlink() }}",
    "asset-path": "{% for a in briefing.assets %}{{ a.path.read_text() }}{% endfor %}",
    "dunder": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals": "{{ labels.__globals__['__builtins__']['open']('VICTIM/secret.txt').read() }}",
    "jinja-global": "{{ cycler.__init__.__globals__.os.listdir('/') }}",
    "mutate": "{% set x = briefing.sections.append(1) %}{{ ids.__dict__ }}",
    "syntax": "{% if %}",
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ESCAPES))
def test_a_theme_template_reaches_no_file(name, tmp_path, good):
    before = digests(good)
    source, out, victim = hostile(tmp_path, good, {"theme/_disclaimer.html.j2": f"<aside>\n{ESCAPES[name]}\n</aside>\n"})
    result = run_build("all", "--source", source, "--out", out)
    assert_refused(result, "theme/_disclaimer.html.j2:2:", "E231", before, out, victim)


OUTPUTS = {
    "script": ("theme/_disclaimer.html.j2", "<aside>\n<script>alert(1)</script>\n</aside>\n", "E232", 2),
    # Built from pieces, so no line holds it: the file is named without a line.
    "script-built": ("theme/_disclaimer.html.j2", "<aside>\n{{ ('<scr' ~ 'ipt>x</scr' ~ 'ipt>') | safe }}</aside>\n",
                     "E232", None),
    "handler": ("theme/_disclaimer.html.j2", "<aside>\n<p onmouseover=\"steal()\">hi</p></aside>\n", "E232", 2),
    "javascript-link": ("theme/_disclaimer.html.j2", "<aside>\n<a href=\" JavaScript:steal()\">x</a></aside>\n",
                        "E232", 2),
    "attachment": ("theme/_disclaimer.html.j2", "<aside>\n<link rel=\"attachment\" href=\"../briefing.yml\"></aside>\n",
                   "E232", 2),
    "foreign-picture": ("theme/_disclaimer.html.j2", "<aside>\n<img src=\"https://tracker.example/p.gif\" alt=\"\">"
                        "</aside>\n", "E232", 2),
    "iframe": ("theme/_disclaimer.html.j2", "<aside>\n<iframe src=\"https://example.org/\"></iframe></aside>\n",
               "E232", 2),
    "css-breakout": ("theme/web.css", "body { color: red; }\n/* </style><script>alert(1)</script> */\n", "E233", 2),
    "css-import": ("theme/print.css", "body { color: red; }\n@import url(\"https://example.org/x.css\");\n", "E233", 2),
    "css-foreign-url": ("theme/epub.css", "body {\n  background: url(https://example.org/beacon.png);\n}\n",
                        "E233", 2),
    "css-outside": ("theme/print.css", "body {\n  background: url(\"../../victim/secret.txt\");\n}\n", "E233", 2),
    "css-file-url": ("theme/web.css", "p {}\nbody { background: url('file:///etc/passwd'); }\n", "E233", 2),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_what_a_theme_produces_is_checked_in_every_edition(name, tmp_path, good):
    file, text, code, line = OUTPUTS[name]
    before = digests(good)
    source, out, victim = hostile(tmp_path, good, {file: text})
    result = run_build("all", "--source", source, "--out", out)
    assert_refused(result, f"{file}:{line}:" if line else f"{file}: ", code, before, out, victim)


def test_a_theme_may_use_local_pictures_and_http_links(tmp_path, good):
    source, out, _ = hostile(tmp_path, good, {
        "theme/_disclaimer.html.j2": "<aside class=\"themed-disclaimer\"><p><a href=\"https://example.org/\">Us</a></p>"
                                     "{{ briefing.disclaimer_html | safe }}</aside>\n",
        "theme/print.css": (FIXTURES / "themed-folder" / "theme" / "print.css").read_text()
        + "\n.titlepage { background: url(\"../images/chart.png\") no-repeat; }\n"})
    result = run_build("all", "--source", source, "--out", out)
    assert result.returncode == 0, result.stderr
    assert "https://example.org/" in (out / "html" / "index.html").read_text(encoding="utf-8")


def test_templates_are_given_plain_data_only(monkeypatch):
    """Walk every context a template is rendered with: strings, numbers, dates, tuples, mappings
    and records of those, nothing else (no path, no callable, no model object)."""
    from press.render import epub, pdf, templating, web
    from press.source import source

    seen = []
    real = templating.template_data.plain

    def spy(context):
        made = real(context)
        seen.append(made)
        return made

    monkeypatch.setattr(templating.template_data, "plain", spy)
    briefing = source.load_briefing(FIXTURES / "themed-folder")
    pdf.render_html(briefing)
    web.render_page(briefing, [])
    epub._documents(briefing, "cover.png")
    templating.render("docx.html.j2", briefing=briefing)
    allowed = (*template_data.PLAIN_TYPES, tuple, dict, template_data.Record)
    assert len(seen) >= 8
    for context in seen:
        for path, value in template_data.walk(context):
            assert isinstance(value, allowed), f"{path} is a {type(value).__name__}"
            assert not isinstance(value, os.PathLike) and not callable(value), path


@pytest.mark.parametrize("src, reason", [("images/chart-missing.png", "file not found"),
                                         ("../images/chart.png", "only use files inside the briefing's folder")])
def test_a_theme_picture_the_pdf_cannot_use_is_blamed_on_the_theme(tmp_path, good, src, reason):
    """Not on a section line that merely holds the same file name (sections/02-second.md uses
    ../images/chart.png): the theme's template and line that asks for it."""
    before = digests(good)
    source, out, victim = hostile(tmp_path, good, {
        "theme/_disclaimer.html.j2": f"<aside>\n<img src=\"{src}\" alt=\"\">\n{{{{ briefing.disclaimer_html | safe }}}}</aside>\n"})
    result = run_build("pdf", "--source", source, "--out", out)
    assert_refused(result, "theme/_disclaimer.html.j2:2:", "E311", before, out, victim)
    assert reason in result.stderr
