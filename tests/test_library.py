"""The publisher's library: one build of a generated library, read and validated as an e-reader app would.

The library (tests/library_gen.py: English briefings in two series and a French translation)
is generated here, never committed. OPDS 1.2 is validated with jing against the opds-community
RelaxNG schema, OPDS 2.0 with jsonschema against its JSON Schemas, and both are parsed by
Readium's r2-opds-js (the parser Thorium uses).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote

import pytest

from conftest import ROOT, build_ok, run_build
from library_gen import make_library, write_briefing
from opds_validate import jing, opds2_errors

pytestmark = pytest.mark.slow  # library builds

ATOM = "{http://www.w3.org/2005/Atom}"
ACQUIRE = "http://opds-spec.org/acquisition"
CLIENT = ROOT / "tests" / "opds_client"


LOCAL = ".press/stamps.json"   # file sizes and times: what a no-change run checks first, local to each folder


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones included) by relative path, but the local file times."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).as_posix() != LOCAL}


def mtimes(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    return make_library(tmp_path_factory.mktemp("library") / "lib", count=4, translations=1)


@pytest.fixture(scope="module")
def site(library, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_ok("library", "--source", library, "--out", out, "--jobs", "2")
    return out


def feeds(site: Path, suffix: str) -> list[Path]:
    return sorted((site / "opds").rglob(f"*{suffix}"))


def test_layout(site):
    slugs = ["briefing-000-on-the-sahel", "briefing-001-on-the-sahel", "briefing-002-on-the-sahel",
             "briefing-003-on-the-sahel", "note-500-sur-le-sahel"]
    for slug in slugs:
        for name in ("index.html", f"{slug}.pdf", f"{slug}.epub"):
            assert (site / slug / name).is_file(), f"{slug}/{name}"
        assert (site / "covers" / f"{slug}-thumb.jpg").is_file()
    for name in ("index.html", "feed.atom", "sitemap.xml", "opensearch.xml", "opds/index.xml", "opds/index.json",
                 "series/sahel/index.html", "series/field-reports/index.html", "language/fr/index.html",
                 "year/2024/index.html", "pagefind/pagefind.js"):
        assert (site / name).is_file(), name


def copies(folder: Path, suffixes=(".pdf", ".epub", ".docx")) -> dict[bytes, set]:
    """Each download's bytes -> the distinct files (device, inode) holding them under `folder`."""
    found: dict[bytes, set] = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in suffixes:
            st = path.stat()
            found.setdefault(path.read_bytes(), set()).add((st.st_dev, st.st_ino))
    return found


def test_each_pdf_and_epub_is_stored_once(site):
    """Built under .press/<slug>/, offered by the web folder, published at <slug>/: one file, linked."""
    slug = "briefing-001-on-the-sahel"
    names = [site / ".press" / slug / f"{slug}.pdf", site / ".press" / slug / "html" / f"{slug}.pdf",
             site / slug / f"{slug}.pdf"]
    assert all(n.is_file() for n in names) and len({n.stat().st_ino for n in names}) == 1
    stored = copies(site)
    assert len(stored) >= 10 and all(len(files) == 1 for files in stored.values())


def test_a_file_system_that_refuses_links_gets_copies(tmp_path, monkeypatch):
    from press.library import library_files

    source, target = tmp_path / "a.pdf", tmp_path / "site" / "a.pdf"
    source.write_bytes(b"%PDF-1.7 one")
    assert library_files.place(source, target) and library_files.same_file(source, target)
    assert not library_files.place(source, target)  # already the same file: nothing written

    def refuse(*args):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(library_files.os, "link", refuse)
    other = tmp_path / "b.pdf"
    other.write_bytes(b"%PDF-1.7 two")
    assert library_files.place(other, target)
    assert target.read_bytes() == b"%PDF-1.7 two" and not library_files.same_file(other, target)
    assert source.read_bytes() == b"%PDF-1.7 one"  # the file it was linked to is untouched
    assert sorted(p.name for p in target.parent.iterdir()) == ["a.pdf"]  # no temporary left


