"""`serve` and `watch`: the editor's loop.

`serve` builds what is out of date and serves `<out>/html` on 127.0.0.1. `watch` also
watches the sources, the templates and the styles (watchdog) and, after each change,
rebuilds in the same warm process: only the sections whose text changed are rendered
again (press.build.cache), only the editions whose inputs changed are rebuilt (press.build.pipeline),
and open pages reload themselves. A build that fails prints its errors and keeps the last
good outputs, which go on being served.
"""

from __future__ import annotations

import queue
import signal
import sys
import time
import traceback
from pathlib import Path

import click

from press.base import hints
from press.build import editions, pipeline
from press.report import cli_output
from press.serve import server
from press.build.cache import SectionCache
from press.base.errors import PressError, display_path
from press.base.sizes import human_size
from press.base.datadirs import STYLES_DIR, TEMPLATES_DIR

QUIET_PERIOD = 0.1     # seconds without a new change before rebuilding (editors save in bursts)


def serve(source: Path, out: Path, port: int, watch: bool = False, serving: bool = True,
          verbosity: int = cli_output.NORMAL) -> None:
    source, out = Path(source), Path(out)
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops as cleanly as Ctrl-C
    cache = SectionCache() if watch else None
    if watch:
        editions.warm()  # each rebuild's render is forked from here: warm once, not every time
    error = _build(source, out, cache, verbosity)
    page = out / "html" / "index.html"
    if error and not watch:
        if not page.is_file():
            raise SystemExit(1)
        click.echo("serving the last good build", err=True)
    live = server.LiveReload() if watch else None
    httpd = None
    if serving:
        log = click.echo if verbosity >= cli_output.VERBOSE else None
        try:
            httpd = server.start(out / "html", port, live, log=log)
        except OSError as exc:
            raise PressError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}"
                             + _busy_port_hint(exc, port, watch), code="E863") from None
        if error and live is not None:
            live.failed(error)
        # Printed even with --quiet: it is what the user came for.
        click.echo(f"serving {out / 'html'} at {server.address(httpd)}  (Ctrl-C to stop)")
    server.run_until_interrupted((lambda: _watch(source, out, cache, live, verbosity)) if watch else None,
                                 live, httpd)
    click.echo("stopped")


def _busy_port_hint(exc: OSError, port: int, watch: bool) -> str:
    import errno

    if exc.errno != errno.EADDRINUSE:
        return ""
    other = port + 1 if port < 65535 else 8001
    return (f" (another server, or another `make {'watch' if watch else 'serve'}`, is using it): "
            f"try `PORT={other} make {'watch' if watch else 'serve'}` (or `--port {other}`)")


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _build(source: Path, out: Path, cache: SectionCache | None, verbosity: int,
           changed: list[Path] | None = None) -> str | None:
    """One build of every edition; an error is printed and returned, never raised."""
    started = time.perf_counter()
    try:
        results = pipeline.build(source, out, list(editions.ALL), cache=cache,
                                 progress=cli_output.Reporter(verbosity),
                                 on_wait=lambda: click.echo(f"waiting for another build in {out} ...", err=True))
    except Exception as exc:  # whatever it is, the loop and the server go on with the last good build
        message = _one_line(exc, verbosity)
        click.echo(message, err=True)
        if changed is not None:
            click.echo("build failed: the last good outputs are kept; watching for changes", err=True)
        return message
    if changed is None:
        cli_output.report(results, verbosity)
    elif verbosity > cli_output.QUIET:
        rebuilt = [r for r in results if r.rebuilt]
        if cache is not None and (cache.rendered_now or cache.reused_now):
            names = ", ".join(p.name for p in cache.rendered_now) or "none"
            click.echo(f"  sections re-rendered: {names} ({len(cache.reused_now)} reused)")
        for r in rebuilt:
            click.echo(f"  rebuilt {r.edition:<5} {r.path}  {human_size(r.size)}  {r.seconds:.3f} s")
        if rebuilt:
            click.echo(f"rebuilt {', '.join(r.edition for r in rebuilt)} in {time.perf_counter() - started:.2f} s")
        else:
            click.echo("nothing to rebuild: every edition is up to date")
    return None


def _one_line(exc: Exception, verbosity: int) -> str:
    """The error as the user sees it: PressError's own line; anything else in one line, with
    its traceback only in --verbose."""
    if isinstance(exc, PressError):
        if verbosity >= cli_output.VERBOSE and getattr(exc, "details", None):
            click.echo(exc.details, err=True)
        return exc.format_message()
    if verbosity >= cli_output.VERBOSE:
        click.echo("".join(traceback.format_exception(exc)), err=True)
    return f"the build failed: {type(exc).__name__}: {str(exc)[:300]} (--verbose shows where)"


def _watch(source: Path, out: Path, cache: SectionCache, live: server.LiveReload | None, verbosity: int) -> None:
    from watchdog.events import FileSystemEventHandler
    from watchdog.observers import Observer

    changes: queue.Queue[Path] = queue.Queue()
    out_dir = out.resolve()

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            if event.event_type in ("opened", "closed_no_write"):
                return
            if event.is_directory and event.event_type == "modified":
                return
            for path in (event.src_path, getattr(event, "dest_path", "")):
                if path and _relevant(Path(path), out_dir):
                    changes.put(Path(path))

    folders = [source.resolve(), TEMPLATES_DIR, STYLES_DIR]
    observer = Observer()
    for folder in folders:
        if folder.is_dir():
            observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()
    if verbosity > cli_output.QUIET:
        click.echo("watching " + ", ".join(display_path(f) for f in folders if f.is_dir()))
    try:
        while True:
            changed = settled_changes(changes)
            if verbosity > cli_output.QUIET:
                click.echo("changed: " + ", ".join(sorted(display_path(p) for p in changed)))
            error = _build(source, out, cache, verbosity, changed=sorted(changed))
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
