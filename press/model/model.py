"""The briefing as frozen records: built completely by `source.load_briefing`, then only read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from press.base import identifiers
from press.model.citations import Citations
from press.model.manifest import Manifest, Series
from press.model.targets import TargetIndex


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


# The briefing's people and identifiers (press.source.people builds them): the title page, the imprint,
# "About the authors", the OPF, the web page's meta tags and JSON-LD are all renderings of it.
@dataclass(frozen=True)
class Person:
    name: str
    affiliation: str | None
    bio_html: str | None
    orcid: str | None

    @property
    def orcid_url(self) -> str | None:
        return f"https://orcid.org/{self.orcid}" if self.orcid else None


@dataclass(frozen=True)
class Imprint:
    authors: tuple[Person, ...] = ()
    publisher: str | None = None
    publisher_url: str | None = None
    publisher_about_html: str | None = None
    logo: Asset | None = None
    series: Series | None = None
    isbn: dict = field(default_factory=dict, hash=False)      # edition -> ISBN-13 as written
    doi: str | None = None
    license: identifiers.Licence | None = None   # the manifest's `license`, an SPDX id resolved
    how_to_cite_html: str = ""
    bibtex: str = ""
    ris: str = ""

    @property
    def doi_url(self) -> str | None:
        return identifiers.doi_url(self.doi) if self.doi else None

    @property
    def has_imprint(self) -> bool:
        """A page of its own only for briefings that name a series, identifiers or a licence."""
        return bool(self.series or self.isbn or self.doi or self.license or self.publisher_url)

    @property
    def has_about_authors(self) -> bool:
        return any(p.bio_html or p.affiliation for p in self.authors)

    @property
    def has_about_publisher(self) -> bool:
        return bool(self.publisher_about_html)

    def isbn_for(self, edition: str) -> str | None:
        return self.isbn.get(edition)

    def isbn_urn(self, edition: str) -> str | None:
        value = self.isbn.get(edition)
        return f"urn:isbn:{identifiers.isbn_digits(value)}" if value else None


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
    citations: Citations = field(default_factory=Citations, compare=False)
    imprint: Imprint = field(default_factory=Imprint, compare=False)

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
