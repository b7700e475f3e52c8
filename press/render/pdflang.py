"""The language of each marked passage in the PDF's structure tree (`/Lang`, ISO 32000 14.9.2).

WeasyPrint 70 writes the document's language in the catalog only: a `<span lang="fr">` or a
`<div lang="ar">` becomes a Span or Div structure element without `/Lang`, so a screen reader
reads it in the briefing's voice (PDF/UA-1 7.2 asks for every change of language to be
declared). While a PDF is written, `passage_languages()` gives each structure element whose
HTML element carries its own `lang` that language; the elements inside inherit it.
"""

from __future__ import annotations

from contextlib import contextmanager


@contextmanager
def passage_languages():
    import pydyf
    from weasyprint.pdf import tags

    build = tags._build_box_tree

    def with_lang(box, parent, *args):
        element = getattr(box, "element", None)
        language = element.get("lang") if element is not None and getattr(box, "element_tag", None) not in (
            "html", "body") else None
        for child in build(box, parent, *args):
            # The element made for this box (not the ones its children yield through it).
            if language and child.get("P") == parent.reference and "Lang" not in child:
                child["Lang"] = pydyf.String(language)
            yield child

    tags._build_box_tree = with_lang  # the recursion looks the name up in the module: every box
    try:
        yield
    finally:
        tags._build_box_tree = build
