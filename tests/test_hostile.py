"""Hostile sources (tests/fixtures/hostile/*): the right message and exit status, no traceback,
nothing read from outside the briefing, nothing fetched from the network, no script in the
edition, and the previous edition left as it was.

Each build runs as a user would run it, with tests/guard/sitecustomize.py loaded: it logs any
Python-level open of a file in the `outside` folder (the canaries) and refuses every socket.
"""

from __future__ import annotations

import html.parser
import http.server
import io
import os
import re
import shutil
import threading
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import FIXTURES, ROOT, run_build
from press.check import checks
from press.check.pdfactive import active_content

HOSTILE = FIXTURES / "hostile"
GUARD = Path(__file__).resolve().parent / "guard"
PNG = (FIXTURES / "features" / "images" / "chart.png").read_bytes()


@dataclass(frozen=True)
class Case:
    status: int
    message: str = ""        # a regular expression the one-line error must match (search)
    code: str = ""           # the code `check` reports for it ("" when check finds nothing)


CASES = {
    "image-file-url": Case(1, r"01\.md:5: E311: image 'file://.*' must be a file inside the source folder$", "E311"),
    "image-network": Case(1, r"01\.md:5: E311: image 'http://127\.0\.0\.1:\d+/pixel\.png' must be a file inside", "E311"),
    "image-dotdot": Case(1, r"01\.md:5: E311: image '\.\./\.\./outside/canary\.png' is outside the source folder$", "E311"),
    "image-symlink": Case(1, r"01\.md:5: E311: image '\.\./images/linked\.png' is outside the source folder$", "E311"),
    "images-folder-symlink": Case(1, r"01\.md:3: E311: image '\.\./images/canary\.png' is outside the source folder$",
                                  "E311"),
    "section-symlink": Case(1, r"briefing\.yml:7: E107: section '02\.md' is a link to a file outside the source folder$",
                            "E107"),
    "svg-file-image": Case(1, r"drawing\.svg:3: E315: SVG image refers to 'file://.*/canary\.png', which is not a file "
                              r"inside the source folder$", "E315"),
    "svg-network-image": Case(1, r"drawing\.svg:3: E315: SVG image refers to 'http://127\.0\.0\.1:\d+/beacon\.png'", "E315"),
    "svg-css-url": Case(1, r"drawing\.svg:2: E315: SVG image refers to 'file://.*/canary\.css'", "E315"),
    "svg-external-entity": Case(1, r"drawing\.svg:2: E315: SVG images may not hold '<!DOCTYPE svg \['", "E315"),
    "svg-script": Case(1, r"drawing\.svg:1: E315: SVG images may not hold event handlers \('onload='\)", "E315"),
    "raw-html": Case(0),
    "javascript-link": Case(1, r"01\.md:5: E301: links may use http, https or mailto, not 'javascript:'$", "E301"),
    "javascript-autolink": Case(1, r"(?i)01\.md:3: E301: links may use http, https or mailto, not 'javascript:'$", "E301"),
    "data-html-link": Case(1, r"01\.md:4: E301: links may use http, https or mailto, not 'data:'$", "E301"),
    "file-link": Case(1, r"01\.md:3: E301: links may use http, https or mailto, not 'file:'$", "E301"),
    "malformed-yaml": Case(1, r"briefing\.yml:5: E101: invalid YAML: ", "E101"),
    "wrong-types": Case(1, r"briefing\.yml:1: E103: 'title' must be text, not a mapping", "E103"),
    "yaml-bomb": Case(1, r"briefing\.yml:2: E101: invalid YAML: aliases \(\*name\) are not allowed", "E101"),
    "missing-file": Case(1, r"briefing\.yml:7: E106: section file 'sections/nowhere\.md' does not exist$", "E106"),
    "non-utf8": Case(1, r"01\.md:3: E201: not UTF-8 text \(invalid byte 0xe9\): it looks like Windows-1252 \(Latin-1\): re-save it as UTF-8 ", "E201"),
    "bom": Case(0),
    "empty-section": Case(1, r"01\.md:1: E202: section is empty$", "E202"),
    "duplicate-headings": Case(0, "", "W207"),
    "broken-anchor": Case(1, r"01\.md:5: E303: link to '#no-such-heading': no heading has that id$", "E303"),
    "control-character": Case(1, r"01\.md:3: E208: control character U\+0007 is not allowed", "E208"),
    "title-markup": Case(0),
    "related-javascript": Case(1, r"briefing\.yml:8: E103: 'url' must start with http:// or https://", "E103"),
    "cover-outside": Case(1, r"briefing\.yml:7: E103: 'cover' must be a file inside the source folder", "E103"),
    "front-matter-id": Case(1, r"01\.md:1: E206: front matter 'id' must be letters, digits", "E206"),
    "slug-traversal": Case(1, r"briefing\.yml:2: E103: 'slug' may hold only a-z, 0-9, '\.', '_' and '-', not '\.\./", "E103"),
    "disclaimer-markup": Case(1, r"briefing\.yml:4: E321: the disclaimer may link only to web addresses$", "E321"),
    # Issue 13: SVG sanitising by construction, pictures checked by content.
    "svg-prefixed-script": Case(1, r"drawing\.svg:3: E315: SVG images may not hold <script> \(script and foreign", "E315"),
    "svg-utf16": Case(1, r"drawing\.svg:4: E315: SVG images may not hold <script>", "E315"),
    "svg-javascript-link": Case(1, r"drawing\.svg:2: E315: SVG image refers to 'java\\x09script:alert\(1\)', which is not "
                                   r"a file inside the source folder$", "E315"),
    "svg-deep-nesting": Case(1, r"drawing\.svg:2: E319: SVG image nests elements more than 64 deep", "E319"),
    "image-misnamed": Case(1, r"01\.md:3: E316: image 'images/chart\.jpg' is a PNG picture named like a JPEG: rename it "
                              r"'chart\.png'", "E316"),
    "image-not-a-picture": Case(1, r"01\.md:3: E316: image 'images/map\.png' is not a picture: its content is not PNG",
                                "E316"),
    "image-huge-declared": Case(1, r"01\.md:3: E318: image 'images/huge\.png' is 30,000 x 30,000 px: the limit is "
                                   r"40,000,000 pixels", "E318"),
    "image-truncated": Case(1, r"01\.md:3: E317: image 'images/cut\.png' cannot be decoded: it is damaged or truncated",
                            "E317"),
    "cover-huge": Case(1, r"briefing\.yml:7: E318: cover 'front\.png' is 30,000 x 30,000 px", "E318"),
}


