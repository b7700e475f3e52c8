"""The web edition: the whole briefing as one accessible page, with its downloads beside it.

`html_files` returns every file of `<out>/html/` by its path relative to that folder:
`index.html`, the images the sections use (at the same relative path as in the source
folder, which is what the sections' `src` attributes say) and a copy of each file edition
it offers for download. The page has no script and fetches nothing from elsewhere: the
folder can be put on any static host as it is.
"""

from __future__ import annotations

from . import images, templating
from .model import Briefing
from .sizes import human_size
from .templating import STYLES_DIR

PAGE = "index.html"
# The label of each downloadable edition, by edition name: (format, key of its purpose label).
DOWNLOAD_LABELS = {"epub": ("EPUB", "for_ereaders"), "pdf": ("PDF", "for_print"),
                   "docx": ("DOCX", "for_review")}


def html_files(briefing: Briefing, downloads, paper: str | None = None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for asset in briefing.assets:  # checked, sanitized, scaled for a screen
        files[asset.href] = images.scaled(images.for_asset(asset, briefing.manifest.root))
    logo = briefing.manifest.theme and briefing.manifest.theme.logo
    if logo:  # checked by content when the manifest was read (press.theme)
        from .errors import Location

        files[briefing.manifest.theme.logo_href] = images.scaled(
            images.load(logo, briefing.manifest.root.resolve(), Location(briefing.manifest.path)))
    for download in downloads:
        files[download.name] = download.data
    files[PAGE] = render_page(briefing, downloads).encode("utf-8")
    return files


def render_page(briefing: Briefing, downloads) -> str:
    words = templating.labels(briefing.language)
    offers = []
    for download in downloads:
        kind, purpose = DOWNLOAD_LABELS.get(download.edition, (download.edition.upper(), None))
        offers.append({
            "href": download.name, "type": download.media_type, "format": kind,
            "purpose": words[purpose] if purpose else "", "size": human_size(len(download.data)),
            "edition": download.edition,
        })
    return templating.render(
        "web.html.j2", briefing=briefing, toc=templating.table_of_contents(briefing),
        href=lambda entry: f"#{entry.anchor}",
        downloads=offers, css=_css(briefing))


def _css(briefing: Briefing) -> str:
    """The web stylesheet (the theme's, when it has one), then the manifest's theme."""
    from . import theme

    m = briefing.manifest
    return theme.stylesheet("web.css", m.root).read_text(encoding="utf-8") + theme.css(m.theme)