def test_opds1_validates_against_the_opds_schema(site):
    files = feeds(site, ".xml")
    assert len(files) >= 9
    result = jing(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_opds1_navigation_and_acquisition(site):
    index = ET.parse(site / "opds" / "index.xml").getroot()
    entries = {e.findtext(f"{ATOM}title"): e.find(f"{ATOM}link") for e in index.iter(f"{ATOM}entry")}
    assert set(entries) == {"All briefings", "Newest", "By series", "By language"}
    assert entries["By series"].get("type").endswith("kind=navigation")
    assert entries["All briefings"].get("type").endswith("kind=acquisition")
    series = ET.parse(site / "opds" / "series.xml").getroot()
    # b002 names its series by the manifest's own form ({name, number, issn}), one library.yml does not list;
    # b003 by that form too, naming a series of library.yml by its title.
    assert [e.findtext(f"{ATOM}title") for e in series.iter(f"{ATOM}entry")] == [
        "Field Reports", "Policy Briefs", "Sahel Security Notes"]
    field = ET.parse(site / "opds" / "series" / "field-reports.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in field.iter(f"{ATOM}entry")] == ["Briefing 002 on the Sahel"]
    feed = ET.parse(site / "opds" / "all.xml").getroot()
    entries = list(feed.iter(f"{ATOM}entry"))
    assert len(entries) == 5
    dates = [e.findtext("{http://purl.org/dc/terms/}issued") for e in entries]
    assert dates == sorted(dates, reverse=True)
    french = entries[0]
    assert french.findtext("{http://purl.org/dc/terms/}language") == "fr"
    assert french.findtext(f"{ATOM}summary") == "Résumé de la note 500."
    alternates = [l for l in french.iter(f"{ATOM}link") if l.get("hreflang") == "en"]
    assert alternates and alternates[0].get("href") == "../briefing-000-on-the-sahel/"
    rels = {l.get("rel") for l in french.iter(f"{ATOM}link")}
    assert {ACQUIRE, "http://opds-spec.org/image", "http://opds-spec.org/image/thumbnail"} <= rels


def test_every_acquisition_link_resolves_to_a_file_of_that_length_and_type(site):
    from press.base.media import media_type

    checked = 0
    for path in feeds(site, ".xml"):
        for link in ET.parse(path).getroot().iter(f"{ATOM}link"):
            target = (path.parent / unquote(link.get("href"))).resolve()
            if link.get("rel", "").startswith("http://opds-spec.org/"):
                if link.get("rel") == "http://opds-spec.org/facet" or "kind=" in (link.get("type") or ""):
                    assert target.is_file(), link.get("href")
                    continue
                assert target.is_file() and target.is_relative_to(site.resolve()), link.get("href")
                assert media_type(target) == link.get("type")
                if link.get("rel") == ACQUIRE:
                    assert int(link.get("length")) == target.stat().st_size
                    checked += 1
            elif link.get("rel") in ("alternate", "self", "start", "up"):
                assert target.exists(), link.get("href")
    for path in feeds(site, ".json"):
        for publication in json.loads(path.read_text()).get("publications", []):
            for link in publication["links"] + publication["images"]:
                target = (path.parent / link["href"]).resolve()
                assert target.exists(), link["href"]
                if link.get("rel") == ACQUIRE:
                    assert link["size"] == target.stat().st_size and media_type(target) == link["type"]
                    checked += 1
    assert checked >= 40


def test_opds2_validates_against_the_opds_json_schema(site):
    files = feeds(site, ".json")
    assert len(files) >= 9
    for path in files:
        assert opds2_errors(json.loads(path.read_text(encoding="utf-8"))) == [], path


def parse_with_readium(*files: Path) -> dict:
    if not (CLIENT / "node_modules" / "r2-opds-js").is_dir():
        pytest.fail("r2-opds-js is missing: `make test` installs it (npm install --ignore-scripts in tests/opds_client)")
    result = subprocess.run(["node", str(CLIENT / "parse.js"), *map(str, files)], capture_output=True, text=True,
                            timeout=120, cwd=CLIENT)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_real_opds_client_reads_both_versions(site):
    parsed = parse_with_readium(site / "opds/index.xml", site / "opds/all.xml", site / "opds/index.json",
                                site / "opds/all.json", site / "opds/series/sahel.xml")
    nav1 = parsed[str(site / "opds/index.xml")]
    assert [n["title"] if "title" in n else n["href"] for n in nav1["navigation"]]  # navigation entries exist
    assert {n["href"] for n in nav1["navigation"]} == {"all.xml", "new.xml", "series.xml", "languages.xml"}
    nav2 = parsed[str(site / "opds/index.json")]
    assert {n["href"] for n in nav2["navigation"]} == {"all.json", "new.json", "series.json", "languages.json"}
    for name in ("opds/all.xml", "opds/all.json"):
        feed = parsed[str(site / name)]
        assert len(feed["publications"]) == 5, name
        by_title = {p["title"]: p for p in feed["publications"]}
        french = by_title["Note 500 sur le Sahel"]
        assert french["language"] == ["fr"] or french["language"] == "fr"
        assert french["authors"] == ["Author 0"]
        types = {l["type"] for l in french["links"] if l["rel"] == ACQUIRE or ACQUIRE in (l["rel"] or [])}
        assert types == {"application/epub+zip", "application/pdf"}, name
        assert any(i["href"].endswith("-thumb.jpg") for i in french["images"])
        assert {f["title"] for f in feed["facets"]} == {"Series", "Language"}
    sahel = parsed[str(site / "opds/series/sahel.xml")]
    assert [p["title"] for p in sahel["publications"]] == ["Briefing 000 on the Sahel", "Briefing 003 on the Sahel"]


def test_atom_feed_and_sitemap_use_absolute_urls(site):
    base = "https://briefings.example.org/library/"
    feed = ET.parse(site / "feed.atom").getroot()
    for link in feed.iter(f"{ATOM}link"):
        assert link.get("href").startswith(base)
    entry = next(e for e in feed.iter(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "Briefing 000 on the Sahel")
    assert any(l.get("hreflang") == "fr" for l in entry.iter(f"{ATOM}link"))
    result = jing(site / "feed.atom")  # Atom is what the OPDS schema extends: the feed is valid Atom as well
    assert result.returncode == 0, result.stdout
    urls = [u.text for u in ET.parse(site / "sitemap.xml").getroot().iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert urls[0] == base and len(urls) == 6 and all(u.startswith(base) for u in urls)


def test_translations_link_each_other_on_the_web(site):
    english = (site / "briefing-000-on-the-sahel" / "index.html").read_text(encoding="utf-8")
    french = (site / "note-500-sur-le-sahel" / "index.html").read_text(encoding="utf-8")
    assert '<link rel="alternate" hreflang="fr" href="../note-500-sur-le-sahel/"' in english
    assert '<link rel="alternate" hreflang="en" href="../briefing-000-on-the-sahel/"' in french
    assert 'lang="fr"' in english and ">Français</a>" in english
    assert "Également en :" in french and ">English</a>" in french
    other = (site / "briefing-001-on-the-sahel" / "index.html").read_text(encoding="utf-8")
    assert "hreflang" not in other and '<a href="../">Fixture Library</a>' in other


def pdf_text_and_links(path: Path) -> tuple[str, list[str]]:
    import pikepdf

    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    with pikepdf.open(path) as pdf:
        links = [str(a.A.URI) for page in pdf.pages for a in (page.get("/Annots") or [])
                 if "/A" in a and "/URI" in a.A]
    return " ".join(text.split()), links


def epub_page(path: Path, name: str) -> str:
    import zipfile

    with zipfile.ZipFile(path) as book:
        return book.read(next(n for n in book.namelist() if n.endswith("/" + name))).decode("utf-8")


def test_the_pdf_and_the_epub_say_also_in_and_link_the_translation(site):
    """b000 names its French translation by a `translations:` map; the French one names nothing:
    both editions of both briefings carry the line, linked to the other's web page."""
    base = "https://briefings.example.org/library/"
    for slug, other, line in (("briefing-000-on-the-sahel", "note-500-sur-le-sahel", "Also in: Français"),
                              ("note-500-sur-le-sahel", "briefing-000-on-the-sahel", "Également en : English")):
        text, links = pdf_text_and_links(site / slug / f"{slug}.pdf")
        assert line in text, slug
        assert f"{base}{other}/" in links, links
        title_page = epub_page(site / slug / f"{slug}.epub", "titlepage.xhtml")
        lang = "fr" if other.startswith("note") else "en"
        assert (f'<p class="also-in">{line.rsplit(" ", 1)[0]} <a href="{base}{other}/" hreflang="{lang}" lang="{lang}" '
                f'xml:lang="{lang}">{line.rsplit(" ", 1)[1]}</a></p>') in title_page
    text, links = pdf_text_and_links(site / "briefing-001-on-the-sahel" / "briefing-001-on-the-sahel.pdf")
    assert "Also in" not in text and not any(link.startswith(base) for link in links)


def test_a_series_named_by_its_library_id_is_printed_by_its_title(site, library, tmp_path):
    """b000 says `series: sahel` (library.yml's id): its editions in the library print the series'
    title, on the cover, the imprint and in the citation; built alone, it has only the id to print."""
    slug = "briefing-000-on-the-sahel"
    text, _ = pdf_text_and_links(site / slug / f"{slug}.pdf")
    assert "Sahel Security Notes" in text and "sahel 1" not in text, text[:600]
    assert "Sahel Security Notes" in epub_page(site / slug / f"{slug}.epub", "imprint.xhtml")
    assert "Sahel Security Notes" in (site / slug / "index.html").read_text(encoding="utf-8")
    alone = tmp_path / "alone"
    build_ok("pdf", "--source", library / "b000", "--out", alone)
    assert "Sahel Security Notes" not in pdf_text_and_links(alone / f"{slug}.pdf")[0]


def test_the_epubs_with_the_also_in_link_pass_epubcheck_and_the_pdf_ua_rules(site, tmp_path):
    import page
    from test_epub import epubcheck

    for slug in ("briefing-000-on-the-sahel", "note-500-sur-le-sahel"):
        result = epubcheck(site / slug / f"{slug}.epub", tmp_path / f"{slug}.json")
        assert [f"{m['ID']}: {m['message']}" for m in result["messages"]] == [], slug
        report = page.validate_pdf(str(site / slug / f"{slug}.pdf"), profile="ua1")
        assert report.is_compliant, [f.rule_id for f in report.failures]


def test_a_briefing_built_alone_names_its_translations_only_from_its_own_map(library, tmp_path):
    """Alone, b000 knows its French translation from its `translations:` map: the line names the
    language, unlinked (where the other's page is, only the library knows). The French briefing,
    which only the library links to b000, has no line."""
    alone = tmp_path / "alone"
    build_ok("pdf", "--source", library / "b000", "--out", alone)
    build_ok("epub", "--source", library / "b000", "--out", alone)
    slug = "briefing-000-on-the-sahel"
    text, links = pdf_text_and_links(alone / f"{slug}.pdf")
    assert "Also in: Français" in text and not any("note-500" in link for link in links)
    assert '<p class="also-in">Also in: <span lang="fr" xml:lang="fr">Français</span></p>' in \
        epub_page(alone / f"{slug}.epub", "titlepage.xhtml")
    build_ok("pdf", "--source", library / "b000-fr", "--out", alone)
    text, _ = pdf_text_and_links(alone / "note-500-sur-le-sahel.pdf")
    assert "Également" not in text


def test_both_forms_of_translations_and_series_are_read_alike(tmp_path):
    from press.library.library import load_library

    source = make_library(tmp_path / "lib", count=2, translations=2)
    library = load_library(source)
    assert library.translations["briefing-000-on-the-sahel"] == ("briefing-000-on-the-sahel", "note-500-sur-le-sahel")
    assert library.translations["note-501-sur-le-sahel"] == ("briefing-001-on-the-sahel", "note-501-sur-le-sahel")
    write_briefing(source / "b002", 2)
    write_briefing(source / "b003", 3)
    refs = {r.slug: r for r in load_library(source).briefings}
    assert (refs["briefing-002-on-the-sahel"].series, refs["briefing-002-on-the-sahel"].number) == ("field-reports", 1)
    assert (refs["briefing-003-on-the-sahel"].series, refs["briefing-003-on-the-sahel"].number) == ("sahel", 2)
    assert [s.id for s in load_library(source).series] == ["field-reports", "policy", "sahel"]


def test_an_unchanged_briefing_is_not_read_again_and_a_changed_one_is(tmp_path, monkeypatch):
    """A no-change run reads no manifest: each briefing's folder is compared by its files' sizes,
    times and inodes with the record of the last run; any difference reads the manifest again."""
    from press.library import library

    source = make_library(tmp_path / "lib", count=3, translations=1)
    first = library.load_library(source)
    known = {str(r.folder): library.record(r) for r in first.briefings}
    read = []
    real = library.load_manifest
    monkeypatch.setattr(library, "load_manifest", lambda folder: read.append(folder.name) or real(folder))
    again = library.load_library(source, known)
    assert read == []
    assert [(r.slug, r.series, r.number, r.summary, r.translation_of, r.manifest.title, r.manifest.language)
            for r in again.briefings] == [(r.slug, r.series, r.number, r.summary, r.translation_of, r.manifest.title,
                                           r.manifest.language) for r in first.briefings]
    assert again.translations == first.translations and again.series == first.series
    manifest = source / "b001" / "briefing.yml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("What briefing 1 is about", "What briefing 1 says"),
                        encoding="utf-8")
    (source / "b002" / "sections" / "02-second.md").write_text("# Findings\n\nNew text.\n", encoding="utf-8")
    changed = library.load_library(source, known)
    assert sorted(read) == ["b001", "b002"]  # the changed folders only
    assert {r.slug: r.summary for r in changed.briefings}["briefing-001-on-the-sahel"].startswith("What briefing 1 says")
    damaged = {folder: {"fingerprint": record["fingerprint"]} for folder, record in known.items()}
    read.clear()
    assert [r.slug for r in library.load_library(source, damaged).briefings] == [r.slug for r in first.briefings]
    assert len(read) == 4  # a record it cannot use: the manifests are read


@pytest.mark.parametrize("value,code,message", [
    ("[fr, de]", "E103", "must map a language tag"),
    ("{français: mali-fr}", "E103", "keys are language tags"),
    ("{fr: Mali FR}", "E103", "must be the slug of a briefing"),
    ("{en: mali-en}", "E807", "own language"),
    ("{fr: mali-fr, de: mali-fr}", "E807", "for two languages"),
])
def test_a_bad_translations_map_is_a_manifest_error_at_its_line(value, code, message, tmp_path):
    from press.base.errors import Problems
    from press.model.manifest import load_manifest

    folder = write_briefing(tmp_path / "b", 0)
    text = (folder / "briefing.yml").read_text(encoding="utf-8")
    (folder / "briefing.yml").write_text(text + f"translations: {value}\n", encoding="utf-8")
    line = len(text.splitlines()) + 1
    with pytest.raises(Problems) as caught:
        load_manifest(folder)
    found = [p for p in caught.value.problems if p.code == code]
    assert found and message in found[0].format_message() and f"briefing.yml:{line}" in found[0].format_message(), \
        [p.format_message() for p in caught.value.problems]


def test_the_web_edition_is_the_briefing_built_alone(site, library, tmp_path):
    """A briefing folder builds alone exactly as before; the library only adds its links to the page
    (b002 names its series itself; a series named by library id gets its title, tested above)."""
    alone = tmp_path / "alone"
    build_ok("all", "--source", library / "b002", "--out", alone)
    slug = "briefing-002-on-the-sahel"
    for name in (f"{slug}.pdf", f"{slug}.epub"):
        assert (site / slug / name).read_bytes() == (alone / name).read_bytes()
    assert (site / slug / "index.html").read_bytes() != (alone / "html" / "index.html").read_bytes()


def test_a_letter_pdf_is_offered_by_the_catalogue_and_the_opds_feeds(tmp_path):
    """`paper: letter` names the PDF `<slug>-letter.pdf` (the pipeline's name): the library offers
    that file, the one it publishes, on its page and in both OPDS versions."""
    library = make_library(tmp_path / "lib", count=2, translations=0)
    write_briefing(library / "b001", 1, extra={"paper": "letter"})
    site = tmp_path / "site"
    build_ok("library", "--source", library, "--out", site, "--jobs", "1")
    pdfs = {"briefing-000-on-the-sahel": "briefing-000-on-the-sahel/briefing-000-on-the-sahel.pdf",
            "briefing-001-on-the-sahel": "briefing-001-on-the-sahel/briefing-001-on-the-sahel-letter.pdf"}
    assert not (site / "briefing-001-on-the-sahel" / "briefing-001-on-the-sahel.pdf").exists()
    page = (site / "index.html").read_text(encoding="utf-8")
    for slug, href in pdfs.items():
        assert (site / href).is_file(), href
        assert f'href="{href}"' in page, href
    feed = site / "opds" / "all.xml"
    acquired = {(feed.parent / unquote(link.get("href"))).resolve()
                for link in ET.parse(feed).getroot().iter(f"{ATOM}link")
                if link.get("rel") == ACQUIRE and link.get("type") == "application/pdf"}
    assert acquired == {(site / href).resolve() for href in pdfs.values()}
    feed2 = site / "opds" / "all.json"
    acquired2 = {(feed2.parent / link["href"]).resolve() for publication in json.loads(feed2.read_text())["publications"]
                 for link in publication["links"] if link.get("rel") == ACQUIRE and link["type"] == "application/pdf"}
    assert acquired2 == acquired
    assert all(len(files) == 1 for files in copies(site).values())  # the letter PDF, too, is stored once


def test_source_and_out_before_the_library_command_are_its_folders(tmp_path):
    """`build.py --source LIB --out SITE library`, as any command takes them (not ./library, ./site)."""
    library = make_library(tmp_path / "lib", count=1, translations=0)
    build_ok("--source", library, "--out", tmp_path / "site", "library", "--jobs", "1", cwd=tmp_path)
    build_ok("--source", library, "library", "--out", tmp_path / "site2", "--jobs", "1", cwd=tmp_path)
    for site in ("site", "site2"):
        assert (tmp_path / site / "briefing-000-on-the-sahel" / "index.html").is_file()
        assert (tmp_path / site / "opds" / "index.xml").is_file()
    assert not (tmp_path / "library").exists()


def test_jobs_2_equals_jobs_1_and_a_second_run_rewrites_nothing(site, library, tmp_path):
    out = tmp_path / "one"
    result = build_ok("library", "--source", library, "--out", out, "--jobs", "1")
    assert "5 built" in result.stdout
    assert tree(out) == tree(site)
    before = mtimes(out)
    result = build_ok("library", "--source", library, "--out", out, "--jobs", "1")
    assert "0 built" in result.stdout and "0 catalogue file(s) written" in result.stdout
    assert mtimes(out) == before


def test_an_edit_built_in_the_parent_equals_a_full_build(site, library, tmp_path):
    """After an edit to one briefing, the library process builds it itself (press.library.library_build.run),
    having imported the PDF writer, which changes ElementTree's namespace prefixes for the whole
    process: the catalogue, its kept pieces (the cards, the feeds' entries) and the search index
    must still be byte for byte those of a full build of the edited library."""
    source, out, fresh = tmp_path / "lib", tmp_path / "out", tmp_path / "fresh"
    shutil.copytree(library, source)
    shutil.copytree(site, out, copy_function=shutil.copy2)
    (out / LOCAL).unlink()   # another folder: its files' times are not the copy's
    build_ok("library", "--source", source, "--out", out)
    section = source / "b002" / "sections" / "01-first.md"
    section.write_text(section.read_text(encoding="utf-8") + "\nA sentence added by an editor.\n", encoding="utf-8")
    result = build_ok("library", "--source", source, "--out", out)
    assert "1 built" in result.stdout
    build_ok("library", "--source", source, "--out", fresh, "--jobs", "2")
    assert tree(out) == tree(fresh)
    assert (out / "feed.atom").read_text(encoding="utf-8").split("\n")[1].startswith('<feed xmlns="http://www.w3.org/2005/Atom"')


def test_three_shards_merged_equal_a_full_build(site, library, tmp_path):
    parts = []
    for k in (1, 2, 3):
        part = tmp_path / f"shard{k}"
        build_ok("library", "--source", library, "--out", part, "--shard", f"{k}/3", "--jobs", "1")
        assert not (part / "index.html").exists()
        parts.append(part)
    built = [json.loads((p / ".press" / "shard.json").read_text())["slugs"] for p in parts]
    assert sorted(sum(built, [])) == sorted(e.name for e in site.iterdir() if (e / "index.html").is_file()
                                            and e.name not in ("series", "language", "year"))
    merged = tmp_path / "merged"
    result = build_ok("library", "--merge", *parts, "--out", merged, "--source", library)
    assert "0 built" in result.stdout
    assert tree(merged) == tree(site)
    assert all(len(files) == 1 for files in copies(merged).values())


def test_a_broken_briefing_is_reported_and_the_others_are_built(library, tmp_path):
    source = tmp_path / "lib"
    shutil.copytree(library, source)
    out = tmp_path / "out"
    build_ok("library", "--source", source, "--out", out, "--jobs", "2")
    # Break one briefing (a link to a heading that does not exist), change another.
    broken = source / "b002" / "sections" / "01-first.md"
    broken.write_text(broken.read_text() + "\nSee [nowhere](#no-such-heading).\n")
    changed = source / "b003" / "sections" / "02-second.md"
    changed.write_text(changed.read_text() + "\nA new paragraph about rainfall.\n")
    result = run_build("library", "--source", source, "--out", out, "--jobs", "2")
    assert result.returncode == 1
    assert "b002/sections/01-first.md:" in result.stderr and "no-such-heading" in result.stderr
    assert "Traceback" not in result.stderr
    assert "1 built, 1 failed" in result.stdout
    catalogue = (out / "opds" / "all.xml").read_text(encoding="utf-8")
    assert "Briefing 002 on the Sahel" in catalogue           # its last good entry stays
    assert (out / "briefing-002-on-the-sahel" / "briefing-002-on-the-sahel.epub").is_file()
    assert "rainfall" in (out / "briefing-003-on-the-sahel" / "index.html").read_text(encoding="utf-8")
    # A manifest that cannot be read at all: the same.
    (source / "b001" / "briefing.yml").write_text("title: [unclosed\n")
    result = run_build("library", "--source", source, "--out", out)
    assert result.returncode == 1 and "b001/briefing.yml:" in result.stderr
    assert "Briefing 001 on the Sahel" in (out / "opds" / "all.xml").read_text(encoding="utf-8")


def one_line_error(source: Path, out: Path, code: str, where: str) -> None:
    before = tree(out) if out.exists() else None
    result = run_build("library", "--source", source, "--out", out)
    assert result.returncode == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert f": {code}: " in lines[0] and where in lines[0], lines[0]
    if before is not None:
        assert tree(out) == before


@pytest.mark.parametrize("case", ["missing", "yaml", "base_url", "http", "duplicate", "translation_of", "same-language",
                                  "reserved", "map-unknown", "map-language", "map-same-language"])
def test_bad_input_is_one_line_with_a_code(case, tmp_path):
    source = make_library(tmp_path / "lib", count=2, translations=1)
    out = tmp_path / "out"
    yml = source / "library.yml"
    if case == "missing":
        yml.unlink()
        return one_line_error(source, out, "E801", "library.yml")
    if case == "yaml":
        yml.write_text("title: [unclosed\n")
        return one_line_error(source, out, "E801", "library.yml:")
    if case in ("base_url", "http"):
        url = "briefings.example.org" if case == "base_url" else "http://briefings.example.org/"
        yml.write_text(yml.read_text().replace("https://briefings.example.org/library/", url))
        line = next(i for i, l in enumerate(yml.read_text().splitlines(), 1) if l.startswith("base_url"))
        return one_line_error(source, out, "E803", f"library.yml:{line}")
    if case == "duplicate":
        write_briefing(source / "b009", 9, slug="briefing-000-on-the-sahel")
        return one_line_error(source, out, "E805", "b009/briefing.yml:")
    if case == "translation_of":
        write_briefing(source / "b009", 9, language="fr", translation_of="no-such-briefing")
        return one_line_error(source, out, "E806", "b009/briefing.yml:")
    if case == "same-language":
        write_briefing(source / "b009", 9, language="en", translation_of="briefing-000-on-the-sahel")
        return one_line_error(source, out, "E807", "briefing.yml:")
    if case.startswith("map-"):  # the `translations:` map form, in a briefing of its own
        language, target = {"map-unknown": ("de", "no-such-briefing"), "map-language": ("de", "briefing-001-on-the-sahel"),
                            "map-same-language": ("en", "note-500-sur-le-sahel")}[case]
        folder = write_briefing(source / "b009", 9, language=language, extra={"translations": {"fr": target}})
        line = next(i for i, l in enumerate((folder / "briefing.yml").read_text().splitlines(), 1) if "fr:" in l)
        code = {"map-unknown": "E806", "map-language": "E808", "map-same-language": "E807"}[case]
        where = "b009/briefing.yml:" if case == "map-same-language" else f"b009/briefing.yml:{line}"
        return one_line_error(source, out, code, where if case != "map-same-language" else "briefing.yml:")
    if case == "reserved":
        write_briefing(source / "b009", 9, slug="opds")
        return one_line_error(source, out, "E805", "b009/briefing.yml:")


def test_codes_are_documented():
    from press.base.codes import CODES

    codes_page = (ROOT / "docs" / "codes.md").read_text(encoding="utf-8")
    for code in ("E801", "E802", "E803", "E804", "E805", "E806", "E807", "E808"):
        assert code in CODES and f"`{code}`" in codes_page, code


def test_shard_partition_is_stable_and_complete():
    from press.library import partition

    slugs = [f"briefing-{n}" for n in range(300)]
    for count in (1, 2, 3, 7):
        parts = [[s for s in slugs if partition.shard_of(s, count) == k] for k in range(count)]
        assert sorted(sum(parts, [])) == sorted(slugs)
        assert all(parts) or count > len(slugs)
    assert partition.shard_of("briefing-1", 3) == partition.shard_of("briefing-1", 3)
    result = run_build("library", "--shard", "4/3")
    assert result.returncode != 0 and "K/N" in (result.stderr + result.stdout)
