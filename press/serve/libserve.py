"""`serve` and `watch` on a library folder (one holding library.yml).

`serve` builds what is out of date and serves the whole site on 127.0.0.1, with the media
types reading apps expect for the OPDS catalogue. `watch` rebuilds only the briefing whose
folder changed (any change to library.yml, the templates or the styles rebuilds what
depends on it: every briefing is checked), then the catalogue, and reloads open pages.
"""

from __future__ import annotations

import queue
import signal
from functools import partial
from pathlib import Path

import click

from press.report import cli_output
from press.serve import server
from press.serve.watch import settled_changes
from press.base.errors import PressError, display_path
from press.library.library import LIBRARY_NAME
from press.render.templating import STYLES_DIR, TEMPLATES_DIR

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


def start(folder: Path, port: int, live=None, log=None) -> server.Server:
    import threading

    handler = partial(LibraryHandler, directory=str(folder), live=live, log=log)
    httpd = server.Server(("127.0.0.1", port), handler)
    threading.Thread(target=httpd.serve_forever, name="press-library-server", daemon=True).start()
    return httpd


def serve(source: Path, out: Path, port: int, watch: bool = False, serving: bool = True,
          verbosity: int = cli_output.NORMAL, jobs: int | None = None) -> None:
    source, out = Path(source), Path(out)
    signal.signal(signal.SIGTERM, _interrupt)
    error = _build(source, out, verbosity, jobs)
    if error and not watch and not (out / "index.html").is_file():
        raise SystemExit(1)
    live = server.LiveReload() if watch else None
    httpd = None
    if serving:
        log = click.echo if verbosity >= cli_output.VERBOSE else None
        try:
            httpd = start(out, port, live, log=log)
        except OSError as exc:
            raise PressError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}", code="E863") from None
        if error and live is not None:
            live.failed(error)
        click.echo(f"serving {out} at {server.address(httpd)}  (Ctrl-C to stop); "
                   f"OPDS catalogue: {server.address(httpd)}opds/index.xml")
    server.run_until_interrupted((lambda: _watch(source, out, live, verbosity, jobs)) if watch else None,
                                 live, httpd)
    click.echo("stopped")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _build(source: Path, out: Path, verbosity: int, jobs: int | None, only: set[Path] | None = None) -> str | None:
    from press.report import library_output
    from press.library import library_build

    try:
        result = library_build.build_library(source, out, jobs=jobs, only=only,
                                             progress=library_output.LibraryReporter(verbosity))
    except PressError as exc:
        click.echo(exc.format_message(), err=True)
        return exc.format_message()
    library_output.report(result, verbosity)
    return "\n".join(result.failed) or None


def _watch(source: Path, out: Path, live, verbosity: int, jobs: int | None) -> None:
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    from press.serve.watch import _relevant

    changes: queue.Queue[Path] = queue.Queue()
    out_dir, root = out.resolve(), source.resolve()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in ("opened", "closed_no_write") or (event.is_directory and event.event_type == "modified"):
                return
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path and _relevant(Path(path), out_dir):
                    changes.put(Path(path).resolve())

    observer = Observer()
    for folder in (root, TEMPLATES_DIR, STYLES_DIR):
        if folder.is_dir():
            observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    if verbosity > cli_output.QUIET:
        click.echo(f"watching {display_path(root)}, templates and styles")
    try:
        while True:
            changed = settled_changes(changes)
            if verbosity > cli_output.QUIET:
                click.echo("changed: " + ", ".join(sorted(display_path(p) for p in changed)))
            error = _build(source, out, verbosity, jobs, _briefing_folders(root, changed))
            if live is not None:
                live.failed(error) if error else live.built()
    finally:
        observer.stop()
        observer.join(timeout=5)


def _briefing_folders(root: Path, changed: set[Path]) -> set[Path] | None:
    """The briefing folders that changed; None (check every briefing) when anything else did."""
    folders = set()
    for path in changed:
        if not path.is_relative_to(root) or path == root / LIBRARY_NAME or len(path.relative_to(root).parts) < 2:
            return None
        folders.add(root / path.relative_to(root).parts[0])
    return folders