def test_every_fixture_has_a_case():
    assert sorted(p.name for p in HOSTILE.iterdir()) == sorted(CASES)


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    """A web server on the loopback: a build that reaches it is caught by its hit list."""
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


@pytest.fixture(scope="module")
def previous_pdf(tmp_path_factory) -> bytes:
    """The bytes of an earlier edition, which no failed build may touch."""
    return (FIXTURES / "features" / "images" / "chart.png").read_bytes() + b"%previous edition\n"


def make_canaries(folder: Path) -> str:
    """Secret files outside the briefing, each holding one unique string."""
    secret = f"CANARY-{uuid.uuid4().hex}"
    folder.mkdir()
    (folder / "canary.txt").write_text(secret + "\n")
    (folder / "canary.md").write_text(f"# {secret}\n\n{secret}\n")
    (folder / "canary.css").write_text(f"body::before {{ content: '{secret}' }}\n")
    (folder / "canary.svg").write_text(f'<svg xmlns="http://www.w3.org/2000/svg"><text>{secret}</text></svg>\n')
    (folder / "canary.png").write_bytes(PNG + secret.encode())
    return secret


def setup(name: str, tmp_path: Path, port: int, previous: bytes) -> tuple[Path, Path, Path, str]:
    outside = tmp_path / "outside"
    secret = make_canaries(outside)
    source = tmp_path / "src"
    shutil.copytree(HOSTILE / name, source)
    for path in source.rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".md", ".svg"):
            data = path.read_bytes()
            data = data.replace(b"{CANARY_DIR}", str(outside).encode()).replace(b"{PORT}", str(port).encode())
            path.write_bytes(data)
    # Symlinks are made here: a symlink to an absolute path does not survive a git clone.
    if name == "image-symlink":
        (source / "images").mkdir()
        (source / "images" / "linked.png").symlink_to(outside / "canary.png")
    elif name == "images-folder-symlink":
        (source / "images").symlink_to(outside, target_is_directory=True)
    elif name == "section-symlink":
        (source / "sections" / "02.md").symlink_to(outside / "canary.md")
    out = tmp_path / "out"
    out.mkdir()
    (out / "hostile.pdf").write_bytes(previous)
    return source, out, outside, secret


