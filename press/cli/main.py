"""The command line: each command parses its options and calls the build, the library, check or
the servers (`python build.py --help`, or `press --help` once installed)."""

from __future__ import annotations

import os
from functools import partial
from pathlib import Path

import click

from press.base import budget, diskcache, pdf_variants
from press.base.paper import SIZES as PAPER_SIZES
from press.build import editions, pipeline
from press.report import cli_output
from press.cli import starter
from press.cli.clean import clean as clean_folder

DEFAULT_FOLDERS = {"source": Path("source"), "out": Path("build")}
LIBRARY_FOLDERS = {"source": Path("library"), "out": Path("site")}   # the library command's defaults


def _folder(ctx: click.Context, param: click.Parameter, value: Path | None,
            defaults: dict[str, Path] = DEFAULT_FOLDERS) -> Path:
    """--source / --out, accepted before or after the command: the group keeps what it was given
    in the root context's meta, and a command's own option, when given, wins."""
    meta = ctx.find_root().meta
    if value is not None:
        meta[param.name] = value
        return value
    return meta.get(param.name, defaults[param.name])


SOURCE = click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=None,
                      callback=_folder, help="Folder holding briefing.yml and the section files  [default: source]")
OUT = click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
                   callback=_folder, help="Folder the editions are written to  [default: build]")
PAPER = click.option("--paper", type=click.Choice(list(PAPER_SIZES)), default=None,
                     help="Page size of the PDF (default: the manifest's 'paper', else A4).")
FORCE = click.option("--force", is_flag=True, help="Rebuild even if nothing changed.")


def _no_cache(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:  # in the environment, so that render and library workers inherit it
        os.environ[diskcache.DISABLE_VARIABLE] = "1"


NO_CACHE = click.option("--no-cache", is_flag=True, expose_value=False, callback=_no_cache,
                        help="Neither read nor write the cache of covers, font coverage and font subsets "
                             "($XDG_CACHE_HOME/press); the editions come out the same.")
STRICT = click.option("--strict", is_flag=True, help="Count warnings (W codes) as errors, as `check --strict` does.")
PORT = click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
                    help="Port on 127.0.0.1 (0: any free port).")


