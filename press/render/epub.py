"""The EPUB edition: EPUB 3 (with an NCX for older readers) packaged by ebooklib.

Every content document is rendered by a Jinja2 template from the same model as the PDF;
ebooklib writes the package document, the NCX and the zip, and `_repack` then rewrites the
zip so that two builds give the same bytes (ebooklib 0.20 stamps the wall clock into every
zip entry, in local time).

Reading order: cover, title page, disclaimer, contents (the navigation document itself),
one document per section, further reading.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from press.base import fonts, i18n
from press.source import contents
from press.render import templating
from press.source import images
from press.render.cover import cover_image
from press.base.errors import Location, PressError
from press.base.lang import direction
from press.model.model import Briefing
from press.source.source import UNDATED
from press.render.subset import subset_font
from press.model.targets import PAGE_IDS
from press.source.people import ABOUT_AUTHORS_ID, ABOUT_PUBLISHER_ID, REFERENCES_ID
from press.render.templating import STYLES_DIR
from press.source.contents import FURTHER_READING_ID
from press.model import theme

EPUB_NS = "http://www.idpf.org/2007/ops"
XHTML_NS = "http://www.w3.org/1999/xhtml"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
STYLESHEET = "styles/epub.css"
GENERATED = "generated"  # the pictures the build draws (cover, emoji), apart from the sources' images
# Apple Books shows the embedded faces only when the book asks for them.
APPLE_OPTIONS = (b'<?xml version="1.0" encoding="utf-8"?>\n<display_options>\n  <platform name="*">\n'
                 b'    <option name="specified-fonts">true</option>\n  </platform>\n</display_options>\n')
COVER_IMAGE_ID = "cover-img"
ZIP_LAST = dt.datetime(2107, 12, 31, 23, 59, 58, tzinfo=dt.timezone.utc)  # the last time a zip entry holds
# Documents of our own, named after ids no heading can take (see targets.RESERVED_IDS).
COVER, TITLEPAGE, DISCLAIMER, NAV, FURTHER = (
    "cover.xhtml", "titlepage.xhtml", "disclaimer.xhtml", "nav.xhtml", f"{FURTHER_READING_ID}.xhtml")
IMPRINT, REFERENCES, ABOUT = "imprint.xhtml", f"{REFERENCES_ID}.xhtml", "about.xhtml"
# The faces the stylesheet declares: (family, file stem), subset to the book's characters.
EMBEDDED_FACES = (
    ("Charis SIL", "CharisSIL-Regular"), ("Charis SIL", "CharisSIL-Italic"),
    ("Charis SIL", "CharisSIL-Bold"), ("Charis SIL", "CharisSIL-BoldItalic"),
    ("Noto Sans", "NotoSans-Regular"), ("Noto Sans", "NotoSans-Bold"),
)
# Drawn by the reading system around the text: list numbers, bullets, hyphens.
TEXT_FAMILIES = ("Charis SIL", "Noto Sans")
READER_CHARACTERS = " 0123456789.-\u2010\u00ad\u2022\u25e6\u25aa"
ACCESSIBILITY = (
    ("schema:accessMode", "textual"),
    ("schema:accessModeSufficient", "textual"),
    ("schema:accessibilityFeature", "tableOfContents"),
    ("schema:accessibilityFeature", "readingOrder"),
    ("schema:accessibilityFeature", "structuralNavigation"),
    ("schema:accessibilityFeature", "alternativeText"),
    ("schema:accessibilityFeature", "displayTransformability"),
    ("schema:accessibilityHazard", "none"),
    ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"),
)
SUMMARY = ("A text briefing with a table of contents of its sections and sub-sections, headings "
           "in a logical order, text alternatives for every image, and notes linked in both "
           "directions. Its text can be resized and restyled; it has no hazards.")


@dataclass(frozen=True)
class Document:
    name: str            # file name in the EPUB, next to the package document
    title: str
    html: str
    properties: tuple[str, ...] = ()


def epub_bytes(briefing: Briefing, paper: str | None = None) -> bytes:
    """The EPUB edition of the briefing, the same bytes for the same sources."""
    fonts.require_fonts()
    cover = cover_image(briefing)
    cover_href = f"{GENERATED}/cover{cover.suffix}"
    documents = _documents(briefing, cover_href)
    emoji = _Emoji()
    documents = [emoji.replace(doc) for doc in documents]
    text = "".join(_text_of(d) for d in documents)
    _check_glyphs(briefing, text)
    families = fonts.script_families(text)  # faces for the scripts Charis SIL and Noto Sans lack
    generated = {cover_href: (cover.data, cover.media_type), **emoji.images(),
                 **_font_subsets(text, families)}
    _refuse_clashes(briefing, generated)
    book = _book(briefing, documents, generated, cover_href, _stylesheet(briefing, families))
    return _repack(_ebooklib_bytes(book, briefing), briefing)


# --- the documents ---------------------------------------------------------------------


def _documents(briefing: Briefing, cover_href: str) -> list[Document]:
    words = i18n.labels(briefing.language)
    page = dict(briefing=briefing, stylesheet=STYLESHEET)
    where = {FURTHER_READING_ID: FURTHER, REFERENCES_ID: REFERENCES, ABOUT_AUTHORS_ID: ABOUT,
             ABOUT_PUBLISHER_ID: ABOUT}
    for section in briefing.sections:
        for entry in (section.toc, *section.toc.children):
            where[entry.anchor] = section.document
    toc = contents.table_of_contents(briefing)
    landmarks = [
        {"type": "cover", "href": COVER, "title": words["cover"]},
        {"type": "toc", "href": f"{NAV}#{PAGE_IDS['contents']}", "title": words["contents"]},
        {"type": "bodymatter", "href": briefing.sections[0].document, "title": briefing.sections[0].title},
    ]
    docs = [
        Document(COVER, words["cover"], templating.render(
            "epub/cover.xhtml.j2", cover_href=cover_href, cover_alt=_cover_alt(briefing), **page)),
        Document(TITLEPAGE, words["title_page"], templating.render("epub/titlepage.xhtml.j2", **page)),
        Document(DISCLAIMER, words["disclaimer"], templating.render("epub/disclaimer.xhtml.j2", **page)),
    ]
    if briefing.imprint.has_imprint:
        docs.append(Document(IMPRINT, words["imprint"], templating.render("epub/imprint.xhtml.j2", **page)))
    docs += [
        Document(NAV, words["contents"], templating.render(
            "epub/nav.xhtml.j2", toc=toc, landmarks=landmarks, hrefs=templating.toc_hrefs(toc, where), **page),
            ("nav",)),
    ]
    docs += [Document(s.document, s.title, templating.render("epub/section.xhtml.j2", section=s, **page))
             for s in briefing.sections]
    if briefing.manifest.related:
        docs.append(Document(FURTHER, words["further_reading"],
                             templating.render("epub/further-reading.xhtml.j2", **page)))
    if briefing.citations.entries:
        docs.append(Document(REFERENCES, words["references"],
                             templating.render("epub/references.xhtml.j2", **page)))
    if briefing.imprint.has_about_authors or briefing.imprint.has_about_publisher:
        docs.append(Document(ABOUT, words["about_authors" if briefing.imprint.has_about_authors
                                          else "about_publisher"],
                             templating.render("epub/about.xhtml.j2", **page)))
    return [Document(d.name, d.title, d.html.lstrip(), d.properties) for d in docs]


def _cover_alt(briefing: Briefing) -> str:
    parts = [briefing.title, briefing.subtitle, ", ".join(briefing.manifest.authors),
             briefing.manifest.publisher]
    return ". ".join(p for p in parts if p)


def _text_of(document: Document) -> str:
    root = etree.fromstring(document.html.encode())
    return "".join(root.itertext()) + "".join(root.xpath("//@alt"))


def _check_glyphs(briefing: Briefing, text: str) -> None:
    """Stop on a character no edition font can draw, as the print edition does."""
    missing = fonts.uncovered(text)
    if missing:
        raise fonts.glyph_error(missing, briefing.source_texts)


def _refuse_clashes(briefing: Briefing, generated: dict) -> None:
    for section in briefing.sections:
        for asset in section.assets:
            if asset.href in generated:
                raise PressError(f"image '{asset.href}' has the name of a file the EPUB makes itself: "
                                 "rename or move it", Location(section.source), code="E320")


# --- fonts and emoji -------------------------------------------------------------------


def _font_file(family: str, stem: str) -> Path:
    for path in fonts.font_files()[family]:
        if path.stem == stem:
            return path
    raise PressError(f"font file {stem} of {family} is missing: run `make deps`", code="E402")


def _font_subsets(text: str, families: tuple[str, ...]) -> dict[str, tuple[bytes, str]]:
    """Each embedded face cut down to the characters of the book; the same bytes every time.
    The edition faces always, a script face only when the book has characters it draws."""
    unicodes = sorted({ord(c) for c in text + READER_CHARACTERS})
    subsets = {f"fonts/{stem}.ttf": (subset_font(_font_file(family, stem), unicodes), "font/ttf")
               for family, stem in EMBEDDED_FACES}
    for family, path in _script_faces(families):
        name, index = _subset_name(family, path)
        subsets[f"fonts/{name}"] = (subset_font(path, unicodes, index), f"font/{name[-3:]}")
    return subsets


def _subset_name(family: str, path: Path) -> tuple[str, int]:
    """The embedded file's name and the face of `family` in its font file (a .ttc holds several:
    Noto CJK's faces, with PostScript outlines, become .otf files)."""
    index = fonts.face_index(path, family)
    return f"{path.stem}.{fonts.outline_format(path, index)}", index


