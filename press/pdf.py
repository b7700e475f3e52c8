"""The print edition: the briefing as one HTML document, typeset by WeasyPrint."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re

from . import fonts, templating
from .errors import Location, PressError
from .model import Briefing
from .templating import STYLES_DIR, TEMPLATES_DIR

from .paper import SIZES as PAPER  # noqa: E402  (the one list of paper sizes)


@functools.lru_cache(maxsize=1)
def _font_config():
    """One FontConfiguration per process: a warm `watch` skips re-reading the font set."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_html(briefing: Briefing) -> str:
    m = briefing.manifest
    cover_href = m.cover.resolve().relative_to(m.root.resolve()).as_posix() if m.cover else ""
    return templating.render(
        "print.html.j2", briefing=briefing,
        toc=templating.table_of_contents(briefing), href=lambda entry: f"#{entry.anchor}",
        cover_href=cover_href, cover_alt=". ".join(p for p in (briefing.title, briefing.subtitle) if p))


def pdf_bytes(briefing: Briefing, paper: str | None = None) -> bytes:
    """Typeset the briefing; fail on any character drawn as an empty box or any forbidden fetch."""
    fonts.require_fonts()
    import weasyprint  # slow to import: only when a PDF is really made

    from .resources import ConfinedFetcher, ForbiddenResource

    size = PAPER[paper or briefing.manifest.paper]
    fetcher = ConfinedFetcher([briefing.manifest.root, TEMPLATES_DIR, STYLES_DIR])
    font_config = _font_config()
    stylesheets = [
        weasyprint.CSS(filename=str(STYLES_DIR / "print.css"), url_fetcher=fetcher, font_config=font_config),
        weasyprint.CSS(string=f"@page {{ size: {size} }}", font_config=font_config),
    ]
    html = weasyprint.HTML(string=render_html(briefing), base_url=briefing.manifest.root.as_uri() + "/",
                           url_fetcher=fetcher)
    with _missing_glyphs() as missing, _fixed_font_timestamps(briefing):
        try:
            document = html.render(stylesheets=stylesheets, font_config=font_config, pdf_tags=True)
            data = document.write_pdf(
                pdf_identifier=hashlib.md5(briefing.manifest.identifier.encode()).hexdigest().encode(),
                pdf_tags=True, finisher=_metadata_finisher(briefing))
        except ForbiddenResource as exc:
            raise PressError(f"{exc.reason}: {exc.url}", _locate_url(briefing, exc.url)) from None
    if fetcher.refused:  # refusals WeasyPrint swallowed (inside SVG images): still a build error
        exc = fetcher.refused[0]
        raise PressError(f"{exc.reason}: {exc.url[:200]}", _locate_url(briefing, exc.url))
    if missing:
        raise fonts.glyph_error(missing, briefing.source_texts)
    return data


XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "dc": "http://purl.org/dc/elements/1.1/",
    "prism": "http://prismstandard.org/namespaces/basic/3.0/", "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
}


