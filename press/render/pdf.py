"""The print edition: the briefing as one HTML document, typeset by WeasyPrint."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import re
from pathlib import Path
from dataclasses import dataclass

from press.base import fonts
from press.base.pdf_variants import VARIANTS
from press.source import contents
from press.render import pdflang, templating
from press.base.errors import PressError
from press.base.lang import direction
from press.model.model import Briefing
from press.render.templating import STYLES_DIR, TEMPLATES_DIR
from press.render.blame import locate_url
from press.render.wordbreak import break_long_words
from press.model import theme
from press.base import output
from press.source import images
from press.render.resources import ConfinedFetcher, ForbiddenResource

# The manifest's `digits` (a counter style) for every number the PDF prints itself.
DIGITS_CSS = """
@page { @bottom-center { content: counter(page, DIGITS) } }
nav.toc p.toc-entry::before { content: target-counter(attr(data-target), page, DIGITS) }
::footnote-call { content: counter(footnote, DIGITS) }
::footnote-marker { content: counter(footnote, DIGITS) ".\\2002" }
a.xref::after { content: ",\\a0" attr(data-page-label) "\\a0" target-counter(attr(href), page, DIGITS) }
"""
DIGIT_CHARACTERS = {
    "arabic-indic": "٠١٢٣٤٥٦٧٨٩", "persian": "۰۱۲۳۴۵۶۷۸۹", "devanagari": "०१२३४५६७८९",
    "bengali": "০১২৩৪৫৬৭৮৯", "thai": "๐๑๒๓๔๕๖๗๘๙", "tamil": "௦௧௨௩௪௫௬௭௮௯",
}
XMP_NAMESPACES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "pdfuaid": "http://www.aiim.org/pdfua/ns/id/",
    "pdfaExtension": "http://www.aiim.org/pdfa/ns/extension/",
    "pdfaSchema": "http://www.aiim.org/pdfa/ns/schema#", "pdfaProperty": "http://www.aiim.org/pdfa/ns/property#",
}
# PDF/A predefines no pdfuaid schema: a PDF/A file that declares PDF/UA describes it (ISO 14289-1, 5).
PDFUA_EXTENSION_SCHEMA = """<rdf:Description rdf:about="" xmlns:rdf="{rdf}" xmlns:pdfaExtension="{pdfaExtension}"
 xmlns:pdfaSchema="{pdfaSchema}" xmlns:pdfaProperty="{pdfaProperty}"><pdfaExtension:schemas><rdf:Bag>
<rdf:li rdf:parseType="Resource"><pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{pdfuaid}</pdfaSchema:namespaceURI><pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource"><pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType><pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property></rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>
""".format(**XMP_NAMESPACES)


def warm() -> None:
    """Import WeasyPrint and read the font set: once per process, before renders are forked."""
    _font_config()


@functools.lru_cache(maxsize=1)
def _font_config():
    """One FontConfiguration per process: a warm `watch` skips re-reading the font set."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_html(briefing: Briefing) -> str:
    m = briefing.manifest
    cover_href = m.cover.resolve().relative_to(m.root.resolve()).as_posix() if m.cover else ""
    toc = contents.table_of_contents(briefing)
    html = templating.render(
        "print.html.j2", briefing=briefing, toc=toc, hrefs=templating.toc_hrefs(toc),
        cover_href=cover_href, cover_alt=". ".join(p for p in (briefing.title, briefing.subtitle) if p))
    if direction(briefing.language) == "rtl":
        # Code reads left to right inside right-to-left text. WeasyPrint lays out each box on its
        # own and knows no unicode-bidi: Unicode's isolates (LRI ... PDI) inside the box do it.
        html = re.sub(r"<code>(.*?)</code>", "<code>\u2066\\1\u2069</code>", html, flags=re.S)
    return break_long_words(html)  # WeasyPrint's time grows with the square of a word's length


@dataclass(frozen=True)
class Typesetting:
    """What WeasyPrint typesets: the HTML and the stylesheets, in order, by name."""

    html: str
    stylesheets: tuple[tuple[str, str], ...]   # (file name, CSS text)
    base: Path                                 # the folder print.css comes from (the theme's, or styles/)