def guarded_build(*args, log: Path, secret_dir: Path):
    env = {"PYTHONPATH": str(GUARD), "PRESS_GUARD_LOG": str(log),
           "PRESS_GUARD_SECRET": os.path.realpath(secret_dir)}
    return run_build(*args, env=env)


def output_texts(out: Path):
    """Every output file's bytes, EPUB members unzipped, and the text and metadata of PDFs."""
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        yield str(path), data
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path}!{member}", archive.read(member)
        if data.startswith(b"%PDF"):
            reader = PdfReader(io.BytesIO(data))
            text = "".join(page.extract_text() or "" for page in reader.pages)
            yield f"{path} (text)", (text + str(reader.metadata)).encode()
            for number, page in enumerate(reader.pages):
                contents = page.get_contents()
                if contents is not None:
                    yield f"{path} (page {number + 1} stream)", contents.get_data()


def assert_no_canary(out: Path, secret: str) -> None:
    """No output file, nor anything inside one, holds the canary's content."""
    needles = [secret.encode(), secret.encode("utf-16-be")]
    for name, data in output_texts(out):
        assert not any(needle in data for needle in needles), f"{name} holds content from outside the briefing"


def assert_nothing_outside_read(log: Path) -> None:
    entries = log.read_text().splitlines() if log.exists() else []
    network = [e for e in entries if e.startswith("network")]
    assert not network, f"the build tried to reach the network: {network}"
    reads = [e for e in entries if e.startswith("read")]
    assert not reads, f"the build read files outside the briefing: {reads}"


class Visible(html.parser.HTMLParser):
    """The elements and attributes of an HTML document (not its text)."""

    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    handle_startendtag = handle_starttag


FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "style", "svg", "form", "base", "frame", "applet"}


def assert_no_active_html(document: str) -> None:
    parser = Visible()
    parser.feed(document)
    for tag, attrs in parser.tags:
        assert tag not in FORBIDDEN_TAGS, f"<{tag}> reached the edition"
        assert not (tag == "link" and "attachment" in attrs.get("rel", "")), "<link rel=attachment> reached it"
        assert not (tag == "meta" and "http-equiv" in attrs), "<meta http-equiv> reached the edition"
        assert not [a for a in attrs if a.startswith("on")], f"an event handler on <{tag}> reached the edition"
        assert "style" not in attrs, f"a style attribute on <{tag}> reached the edition"
        for name in ("href", "src", "data", "action"):
            value = re.sub(r"\s", "", attrs.get(name, "")).lower()
            assert not value.startswith(("javascript:", "vbscript:", "data:text/html", "file:")), \
                f"<{tag} {name}={attrs[name]!r}> reached the edition"


def assert_safe_pdf(pdf: Path) -> None:
    reader = PdfReader(pdf)
    assert active_content(reader) == [], f"active content in {pdf}"
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            if action is not None:
                uri = str(action.get_object().get("/URI", ""))
                assert re.match(r"(?i)^(https?:|mailto:|$)", uri), f"a link to {uri!r} in the PDF"