def _script_faces(families: tuple[str, ...]) -> list[tuple[str, Path]]:
    """(family, file) of the regular and bold faces of each script family."""
    files = fonts.script_font_files()
    return [(family, path) for family in families for path in files[family]]


def _stylesheet(briefing: Briefing, families: tuple[str, ...]) -> bytes:
    """epub.css, with the script faces the book needs named and declared, and mirrored in a
    right-to-left book; epub.css as it is when neither applies."""
    m = briefing.manifest
    base = theme.stylesheet("epub.css", m.root)  # the theme's, when it has one
    accent = theme.css(m.theme, fonts=False)    # the theme's fonts are not embedded: edition faces only
    if not families and direction(briefing.language) == "ltr":
        return base.read_bytes() + accent.encode()
    css = fonts.with_script_fonts(base.read_text(encoding="utf-8"), families)
    for family, path in _script_faces(families):
        weight = "bold" if path.stem.endswith("-Bold") else "normal"
        css += (f'@font-face {{ font-family: "{family}"; font-style: normal; font-weight: {weight};\n'
                f'             src: url("../fonts/{_subset_name(family, path)[0]}"); }}\n')
    if direction(briefing.language) == "rtl":
        css += "\n" + theme.stylesheet("epub-rtl.css", m.root).read_text(encoding="utf-8")
    return (css + accent).encode("utf-8")


