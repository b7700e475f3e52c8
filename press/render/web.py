"""The web edition: the whole briefing as one accessible page, with its downloads beside it.

`html_files` returns every file of `<out>/html/` by its path relative to that folder:
`index.html`, the images the sections use (at the same relative path as in the source
folder, which is what the sections' `src` attributes say) and a copy of each file edition
it offers for download. The page has no script and fetches nothing from elsewhere: the
folder can be put on any static host as it is.
"""

from __future__ import annotations

from press.base import fonts, i18n
from press.source import contents
from press.render import templating
from press.source import images, people
from press.model.model import Briefing
from press.base.media import media_type
from press.base.sizes import human_size
from press.render.templating import STYLES_DIR
from press.base.errors import Location
from press.model import theme

PAGE = "index.html"
# The label of each downloadable edition, by edition name: (format, key of its purpose label).
DOWNLOAD_LABELS = {"epub": ("EPUB", "for_ereaders"), "pdf": ("PDF", "for_print"),
                   "docx": ("DOCX", "for_review")}


def html_files(briefing: Briefing, downloads, paper: str | None = None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for asset in briefing.assets:  # checked, sanitized, scaled for a screen
        files[asset.href] = images.scaled(images.for_asset(asset, briefing.manifest.root))
    logo = briefing.manifest.theme and briefing.manifest.theme.logo
    if logo:  # checked by content when the manifest was read (press.model.theme)

        files[briefing.manifest.theme.logo_href] = images.scaled(
            images.load(logo, briefing.manifest.root.resolve(), Location(briefing.manifest.path)))
    for download in downloads:
        files[download.name] = download.data
    for name, text in citation_files(briefing).items():
        files[name] = text.encode("utf-8")
    files[PAGE] = render_page(briefing, downloads).encode("utf-8")
    return files


def citation_files(briefing: Briefing) -> dict[str, str]:
    """The briefing's own reference for reference managers, beside the page."""
    if not briefing.imprint.bibtex:
        return {}
    return {f"{briefing.slug}.bib": briefing.imprint.bibtex, f"{briefing.slug}.ris": briefing.imprint.ris}


def highwire_tags(briefing: Briefing, downloads) -> list[tuple[str, str]]:
    """Google Scholar's `citation_*` meta tags (Zotero reads them too)."""
    m, imp = briefing.manifest, briefing.imprint
    tags = [("citation_title", briefing.title)]
    for person in imp.authors:
        tags.append(("citation_author", person.name))
        if person.affiliation:
            tags.append(("citation_author_institution", person.affiliation))
        if person.orcid:
            tags.append(("citation_author_orcid", person.orcid_url))
    if briefing.edition_date:
        tags += [("citation_publication_date", briefing.edition_date.strftime("%Y/%m/%d")),
                 ("citation_date", briefing.edition_date.strftime("%Y/%m/%d"))]
    if imp.publisher:
        tags += [("citation_publisher", imp.publisher), ("citation_technical_report_institution", imp.publisher)]
    if imp.series:
        tags.append(("citation_series_title", imp.series.title))
        if imp.series.number:
            tags.append(("citation_technical_report_number", imp.series.number))
        if imp.series.issn:
            tags.append(("citation_issn", imp.series.issn))
    for edition in ("pdf", "epub"):
        if imp.isbn_for(edition):
            tags.append(("citation_isbn", imp.isbn_for(edition)))
    if imp.doi:
        tags.append(("citation_doi", imp.doi))
    tags.append(("citation_language", briefing.language))
    if m.keywords:
        tags.append(("citation_keywords", "; ".join(m.keywords)))
    for download in downloads:
        if download.edition == "pdf":
            tags.append(("citation_pdf_url", download.name))
    return tags


def render_page(briefing: Briefing, downloads) -> str:
    words = i18n.labels(briefing.language)
    offers = []
    for download in downloads:
        kind, purpose = DOWNLOAD_LABELS.get(download.edition, (download.edition.upper(), None))
        offers.append({
            "href": download.name, "type": download.media_type, "format": kind,
            "purpose": words[purpose] if purpose else "", "size": human_size(len(download.data)),
            "edition": download.edition,
        })
    cite_files = [{"href": name, "type": media_type(name), "format": words["bibtex" if name.endswith(".bib") else "ris"],
                   "purpose": words["for_reference_managers"]} for name in citation_files(briefing)]
    pdf = next((d.name for d in downloads if d.edition == "pdf"), None)
    css = _css(briefing)
    toc = contents.table_of_contents(briefing)
    page = dict(briefing=briefing, toc=toc, hrefs=templating.toc_hrefs(toc), downloads=offers,
                highwire=highwire_tags(briefing, downloads), json_ld=people.json_ld(briefing, pdf), cite_files=cite_files)
    html = templating.render("web.html.j2", css=css, **page)
    families = fonts.script_families(html)  # name the faces for scripts the edition fonts lack
    return templating.render("web.html.j2", css=fonts.with_script_fonts(css, families), **page) if families else html


def _css(briefing: Briefing) -> str:
    """The web stylesheet (the theme's, when it has one), then the manifest's theme."""
    m = briefing.manifest
    return theme.stylesheet("web.css", m.root).read_text(encoding="utf-8") + theme.css(m.theme)