@pytest.mark.slow  # a build for each of 35 sources
@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_source(name, tmp_path, server, previous_pdf):
    case = CASES[name]
    _Counter.hits.clear()
    source, out, outside, secret = setup(name, tmp_path, server.server_address[1], previous_pdf)
    log = tmp_path / "guard.log"

    result = guarded_build("pdf", "--source", source, "--out", out, log=log, secret_dir=outside)

    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode == case.status, result.stderr + result.stdout
    if case.status:
        lines = result.stderr.strip().splitlines()
        assert any(re.search(case.message, line) for line in lines), result.stderr
        assert (out / "hostile.pdf").read_bytes() == previous_pdf, "the previous edition was changed"
    else:
        assert (out / "hostile.pdf").read_bytes() != previous_pdf
        assert_safe_pdf(out / "hostile.pdf")
    assert not [p for p in out.iterdir() if p.name.startswith(".press-tmp-")], "a temporary file was left"
    assert_nothing_outside_read(log)
    assert_no_canary(out, secret)
    assert not _Counter.hits, f"the build fetched {_Counter.hits} from the network"

    checked = guarded_build("check", "--source", source, "--out", out, log=log, secret_dir=outside)
    assert "Traceback" not in checked.stderr + checked.stdout
    found = [line.split(": ")[1] for line in checked.stdout.splitlines()]
    if case.code:
        assert case.code in found, checked.stdout
    assert checked.returncode == (1 if case.status or case.code.startswith("E") else 0), checked.stdout
    assert_nothing_outside_read(log)
    assert not _Counter.hits


def test_raw_html_never_reaches_the_print_html(tmp_path, server, previous_pdf):
    from press.render.pdf import render_html
    from press.source.source import load_briefing

    source, *_ = setup("raw-html", tmp_path, server.server_address[1], previous_pdf)
    briefing = load_briefing(source)
    document = render_html(briefing)
    assert_no_active_html(document)
    # ... and it is shown to the reader as the text the editor typed.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in document
    assert "&lt;img src=x onerror=" in document and "&lt;meta http-equiv=" in document
    assert briefing.toc[0].title == "One <script>alert(‘h’)</script>"


@pytest.mark.slow
def test_manifest_markup_is_escaped_and_correct_in_the_pdf(tmp_path, server, previous_pdf):
    from press.render.pdf import render_html
    from press.source.source import load_briefing

    source, out, outside, _ = setup("title-markup", tmp_path, server.server_address[1], previous_pdf)
    title = "Tom & Jerry <script>alert(1)</script> <b>bold</b>"
    document = render_html(load_briefing(source))
    assert_no_active_html(document)
    assert "<title>Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;</title>" in document
    result = guarded_build("pdf", "--source", source, "--out", out, log=tmp_path / "log", secret_dir=outside)
    assert result.returncode == 0, result.stderr
    reader = PdfReader(out / "hostile.pdf")
    assert reader.metadata.title == title
    assert re.sub(r"\s", "", title) in re.sub(r"\s", "", reader.pages[0].extract_text())


def test_duplicate_headings_get_distinct_ids_and_links_reach_both(tmp_path, server, previous_pdf):
    from press.source.source import load_briefing

    source, *_ = setup("duplicate-headings", tmp_path, server.server_address[1], previous_pdf)
    section = load_briefing(source).sections[0]
    assert [c.anchor for c in section.toc.children] == ["findings", "findings-2"]
    assert 'href="#findings"' in section.html.print and 'href="#findings-2"' in section.html.print


def test_bom_is_not_part_of_the_text(tmp_path, server, previous_pdf):
    from press.source.source import load_briefing

    source, *_ = setup("bom", tmp_path, server.server_address[1], previous_pdf)
    briefing = load_briefing(source)
    assert briefing.title == "Hostile bom" and briefing.toc[0].title == "One With a BOM"