class _Emoji:
    """Characters only the emoji font has, shown as small pictures of its own glyphs.

    Noto Color Emoji is a bitmap colour font (CBDT) that Kindle, Kobo and Apple Books cannot
    draw; a PNG of the glyph (alt text: the character itself) shows everywhere.
    """

    SIZE = 109  # the font's only bitmap size
    # The longest emoji sequence Unicode defines (a kiss with two skin tones) is 10 code
    # points; a longer run of emoji joined by ZWJ is cut into pictures of at most this many,
    # so that neither a picture nor its file name (which the zip format caps at 64 KB) grows.
    MAX_CLUSTER = 16

    def __init__(self):
        self.found: dict[str, str] = {}   # cluster -> href

    def _is_emoji(self, char: str) -> bool:
        cmaps = fonts.family_coverage()
        code = ord(char)
        return (code in cmaps["Noto Color Emoji"] and fonts.needs_glyph(char)
                and not any(code in cmaps[family] for family in TEXT_FAMILIES))

    def _clusters(self, text: str) -> list[tuple[int, int]]:
        spans, i = [], 0
        while i < len(text):
            if text[i] > "\u2000" and self._is_emoji(text[i]):
                j = i + 1
                while j < len(text) and j - i < self.MAX_CLUSTER and (
                        text[j] in "\ufe0e\ufe0f\u200d" or "\U0001f3fb" <= text[j] <= "\U0001f3ff"
                        or "\U000e0020" <= text[j] <= "\U000e007f"
                        or (text[j - 1] == "\u200d" and self._is_emoji(text[j]))):
                    j += 1
                spans.append((i, j))
                i = j
            else:
                i += 1
        return spans

    def _href(self, cluster: str) -> str:
        if cluster not in self.found:
            name = "-".join(f"{ord(c):x}" for c in cluster if c not in "\ufe0e\ufe0f")
            self.found[cluster] = f"{GENERATED}/emoji-{name}.png"
        return self.found[cluster]

    def _split(self, text: str | None, parent, before):
        """Replace emoji in `text` by <img> elements; return the text left before them."""
        if not text:
            return text
        spans = self._clusters(text)
        if not spans:
            return text
        head = text[: spans[0][0]]
        anchor = before
        for n, (start, end) in enumerate(spans):
            cluster = text[start:end]
            img = etree.Element(f"{{{XHTML_NS}}}img", {
                "class": "emoji", "src": self._href(cluster), "alt": cluster})
            following = spans[n + 1][0] if n + 1 < len(spans) else len(text)
            img.tail = text[end:following] or None
            if anchor is None:
                parent.insert(0, img)
            else:
                anchor.addnext(img)
            anchor = img
        return head

    def replace(self, document: Document) -> Document:
        if not any(c > "\u2000" and self._is_emoji(c) for c in document.html):
            return document
        root = etree.fromstring(document.html.encode())
        body = root.find(f"{{{XHTML_NS}}}body")
        for element in list(body.iter()):
            if not isinstance(element.tag, str) or element.tag == f"{{{XHTML_NS}}}img":
                continue
            element.text = self._split(element.text, element, None)
            if element is not body and element.getparent() is not None:
                element.tail = self._split(element.tail, element.getparent(), element)
        html = etree.tostring(root, encoding="unicode")
        head = document.html[: document.html.index("<html")]
        return Document(document.name, document.title, head + html + "\n", document.properties)

    def images(self) -> dict[str, tuple[bytes, str]]:
        if not self.found:
            return {}
        from PIL import Image, ImageDraw, ImageFont

        path = fonts.font_files()["Noto Color Emoji"][0]
        font = ImageFont.truetype(str(path), self.SIZE)
        out = {}
        for cluster, href in sorted(self.found.items(), key=lambda item: item[1]):
            left, top, right, bottom = font.getbbox(cluster)
            image = Image.new("RGBA", (right - left, bottom - top), (0, 0, 0, 0))
            ImageDraw.Draw(image).text((-left, -top), cluster, font=font, embedded_color=True)
            buffer = io.BytesIO()
            image.save(buffer, format="PNG", optimize=True)
            out[href] = (buffer.getvalue(), "image/png")
        return out


