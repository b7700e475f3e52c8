"""`serve` and `watch` on a briefing folder (press/serve/preview.py): every edition built, then
`<out>/html` served. Watching, each rebuild is in the same warm process: only the sections whose
text changed are rendered again (press.build.cache), only the editions whose inputs changed are
rebuilt (press.build.pipeline)."""

from __future__ import annotations

import time
import traceback
from pathlib import Path

import click

from press.base.datadirs import STYLES_DIR, TEMPLATES_DIR
from press.base.errors import PressError
from press.base.sizes import human_size
from press.build import editions, pipeline
from press.build.cache import SectionCache
from press.report import cli_output
from press.serve.site import Site


def site(source: Path, out: Path, watch: bool, verbosity: int) -> Site:
    cache = SectionCache() if watch else None
    if watch:
        editions.warm()  # each rebuild's render is forked from here: warm once, not every time
    return Site(out=out, served=out / "html", page=out / "html" / "index.html",
                watched=(source.resolve(), TEMPLATES_DIR, STYLES_DIR),
                build=lambda changed: _build(source, out, cache, verbosity, changed))


def _build(source: Path, out: Path, cache: SectionCache | None, verbosity: int,
           changed: set[Path] | None = None) -> str | None:
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
