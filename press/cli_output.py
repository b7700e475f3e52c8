"""What the CLI prints about a build: one line per edition."""

from __future__ import annotations

import click

from .pipeline import Result


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} B"


def report(results: list[Result]) -> None:
    for r in results:
        status = f"{r.seconds:5.2f} s" if r.rebuilt else "up to date"
        click.echo(f"{r.edition:<5} {r.path}  {human_size(r.size)}  {status}")
