"""What WeasyPrint may read: data: URIs and files inside the allowed folders, nothing else."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from press.base.errors import Location, PressError
from press.base.media import IMAGE_SUFFIXES, media_type
from press.source import images


class ForbiddenResource(FatalURLFetchingError):
    """Stops the rendering: WeasyPrint would otherwise log the failure and carry on."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{reason}: {url}")
        self.url, self.reason = str(url), reason


class ConfinedFetcher(URLFetcher):
    """A URL fetcher that never opens a network connection or a file outside `roots`.

    A picture is served as press.source.images checked it (an SVG re-serialized from its allow-list,
    a raster validated by its content), never as the file's own bytes.
    WeasyPrint swallows exceptions raised while it draws an SVG image (an SVG's own
    `<image href=...>` or `url()`), so every refusal is also kept in `refused`: the caller
    must fail the build when it is not empty (see pdf.pdf_bytes).
    """

    def __init__(self, roots: list[Path]):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=True)
        self.roots = [Path(root).resolve() for root in roots]
        self.refused: list[ForbiddenResource] = []

    def _refuse(self, url: str, reason: str) -> ForbiddenResource:
        error = ForbiddenResource(url, reason)
        self.refused.append(error)
        return error

    def fetch(self, url: str, headers=None):
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme != "file":
            raise self._refuse(url, "the editions may not fetch from the network")
        path = Path(url2pathname(unquote(urlsplit(url).path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise self._refuse(url, "the editions may only use files inside the briefing's folder")
        if not path.is_file():
            raise self._refuse(url, "file not found")
        if path.suffix.lower() in IMAGE_SUFFIXES:
            return self._picture(url, path)
        return URLFetcherResponse(path.as_uri(), body=path.read_bytes(), headers={"Content-Type": media_type(path)})

    def _picture(self, url: str, path: Path) -> URLFetcherResponse:
        root = next(root for root in self.roots if path.is_relative_to(root))
        try:
            picture = images.load(path, root, Location(path))
        except PressError as exc:
            raise self._refuse(url, exc.bare_message) from None
        return URLFetcherResponse(path.as_uri(), body=picture.data, headers={"Content-Type": picture.media_type})
