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
from .wordbreak import break_long_words

from .paper import SIZES as PAPER  # noqa: E402  (the one list of paper sizes)


@functools.lru_cache(maxsize=1)
def _font_config():
    """One FontConfiguration per process: a warm `watch` skips re-reading the font set."""
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_html(briefing: Briefing) -> str:
    html = templating.render(
        "print.html.j2", briefing=briefing,
        toc=templating.table_of_contents(briefing), href=lambda entry: f"#{entry.anchor}")
    return break_long_words(html)  # WeasyPrint's time grows with the square of a word's length


def pdf_bytes(briefing: Briefing, paper: str | None = None) -> bytes:
    """Typeset the briefing; fail on any character drawn as an empty box or any forbidden fetch."""
    fonts.require_fonts()
    import weasyprint  # slow to import: only when a PDF is really made

    from .resources import ConfinedFetcher, ForbiddenResource

    from . import theme

    m = briefing.manifest
    size = PAPER.get(paper or m.paper) or m.page_size or PAPER["a4"]
    page = f"size: {size};" + (f" margin: {m.margins};" if m.margins else "")
    fetcher = ConfinedFetcher([briefing.manifest.root, TEMPLATES_DIR, STYLES_DIR])
    font_config = _font_config()
    stylesheets = [
        weasyprint.CSS(filename=str(theme.stylesheet("print.css", m.root)), url_fetcher=fetcher,
                       font_config=font_config),
        weasyprint.CSS(string=f"@page {{ {page} }}\n{theme.css(m.theme)}", font_config=font_config),
    ]
    html = weasyprint.HTML(string=render_html(briefing), base_url=briefing.manifest.root.as_uri() + "/",
                           url_fetcher=fetcher)
    with _missing_glyphs() as missing, _failed_images() as failed, _fixed_font_timestamps(briefing):
        try:
            document = html.render(stylesheets=stylesheets, font_config=font_config, pdf_tags=True)
            data = document.write_pdf(
                pdf_identifier=hashlib.md5(briefing.manifest.identifier.encode()).hexdigest().encode(),
                pdf_tags=True)
        except ForbiddenResource as exc:
            raise PressError(f"{exc.reason}: {exc.url}", _locate_url(briefing, exc.url)) from None
    if fetcher.refused:  # refusals WeasyPrint swallowed (inside SVG images): still a build error
        exc = fetcher.refused[0]
        raise PressError(f"{exc.reason}: {exc.url[:200]}", _locate_url(briefing, exc.url))
    if missing:
        raise fonts.glyph_error(missing, briefing.source_texts)
    if failed:  # an image WeasyPrint could not draw would be missing from the page
        url, reason = failed[0]
        name = url.rsplit("/", 1)[-1][:200]
        raise PressError(f"image '{name}' cannot be drawn in the PDF ({reason[:200]})", _locate_url(briefing, url),
                         "E317")
    return data


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