# --- the package -----------------------------------------------------------------------


def _book(briefing: Briefing, documents: list[Document], generated: dict, cover_href: str, stylesheet: bytes):
    m = briefing.manifest
    imp = briefing.imprint
    book = epub.EpubBook()
    if direction(briefing.language) == "rtl":
        book.set_direction("rtl")  # the spine's page-progression-direction
    book.set_identifier(imp.isbn_urn("epub") or (f"doi:{imp.doi}" if imp.doi else m.identifier))
    book.set_title(briefing.title)
    book.set_language(briefing.language)
    for n, author in enumerate(m.authors, 1):
        # Not add_author(): ebooklib 0.20 gives every creator the same id.
        book.add_metadata("DC", "creator", author, {"id": f"creator-{n}"})
        book.add_metadata(None, "meta", "aut", {"refines": f"#creator-{n}", "property": "role",
                                                "scheme": "marc:relators"})
        person = imp.authors[n - 1] if n <= len(imp.authors) else None
        if person and person.orcid:
            book.add_metadata(None, "meta", person.orcid_url, {"refines": f"#creator-{n}",
                                                               "property": "dcterms:identifier"})
    if m.publisher:
        book.add_metadata("DC", "publisher", m.publisher)
    if imp.doi and imp.isbn.get("epub"):   # the DOI as a second identifier
        book.add_metadata("DC", "identifier", f"doi:{imp.doi}", {"id": "doi"})
    if imp.license:
        book.add_metadata("DC", "rights", f"{imp.license.name} ({imp.license.spdx}). {imp.license.text}")
        book.add_metadata(None, "link", "", {"rel": "dcterms:license", "href": imp.license.url})
    if imp.series:
        book.add_metadata(None, "meta", imp.series.title, {"property": "belongs-to-collection", "id": "series"})
        book.add_metadata(None, "meta", "series", {"refines": "#series", "property": "collection-type"})
        if imp.series.number:
            book.add_metadata(None, "meta", imp.series.number, {"refines": "#series", "property": "group-position"})
        if imp.series.issn:
            book.add_metadata(None, "meta", f"urn:issn:{imp.series.issn}",
                              {"refines": "#series", "property": "dcterms:identifier"})
    if briefing.edition_date:
        book.add_metadata("DC", "date", briefing.edition_date.isoformat())
    if briefing.subtitle:
        book.add_metadata("DC", "description", briefing.subtitle)
    for keyword in m.keywords:
        book.add_metadata("DC", "subject", keyword)
    for prop, value in ACCESSIBILITY:
        book.add_metadata(None, "meta", value, {"property": prop})
    book.add_metadata(None, "meta", SUMMARY, {"property": "schema:accessibilitySummary"})
    # EPUB 2 readers (and Kindle's converter) find the cover picture by this.
    book.add_metadata(None, "meta", "", {"name": "cover", "content": COVER_IMAGE_ID})

    items = {}
    for doc in documents:
        item = _XhtmlItem(uid=f"doc-{Path(doc.name).stem}", file_name=doc.name, title=doc.title,
                          lang=briefing.language)
        item.content = doc.html.encode()
        item.properties = list(doc.properties)
        book.add_item(item)
        items[doc.name] = item
    css = epub.EpubItem(uid="css", file_name=STYLESHEET, media_type="text/css",
                        content=stylesheet)
    book.add_item(css)
    for n, (href, (data, media_type)) in enumerate(generated.items()):
        if href == cover_href:
            item = epub.EpubCover(uid=COVER_IMAGE_ID, file_name=href)
            item.media_type = media_type
        elif media_type.startswith("font/"):
            item = epub.EpubItem(uid=f"font-{n}", file_name=href, media_type=media_type)
        else:
            item = epub.EpubImage(uid=f"img-gen-{n}", file_name=href, media_type=media_type)
        item.content = data
        book.add_item(item)
    for n, asset in enumerate(briefing.assets, 1):
        picture = images.for_asset(asset, briefing.manifest.root)   # checked, sanitized, scaled
        book.add_item(epub.EpubImage(uid=f"img-{n}", file_name=asset.href, media_type=picture.media_type,
                                     content=images.scaled(picture)))
    book.add_item(epub.EpubNcx())

    book.spine = [items[doc.name] for doc in documents]
    book.toc = _ncx_entries(briefing, documents)
    first = briefing.sections[0].document
    book.guide = [
        {"type": "cover", "href": COVER, "title": i18n.labels(briefing.language)["cover"]},
        {"type": "toc", "href": NAV, "title": i18n.labels(briefing.language)["contents"]},
        {"type": "text", "href": first, "title": briefing.sections[0].title},
    ]
    return book


