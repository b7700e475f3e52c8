"""Load a briefing: manifest + section files -> a complete, frozen `Briefing`.

Reading only: nothing here writes a file. Every section is parsed before any is
rendered, because links between sections need every heading's id.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from press.base import hints, limits
from press.citations import markup, resolve
from press.citations.styles import use_notes
from press.markdown import citation_syntax, markdown, renderers
from press.model import targets
from press.source import images, people
from press.base.links import LINK_SCHEMES, scheme_problem
from press.base.errors import Location, PressError, Problems, SourceError
from press.model.manifest import Manifest, load_manifest
from press.base.media import IMAGE_SUFFIXES, media_type
from press.model.citations import Citations
from press.model.model import Asset, Briefing, Fragments, Section, TocEntry
from press.base.sizes import human_size
from press.base.i18n import labels

# The EPUB document the summary is printed in, after the disclaimer (see press/render/epub.py).
SUMMARY_DOCUMENT = "disclaimer.xhtml"
# The earliest time a ZIP entry can hold: the timestamp of an undated briefing.
UNDATED = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)
LAST_EPOCH = 253402300799  # 9999-12-31 23:59:59 UTC


def load_briefing(source_dir: Path, cache=None, manifest: Manifest | None = None,
                  styles=renderers.STYLES, parsed: dict | None = None) -> Briefing:
    """`cache` (press.build.cache.SectionCache) reuses sections parsed and rendered by an earlier load;
    `manifest` is the folder's manifest when the caller has already read it; sections are
    rendered in `styles` only (see renderers.RENDERERS), the others are None. `parsed`: the
    sections the rules pass (checks.check_sources, `keep`) parsed with this manifest, by path,
    which passed its rules: each is used when its file still holds the same text."""
    manifest = manifest or load_manifest(Path(source_dir))
    images.cover_file(manifest)
    images.theme_logo(manifest)
    md = markdown.make_parser(manifest.language)
    use_notes(md, manifest)
    # The rules pass parses as without a note style: its sections serve only when there is none.
    parsed = _parse_all(md, manifest, cache, {} if md.options.get(citation_syntax.NOTE_MODE) else parsed or {})
    index = target_index(parsed)
    cited = resolve.resolve(manifest, parsed, taken=set(index.targets) | targets.RESERVED_IDS)
    resolve.add_targets(index, cited, len(parsed))
    sections = _render_all(md, manifest, parsed, index, styles, cache, cited)
    timestamp = edition_timestamp(manifest)
    return Briefing(
        manifest=manifest,
        title=markdown.smarten(md, manifest.title),
        subtitle=markdown.smarten(md, manifest.subtitle) if manifest.subtitle else None,
        short_title=markdown.smarten(md, manifest.short_title or manifest.title),
        disclaimer_html=render_disclaimer(md, manifest),
        sections=sections,
        targets=index,
        summary=next((s.summary for s in sections if s.summary), None),
        timestamp=timestamp,
        edition_date=manifest.date or (timestamp.date() if timestamp != UNDATED else None),
        citations=cited,
        imprint=people.imprint(md, manifest, _logo(manifest)),
    )


def _logo(manifest: Manifest) -> Asset | None:
    info = manifest.publisher_info
    if info is None or info.logo is None:
        return None
    root = manifest.root.resolve()
    asset = image_asset(root, manifest.path, info.logo.relative_to(manifest.root).as_posix(),
                        manifest.lines.get("publisher.logo") or 1)
    return asset


def cite_renderer(cited: Citations, index: targets.TargetIndex):
    """A citation's HTML; `href` is the renderer's address of a target (its entry in the
    references, which in the EPUB are a document of their own)."""
    def cite(token, href) -> str:
        return markup.citation_html(cited, token, lambda anchor: href(index.get(anchor)))
    return cite


def edition_timestamp(manifest: Manifest) -> dt.datetime:
    """SOURCE_DATE_EPOCH if set, else the manifest's date at midnight UTC; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        # Seconds since 1970 as `date +%s` prints them, up to the end of year 9999 (the last
        # a date in the editions can show); the check on the digits comes before int().
        if not epoch.isascii() or not epoch.isdigit() or len(epoch) > 12 or int(epoch) > LAST_EPOCH:
            raise PressError(f"SOURCE_DATE_EPOCH must be a whole number of seconds from 0 to {LAST_EPOCH} "
                             f"(the end of 9999), not '{epoch[:40]}'", code="E108")
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    if manifest.date:
        return dt.datetime.combine(manifest.date, dt.time(), tzinfo=dt.timezone.utc)
    return UNDATED


def _parse_all(md, manifest: Manifest, cache=None, before: dict | None = None) -> list[markdown.ParsedSection]:
    """Parse every section (unless `before` holds it, parsed from the same text), collecting
    every file's problem before giving up."""
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
            reused = (before or {}).get(ref.path)
            reused = reused if reused is not None and reused.text == text else None
            if cache:
                parsed.append(cache.parse(md, manifest, ref.path, text, reused))
            else:
                parsed.append(reused or markdown.parse(md, ref.path, text))
        except PressError as exc:
            problems.append(exc)
            if total > limits.MAX_TOTAL_BYTES:
                break
    if not problems:
        problems += markdown.total_problems(parsed)
    if problems:
        raise Problems(problems)
    return parsed