def typesetting(briefing: Briefing, paper: str | None = None, variant: str = "default") -> Typesetting:
    kind, m = VARIANTS[variant], briefing.manifest
    html_text = render_html(briefing)
    sheet = theme.stylesheet("print.css", m.root)  # the theme's, when it has one
    css = sheet.read_text(encoding="utf-8")
    # Faces for the scripts Charis SIL and Noto Sans lack, page-number digits included.
    families = fonts.script_families(html_text + DIGIT_CHARACTERS.get(m.digits, ""))
    if families:
        css = fonts.with_script_fonts(css, families)
    sheets = [("print.css", css), ("page-size.css", f"@page {{ {m.page(paper).css} }}\n{theme.css(m.theme)}")]
    if m.digits != "latin":
        sheets.append(("digits.css", DIGITS_CSS.replace("DIGITS", m.digits)))
    if kind.css:
        sheets.append((f"{kind.name}.css", kind.css))
    return Typesetting(html_text, tuple(sheets), sheet.parent)


def save_html(briefing: Briefing, target: Path, paper: str | None = None, variant: str = "default") -> list[Path]:
    """Write the exact HTML the PDF is typeset from, its stylesheets beside it and linked, and the
    pictures as the PDF embeds them: `weasyprint --pdf-tags TARGET out.pdf` gives the same pages,
    but for the page numbers of cross-references on their target's page (marked only by the
    layout passes of `pdf_bytes`: the saved HTML is the first pass's)."""
    ready = typesetting(briefing, paper, variant)
    links = "".join(f'<link rel="stylesheet" href="{name}"/>' for name, _ in ready.stylesheets)
    html = ready.html.replace("</head>", links + "</head>", 1)
    folder = Path(target).parent
    files = {Path(target).name: html.encode("utf-8"), **{name: css.encode("utf-8") for name, css in ready.stylesheets}}
    for asset in briefing.assets:
        files[asset.href] = images.for_asset(asset, briefing.manifest.root.resolve()).data
    written = []
    for rel, data in files.items():
        written.append(output.write_bytes(folder / rel, data))
    return written


def pdf_bytes(briefing: Briefing, paper: str | None = None, variant: str = "default") -> bytes:
    """Typeset the briefing as the given variant (press.base.pdf_variants); fail on any character drawn as
    an empty box or any forbidden fetch."""
    kind = VARIANTS[variant]
    fonts.require_fonts()
    import weasyprint  # slow to import: only when a PDF is really made


    fetcher = ConfinedFetcher([briefing.manifest.root, TEMPLATES_DIR, STYLES_DIR])
    font_config = _font_config()
    ready = typesetting(briefing, paper, variant)
    html_text = ready.html
    stylesheets = [weasyprint.CSS(string=css, base_url=ready.base.as_uri() + "/", url_fetcher=fetcher,
                                  font_config=font_config) for _, css in ready.stylesheets]
    options = {"pdf_variant": kind.weasyprint, "pdf_tags": True}
    if kind.output_intent:
        options["output_intent"] = kind.output_intent

    def layout(text: str):
        html = weasyprint.HTML(string=text, base_url=briefing.manifest.root.as_uri() + "/", url_fetcher=fetcher)
        return html, html.render(stylesheets=stylesheets, font_config=font_config, **options)

    with _missing_glyphs() as missing, _failed_images() as failed, _fixed_font_timestamps(briefing), \
            pdflang.passage_languages():  # each marked passage's /Lang in the structure tree
        try:
            document = _without_same_page_numbers(html_text, layout)
            if kind.declare_ua:
                _declare_pdfua(document.metadata)
            document.fonts = _MappedFonts(document.fonts)
            data = document.write_pdf(
                pdf_identifier=hashlib.md5(briefing.manifest.identifier.encode()).hexdigest().encode(),
                finisher=_metadata_finisher(briefing, document, writes_xmp=bool(kind.weasyprint)), **options)
        except ForbiddenResource as exc:
            raise PressError(f"{exc.reason}: {exc.url}", locate_url(briefing, exc.url), code="E311") from None
    if fetcher.refused:  # refusals WeasyPrint swallowed (inside SVG images): still a build error
        exc = fetcher.refused[0]
        raise PressError(f"{exc.reason}: {exc.url[:200]}", locate_url(briefing, exc.url), code="E311")
    if missing:
        raise fonts.glyph_error(missing, briefing.source_texts)
    if failed:  # an image WeasyPrint could not draw would be missing from the page
        url, reason = failed[0]
        name = url.rsplit("/", 1)[-1][:200]
        raise PressError(f"image '{name}' cannot be drawn in the PDF ({reason[:200]})", locate_url(briefing, url),
                         "E317")
    return data


