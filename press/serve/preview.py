"""`serve` and `watch`: the editor's loop, for a briefing or a library folder alike.

`serve` builds what is out of date and serves it on 127.0.0.1: a briefing's `<out>/html`
(press/serve/briefing_site.py), or a library's whole site, with the media types reading apps
expect for its OPDS catalogue (press/serve/library_site.py). `watch` also watches the sources,
the templates and the styles (watchdog) and, after each change, rebuilds in the same warm
process what the change touched, and open pages reload themselves. A build that fails prints
its errors and keeps the last good outputs, which go on being served.
"""

from __future__ import annotations

import errno
import queue
import signal
import sys
import time
from pathlib import Path

import click

from press.base import hints
from press.base.errors import PressError, display_path
from press.library.library import is_library
from press.report import cli_output
from press.serve import briefing_site, library_site, server
from press.serve.site import Site

QUIET_PERIOD = 0.1     # seconds without a new change before rebuilding (editors save in bursts)


def serve(source: Path, out: Path, port: int, watch: bool = False, serving: bool = True,
          verbosity: int = cli_output.NORMAL) -> None:
    """Build SOURCE (a briefing or a library folder) into OUT and serve it; `watch`: rebuild on
    every change; `serving` False: watch without a server."""
    source, out = Path(source), Path(out)
    kind = library_site if is_library(source) else briefing_site
    site = kind.site(source, out, watch, verbosity)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as cleanly as Ctrl-C
    error = site.build(None)
    if error and not watch:
        if not site.page.is_file():
            raise SystemExit(1)
        click.echo("serving the last good build", err=True)
    live = server.LiveReload() if watch else None
    httpd = None
    if serving:
        log = click.echo if verbosity >= cli_output.VERBOSE else None
        try:
            httpd = server.start(site.served, port, live, log=log, handler_class=site.handler_class)
        except OSError as exc:
            raise PressError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}"
                             + _busy_port_hint(exc, port, watch), code="E863") from None
        if error and live is not None:
            live.failed(error)
        # Printed even with --quiet: it is what the user came for.
        address = server.address(httpd)
        click.echo(f"serving {site.served} at {address}  (Ctrl-C to stop){site.about(address)}")
    server.run_until_interrupted((lambda: _watch(site, live, verbosity)) if watch else None, live, httpd)
    click.echo("stopped")


def _busy_port_hint(exc: OSError, port: int, watch: bool) -> str:
    if exc.errno != errno.EADDRINUSE:
        return ""
    other = port + 1 if port < 65535 else 8001
    return (f" (another server, or another `make {'watch' if watch else 'serve'}`, is using it): "
            f"try `PORT={other} make {'watch' if watch else 'serve'}` (or `--port {other}`)")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _watch(site: Site, live: server.LiveReload | None, verbosity: int) -> None:
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    changes: queue.Queue[Path] = queue.Queue()
    out_dir = site.out.resolve()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            if event.is_directory and event.event_type == "modified":
                return
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path and _relevant(Path(path), out_dir):
                    changes.put(Path(path).resolve())

    folders = [f for f in site.watched if f.is_dir()]
    observer = Observer()
    for folder in folders:
        observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    if verbosity > cli_output.QUIET:
        click.echo("watching " + ", ".join(display_path(f) for f in folders))
    try:
        while True:
            changed = settled_changes(changes)
            if verbosity > cli_output.QUIET:
                click.echo("changed: " + ", ".join(sorted(display_path(p) for p in changed)))
            error = site.build(changed)
            if live is not None:
                live.failed(error) if error else live.built()
            sys.stdout.flush()
    finally:
        observer.stop()
        observer.join(timeout=5)


def settled_changes(changes: queue.Queue) -> set:
    """Wait for a change, then for a quiet moment: a burst of saves is one rebuild."""
    while True:  # woken twice a second, as Ctrl-C needs
        try:
            changed = {changes.get(timeout=0.5)}
            break
        except queue.Empty:
            continue
    deadline = time.monotonic() + QUIET_PERIOD
    while (left := deadline - time.monotonic()) > 0:
        try:
            changed.add(changes.get(timeout=left))
            deadline = time.monotonic() + QUIET_PERIOD
        except queue.Empty:
            break
    return changed


def _relevant(path: Path, out_dir: Path) -> bool:
    if hints.editor_temporary(path.name) or "__pycache__" in path.parts:
        return False
    try:
        path.resolve().relative_to(out_dir)
        return False
    except ValueError:
        return True
