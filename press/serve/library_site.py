"""`serve` and `watch` on a library folder, one holding library.yml (press/serve/preview.py).

`serve` builds what is out of date and serves the whole site, with the media types reading
apps expect for the OPDS catalogue. `watch` rebuilds only the briefing whose folder changed
(any change to library.yml, the templates or the styles rebuilds what depends on it: every
briefing is checked), then the catalogue.
"""

from __future__ import annotations

from pathlib import Path

import click

from press.base.datadirs import STYLES_DIR, TEMPLATES_DIR
from press.base.errors import PressError
from press.library.library import LIBRARY_NAME
from press.serve import server
from press.serve.site import Site
from press.library import library_build
from press.report import library_output

# The OPDS 1.2 feeds' media types, by file name under opds/: navigation feeds, else acquisition.
NAVIGATION_FEEDS = ("index.xml", "series.xml", "languages.xml")
OPDS_TYPES = {".json": "application/opds+json", ".atom": "application/atom+xml",
              ".xml": "application/xml", ".js": "text/javascript; charset=utf-8",
              ".json-other": "application/json"}


class LibraryHandler(server.Handler):
    def guess_type(self, path) -> str:
        path = str(path)
        parts = Path(path).parts
        if "opds" in parts and path.endswith(".xml"):
            kind = "navigation" if Path(path).name in NAVIGATION_FEEDS and parts[-2] == "opds" else "acquisition"
            return f"application/atom+xml;profile=opds-catalog;kind={kind}"
        if "opds" in parts and path.endswith(".json"):
            return OPDS_TYPES[".json"]
        if path.endswith("opensearch.xml"):
            return "application/opensearchdescription+xml"
        suffix = Path(path).suffix
        if suffix in (".atom", ".js"):
            return OPDS_TYPES[suffix]
        if suffix == ".json":
            return OPDS_TYPES[".json-other"]
        return super().guess_type(path)


def site(source: Path, out: Path, watch: bool, verbosity: int) -> Site:
    root = source.resolve()
    return Site(out=out, served=out, page=out / "index.html", watched=(root, TEMPLATES_DIR, STYLES_DIR),
                build=lambda changed: _build(source, out, verbosity,
                                             None if changed is None else _briefing_folders(root, changed)),
                handler_class=LibraryHandler, about=lambda address: f"; OPDS catalogue: {address}opds/index.xml")


def _build(source: Path, out: Path, verbosity: int, only: set[Path] | None = None) -> str | None:
    # Lazy: the library's build brings the catalogue's templates (Jinja2), which serving a lone
    # briefing, in the same process as this module, must not load.

    try:
        result = library_build.build_library(source, out, only=only,
                                             progress=library_output.LibraryReporter(verbosity))
    except PressError as exc:
        click.echo(exc.format_message(), err=True)
        return exc.format_message()
    library_output.report(result, verbosity)
    return "\n".join(result.failed) or None


def _briefing_folders(root: Path, changed: set[Path]) -> set[Path] | None:
    """The briefing folders that changed; None (check every briefing) when anything else did."""
    folders = set()
    for path in changed:
        if not path.is_relative_to(root) or path == root / LIBRARY_NAME or len(path.relative_to(root).parts) < 2:
            return None
        folders.add(root / path.relative_to(root).parts[0])
    return folders