XREF = '<a class="xref" '
SAME_PAGE_XREF = '<a class="xref same-page" '   # print.css prints no ", p. N" after it
LAYOUT_PASSES = 3   # at most, after the first


def _without_same_page_numbers(html_text: str, layout):
    """The laid-out document in which no cross-reference gives the page it stands on ("Figure 3,
    p. 7" on page 7 says "Figure 3"), as LaTeX's varioref does. WeasyPrint knows pages only
    after layout: lay out, mark the references that stand on their target's page, lay out again
    until the marks hold (a shorter reference may move text to another page). A mark that turns
    out wrong is dropped for good, so the passes end; a briefing without cross-references (or
    with none on its target's page) is laid out once."""
    html, document = first = layout(html_text)
    if XREF not in html_text:
        return document
    marked: set[int] = set()
    dropped: set[int] = set()
    for _ in range(LAYOUT_PASSES):
        same = _same_page_references(html, document)
        if same is None:
            return first[1]
        dropped |= marked - same           # marked, but no longer on its target's page
        wanted = same - dropped
        if wanted == marked:               # every mark holds (a dropped one may be back: unmarked)
            return document
        if not wanted:
            return first[1]
        text = _mark_references(html_text, wanted)
        html, candidate = layout(text)
        marked, document = wanted, candidate
    same = _same_page_references(html, document)
    if same is not None and marked <= same:
        return document
    return first[1]   # no pass held: every reference gives its page, which is always right


def _same_page_references(html, document) -> set[int] | None:
    """The cross-references (by their order in the HTML) that stand on their target's page:
    the page of a link's last box (where its page number would be printed) against the page
    of its anchor. None when the links cannot be told apart."""
    order = {element: n for n, element in enumerate(
        e for e in html.etree_element.iter("a") if (e.get("class") or "").split()[:1] == ["xref"])}
    anchor_page: dict[str, int] = {}
    link_page: dict[int, tuple[int, str]] = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            anchor_page.setdefault(name, number)
        for kind, target, _, box in page.links:
            n = order.get(getattr(box, "element", None))
            if kind == "internal" and n is not None:
                link_page[n] = (number, target)
    if len(link_page) != len(order):
        return None
    return {n for n, (number, target) in link_page.items() if anchor_page.get(target) == number}


def _mark_references(html_text: str, marked: set[int]) -> str:
    """The HTML with the `marked` cross-references (by order) given the class `same-page`."""
    parts = html_text.split(XREF)
    return parts[0] + "".join((SAME_PAGE_XREF if n in marked else XREF) + part
                              for n, part in enumerate(parts[1:]))


XMP_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "dc": "http://purl.org/dc/elements/1.1/",
    "prism": "http://prismstandard.org/namespaces/basic/3.0/", "xmpRights": "http://ns.adobe.com/xap/1.0/rights/",
}


def xmp_extra(briefing: Briefing) -> bytes | None:
    """The identifiers and rights WeasyPrint does not write: DOI, ISBN, ISSN, publisher, licence."""
    from xml.etree.ElementTree import Element, SubElement, register_namespace, tostring

    imp = briefing.imprint
    if not (imp.doi or imp.isbn or imp.license or imp.publisher or imp.series):
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
        add("prism", "seriesTitle", imp.series.title)
        if imp.series.number:
            add("prism", "number", imp.series.number)
        if imp.series.issn:
            add("prism", "issn", imp.series.issn)
    if identifiers:
        element = SubElement(desc, f"{{{XMP_NS['dc']}}}identifier")
        element.text = identifiers[0]
    if imp.publisher:
        add("dc", "publisher", imp.publisher, "Bag")
    if imp.license:
        add("dc", "rights", f"{imp.license.name} ({imp.license.spdx}). {imp.license.text}", "Alt")
        add("xmpRights", "Marked", "True")
        add("xmpRights", "WebStatement", imp.license.url)
    return tostring(rdf, encoding="unicode").encode("utf-8")


