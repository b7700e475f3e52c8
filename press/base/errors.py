"""Errors a user can act on: one clean line each, exit status 1, never a traceback."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import click


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file and, when known, a 1-based line."""

    file: Path
    line: int | None = None

    def __str__(self) -> str:
        name = display_path(self.file)
        return f"{name}:{self.line}" if self.line else name


def display_path(path: Path) -> str:
    """Show paths relative to the working directory when they are inside it."""
    return _display_path(str(path), os.getcwd())


@lru_cache(maxsize=1024)  # thousands of findings in one file resolve its path once
def _display_path(path: str, cwd: str) -> str:
    try:
        return str(Path(path).resolve().relative_to(Path(cwd).resolve()))
    except ValueError:
        return path


class PressError(click.ClickException):
    """A problem in the sources or the build that the user must fix."""

    exit_code = 1

    def __init__(self, message: str, location: Location | None = None, code: str | None = None):
        self.location = location
        self.bare_message = message
        self.code = code  # the stable code `check` reports it under (see press.base.codes.CODES)
        # The same `file:line: CODE: message` line that `check` prints, so the code can be looked up.
        head = ": ".join(str(part) for part in (location, code) if part)
        super().__init__(f"{head}: {message}" if head else message)

    def show(self, file=None) -> None:
        # Click prefixes "Error: "; keep the conventional "file:line: message".
        click.echo(self.format_message(), err=True, file=file)


class SourceError(PressError):
    """A section file or the manifest cannot be used as it is."""


class Problems(PressError):
    """Several problems, reported together so that one run shows them all."""

    def __init__(self, problems: list[PressError]):
        self.problems = problems
        super().__init__("\n".join(p.format_message() for p in problems))


class GlyphError(PressError):
    """A character that no edition font can draw."""


class BuildBusyError(PressError):
    """Another build holds the output folder's lock."""