def _ncx_entries(briefing: Briefing, documents: list[Document]) -> list:
    """The same two levels as the navigation document, for EPUB 2 reading systems."""
    entries = []
    for section in briefing.sections:
        head = epub.Link(f"{section.document}#{section.id}", section.title, f"ncx-{section.id}")
        if section.toc.children:
            children = [epub.Link(f"{section.document}#{c.anchor}", c.title, f"ncx-{c.anchor}")
                        for c in section.toc.children]
            entries.append((epub.Section(section.title, head.href), children))
        else:
            entries.append(head)
    if briefing.manifest.related:
        label = i18n.labels(briefing.language)["further_reading"]
        entries.append(epub.Link(f"{FURTHER}#{FURTHER_READING_ID}", label, f"ncx-{FURTHER_READING_ID}"))
    documents = {ABOUT_AUTHORS_ID: ABOUT, ABOUT_PUBLISHER_ID: ABOUT, REFERENCES_ID: REFERENCES}
    for entry in contents.back_matter(briefing):
        entries.append(epub.Link(f"{documents[entry.anchor]}#{entry.anchor}", entry.title, f"ncx-{entry.anchor}"))
    return entries


class _XhtmlItem(epub.EpubHtml):
    """A finished XHTML document: ebooklib's EpubHtml would re-parse it as HTML and keep only
    the children of <body>, losing the body's epub:type and the head."""

    def get_content(self, default=None):
        return self.content