def _verbosity(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value:
        ctx.find_root().meta["verbosity"] = cli_output.QUIET if param.name == "quiet" else cli_output.VERBOSE


def VERBOSITY(f):
    """--quiet / --verbose, accepted before or after the command."""
    f = click.option("-v", "--verbose", is_flag=True, expose_value=False, callback=_verbosity,
                     help="Also show how long each stage took.")(f)
    return click.option("-q", "--quiet", is_flag=True, expose_value=False, callback=_verbosity,
                        help="Print only errors.")(f)


def verbosity() -> int:
    return click.get_current_context().find_root().meta.get("verbosity", cli_output.NORMAL)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@SOURCE
@OUT
@VERBOSITY
@click.pass_context
def cli(ctx: click.Context, source: Path, out: Path) -> None:
    """Turn the briefing in SOURCE into print (PDF), EPUB and web (HTML) editions in OUT.

    Without a command, builds every edition (the same as `all`). `--source` and `--out` may
    come before or after the command.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(all_editions, source=source, out=out, paper=None, force=False, strict=False)


def _build(source: Path, out: Path, formats: list[str], paper: str | None, force: bool,
           strict: bool = False) -> None:
    level = verbosity()
    try:
        results = pipeline.build(source, out, formats, paper=paper, force=force, strict=strict,
                                 on_wait=lambda: click.echo(f"waiting for another build in {out} ...", err=True),
                                 progress=cli_output.Reporter(level))
    except budget.RenderFailed as exc:  # a bug, not the sources: its traceback on request
        if level >= cli_output.VERBOSE:
            click.echo(exc.details, err=True)
        raise
    cli_output.report(results, level)


@cli.command("all")
@SOURCE
@OUT
@PAPER
@FORCE
@NO_CACHE
@STRICT
@VERBOSITY
def all_editions(source: Path, out: Path, paper: str | None, force: bool, strict: bool) -> None:
    """Build every edition."""
    _build(source, out, list(editions.ALL), paper, force, strict)


# One command per edition of the registry, with the options it and the editions it links
# to take (the web edition offers the PDF for download, so `html` takes --paper).
OPTIONS = {"paper": PAPER}
# `pdf --variant NAME` builds that variant's edition (press.base.pdf_variants).
VARIANT = click.option("--variant", type=click.Choice(list(pdf_variants.VARIANTS)), default=pdf_variants.DEFAULT,
                       show_default=True, help="; ".join(f"{v.name}: {v.standard} (<slug>{v.suffix})"
                                                         for v in pdf_variants.VARIANTS.values()) + ".")

# `pdf --save-html PATH`: the yardstick of the PDF's overhead (see tests/benchmarks/engines.py).
SAVE_HTML = click.option("--save-html", type=click.Path(dir_okay=False, path_type=Path), default=None,
                         help="Also write the exact HTML the PDF was typeset from to PATH, with its stylesheets "
                              "and pictures beside it: `weasyprint --pdf-tags PATH out.pdf` gives the same pages.")


def _edition_command(edition: editions.Edition) -> click.Command:
    takes = sorted({key for name in editions.ordered([edition.name]) for key in editions.EDITIONS[name].options})

    def command(source: Path, out: Path, force: bool, strict: bool, save_html: Path | None = None,
                **options) -> None:
        name = pdf_variants.EDITION_OF[options["variant"]] if "variant" in options else edition.name
        _build(source, out, [name], options.get("paper"), force, strict)
        if save_html:
            pipeline.save_print_html(source, save_html, options.get("paper"), options["variant"])

    command.__name__ = edition.name.replace("-", "_")
    command.__doc__ = edition.help
    variant = [VARIANT, SAVE_HTML] if edition.name == "pdf" else []
    for decorator in reversed([SOURCE, OUT, *(OPTIONS[key] for key in takes), *variant, FORCE, NO_CACHE, STRICT, VERBOSITY]):
        command = decorator(command)
    return cli.command(edition.name)(command)


for _edition in editions.EDITIONS.values():
    _edition_command(_edition)


@cli.command()
@SOURCE
@OUT
@PORT
@click.option("--watch", is_flag=True, help="Also rebuild on every change and reload the page.")
@VERBOSITY
def serve(source: Path, out: Path, port: int, watch: bool) -> None:
    """Build if needed and serve OUT/html on 127.0.0.1 (a library folder: the whole site)."""
    from press.serve import preview  # each command imports what it needs (tests/test_imports.py)

    preview.serve(source, out, port, watch=watch, verbosity=verbosity())


@cli.command()
@SOURCE
@OUT
@PORT
@click.option("--serve/--no-serve", "serving", default=True, show_default=True,
              help="Serve OUT/html with live reload while watching.")
@VERBOSITY
def watch(source: Path, out: Path, port: int, serving: bool) -> None:
    """Rebuild the editions whenever SOURCE, templates/ or styles/ change (a library folder: the
    briefing that changed, then the catalogue)."""
    from press.serve import preview  # each command imports what it needs (tests/test_imports.py)

    preview.serve(source, out, port, watch=True, serving=serving, verbosity=verbosity())


@cli.command()
@SOURCE
@OUT
@click.option("--strict", is_flag=True, help="Count warnings as errors.")
@click.pass_context
def check(ctx: click.Context, source: Path, out: Path, strict: bool) -> None:
    """Lint the sources and validate the last outputs, without building.

    Prints every finding as `file:line: CODE: message`; exit status 1 if any is an error.
    """
    from press.check import checks  # Markdown and pypdf: not for --help or a build

    problems = checks.run_check(source, out, strict=strict)
    for problem in problems:
        click.echo(str(problem))
    errors = sum(p.severity == checks.ERROR for p in problems)
    click.echo(f"check: {errors} error(s), {len(problems) - errors} warning(s)", err=True)
    ctx.exit(1 if errors else 0)


@cli.command()
@click.option("--source", type=click.Path(file_okay=False, path_type=Path), default=None,
              callback=partial(_folder, defaults=LIBRARY_FOLDERS),
              help="Library folder: library.yml and one folder per briefing.  [default: library]")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              callback=partial(_folder, defaults=LIBRARY_FOLDERS),
              help="Folder the site and the catalogue are written to.  [default: site]")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Briefings built at once, each in its own process (default: the number of cores).")
@click.option("--shard", metavar="K/N", default=None, help="Build only shard K of N (a stable partition by slug).")
@click.option("--merge", "merging", is_flag=True, help="Assemble OUT from the shard outputs PARTS, building nothing.")
@click.argument("parts", nargs=-1, type=click.Path(file_okay=False, exists=True, path_type=Path))
@FORCE
@NO_CACHE
@VERBOSITY
@click.pass_context
def library(ctx: click.Context, source: Path, out: Path, jobs: int | None, shard: str | None, merging: bool,
            parts: tuple[Path, ...], force: bool) -> None:
    """Build a library: every briefing's editions into OUT/<slug>/, then the library page,
    search, the OPDS catalogue (OUT/opds/index.xml), OUT/feed.atom and OUT/sitemap.xml.

    `--merge OUT_1 ... OUT_N --out OUT` assembles the outputs of `--shard K/N` builds.
    """
    # The library: Jinja2 and the catalogue, not for a lone briefing
    from press.report import library_output
    from press.library import library_build, shards

    level = verbosity()
    wait = lambda: click.echo(f"waiting for another build in {out} ...", err=True)  # noqa: E731
    if merging or parts:
        if not merging or not parts or shard:
            raise click.UsageError("use --merge OUT_1 ... OUT_N --out OUT (and no --shard)")
        result = shards.merge(source, list(parts), out, on_wait=wait)
    else:
        result = library_build.build_library(source, out, jobs=jobs, shard=shards.parse(shard) if shard else None,
                                             force=force, progress=library_output.LibraryReporter(level), on_wait=wait)
    library_output.report(result, level)
    ctx.exit(1 if result.failed else 0)


@cli.command()
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--title", default="A New Briefing", show_default=True, help="The new briefing's title.")
def init(folder: Path, title: str) -> None:
    """Start a briefing in FOLDER: a commented briefing.yml, two example sections, an image.

    Refuses to write into a folder that exists and is not empty.
    """
    starter.create(folder, title)
    click.echo(f"created {folder}: edit {folder / 'briefing.yml'}, then run "
               f"`make pdf SOURCE={folder}` (or `python build.py pdf --source {folder}`)")


@cli.command()
@OUT
def clean(out: Path) -> None:
    """Delete what builds made in OUT (and OUT, when that empties it).

    Refuses a folder no build made, one holding a briefing.yml, or files no build wrote.
    """
    removed = clean_folder(out)
    click.echo(f"removed {out}" if removed else f"nothing to clean in {out}")


if __name__ == "__main__":
    cli()