def _metadata_finisher(briefing: Briefing, rendered, writes_xmp: bool):
    """Our identifiers and rights in the XMP packet, in the same rdf:RDF as WeasyPrint's own
    description (title, creators, dates); WeasyPrint writes the packet itself for PDF/A, /UA
    and /X, else the finisher does. The same in the document information dictionary. Nothing
    in it comes from the clock (no uuid, dates from the edition)."""
    from xml.etree.ElementTree import fromstring, tostring

    extra = xmp_extra(briefing)
    own = rendered.metadata.generate_rdf_metadata

    def with_ours(*args) -> bytes:
        rdf = fromstring(own(*args))
        if extra is not None:
            rdf.extend(list(fromstring(extra)))
        return tostring(rdf, encoding="utf-8", xml_declaration=False)

    rendered.metadata.generate_rdf_metadata = with_ours   # this document's metadata only

    def finish(document, pdf) -> None:
        import pydyf

        imp = briefing.imprint
        if not writes_xmp:
            packet = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>\n<x:xmpmeta xmlns:x="adobe:ns:meta/">'
                      + document.metadata.generate_rdf_metadata(None, None, None)
                      + b'</x:xmpmeta>\n<?xpacket end="r"?>')
            stream = pydyf.Stream([packet], {"Type": "/Metadata", "Subtype": "/XML"}, compress=True)
            pdf.add_object(stream)
            pdf.catalog["Metadata"] = stream.reference
        if imp.license:
            pdf.info["Rights"] = pydyf.String(imp.license.name)
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
def _failed_images():
    """Collect the images WeasyPrint could not load or draw (it logs them and leaves them out)."""
    failed: list[tuple[str, str]] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if str(record.msg).startswith(("Failed to load image", "Failed to render SVG image")) and record.args:
                reason = str(record.args[1]) if len(record.args) > 1 else "WeasyPrint cannot draw it"
                failed.append((str(record.args[0]), reason))

    logger = logging.getLogger("weasyprint")
    handler = Handler(logging.ERROR)
    logger.addHandler(handler)
    try:
        yield failed
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


class _MappedFonts(dict):
    """The document's fonts, each glyph mapped to some text when WeasyPrint writes its ToUnicode CMap.

    WeasyPrint 70 maps a glyph that shares its cluster with another (a Devanagari vowel sign
    drawn before its consonant) to the empty string, which makes the CMap malformed for PDF/UA-1
    (7.21.7) and PDF/A. The cluster's text is already on the other glyph: this one gets U+2060
    WORD JOINER, invisible and no word break. The fonts are drawn before they are written, so
    `values()`, which the writer calls, is the moment to do it.
    """

    def values(self):
        for font in super().values():
            for glyph, text in font.to_unicode.items():
                if not text:
                    font.to_unicode[glyph] = "\u2060"
        return super().values()


def _declare_pdfua(metadata) -> None:
    """Add `pdfuaid:part="1"` to the XMP packet WeasyPrint writes for another variant (PDF/A,
    PDF/X), in the same rdf:Description where validators look; PDF/A also wants the schema
    declared as an extension, and the packet uncompressed (a rule of PDF/A-1 some checkers
    apply to every part)."""
    from xml.etree.ElementTree import fromstring, register_namespace, tostring

    generate, include = metadata.generate_rdf_metadata, metadata.include_in_pdf

    def with_pdfua(variant, version, conformance):
        for prefix, uri in XMP_NAMESPACES.items():
            register_namespace(prefix, uri)
        rdf = fromstring(generate(variant, version, conformance))
        rdf[0].set(f"{{{XMP_NAMESPACES['pdfuaid']}}}part", "1")
        if variant == "a":
            rdf.append(fromstring(PDFUA_EXTENSION_SCHEMA))
        return tostring(rdf)

    metadata.generate_rdf_metadata = with_pdfua
    metadata.include_in_pdf = lambda pdf, variant, version, conformance, compress: include(
        pdf, variant, version, conformance, False)
