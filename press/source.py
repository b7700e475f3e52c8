"""Load a briefing: manifest + section files -> a complete, frozen `Briefing`.

Reading only: nothing here writes a file. Every section is parsed before any is
rendered, because links between sections need every heading's id.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from . import limits, markdown, svg
from .errors import Location, PressError, Problems, SourceError
from .manifest import Manifest, load_manifest, slugify
from .media import IMAGE_SUFFIXES, media_type
from .model import Asset, Briefing, Fragments, Section, TocEntry
from .sizes import human_size
from .templating import labels

LINK_SCHEMES = ("http", "https", "mailto")
# Ids the editions give their own parts (the EPUB's documents, the PDF's title page and
# contents): no heading may take them, so a section never clashes with them.
RESERVED_IDS = frozenset({"titlepage", "disclaimer", "contents", "further-reading", "cover", "nav"})
# The earliest time a ZIP entry can hold: the timestamp of an undated briefing.
UNDATED = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)


def load_briefing(source_dir: Path, cache=None, manifest: Manifest | None = None) -> Briefing:
    """`cache` (press.cache.SectionCache) reuses sections parsed and rendered by an earlier load;
    `manifest` is the folder's manifest when the caller has already read it."""
    manifest = manifest or load_manifest(Path(source_dir))
    md = markdown.make_parser(manifest.language)
    parsed = _parse_all(md, manifest, cache)
    anchors = assign_ids(parsed)
    sections = _render_all(md, manifest, parsed, anchors, cache)
    timestamp = edition_timestamp(manifest)
    return Briefing(
        manifest=manifest,
        title=markdown.smarten(md, manifest.title),
        subtitle=markdown.smarten(md, manifest.subtitle) if manifest.subtitle else None,
        short_title=markdown.smarten(md, manifest.short_title or manifest.title),
        disclaimer_html=render_disclaimer(md, manifest),
        sections=sections,
        timestamp=timestamp,
        edition_date=manifest.date or (timestamp.date() if timestamp != UNDATED else None),
    )


def edition_timestamp(manifest: Manifest) -> dt.datetime:
    """SOURCE_DATE_EPOCH if set, else the manifest's date at midnight UTC; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise PressError(f"SOURCE_DATE_EPOCH must be a number of seconds, not '{epoch}'") from None
    if manifest.date:
        return dt.datetime.combine(manifest.date, dt.time(), tzinfo=dt.timezone.utc)
    return UNDATED


def _parse_all(md, manifest: Manifest, cache=None) -> list[markdown.ParsedSection]:
    """Parse every section, collecting every file's problem before giving up."""
    parsed, problems = [], []
    root, total = manifest.root.resolve(), 0
    for ref in manifest.sections:
        try:
            confine_section(root, ref.path, Location(manifest.path, ref.line))
            text = markdown.read_section(ref.path, Location(manifest.path, ref.line))
            total += len(text.encode("utf-8"))
            if total > limits.MAX_TOTAL_BYTES:
                raise SourceError(f"the sections hold more than {human_size(limits.MAX_TOTAL_BYTES)} "
                                  "of text together: split the briefing", Location(ref.path, 1), "E501")
            parsed.append(cache.parse(md, manifest, ref.path, text) if cache else markdown.parse(md, ref.path, text))
        except PressError as exc:
            problems.append(exc)
            if total > limits.MAX_TOTAL_BYTES:
                break
    if problems:
        raise Problems(problems)
    return parsed


def confine_section(root: Path, path: Path, listed_at: Location) -> None:
    """A section file must really be inside the source folder: no symlink out of it."""
    if path.exists() and not path.resolve().is_relative_to(root):
        raise SourceError(f"section '{path.name}' is a link to a file outside the source folder", listed_at,
                          "E107")


def _unique(base: str, used: set[str]) -> str:
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor


def assign_ids(parsed: list[markdown.ParsedSection]) -> dict[str, int]:
    """Give every heading an id unique in the briefing; map each id to its section's index."""
    used: set[str] = set(RESERVED_IDS)
    owner: dict[str, int] = {}
    for index, section in enumerate(parsed):
        for n, heading in enumerate(section.headings):
            wanted = str(section.front_matter.get("id", "")) if n == 0 else ""
            base = wanted or slugify(heading.title) or f"section-{index + 1}"
            if not base[0].isalpha():
                base = f"s-{base}"  # ids should start with a letter (XML NCName)
            heading.anchor = _unique(base, used)
            heading.token.attrSet("id", heading.anchor)
            owner[heading.anchor] = index
    return owner


