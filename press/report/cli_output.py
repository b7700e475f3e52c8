"""What the CLI prints about a build: one line per edition, progress on a terminal.

`--quiet` prints only errors; `--verbose` adds the time each stage took. When standard
output is not a terminal, nothing is overwritten in place: plain lines only.
"""

from __future__ import annotations

import sys
import threading
import time

import click

from press.build.pipeline import Progress, Result
from press.base.sizes import human_size

QUIET, NORMAL, VERBOSE = 0, 1, 2


def report(results: list[Result], verbosity: int = NORMAL) -> None:
    if verbosity == QUIET:
        return
    for r in results:
        status = f"{r.seconds:5.2f} s" if r.rebuilt else "up to date"
        click.echo(f"{r.edition:<5} {r.path}  {human_size(r.size)}  {status}")
    if results and not any(r.rebuilt for r in results):
        click.echo("everything is up to date")


class Reporter(Progress):
    """Stage timings (verbose) and, on a terminal, a ticking line while an edition renders."""

    DELAY = 0.4  # seconds before a render is long enough to show progress

    def __init__(self, verbosity: int = NORMAL, stream=None):
        self.verbosity = verbosity
        self._stream = stream
        self.tty = self.stream.isatty()
        self._stop: threading.Event | None = None
        self._thread: threading.Thread | None = None

    @property
    def stream(self):
        # sys.stderr at the time of writing: the render's worker points it elsewhere (press.base.budget)
        return self._stream or sys.stderr

    def stage(self, name: str, seconds: float) -> None:
        if self.verbosity >= VERBOSE:
            click.echo(f"  {name:<14} {seconds * 1000:7.1f} ms")

    def rendering(self, edition: str) -> None:
        if self.verbosity >= VERBOSE:
            click.echo(f"  render {edition} ...")
        if self.verbosity == QUIET or not self.tty:
            return
        self._stop = threading.Event()
        started = time.perf_counter()

        def tick(stop=self._stop) -> None:
            if stop.wait(self.DELAY):
                return
            while not stop.wait(0.1):
                self.stream.write(f"\r  building {edition} ... {time.perf_counter() - started:4.1f} s")
                self.stream.flush()
            self.stream.write("\r\033[K")
            self.stream.flush()

        self._thread = threading.Thread(target=tick, daemon=True)
        self._thread.start()

    def warning(self, problem) -> None:
        """Printed even with --quiet: a finding is never dropped silently (--strict makes it fatal)."""
        click.echo(f"warning: {problem}", err=True)

    def rendered(self, edition: str, seconds: float) -> None:
        if self._stop is not None:
            self._stop.set()
            self._thread.join()
            self._stop = self._thread = None
        if self.verbosity >= VERBOSE:
            click.echo(f"  render {edition:<7} {seconds * 1000:7.1f} ms")
