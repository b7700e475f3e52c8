"""A publisher's library: `library.yml` and the briefings it holds, loaded and checked once.

`load_library(folder)` reads `library.yml` (title, publisher, base_url, language, series)
and each briefing's manifest, and checks what only the library can see: one slug per
briefing, translations that name a briefing and do not clash. Bad input is a PressError
with `file:line: CODE: message`. A briefing whose own manifest is broken is not fatal here:
it is listed in `Library.broken`, so the others can still be built.

The result is frozen; the catalogue (press/library/catalogue.py) renders from `Entry` records,
which the worker that built a briefing returns (see press/library/library_build.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from press.base import limits, yamlload
from press.base.errors import Location, PressError, Problems
from press.library.library_state import RESERVED_SLUGS, SERIES_ID_RE, valid_slug
from press.model.manifest import LANGUAGE_RE, MANIFEST_NAME, SLUG_RE, Manifest, key_lines, load_manifest, slugify
from press.source.source import edition_timestamp

LIBRARY_NAME = "library.yml"
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it
LIBRARY_KEYS = ("title", "publisher", "base_url", "language", "series", "briefings", "description")


def library_error(message: str, where: Location, code: str) -> PressError:
    """One line, `file:line: CODE: message`, the code also kept on the error for `check`."""
    return PressError(message, where, code)


@dataclass(frozen=True)
class LibrarySeries:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class BriefingRef:
    """A briefing of the library, as its manifest declares it (before any build)."""

    folder: Path
    manifest: Manifest
    series: str | None = None
    number: int | None = None
    summary: str = ""
    translation_of: str | None = None
    series_name: str | None = None    # `series: {name, ...}` before it is matched to a series id
    fingerprint: str = ""             # its folder's files as the file system describes them (see fingerprint())

    @property
    def slug(self) -> str:
        return self.manifest.slug


@dataclass(frozen=True)
class Broken:
    """A briefing whose manifest cannot be read: reported, the others are built."""

    folder: Path
    slug: str          # the folder's name: where its last good build lives
    error: str


@dataclass(frozen=True)
class Library:
    path: Path
    title: str
    base_url: str      # absolute https, ends with "/"
    language: str
    publisher: str = ""
    description: str = ""
    series: tuple[LibrarySeries, ...] = ()
    briefings: tuple[BriefingRef, ...] = ()
    broken: tuple[Broken, ...] = ()
    # slug -> the slugs of its translation set (itself included), sorted
    translations: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def root(self) -> Path:
        return self.path.parent

    def series_by_id(self, series_id: str | None) -> LibrarySeries | None:
        return next((s for s in self.series if s.id == series_id), None)


def is_library(folder: Path) -> bool:
    return (Path(folder) / LIBRARY_NAME).is_file()


def load_library(folder: Path, known: dict | None = None) -> Library:
    """`known` (what `records()` returned after the last build): a briefing whose folder's files
    have the same sizes and times is taken from its record, its manifest not read again."""
    folder = Path(folder)
    path = folder.resolve() / LIBRARY_NAME
    data, lines = _read(path)
    errors: list[PressError] = []

    def at(key: str) -> Location:
        return Location(path, lines.get(key) or lines.get(key.split("[")[0]) or 1)

    def text(key: str, required: bool = False) -> str:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                errors.append(library_error(f"missing required key '{key}'", at(key), "E802"))
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            errors.append(library_error(f"'{key}' must be text", at(key), "E802"))
            return ""
        value = str(value).strip()
        if limits.FORBIDDEN_CHARS.search(value):
            errors.append(library_error(f"'{key}' holds a control character", at(key), "E802"))
            return ""
        return value

    for key in data:
        if key not in LIBRARY_KEYS:
            errors.append(library_error(f"unknown key '{key}' (known: {', '.join(LIBRARY_KEYS)})", at(str(key)), "E802"))
    title = text("title", required=True)
    language = text("language") or "en"
    if not LANGUAGE_RE.match(language):
        errors.append(library_error(f"'language' must be a BCP 47 tag such as 'en', not '{language}'",
                                    at("language"), "E802"))
    base_url = text("base_url", required=True)
    if base_url and not re.match(r"^https://[^/\s?#]+(/[^\s?#]*)?$", base_url):
        errors.append(library_error(f"'base_url' must be an absolute https URL such as https://example.org/briefings/, "
                                    f"not '{base_url}'", at("base_url"), "E803"))
    series = _series(data.get("series"), at, errors)
    refs, broken = _briefings(folder.resolve(), data.get("briefings"), at, errors, known or {})
    if errors:
        raise Problems(errors)
    refs, series = _named_series(refs, series)
    errors += _check_slugs(refs)
    translations = _translations(refs, errors)
    if errors:
        raise Problems(errors)
    return Library(path=path, title=title, base_url=base_url.rstrip("/") + "/", language=language,
                   publisher=text("publisher"), description=text("description"), series=series,
                   briefings=tuple(sorted(refs, key=lambda r: r.slug)), broken=tuple(broken),
                   translations=translations)


def _read(path: Path) -> tuple[dict, dict[str, int]]:
    if not path.is_file():
        raise library_error(f"no {LIBRARY_NAME} here: a library folder holds {LIBRARY_NAME} and one folder per briefing",
                            Location(path), "E801")
    if path.stat().st_size > limits.MAX_MANIFEST_BYTES:
        raise library_error(f"{LIBRARY_NAME} is too large", Location(path), "E801")
    try:
        text = path.read_bytes().decode("utf-8-sig")
        data = yamlload.load(text)  # the strict loader briefing.yml has: duplicates, aliases, depth, dates
        lines = key_lines(text)
    except UnicodeDecodeError as exc:
        raise library_error(f"not UTF-8 text (byte {exc.start})", Location(path), "E801") from None
    except yamlload.CharacterError as exc:
        line, problem = yamlload.problem_line(exc)
        raise library_error(problem, Location(path, line + 1 if line is not None else 1), "E802") from None
    except yaml.YAMLError as exc:
        line, problem = yamlload.problem_line(exc)
        raise library_error(f"invalid YAML: {problem}", Location(path, line + 1 if line is not None else 1),
                            "E801") from None
    if not isinstance(data, dict):
        raise library_error("must be a mapping of keys (title, base_url, ...)", Location(path, 1), "E801")
    return data, lines


def _series(value, at, errors) -> tuple[LibrarySeries, ...]:
    """`series:` maps an id to a title, or to {title, description}."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        errors.append(library_error("'series' must map a series id to its title or {title, description}",
                                    at("series"), "E802"))
        return ()
    found = []
    for key, item in value.items():
        key = str(key)
        if not SERIES_ID_RE.match(key):
            errors.append(library_error(f"series id '{key}' may hold only a-z, 0-9, '_' and '-'", at("series"), "E802"))
            continue
        if isinstance(item, str):
            found.append(LibrarySeries(key, item.strip()))
        elif isinstance(item, dict) and isinstance(item.get("title"), str):
            found.append(LibrarySeries(key, item["title"].strip(), str(item.get("description") or "").strip()))
        else:
            errors.append(library_error(f"series '{key}' must be a title or {{title, description}}", at("series"), "E802"))
    return tuple(sorted(found, key=lambda s: s.id))


