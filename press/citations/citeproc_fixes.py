"""What citeproc-py 0.11 gets wrong or leaves to the caller, fixed here: its classes patched
(`patch_citeproc`), a style's `initialize-with` moved where CSL 1.0.1 puts it, and the
punctuation around titles and quotation marks."""

from __future__ import annotations

import re


def never_initialized(csl: bytes) -> bytes:
    """citeproc-py ignores CSL 1.0.1's `initialize="false"` and abbreviates given names wherever
    the style sets `initialize-with` ("Smith, J." where Chicago prints "Smith, Jane"): move the
    style-wide option onto the names that do not refuse it."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    root = etree.fromstring(csl, parser)
    mark = root.get("initialize-with")
    if mark is None:
        return csl
    del root.attrib["initialize-with"]
    ns = {"cs": "http://purl.org/net/xbiblio/csl"}
    for name in root.xpath("//cs:name", namespaces=ns):
        inherited = name.xpath("./ancestor::*[self::cs:citation or self::cs:bibliography][1]/@initialize-with",
                               namespaces=ns)
        if name.get("initialize") != "false" and name.get("initialize-with") is None and not inherited:
            name.set("initialize-with", mark)
    return etree.tostring(root)


# --- resolving ---------------------------------------------------------------------------


def punctuation_in_quote(style) -> bool:
    """The locale's `punctuation-in-quote` option (American English: “Title.”)."""
    try:
        return any(locale.xpath(".//cs:style-options[@punctuation-in-quote='true']",
                                namespaces={"cs": "http://purl.org/net/xbiblio/csl"})
                   for locale in style.root.locales)
    except Exception:
        return False


def tidy_punctuation(html: str, in_quote: bool) -> str:
    """What citeproc-py 0.11 leaves to the caller: no period after a title's own ? or !, and
    (when the locale says so) a period or comma inside the closing quotation mark."""
    html = re.sub(r"([?!])((?:</[a-z]+>)*)\.", r"\1\2", html)
    if in_quote:
        html = re.sub(r"”([.,])", r"\1”", html)
    return html


def _is_numeric(self, item):
    """citeproc-py 0.11 looks for `is-numeric="locator"` in the reference, never in the
    citation, so Chicago prints "Smith 2020, 4" for "chap. 4": read the locator too."""
    numeric = self.re_numeric.match
    found = []
    for var in self.get("is-numeric").split():
        if var == "locator":
            found.append(bool(item.has_locator and numeric(str(item.locator.identifier).replace("–", "-")
                                                           .split("-")[0].strip())))
        else:
            key = var.replace("-", "_")
            found.append(key in item.reference and bool(numeric(str(item.reference[key]))))
    return found


_MACROS: dict = {}   # a style's root element -> its macros by name


def _get_macro(self, name):
    """citeproc-py 0.11 looks a macro up with an XPath search of the whole style at every call
    (2,000 citations took 55 s in that search alone): each style's macros are read once."""
    root = self.get_root()
    macros = _MACROS.get(root)
    if macros is None:
        if len(_MACROS) > 16:   # a long `watch` loads many styles
            _MACROS.clear()
        macros = _MACROS[root] = {}
    if not macros.get(_LOADED):
        for macro in root.xpath_search("cs:macro"):
            macros.setdefault(macro.get("name"), macro)   # the first of a name, as the XPath's [1]
        macros[_LOADED] = True
    return macros[name]


_LOADED = object()   # the style's macros have been read


def _remembered(calls_variable):
    """Whether an element (and the macros it calls) prints a variable depends on the style
    alone; citeproc-py 0.11 walks the tree again at every evaluation (10 million calls for
    2,000 citations): each element's answer is kept, with the style's macros (above)."""
    def remembered(self):
        macros = _MACROS.setdefault(self.get_root(), {})
        answers = macros.setdefault(_CALLS_VARIABLE, {})
        if self not in answers:
            answers[self] = calls_variable(self)
        return answers[self]

    remembered.press_patched = True
    return remembered


_CALLS_VARIABLE = object()   # the key of an element's answers among its style's macros


def patch_citeproc() -> None:
    from citeproc.model import CitationStylesElement, If, Label, Parent, Text

    CitationStylesElement.get_macro = _get_macro
    for kind in (Parent, Text):
        if not getattr(kind.calls_variable, "press_patched", False):
            kind.calls_variable = _remembered(kind.calls_variable)
    If._is_numeric = _is_numeric
    if not getattr(Label.process, "press_patched", False):
        Label.process = _label_of_present_variable(Label.process)


def _label_of_present_variable(process):
    """CSL prints a `<label variable="x"/>` only when x has a value; citeproc-py 0.11 prints the
    term anyway (Chicago's notes said "Smith, “Title”, edition.")."""
    from citeproc.source import VariableError

    def label(self, item, variable=None, *args, **kwargs):
        name = self.get("variable")
        if variable is None and name and name != "locator":
            try:
                item.reference[name.replace("-", "_")]
            except VariableError:
                return None
        return process(self, item, variable, *args, **kwargs)

    label.press_patched = True
    return label