def test_heading_links_do_not_nest_in_the_toc(tmp_path):
    """A link in a heading is checked like any link, and the TOC entry shows it as text."""
    from press.source.source import load_briefing

    (tmp_path / "sections").mkdir()
    (tmp_path / "sections" / "01.md").write_text("# See [the web](https://example.org) ![icon](x.png)\n")
    (tmp_path / "x.png").write_bytes(PNG)
    (tmp_path / "sections" / "01.md").write_text("# See [the web](https://example.org)\n")
    (tmp_path / "briefing.yml").write_text("title: T\nlanguage: en\ndisclaimer: D\nsections: [sections/01.md]\n")
    briefing = load_briefing(tmp_path)
    assert briefing.toc[0].html == "See the web"
    assert '<a href="https://example.org">the web</a>' in briefing.sections[0].html.print
    (tmp_path / "sections" / "01.md").write_text("# See [x](javascript:alert(1))\n")
    with pytest.raises(checks.PressError, match="01.md:1: E301: links may use"):
        load_briefing(tmp_path)


def test_a_hostile_svg_that_press_svg_did_not_report_still_fetches_nothing(tmp_path, server, previous_pdf,
                                                                          monkeypatch):
    """Defence in depth: were press.source.svg to report nothing, the editions still get only the
    re-serialized drawing (no reference left in it), and WeasyPrint's fetcher still refuses
    the file itself."""
    from press.render import pdf
    from press.source import svg
    from press.render.resources import ConfinedFetcher, ForbiddenResource
    from press.source.source import load_briefing

    source, out, outside, secret = setup("svg-file-image", tmp_path, server.server_address[1], previous_pdf)
    drawing = source / "images" / "drawing.svg"
    with pytest.raises(ForbiddenResource, match=r"which is not a file inside the source folder"):
        ConfinedFetcher([source]).fetch(drawing.as_uri())
    monkeypatch.setattr(svg._Builder, "refuse", lambda self, element, message: None)
    briefing = load_briefing(source)
    fetched = []
    original = ConfinedFetcher.fetch
    monkeypatch.setattr(ConfinedFetcher, "fetch", lambda self, url, headers=None: (
        fetched.append(url), original(self, url, headers))[1])
    data = pdf.pdf_bytes(briefing)
    assert [url.rsplit("/", 1)[-1] for url in fetched if "/images/" in url] == ["drawing.svg"]
    assert not [url for url in fetched if "canary" in url or url.startswith("http")], fetched
    assert secret.encode() not in data


def test_symlinked_manifest_outside_is_refused(tmp_path):
    outside = tmp_path / "outside"
    make_canaries(outside)
    (outside / "briefing.yml").write_text("title: T\nlanguage: en\ndisclaimer: D\nsections: [a.md]\n")
    source = tmp_path / "src"
    source.mkdir()
    (source / "briefing.yml").symlink_to(outside / "briefing.yml")
    result = run_build("pdf", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "briefing.yml is a link to a file outside the source folder" in result.stderr


def test_project_root_is_not_reachable_through_the_fetcher(tmp_path):
    """The fetcher's roots are the source folder, templates/ and styles/: not the project."""
    from press.render.resources import ConfinedFetcher, ForbiddenResource

    fetcher = ConfinedFetcher([tmp_path, ROOT / "templates", ROOT / "styles"])
    for url in ((ROOT / "pyproject.toml").as_uri(), (ROOT / "styles" / ".." / "build.py").as_uri(),
                "file:///etc/passwd", "http://127.0.0.1:1/", "https://example.org/x.css",
                "ftp://example.org/x", "FILE:///etc/passwd"):
        with pytest.raises(ForbiddenResource):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 7
    assert fetcher.fetch("data:text/plain,hello") is not None


@pytest.mark.slow
def test_a_normal_build_and_check_open_no_connection(tmp_path):
    """The happy path too: fonts, images, styles all come from disk."""
    log = tmp_path / "guard.log"
    secret = tmp_path / "nothing-here"
    secret.mkdir()
    for command in ("pdf", "check"):
        result = guarded_build(command, "--source", FIXTURES / "features", "--out", tmp_path / "out",
                               log=log, secret_dir=secret)
        assert result.returncode == 0, result.stderr
    assert_nothing_outside_read(log)
    assert not log.exists() or log.read_text() == ""
