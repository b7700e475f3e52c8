"""What `build.py library` prints: progress across briefings, one line per problem, a summary."""

from __future__ import annotations

import sys
import time

import click

from press.report.cli_output import NORMAL, QUIET, VERBOSE
from press.library.library_build import Progress
from press.library.site_folder import LibraryResult


class LibraryReporter(Progress):
    """On a terminal, one line rewritten in place (done of total, the last briefing, elapsed);
    piped, a plain line per briefing that was built or failed."""

    def __init__(self, verbosity: int = NORMAL, stream=None):
        self.verbosity = verbosity
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.total = 0
        self.started = time.perf_counter()

    def start(self, total: int) -> None:
        self.total, self.started = total, time.perf_counter()

    def done(self, entry: dict, count: int) -> None:
        if self.verbosity == QUIET:
            return
        elapsed = time.perf_counter() - self.started
        if "error" in entry:
            status = "failed"
        else:
            status = f"built in {entry['seconds']:.2f} s" if entry.get("rebuilt") else "up to date"
        if self.tty:
            self.stream.write(f"\r\033[K[{count}/{self.total}] {entry['slug']} {status}  {elapsed:5.1f} s")
            if count == self.total:
                self.stream.write("\r\033[K")
            self.stream.flush()
        elif status != "up to date" or self.verbosity >= VERBOSE:
            click.echo(f"[{count}/{self.total}] {entry['slug']} {status}")


def report(result: LibraryResult, verbosity: int = NORMAL) -> None:
    for line in result.failed:
        click.echo(line, err=True)
    if verbosity == QUIET:
        return
    shown = len(result.entries)
    click.echo(f"library: {shown} briefing(s) in the catalogue, {len(result.built)} built, "
               f"{len(result.failed)} failed; {len(result.written)} catalogue file(s) written"
               + (f" in {result.seconds:.1f} s" if result.seconds else ""))