def target_index(parsed: list[markdown.ParsedSection]) -> targets.TargetIndex:
    """Every heading's and footnote's id and target record; an explicit id used twice stops the build."""
    index = targets.build_index(parsed)
    if index.errors:
        raise Problems(index.errors)
    return index


def confine_section(root: Path, path: Path, listed_at: Location) -> None:
    """A section file must really be inside the source folder: no symlink out of it."""
    if path.exists() and not path.resolve().is_relative_to(root):
        raise SourceError(f"section '{path.name}' is a link to a file outside the source folder", listed_at,
                          "E107")


def _render_all(md, manifest: Manifest, parsed: list[markdown.ParsedSection],
                index: targets.TargetIndex, styles, cache=None,
                cited: Citations | None = None) -> tuple[Section, ...]:
    cited = cited or Citations()
    by_path = {s.path.resolve(): i for i, s in enumerate(parsed)}
    root = manifest.root.resolve()
    sections, problems = [], []
    pixels = images.PixelTotal()
    for number, section in enumerate(parsed):
        if cache is not None and (reused := cache.rendered(manifest, parsed, number, index, styles,
                                                           cited.digest)) is not None:
            for asset in reused.assets:
                pixels.add(asset.path, Location(section.path))
            sections.append(reused)
            continue
        assets: dict[str, Asset] = {}

        def resolve_image(src: str, line: int, section=section, assets=assets) -> str:
            asset = image_asset(root, section.path, src, line, check_content=False)
            at = Location(section.path, line)
            pixels.add(asset.path, at)     # all the pictures' pixels, before this one is decoded
            images.load(asset.path, root, at, asset.href)
            assets[asset.href] = asset
            return quote(asset.href)

        def link_for(href: str, line: int, section=section, number=number):
            return resolve_link(href, Location(section.path, line), number, parsed, by_path, index)

        def ref_for(anchor: str, line: int, section=section):
            return index.resolve_ref(anchor, Location(section.path, line))

        words = labels(manifest.language)
        ctx = renderers.RenderContext(section.title.anchor, link_for, resolve_image,
                                     f"{words['notes']}: {section.title.title}",
                                     f"{section.title.anchor}.xhtml", ref_for, words,
                                     cite=cite_renderer(cited, index))
        # The summary stands apart from its section (after the disclaimer): links from it
        # always name their document in the EPUB.
        apart = dataclasses.replace(ctx, document=SUMMARY_DOCUMENT)
        try:
            html = {style: renderers.render(md, section, style, ctx) for style in renderers.STYLES if style in styles}
            summary = {style: renderers.render_summary(md, section, style, apart)
                       for style in renderers.STYLES if style in styles}
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
            summary=Fragments(**summary) if any(summary.values()) else None,
        ))
        if cache is not None:
            cache.keep(manifest, parsed, number, index, styles, sections[-1], cited.digest)
    if problems:
        raise Problems(problems)
    return tuple(sections)


def _toc_entry(section: markdown.ParsedSection) -> TocEntry:
    children = tuple(TocEntry(h.title, h.html, h.anchor, 2) for h in section.headings[1:] if h.level == 2)
    title = section.title
    return TocEntry(title.title, title.html, title.anchor, 1, children)


def resolve_link(href: str, at: Location, number: int, parsed: list[markdown.ParsedSection],
                 by_path: dict[Path, int], index: targets.TargetIndex):
    """An outside address as it is, or the Target a local link reaches; else a SourceError."""
    parts = urlsplit(href)
    if parts.scheme:
        problem = scheme_problem(href)
        if problem:
            raise SourceError(problem, at, "E301")
        return href
    if parts.path:
        target_path = (parsed[number].path.parent / unquote(parts.path)).resolve()
        if target_path not in by_path:
            raise SourceError(f"link to '{unquote(parts.path)}', which is not a section of this briefing"
                              + hints.case_mismatch(target_path, parsed[number].path.parent.resolve()), at,
                              "E302")
        section = by_path[target_path]
        anchor = unquote(parts.fragment) or parsed[section].title.anchor
        return index.resolve(anchor, at, section, parsed[section].path.name, href)
    return index.resolve(unquote(parts.fragment), at)


def image_asset(root: Path, section_path: Path, src: str, line: int, check_content: bool = True) -> Asset:
    """The picture `src` used at `line`: inside the folder, and (unless `check` lints it with
    images.problems itself) checked by its content, so every edition can draw it."""
    at = Location(section_path, line)
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path:
        raise SourceError(f"image '{src[:80]}' must be a file inside the source folder", at, "E311")
    written = unquote(parts.path)
    path = (section_path.parent / written).resolve()
    try:
        href = path.relative_to(root).as_posix()
    except ValueError:
        raise SourceError(f"image '{written}' is outside the source folder"
                          + hints.relative_to_section(section_path, written, root), at, "E311") from None
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise SourceError(f"image '{href}' must be PNG, JPEG or SVG", at, "E312")
    if not path.is_file():
        hint = hints.case_mismatch(path, section_path.parent.resolve()) \
            or hints.relative_to_section(section_path, written, root)
        raise SourceError(f"image '{written}' does not exist" + hint, at, "E313")
    if check_content:
        images.load(path, root, at, href)
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
    return renderers.render(md, parsed, "screen", renderers.RenderContext("disclaimer", no_local_links, no_images))
