"""Active content in a PDF (JavaScript, embedded files, launch and form actions), found by
walking every object a reader can reach from the trailer.

The walk reads dictionaries as a PDF reader does, so names inside compressed object streams
are seen, and bytes of compressed page content that merely look like `/JS` are not.
"""

from __future__ import annotations

from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

# Keys that hold active content wherever they stand, and the action types (/S) that are active.
ACTIVE_KEYS = {"/JavaScript": "JavaScript", "/JS": "JavaScript", "/EmbeddedFile": "an embedded file",
               "/EmbeddedFiles": "an embedded file", "/Launch": "a launch action"}
ACTIVE_ACTIONS = {"/JavaScript": "JavaScript", "/Launch": "a launch action", "/SubmitForm": "a form submission",
                  "/ImportData": "a form import", "/GoToE": "an embedded file"}


def active_content(reader) -> list[tuple[str, str]]:
    """(what, the PDF name that shows it) for each kind of active content, in a stable order."""
    found: dict[str, str] = {}
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer]
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # streams too: their dictionary
            for key, value in item.items():
                if key in ACTIVE_KEYS:
                    found.setdefault(key, ACTIVE_KEYS[key])
                if key == "/S" and value in ACTIVE_ACTIONS:
                    found.setdefault(str(value), ACTIVE_ACTIONS[value])
                if key == "/Type" and value == "/EmbeddedFile":
                    found.setdefault("/EmbeddedFile", "an embedded file")
                if key != "/Parent":  # every page is reached from the root; no need to climb back
                    stack.append(value)
        elif isinstance(item, ArrayObject):
            stack.extend(item)
    return sorted((what, name) for name, what in found.items())
