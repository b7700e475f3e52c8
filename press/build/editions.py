"""The editions, as values: what each renders, where it goes, what it is made from.

An edition is a record: its render function with its options bound (a lazy import, so an
EPUB build never imports WeasyPrint), its target, its templates and styles, and the build
options it depends on. The CLI commands and the change detection follow from `EDITIONS`:
a new edition is one line there, a new PDF variant one line of
press.base.pdf_variants.

A file edition is one file, `<out>/<slug><suffix>`, made by `render(briefing, **options)`.
A folder edition is `<out>/<folder>/`, made by `render(briefing, downloads, **options)`,
which returns every file of the folder by its relative path; `page` is the file to open.
An edition may link to others (`after`): they are built first and their output hashes are
part of its inputs.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import partial
from typing import Callable

from press.base import budget
from press.base.pdf_variants import DEFAULT, VARIANTS, PdfVariant


@dataclass(frozen=True)
class Edition:
    name: str
    render: Callable
    suffix: str = ""                   # a file edition: <slug><suffix>
    folder: str | None = None          # a folder edition: <out>/<folder>/
    page: str | None = None            # the folder's page (what the result line names)
    templates: tuple[str, ...] = ()    # what it is made from, besides the sources and the package
    styles: tuple[str, ...] = ()
    options: tuple[str, ...] = ()      # the build options it takes (and is rebuilt when they change)
    after: tuple[str, ...] = ()        # editions it links to, when registered: built first
    fonts: bool = True                 # whether the font files are among its inputs
    style: str | None = None           # the style its sections are rendered in (renderers.RENDERERS)
    pdf: PdfVariant | None = None      # a PDF variant: it names its file (by the paper option)
    help: str = ""                     # its command's help
    # Imports its writer and fills its per-process caches: called in the building process
    # before the render is forked (press.base.budget), so later builds of that process start warm.
    warm: Callable[[], None] | None = None
    in_all: bool = True                # built by `all`; a PDF variant only when asked for

    @property
    def is_folder(self) -> bool:
        return self.folder is not None

    def relative_target(self, slug: str, options: dict | None = None) -> str:
        """Its output, relative to the output folder, with '/' separators (a PDF's name may
        carry its paper: press.base.pdf_variants.PdfVariant.file_name)."""
        if self.is_folder:
            return f"{self.folder}/{self.page}"
        if self.pdf is not None:
            return self.pdf.file_name(slug, (options or {}).get("paper"))
        return f"{slug}{self.suffix}"

    def dependencies(self) -> tuple[str, ...]:
        """The editions it links to that are registered."""
        return tuple(name for name in self.after if name in EDITIONS)


# The render functions are named, not imported: `_render` imports a writer when it is first
# called, so a build with nothing to do imports none, and an EPUB build never WeasyPrint.
def writer(target: str) -> Callable:
    """The function `module:name` names, its module imported now."""
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


def _render(target: str, *args, **options):
    return writer(target)(*args, **options)


# Partials every edition's templates include.
SHARED_PARTIALS = ("_toc.html.j2", "_disclaimer.html.j2", "_further_reading.html.j2", "_back_matter.html.j2",
                   "_imprint.html.j2", "_also_in.html.j2")
EPUB_TEMPLATES = ("epub/_page.xhtml.j2", "epub/cover.xhtml.j2", "epub/titlepage.xhtml.j2",
                  "epub/disclaimer.xhtml.j2", "epub/nav.xhtml.j2", "epub/section.xhtml.j2",
                  "epub/further-reading.xhtml.j2", "epub/imprint.xhtml.j2", "epub/references.xhtml.j2",
                  "epub/about.xhtml.j2")


PDF = "press.render.pdf:pdf_bytes"


def _pdf_edition(variant: PdfVariant) -> Edition:
    """A PDF variant's edition (press.base.pdf_variants): `pdf --variant NAME`, or the manifest's
    `pdf_variant`."""
    default = variant.name == DEFAULT
    return Edition(variant.edition, partial(_render, PDF) if default else partial(_render, PDF, variant=variant.name),
                   suffix=variant.suffix, style="print", options=("paper",),
                   pdf=variant, warm=partial(_render, "press.render.pdf:warm"), templates=("print.html.j2", *SHARED_PARTIALS), styles=("print.css",),
                   in_all=default, help=variant.help)


EDITIONS: dict[str, Edition] = {e.name: e for e in (
    *(_pdf_edition(variant) for variant in VARIANTS.values()),
    Edition("epub", partial(_render, "press.render.epub:epub_bytes"), suffix=".epub", style="ebook",
            templates=(*EPUB_TEMPLATES, *SHARED_PARTIALS), styles=("epub.css", "epub-rtl.css"),
            help="Build the EPUB edition: OUT/<slug>.epub."),
    Edition("docx", partial(_render, "press.render.docx:docx_bytes"), suffix=".docx", style="screen", fonts=False,
            templates=("docx.html.j2", "_further_reading.html.j2"),
            help="Build the DOCX edition for reviewers (Word, LibreOffice): OUT/<slug>.docx."),
    Edition("html", partial(_render, "press.render.web:html_files"), folder="html", page="index.html", style="screen",
            after=("epub", "pdf", "docx"), fonts=False,
            templates=("web.html.j2", *SHARED_PARTIALS), styles=("web.css",),
            help="Build the web edition: OUT/html/index.html, with the editions it offers for download."),
)}


# What `all` builds (the manifest's `pdf_variant` adds its variants).
ALL = tuple(name for name, edition in EDITIONS.items() if edition.in_all)


def warm(names=None) -> None:
    """Import the writers and fill their per-process caches here, so that every render forked
    from this process (press.base.budget) starts warm: what `watch` does once, at its start. Waits
    for a warming begun by `warm_in_background` first: no thread may run across a fork."""
    while _warming:  # every one, also one a failed build left running: the render forks next
        _warming.popitem()[1].join()
    for name in EDITIONS if names is None else names:
        if EDITIONS[name].warm is not None:
            EDITIONS[name].warm()  # done already (cached), or its error raised here


_warming: dict = {}  # warm function -> the thread running it


def warm_in_background(names) -> None:
    """Begin `warm` for these editions in a thread, while this one checks the sources: importing
    WeasyPrint spends most of its half second waiting (its library look-ups run `ldconfig`), so
    a PDF build overlaps it with the rules pass. `warm(names)` joins it before the render forks."""
    import threading

    for name in names:
        function = EDITIONS[name].warm
        if function is not None and function not in _warming:
            thread = _warming[function] = threading.Thread(target=_quietly, args=(function,), daemon=True,
                                                           name=f"warm {name}")
            thread.start()
            budget.fork_after(thread)  # no fork while it may hold an import lock (a citation's budget)


def _quietly(function) -> None:
    try:
        function()
    except BaseException:  # noqa: BLE001 (warm() calls it again in the building thread, which reports it)
        pass


def ordered(names: list[str]) -> list[str]:
    """The requested editions and those they link to, each after what it links to."""
    done: list[str] = []

    def visit(name: str, path: tuple[str, ...] = ()) -> None:
        if name in done:
            return
        if name in path:
            raise ValueError(f"editions link to each other: {' -> '.join(path + (name,))}")
        for dep in EDITIONS[name].dependencies():
            visit(dep, path + (name,))
        done.append(name)

    for name in names:
        visit(name)
    return done