def _briefings(root: Path, value, at, errors, known: dict) -> tuple[list[BriefingRef], list[Broken]]:
    """The folders named by `briefings:`, else every `*/briefing.yml` under the library folder."""
    folders: list[tuple[Path, Location]] = []
    if value is None:
        for p in sorted(root.glob(f"*/{MANIFEST_NAME}")):
            if p.parent.name.startswith("."):
                continue
            folder = p.parent.resolve()
            if not folder.is_relative_to(root) or folder == root:  # a link to a folder elsewhere
                errors.append(library_error(f"briefing folder '{p.parent.name}' is a link to a folder outside the "
                                            "library folder: move the folder in, or list the folders under "
                                            "'briefings:'", at("briefings"), "E804"))
            else:
                folders.append((folder, Location(p)))
    elif not isinstance(value, list):
        errors.append(library_error("'briefings' must be a list of folders", at("briefings"), "E802"))
    elif len(value) > limits.MAX_LIBRARY_BRIEFINGS:  # refused before any folder is looked at
        errors.append(library_error(f"'briefings' lists {len(value):,} folders: the limit is "
                                    f"{limits.MAX_LIBRARY_BRIEFINGS:,}", at("briefings"), "E802"))
    else:
        listed: dict[Path, int] = {}
        for i, item in enumerate(value):
            where = at(f"briefings[{i}]")
            if not isinstance(item, str) or not item.strip():
                errors.append(library_error("each entry of 'briefings' must be a folder name", where, "E804"))
                continue
            folder = (root / item.strip()).resolve()
            if Path(item).is_absolute() or not folder.is_relative_to(root) or folder == root:
                errors.append(library_error(f"briefing '{item}' must be a folder inside the library folder", where, "E804"))
            elif not (folder / MANIFEST_NAME).is_file():
                errors.append(library_error(f"briefing '{item}' has no {MANIFEST_NAME}", where, "E804"))
            elif folder in listed:  # once, however often it is repeated: one line, not one per repeat
                if listed[folder] >= 0:
                    errors.append(library_error(f"briefing '{item}' is listed more than once (entry "
                                                f"{listed[folder] + 1} is the first)", where, "E804"))
                    listed[folder] = -1
            else:
                listed[folder] = i
                folders.append((folder, where))
    refs, broken = [], []
    for folder, _ in folders:
        stamp = fingerprint(folder)
        record = known.get(str(folder))
        if record and record.get("fingerprint") == stamp:
            try:
                refs.append(_from_record(folder, record))
                continue
            except (KeyError, TypeError, ValueError):
                pass  # a record of another version, or damaged: read the manifest
        try:
            refs.append(replace(_ref(folder, load_manifest(folder)), fingerprint=stamp))
        except PressError as exc:
            broken.append(Broken(folder, folder.name, exc.format_message()))
    return refs, broken