def _ebooklib_bytes(book, briefing: Briefing) -> bytes:
    buffer = io.BytesIO()
    options = {"epub3_pages": False, "epub3_landmark": False, "raise_exceptions": True,
               "mtime": briefing.timestamp, "play_order": {"enabled": True, "start_from": 1}}
    if not epub.write_epub(buffer, book, options):
        raise PressError("ebooklib could not write the EPUB", code="E861")
    return buffer.getvalue()


# --- byte-identical zip ----------------------------------------------------------------


def _fix_package(opf: bytes, briefing: Briefing) -> bytes:
    """What ebooklib leaves out of the package document: its language, and a depth in the NCX."""
    root = etree.fromstring(opf)
    root.set(XML_LANG, briefing.language)
    return _xml(root)


def _xml(root) -> bytes:
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + etree.tostring(root, encoding="utf-8",
                                                                        pretty_print=True)


def _fix_ncx(ncx: bytes, briefing: Briefing) -> bytes:
    root = etree.fromstring(ncx)
    ns = {"n": "http://www.daisy.org/z3986/2005/ncx/"}
    depth = 2 if any(s.toc.children for s in briefing.sections) else 1
    for meta in root.xpath("//n:head/n:meta[@name='dtb:depth']", namespaces=ns):
        meta.set("content", str(depth))
    root.set(XML_LANG, briefing.language)
    return _xml(root)


def _repack(data: bytes, briefing: Briefing) -> bytes:
    """mimetype first and stored, then every entry in ebooklib's order, all stamped with the
    edition's time in UTC, whatever the machine's clock and time zone."""
    # A zip entry's time holds only 1980 to 2107: an edition dated outside is stamped with the
    # nearest it can hold (the package document keeps the real date).
    date_time = min(max(briefing.timestamp, UNDATED), ZIP_LAST).utctimetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        if names[:2] != ["mimetype", "META-INF/container.xml"]:
            raise PressError("ebooklib wrote an EPUB that does not begin with mimetype and container.xml", code="E861")
        entries = [(name, source.read(name)) for name in names]
        entries.insert(2, ("META-INF/com.apple.ibooks.display-options.xml", APPLE_OPTIONS))
        for name, content in entries:
            if name.endswith(".opf"):
                content = _fix_package(content, briefing)
            elif name.endswith(".ncx"):
                content = _fix_ncx(content, briefing)
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                target.writestr(info, content)
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, content, compresslevel=9)
    return out.getvalue()
