"""The briefing as frozen records: built completely by `source.load_briefing`, then only read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .manifest import Manifest
from .targets import TargetIndex

if TYPE_CHECKING:
    from .citations import Citations
    from .people import Imprint


def _no_citations():
    from .citations import Citations

    return Citations()


def _no_imprint():
    from .people import Imprint

    return Imprint()


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents: a section (level 1) or a sub-section (level 2)."""

    title: str       # plain text, for bookmarks, the NCX and metadata
    html: str        # the heading's inline HTML (emphasis, code), escaped
    anchor: str      # id of the heading, unique in the whole briefing
    level: int
    children: tuple["TocEntry", ...] = ()


@dataclass(frozen=True)
class Asset:
    """A file a section uses (an image), addressed in every edition by `href`."""

    href: str        # path relative to the source folder, with '/' separators
    path: Path       # resolved file inside the source folder
    media_type: str


@dataclass(frozen=True)
class Fragments:
    """One section rendered for each style of edition the build needs (None: not needed)."""

    print: str | None = None    # one document, footnotes inline for `float: footnote`
    screen: str | None = None   # one document, footnotes as notes at the section's end
    ebook: str | None = None    # one document per section, links across documents


@dataclass(frozen=True)
class Section:
    source: Path
    id: str          # anchor of its title heading; also names its EPUB document
    toc: TocEntry
    html: Fragments
    assets: tuple[Asset, ...]
    text: str        # the file's text, to point at lines when a character cannot be drawn
    summary: Fragments | None = None   # its `::: summary` block, printed up front

    @property
    def title(self) -> str:
        return self.toc.title

    @property
    def document(self) -> str:
        """File name of the section's own document in the EPUB."""
        return f"{self.id}.xhtml"


@dataclass(frozen=True)
class Briefing:
    manifest: Manifest
    title: str
    subtitle: str | None
    short_title: str
    disclaimer_html: str
    sections: tuple[Section, ...]
    targets: TargetIndex     # everything a link or cross-reference reaches, by id
    timestamp: dt.datetime   # every date stamped into an output comes from here (UTC)
    edition_date: dt.date | None
    summary: Fragments | None = None   # the briefing's `::: summary`, printed up front in every edition

    # The references and every citation's rendering (a record of its own, with ids `ref-<key>`
    # kept apart from heading ids at load time), and the people and identifiers.
    citations: "Citations" = field(default_factory=_no_citations, compare=False)
    imprint: "Imprint" = field(default_factory=_no_imprint, compare=False)

    @property
    def toc(self) -> tuple[TocEntry, ...]:
        return tuple(section.toc for section in self.sections)

    @property
    def language(self) -> str:
        return self.manifest.language

    @property
    def slug(self) -> str:
        return self.manifest.slug

    @property
    def source_texts(self) -> list[tuple[Path, str]]:
        """Every source file's path and text, to point at the line where something occurs."""
        return [(s.source, s.text) for s in self.sections] + [(self.manifest.path, self.manifest.text)]

    @property
    def assets(self) -> tuple[Asset, ...]:
        seen: dict[str, Asset] = {}
        if self.imprint.logo is not None:
            seen[self.imprint.logo.href] = self.imprint.logo
        for section in self.sections:
            for asset in section.assets:
                seen.setdefault(asset.href, asset)
        return tuple(seen.values())