def fingerprint(folder: Path) -> str:
    """A briefing folder's files by path, size, modification time and inode: stat calls only.
    Equal to the last build's, the manifest and the sections are as they were then."""
    digest = hashlib.sha256()
    for path, st in walk(folder):
        digest.update(f"{path}|{st.st_size}|{st.st_mtime_ns}|{st.st_ino}\n".encode())
    return digest.hexdigest()


def walk(folder: Path):
    """(path, stat) of every file under `folder`, in a stable order (os.scandir: one stat each)."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                yield from walk(Path(entry.path))
            elif entry.is_file():
                yield entry.path, entry.stat()
        except OSError:
            continue


# What a record keeps of a manifest: the fields the library reads (see _from_record).
_RECORD_FIELDS = ("title", "language", "subtitle", "authors", "publisher", "identifier", "slug", "keywords")


def record(ref: BriefingRef) -> dict:
    """A briefing as the library read it, for the next run (`load_library(known=...)`)."""
    m = ref.manifest
    return {"fingerprint": ref.fingerprint, **{k: getattr(m, k) for k in _RECORD_FIELDS},
            "date": m.date.isoformat() if m.date else None, "translations": [list(t) for t in m.translations],
            "lines": {k: v for k, v in m.lines.items() if k in ("title", "slug", "translation_of", "translations",
                                                                 "series", "number") or k.startswith("translations.")},
            "series": ref.series, "number": ref.number, "summary": ref.summary, "translation_of": ref.translation_of,
            "series_name": ref.series_name}


def _from_record(folder: Path, data: dict) -> BriefingRef:
    """The library's view of a manifest read by an earlier run: its catalogue fields only (the
    worker that builds the briefing reads the manifest itself)."""

    if not valid_slug(data["slug"]):
        raise ValueError("not a slug")   # a planted record: the manifest is read instead
    manifest = Manifest(path=folder / MANIFEST_NAME, disclaimer="", sections=(),
                        **{k: data[k] for k in _RECORD_FIELDS if k not in ("authors", "keywords")},
                        authors=tuple(data["authors"]), keywords=tuple(data["keywords"]),
                        date=dt.date.fromisoformat(data["date"]) if data["date"] else None,
                        translations=tuple((str(a), str(b)) for a, b in data["translations"]),
                        lines={str(k): int(v) for k, v in data["lines"].items()})
    return BriefingRef(folder=folder, manifest=manifest, series=data["series"], number=data["number"],
                       summary=data["summary"], translation_of=data["translation_of"],
                       series_name=data["series_name"], fingerprint=data["fingerprint"])


def _ref(folder: Path, manifest: Manifest) -> BriefingRef:
    """The library's keys of a briefing manifest: series, number, summary, translation_of."""
    data = yaml.load(manifest.text, Loader=_FAST_LOADER) or {}   # already validated as YAML by load_manifest
    problems = []

    def bad(key: str, message: str) -> None:
        problems.append(PressError(message, manifest.at(key), "E103"))

    def text(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool) or \
                limits.FORBIDDEN_CHARS.search(str(value)):
            bad(key, f"'{key}' must be text")
            return None
        return str(value).strip() or None

    number = data.get("number")
    series_name = None
    if isinstance(data.get("series"), dict):
        # The briefing's own form (issue 8): {name, number, issn}; the library files it under the
        # series of library.yml with that id or title, else under a series of that name.
        mapping = data["series"]
        series_name = str(mapping.get("name") or "").strip() or None   # validated by load_manifest
        series = None
        if mapping.get("number") is not None:
            number = mapping["number"]
            if isinstance(number, str) and number.strip().isdigit():
                number = int(number.strip())
    else:
        series = text("series")
    summary, translation_of = text("summary"), text("translation_of")
    if series and not SERIES_ID_RE.match(series):
        bad("series", f"'series' must be a series id from {LIBRARY_NAME} (a-z, 0-9, '_', '-'), not '{series}'")
    if translation_of and not SLUG_RE.match(translation_of):
        bad("translation_of", f"'translation_of' must be the slug of a briefing, not '{translation_of}'")
    if number is not None and (isinstance(number, bool) or not isinstance(number, int) or number < 0):
        key = "series.number" if series_name and "series.number" in manifest.lines else "number"
        bad(key, f"'{key}' (the briefing's number in its series) must be a whole number for the library")
        number = None
    if problems:
        raise Problems(problems)
    return BriefingRef(folder=folder, manifest=manifest, series=series, number=number,
                       summary=summary or manifest.subtitle or "", translation_of=translation_of,
                       series_name=series_name)


