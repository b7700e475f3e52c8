"""A bibliography file (BibTeX or CSL-JSON, inside the source folder) read into citeproc-py's
source, with each entry's line; every entry checked (press.citations.bibentries) on the way."""

from __future__ import annotations

import bisect
import io
import json
import re
import warnings
from pathlib import Path

from press.base import limits
from press.base.errors import Location, SourceError
from press.base.sizes import human_size
from press.citations import bibentries
from press.citations.bibtex import BibliographyError, bib_error, scan_bibtex


def _reason(exc: Exception) -> str:
    """An exception's message, or its kind when it has none (a MemoryError)."""
    return str(exc).splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def read_bibliography_text(path: Path) -> str:
    size = path.stat().st_size
    if size > limits.MAX_SECTION_BYTES:
        raise SourceError(f"the bibliography is {human_size(size)}; the limit is "
                          f"{human_size(limits.MAX_SECTION_BYTES)}", Location(path, 1), "E501")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise bib_error(f"not UTF-8 text (invalid byte 0x{data[exc.start]:02x})", path,
                         data[:exc.start].count(b"\n") + 1) from None
    found = limits.FORBIDDEN_CHARS.search(text)
    if found:
        raise bib_error(f"control character U+{ord(found.group()):04X} is not allowed", path,
                         text.count("\n", 0, found.start()) + 1)
    return text


def _bibtex_source(text: str, path: Path, lines: dict[str, int]):
    from citeproc.source.bibtex import BibTeX

    class _BibTeX(BibTeX):
        # citeproc-py drops these; Pandoc reads them (a report's institution is its publisher).
        fields = {**BibTeX.fields, "institution": "publisher", "organization": "publisher",
                  "school": "publisher", "type": "genre", "howpublished": "medium"}
        types = {**BibTeX.types, "misc": "webpage", "online": "webpage"}
        genres = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}

        def create_reference(self, key, bibtex_entry):
            try:
                url = bibtex_entry.pop("url", None)
                bibtex_entry.pop("urldate", None)
                if bibtex_entry.document_type in self.genres and "type" not in bibtex_entry:
                    bibtex_entry["type"] = self.genres[bibtex_entry.document_type]
                reference = super().create_reference(key, bibtex_entry)
                if url:
                    reference["URL"] = str(url).strip()
                return reference
            except Exception as exc:  # citeproc-py's LaTeX reader raises anything
                raise bib_error(f"entry '{key}' cannot be read: {exc}", path, lines.get(key)) from None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            # The line break: citeproc-py skips an @comment to the next one, forever at the end.
            return _BibTeX(io.StringIO(text + "\n"))
        except BibliographyError:
            raise
        except Exception as exc:
            raise bib_error(f"cannot be read: {_reason(exc)}", path, None) from None


_JSON_ID = re.compile(r'"id"\s*:\s*')


def _id_lines(text: str):
    """`where(id)`: the line of the next `"id": <id>` in the file, for the entries in their order.
    One pass over the file for all of them (a search from the start for each was quadratic)."""
    newlines = [i for i, c in enumerate(text) if c == "\n"]
    decoder = json.JSONDecoder()
    found = _JSON_ID.finditer(text)

    def where(wanted) -> int | None:
        for match in found:
            try:
                value = decoder.raw_decode(text, match.end())[0]
            except ValueError:
                continue
            if value == wanted and type(value) is type(wanted):
                return bisect.bisect_left(newlines, match.start()) + 1
        return None
    return where


def _json_source(text: str, path: Path) -> tuple[object, dict[str, int]]:
    from citeproc.source.json import CiteProcJSON

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise bib_error(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    if not isinstance(data, list):
        raise bib_error("CSL-JSON must be a list of entries", path, 1)
    lines: dict[str, int] = {}
    where = _id_lines(text)
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("id"), (str, int)) \
                or not isinstance(item.get("type"), str):
            found = re.search(re.escape(json.dumps(item.get("id"))) if isinstance(item, dict) else r"\S", text)
            raise bib_error("each entry needs an 'id' and a 'type'", path,
                             text.count("\n", 0, found.start()) + 1 if found else None)
        key = str(item["id"]).lower()
        line = where(item["id"])
        if key in lines:
            raise bib_error(f"the id '{item['id']}' is used twice (first on line {lines[key]})", path, line)
        lines[key] = line
        problem = bibentries.csl_item_problem(item)
        if problem:
            raise bib_error(f"entry '{item['id']}': {problem}", path, line)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return CiteProcJSON(data), lines
        except Exception as exc:
            raise bib_error(f"cannot be read: {_reason(exc)}", path, None) from None


def load_bibliography(path: Path):
    """citeproc-py's source for the file, and the line of each entry (by lower-case key)."""
    text = read_bibliography_text(path)
    if path.suffix.lower() == ".json":
        source, lines = _json_source(text, path)
    else:
        lines = scan_bibtex(text, path)
        source = _bibtex_source(text, path, lines)
    for key, reference in source.items():   # an entry's URL is linked in every edition
        problem = bibentries.url_problem(str(reference["URL"])) if reference.get("URL") else None
        if problem:
            raise SourceError(f"entry '{key}': {problem}", Location(path, lines.get(key)), "E301")
    return source, lines