def xmp_extra(briefing: Briefing) -> bytes | None:
    """The identifiers and rights WeasyPrint does not write: DOI, ISBN, ISSN, publisher, licence."""
    from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

    imp = briefing.imprint
    if not (imp.doi or imp.isbn or imp.licence or imp.publisher or imp.series):
        return None
    for prefix, uri in XMP_NS.items():
        register_namespace(prefix, uri)
    rdf = Element(f"{{{XMP_NS['rdf']}}}RDF")
    desc = SubElement(rdf, f"{{{XMP_NS['rdf']}}}Description", {f"{{{XMP_NS['rdf']}}}about": ""})

    def add(ns: str, name: str, text: str, container: str | None = None) -> None:
        element = SubElement(desc, f"{{{XMP_NS[ns]}}}{name}")
        if container:
            inner = SubElement(element, f"{{{XMP_NS['rdf']}}}{container}")
            item = SubElement(inner, f"{{{XMP_NS['rdf']}}}li")
            if container == "Alt":
                item.set("{http://www.w3.org/XML/1998/namespace}lang", "x-default")
            item.text = text
        else:
            element.text = text

    identifiers = []
    if imp.isbn.get("pdf"):
        add("prism", "isbn", imp.isbn_for("pdf"))
        identifiers.append(imp.isbn_urn("pdf"))
    if imp.doi:
        add("prism", "doi", imp.doi)
        add("prism", "url", imp.doi_url)
        identifiers.append(f"doi:{imp.doi}")
    if imp.series:
        add("prism", "seriesTitle", imp.series.name)
        if imp.series.number:
            add("prism", "number", imp.series.number)
        if imp.series.issn:
            add("prism", "issn", imp.series.issn)
    if identifiers:
        element = SubElement(desc, f"{{{XMP_NS['dc']}}}identifier")
        element.text = identifiers[0]
    if imp.publisher:
        add("dc", "publisher", imp.publisher, "Bag")
    if imp.licence:
        add("dc", "rights", f"{imp.licence.name} ({imp.licence.spdx}). {imp.licence.text}", "Alt")
        add("xmpRights", "Marked", "True")
        add("xmpRights", "WebStatement", imp.licence.url)
    return tostring(rdf, encoding="unicode").encode("utf-8")


def _metadata_finisher(briefing: Briefing):
    """Write the XMP metadata stream (WeasyPrint does only for PDF/A, /UA, /X), with our
    identifiers and rights in the same rdf:RDF, and the same in the document information
    dictionary. Nothing in it comes from the clock (no uuid, dates from the edition)."""
    extra = xmp_extra(briefing)

    def finish(document, pdf) -> None:
        import pydyf

        from xml.etree.ElementTree import fromstring, tostring

        imp = briefing.imprint
        # One rdf:RDF: WeasyPrint's own description (title, creators, dates), then ours.
        rdf = fromstring(document.metadata.generate_rdf_metadata(None, None, None))
        if extra is not None:
            rdf.extend(list(fromstring(extra)))
        packet = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
                  + tostring(rdf, encoding="utf-8", xml_declaration=False)
                  + b'</x:xmpmeta>\n<?xpacket end="r"?>')
        stream = pydyf.Stream([packet], {"Type": "/Metadata", "Subtype": "/XML"}, compress=True)
        pdf.add_object(stream)
        pdf.catalog["Metadata"] = stream.reference
        if imp.licence:
            pdf.info["Rights"] = pydyf.String(imp.licence.name)
        if imp.doi:
            pdf.info["DOI"] = pydyf.String(imp.doi)
        if imp.isbn.get("pdf"):
            pdf.info["ISBN"] = pydyf.String(imp.isbn_for("pdf"))
    return finish


@contextlib.contextmanager
def _missing_glyphs():
    """Collect the characters WeasyPrint draws as .notdef (it only logs a warning)."""
    missing: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith(".notdef glyph"):
                found = re.search(r"\(U\+([0-9A-F]+)\)", record.getMessage())
                char = chr(int(found.group(1), 16)) if found else "?"
                if char not in missing:
                    missing.append(char)

    logger = logging.getLogger("weasyprint")
    handler = Handler(logging.WARNING)
    logger.addHandler(handler)
    try:
        yield missing
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def _fixed_font_timestamps(briefing: Briefing):
    """fontTools stamps the clock into font subsets unless SOURCE_DATE_EPOCH is set."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(briefing.timestamp.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def _locate_url(briefing: Briefing, url: str) -> Location | None:
    """The first source line that mentions the offending address, if any does."""
    needle = url.rsplit("/", 1)[-1] or url
    for section in briefing.sections:
        for number, line in enumerate(section.text.splitlines(), 1):
            if needle in line:
                return Location(section.source, number)
    for asset in briefing.assets:  # a reference inside an SVG image
        if asset.media_type == "image/svg+xml":
            text = asset.path.read_text(encoding="utf-8", errors="replace")
            for number, line in enumerate(text.splitlines(), 1):
                if needle in line:
                    return Location(asset.path, number)
    return None