def _named_series(refs: list[BriefingRef], series: tuple[LibrarySeries, ...]) -> tuple[list[BriefingRef], tuple[LibrarySeries, ...]]:
    """Briefings that name their series (`series: {name: ...}`): filed under the series of
    library.yml whose id or title is that name, else under a new series of that title (its id
    the name's slug), so filters, OPDS and the catalogue treat both forms alike."""
    found = {s.id: s for s in series}
    by_title = {s.title.casefold(): s.id for s in series}
    resolved = []
    for ref in refs:
        if ref.series_name:
            name = ref.series_name
            sid = name if name in found else by_title.get(name.casefold()) or slugify(name)[:64].strip("-") or "series"
            if sid not in found:
                found[sid] = LibrarySeries(sid, name)
                by_title[name.casefold()] = sid
            ref = replace(ref, series=sid)
        resolved.append(ref)
    return resolved, tuple(sorted(found.values(), key=lambda s: s.id))


def _where(ref: BriefingRef, key: str) -> Location:
    return Location(ref.manifest.path, ref.manifest.lines.get(key) or ref.manifest.lines.get("title") or 1)


def _check_slugs(refs: list[BriefingRef]) -> list[PressError]:
    errors, seen = [], {}
    for ref in sorted(refs, key=lambda r: str(r.folder)):
        if ref.slug in RESERVED_SLUGS:
            errors.append(library_error(f"slug '{ref.slug}' is the name of one of the library's own files or folders "
                                        f"({', '.join(RESERVED_SLUGS)}): set a different 'slug'", _where(ref, "slug"), "E805"))
            continue
        first = seen.setdefault(ref.slug, ref)
        if first is not ref:
            errors.append(library_error(
                f"slug '{ref.slug}' is already the slug of {first.manifest.path.parent.name}/{MANIFEST_NAME}: "
                f"set a different 'slug'", _where(ref, "slug"), "E805"))
    return errors


def _translations(refs: list[BriefingRef], errors: list[PressError]) -> dict[str, tuple[str, ...]]:
    """Translation sets: briefings joined by `translation_of` or a `translations` map; one briefing
    per language in a set."""
    by_slug = {ref.slug: ref for ref in refs}
    parent = {slug: slug for slug in by_slug}

    def find(slug: str) -> str:
        while parent[slug] != slug:
            slug = parent[slug]
        return slug

    for ref in refs:
        if not ref.translation_of:
            continue
        if ref.translation_of == ref.slug:
            errors.append(library_error("'translation_of' names the briefing itself", _where(ref, "translation_of"), "E807"))
        elif ref.translation_of not in by_slug:
            errors.append(library_error(f"'translation_of' names '{ref.translation_of}', which is no briefing's slug "
                                        f"in this library", _where(ref, "translation_of"), "E806"))
        else:
            a, b = find(ref.slug), find(ref.translation_of)
            parent[max(a, b)] = min(a, b)
    for ref in refs:  # the map form: `translations: {fr: slug, ...}`, equivalent to translation_of
        for tag, other in ref.manifest.translations:
            where = _where(ref, f"translations.{tag}")
            if other not in by_slug:
                errors.append(library_error(f"'translations.{tag}' names '{other}', which is no briefing's slug "
                                            f"in this library", where, "E806"))
            elif by_slug[other].manifest.language.lower() != tag.lower():
                errors.append(library_error(f"'translations.{tag}' names '{other}', which is in "
                                            f"'{by_slug[other].manifest.language}', not '{tag}'", where, "E808"))
            else:
                a, b = find(ref.slug), find(other)
                parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for slug in sorted(by_slug):
        groups.setdefault(find(slug), []).append(slug)
    sets = {}
    for members in groups.values():
        languages: dict[str, str] = {}
        for slug in members:
            language = by_slug[slug].manifest.language.lower()
            if language in languages:
                errors.append(library_error(
                    f"'{slug}' and '{languages[language]}' are translations of each other in the same language "
                    f"({by_slug[slug].manifest.language})",
                    _where(by_slug[slug], "translation_of" if by_slug[slug].translation_of else "translations"), "E807"))
            languages[language] = slug
        for slug in members:
            sets[slug] = tuple(members)
    return sets


def entry_date(manifest: Manifest) -> dt.date:
    """The date the catalogue shows and sorts by: the manifest's, else 1980-01-01 (never the clock)."""
    return manifest.date or edition_timestamp(manifest).date()