def _render_all(md, manifest: Manifest, parsed: list[markdown.ParsedSection],
                owner: dict[str, int], cache=None) -> tuple[Section, ...]:
    by_path = {s.path.resolve(): i for i, s in enumerate(parsed)}
    root = manifest.root.resolve()
    sections, problems = [], []
    for index, section in enumerate(parsed):
        if cache is not None and (reused := cache.rendered(manifest, parsed, index)) is not None:
            sections.append(reused)
            continue
        assets: dict[str, Asset] = {}

        def resolve_image(src: str, line: int, section=section, assets=assets) -> str:
            asset = image_asset(root, section.path, src, line)
            assets[asset.href] = asset
            return quote(asset.href)

        def resolver(flavor: str, section=section, index=index):
            def link_for(href: str, line: int) -> str:
                return resolve_link(href, Location(section.path, line), index, flavor, parsed, by_path, owner)
            return link_for

        notes_label = f"{labels(manifest.language)['notes']}: {section.title.title}"
        try:
            html = {
                flavor: markdown.render(md, section, flavor, markdown.RenderContext(
                    section.title.anchor, resolver(flavor), resolve_image, notes_label))
                for flavor in ("print", "screen", "ebook")
            }
        except PressError as exc:
            problems.append(exc)
            continue
        sections.append(Section(
            source=section.path,
            id=section.title.anchor,
            toc=_toc_entry(section),
            html=Fragments(**html),
            assets=tuple(assets.values()),
            text=section.text,
        ))
        if cache is not None:
            cache.keep(manifest, parsed, index, sections[-1])
    if problems:
        raise Problems(problems)
    return tuple(sections)


def _toc_entry(section: markdown.ParsedSection) -> TocEntry:
    children = tuple(TocEntry(h.title, h.html, h.anchor, 2) for h in section.headings[1:] if h.level == 2)
    title = section.title
    return TocEntry(title.title, title.html, title.anchor, 1, children)


def resolve_link(href: str, at: Location, index: int, flavor: str,
                  parsed: list[markdown.ParsedSection], by_path: dict[Path, int],
                  owner: dict[str, int]) -> str:
    parts = urlsplit(href)
    if parts.scheme:
        if parts.scheme.lower() not in LINK_SCHEMES:
            raise SourceError(f"links may use http, https or mailto, not '{parts.scheme}:'", at, "E301")
        return href
    if parts.path:
        target_path = (parsed[index].path.parent / unquote(parts.path)).resolve()
        if target_path not in by_path:
            raise SourceError(f"link to '{unquote(parts.path)}', which is not a section of this briefing", at,
                              "E302")
        target = by_path[target_path]
        anchor = unquote(parts.fragment) or parsed[target].title.anchor
        if owner.get(anchor) != target:
            raise SourceError(f"link to '{href}': no heading with id '{anchor}' in "
                              f"{parsed[target].path.name}", at, "E303")
    else:
        anchor = unquote(parts.fragment)
        if anchor not in owner:
            raise SourceError(f"link to '#{anchor}': no heading has that id", at, "E303")
        target = owner[anchor]
    if flavor == "ebook" and target != index:
        return f"{parsed[target].title.anchor}.xhtml#{quote(anchor)}"
    return f"#{quote(anchor)}"


def image_asset(root: Path, section_path: Path, src: str, line: int, check_svg: bool = True) -> Asset:
    at = Location(section_path, line)
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path:
        raise SourceError(f"image '{src[:80]}' must be a file inside the source folder", at, "E311")
    path = (section_path.parent / unquote(parts.path)).resolve()
    try:
        href = path.relative_to(root).as_posix()
    except ValueError:
        raise SourceError(f"image '{unquote(parts.path)}' is outside the source folder", at, "E311") from None
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise SourceError(f"image '{href}' must be PNG, JPEG or SVG", at, "E312")
    if not path.is_file():
        raise SourceError(f"image '{unquote(parts.path)}' does not exist", at, "E313")
    if path.suffix.lower() == ".svg" and check_svg:
        found = svg.problems(path, root)
        if found:
            raise SourceError(found[0][1], Location(path, found[0][0]), "E315")
    return Asset(href=href, path=path, media_type=media_type(path))


def render_disclaimer(md, manifest: Manifest) -> str:
    at = manifest.at("disclaimer")

    def no_local_links(href: str, line: int) -> str:
        if urlsplit(href).scheme.lower() in LINK_SCHEMES:
            return href
        raise SourceError("the disclaimer may link only to web addresses", at, "E321")

    def no_images(src: str, line: int) -> str:
        raise SourceError("the disclaimer may not contain images", at, "E321")

    env: dict = {}
    parsed = markdown.ParsedSection(manifest.path, manifest.disclaimer,
                                    md.parse(manifest.disclaimer, env), env, [])
    return markdown.render(md, parsed, "screen", markdown.RenderContext("disclaimer", no_local_links, no_images))
