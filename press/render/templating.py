"""The one Jinja2 environment: project templates, autoescape on, undefined names are errors."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace

import traceback

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from press.base import lang, template_data
from press.base import theme_guard
from press.base.errors import Location, SourceError
from press.base.datadirs import PROJECT_ROOT, STYLES_DIR, TEMPLATES_DIR  # noqa: F401 (their old home)
from press.base.lang import direction
from press.base.i18n import labels, language_name
from press.source.contents import FURTHER_READING_ID
from press.model.targets import PAGE_IDS
from press.model.theme import folder, templates

def long_date(value: dt.date | None, language: str) -> str:
    """'27 November 2026', '27. November 2026' ... in the briefing's language (press.base.lang.long_date)."""
    return "" if value is None else lang.long_date(value, language)


class _ThemeLoader(jinja2.FileSystemLoader):
    """A briefing's theme/ folder: only files really inside the source folder (no symlink out)."""

    def __init__(self, folder: str, root: str):
        super().__init__(folder)
        self.root = Path(root).resolve()

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        if not Path(filename).resolve().is_relative_to(self.root):
            raise jinja2.TemplateNotFound(template)
        return source, filename, uptodate


class _ThemeSandbox(ImmutableSandboxedEnvironment):
    """The second wall around a theme's templates (the first: they only get plain data, see
    press.base.template_data): attributes only of plain values, calls only of the tool's own helpers,
    template macros and the non-mutating methods of plain values."""

    SAFE_TYPES = (*template_data.PLAIN_TYPES, tuple, list, dict, template_data.Record, SimpleNamespace)

    def is_safe_attribute(self, obj, attr, value) -> bool:
        return super().is_safe_attribute(obj, attr, value) and (
            isinstance(obj, self.SAFE_TYPES) or type(obj).__module__.startswith("jinja2."))

    def is_safe_callable(self, obj) -> bool:
        if not super().is_safe_callable(obj):
            return False
        owner = getattr(obj, "__self__", None)
        if owner is not None and not isinstance(owner, type) and isinstance(owner, self.SAFE_TYPES):
            return True   # a method of a plain value (str.upper, dict.get, date.isoformat)
        if isinstance(obj, (jinja2.runtime.Macro, jinja2.runtime.LoopContext)):
            return True
        return any(obj is helper for helper in (*self.globals.values(), *self.filters.values()))


@lru_cache(maxsize=None)
def environment(theme: str | None = None, root: str | None = None) -> jinja2.Environment:
    """The tool's templates; with a briefing's theme folder, its templates first (by name), in a
    sandboxed environment (a theme comes with the sources, which are untrusted)."""
    tool = jinja2.FileSystemLoader(str(TEMPLATES_DIR))
    kind = _ThemeSandbox if theme is not None else jinja2.Environment
    env = kind(
        loader=jinja2.ChoiceLoader([_ThemeLoader(theme, root), tool]) if theme else tool,
        autoescape=True,  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["long_date"] = long_date
    env.globals["labels"] = labels
    env.globals["direction"] = direction
    env.globals["language_name"] = language_name   # a language's own name (library pages)
    env.globals["further_reading_id"] = FURTHER_READING_ID
    env.globals["ids"] = SimpleNamespace(**PAGE_IDS)  # the editions' own ids (press.model.targets)
    return env


def render(template: str, **context) -> str:
    """`template` rendered with `context` made plain; with a theme, in its sandbox, and what it
    produces checked against the editions' allow-lists (press.base.theme_guard)."""
    briefing = context.get("briefing")
    root = briefing.manifest.root if briefing is not None else None
    themed = folder(root) if root is not None else None
    data = template_data.plain(context)
    if themed is None:
        return environment().get_template(template).render(**data)
    own = templates(themed)
    env = environment(str(themed), str(root))
    try:
        text = env.get_template(template).render(**data)
    except jinja2.TemplateSyntaxError as exc:
        raise SourceError(f"the theme's template cannot be read: {exc.message}",
                          Location(Path(exc.filename or own[0]), exc.lineno), "E231") from None
    except (jinja2.TemplateError, TypeError, ValueError, LookupError, ArithmeticError) as exc:
        raise SourceError(f"the theme's template failed: {exc}", _template_line(exc, own), "E231") from None
    if own:
        theme_guard.check_markup(text, own, xml=template.endswith(".xhtml.j2"))
    return text


def _template_line(exc: BaseException, own: list[Path]) -> Location | None:
    """The theme template's file and line where rendering failed (Jinja keeps them in the traceback)."""
    names = {str(path.resolve()) for path in own}
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if str(Path(frame.filename).resolve()) in names:
            return Location(Path(frame.filename), frame.lineno)
    return Location(own[0]) if own else None


def toc_hrefs(entries, documents: dict[str, str] | None = None) -> dict[str, str]:
    """Each entry's link, by anchor: `#anchor`, or `document#anchor` where `documents` names the
    document an anchor is in (the EPUB's). A mapping, not a function: templates get plain data."""
    hrefs = {}
    for entry in entries:
        hrefs[entry.anchor] = f"{documents[entry.anchor] if documents else ''}#{entry.anchor}"
        hrefs.update(toc_hrefs(entry.children, documents))
    return hrefs
