"""What a theme may put into an edition: checked against allow-lists, refused with its file and line.

A theme (a briefing's `theme/` folder) comes with the sources, so it is untrusted like them.
Its templates render in a sandbox with plain data (press.base.template_data, press.render.templating), and
what they produce, together with the tool's own templates around them, must still pass here:

- markup: only the elements and attributes the editions use, no event handler, no script but
  JSON-LD data, links only to http(s), mailto or relative addresses, and what loads by itself
  (pictures, stylesheets) only from relative or `data:` addresses;
- CSS (a theme's stylesheets, `<style>` and `style=""`): no `@import`, `url()` only for a file
  inside the source folder or a `data:` address, and nothing that closes the `<style>` element.

The build stops on the first finding (E232, E233), blamed on the theme file and line that holds it.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import tinycss2
from lxml import etree, html as lxml_html

from press.base.errors import Location, SourceError

ELEMENTS = frozenset("""
    a abbr address article aside b bdi bdo blockquote body br caption cite code col colgroup data dd del
    details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 head header hgroup hr html i img
    ins kbd li link main mark meta nav ol p pre q rp rt ruby s samp section small span strong style sub
    summary sup table tbody td tfoot th thead time title tr u ul var wbr
""".split())
GLOBAL_ATTRIBUTES = frozenset("id class lang dir title role tabindex hidden style type prefix xmlns".split())
ATTRIBUTES = {
    "a": {"href", "rel", "download", "hreflang"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "link": {"rel", "href", "hreflang", "media"},
    "meta": {"charset", "name", "content"},
    "time": {"datetime"}, "data": {"value"},
    "td": {"colspan", "rowspan", "headers"}, "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "reversed"}, "li": {"value"},
    "blockquote": {"cite"}, "q": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
    "details": {"open"}, "style": {"media"},
}
# Addresses a reader follows (links), and addresses that load by themselves (pictures, stylesheets).
LINK_ATTRIBUTES = {("a", "href"), ("link", "href"), ("blockquote", "cite"), ("q", "cite"), ("del", "cite"),
                   ("ins", "cite")}
LOAD_ATTRIBUTES = {("img", "src")}
LOADED_LINKS = {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest"}
LINK_RELATIONS = LOADED_LINKS | {"license", "alternate", "canonical", "author", "help", "next", "prev", "search"}
LINK_SCHEMES = {"", "http", "https", "mailto"}
DATA_PICTURE = re.compile(r"data:image/(png|jpeg|gif|webp);", re.I)
# Written in the tool's templates, never by an author (whose '<' is escaped): a second, textual
# wall, for markup that one HTML parser would read differently from another.
RAW_FORBIDDEN = re.compile(r"<\s*(script(?![^>]*application/ld\+json)|iframe|frame|object|embed|applet|"
                           r"base|form|svg|math|noscript|template|meta\s[^>]*http-equiv)\b", re.I)


def check_markup(text: str, templates: list[Path], xml: bool = False) -> None:
    """Raise E232 at the theme file and line responsible when `text` holds what editions may not."""
    found = RAW_FORBIDDEN.search(text)
    if found:
        _refuse(templates, found.group(0).strip("< "), f"'{found.group(0)}' (only JSON-LD data may be a script)",
                "E232")
    try:
        root = etree.fromstring(text.encode("utf-8")) if xml else lxml_html.document_fromstring(text)
    except (etree.XMLSyntaxError, etree.ParserError, ValueError) as exc:
        _refuse(templates, "", f"markup that cannot be read ({exc})", "E232")
    for element in root.iter():
        if not isinstance(element.tag, str):   # comments and processing instructions: inert
            continue
        name = _local(element.tag)
        if name not in ELEMENTS and not (name == "script" and _is_data_script(element)):
            _refuse(templates, f"<{name}", f"the element <{name}>", "E232")
        for attribute, value in element.attrib.items():
            _check_attribute(element, name, _local(attribute), value, templates)
        if name == "style":
            check_css("".join(element.itertext()), templates, where=None)


def _local(name: str) -> str:
    """An element's or attribute's name without its namespace, in lower case. Not lxml's QName:
    the HTML parser makes names QName refuses ('hi<' from '<hi</p>'), which must be refused here."""
    return name.rsplit("}", 1)[-1].lower()


def _is_data_script(element) -> bool:
    return (element.get("type") or "").strip().lower() == "application/ld+json"


def _check_attribute(node, element: str, attribute: str, value: str, templates: list[Path]) -> None:
    allowed = attribute in GLOBAL_ATTRIBUTES or attribute in ATTRIBUTES.get(element, ()) \
        or attribute.startswith(("aria-", "data-"))
    if attribute.startswith("on") or not allowed:
        _refuse(templates, attribute, f"the attribute {attribute}=\"…\" on <{element}>", "E232")
    if attribute == "style":
        check_css(value, templates, where=None, declarations=True)
    elif element == "link" and attribute == "rel":
        unknown = set(value.lower().split()) - LINK_RELATIONS
        if unknown:
            _refuse(templates, "rel", f"<link rel=\"{value}\"> (no attachments or other relations)", "E232")
    loads = (element, attribute) in LOAD_ATTRIBUTES or (
        element == "link" and attribute == "href" and bool(set((node.get("rel") or "").lower().split()) & LOADED_LINKS))
    if loads or (element, attribute) in LINK_ATTRIBUTES:
        _check_address(value, loads, templates)


def _check_address(value: str, loads: bool, templates: list[Path]) -> None:
    address = "".join(value.split())   # browsers drop spaces and controls inside a scheme
    scheme = urlsplit(address).scheme.lower() if ":" in address else ""
    if loads:
        ok = (scheme == "" and not address.startswith("//")) or bool(DATA_PICTURE.match(address))
    else:
        ok = scheme in LINK_SCHEMES and not (scheme == "" and address.startswith("//"))
    if not ok:
        _refuse(templates, value[:20], f"the address '{value[:80]}'"
                + (" (a picture loads only from a file of the briefing)" if loads else
                   " (links may use http, https or mailto)"), "E232")


def check_css(text: str, templates: list[Path], where: Path | None, root: Path | None = None,
              declarations: bool = False) -> None:
    """E233 for `@import`, `url()` outside the source folder, or a way out of `<style>`.
    `where`: the stylesheet's own file (a theme's .css), whose folder relative urls start from."""
    blame = [where] if where is not None else templates
    closing = re.search(r"</?\s*style|<!--|-->", text, re.I)
    if closing:
        _refuse(blame, closing.group(0), f"'{closing.group(0)}', which would end the <style> element", "E233")
    tokens = (tinycss2.parse_blocks_contents(text) if declarations
              else tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True))
    for token in _tokens(tokens):
        if token.type == "at-rule" and token.lower_at_keyword == "import":
            _refuse(blame, "@import", "'@import' (a stylesheet may not load another)", "E233", token)
        address = _url(token)
        if address is not None and not _inside(address, where, root):
            _refuse(blame, address[:20], f"url({address[:80]}): only files inside the source folder "
                                         "or data: addresses may be loaded", "E233", token)


def _tokens(tokens):
    for token in tokens:
        yield token
        for part in ("prelude", "content", "arguments", "value"):
            inner = getattr(token, part, None)
            if isinstance(inner, list):
                yield from _tokens(inner)


def _url(token) -> str | None:
    if token.type == "url":
        return token.value
    if token.type == "function" and token.lower_name in ("url", "src", "image", "image-set", "-webkit-image-set"):
        strings = [t.value for t in token.arguments if t.type == "string"]
        return strings[0] if strings else ""
    return None


def _inside(address: str, where: Path | None, root: Path | None) -> bool:
    address = address.strip()
    if address.lower().startswith("data:"):
        return True
    if ":" in address.split("/")[0] or address.startswith(("/", "\\")) or "\\" in address:
        return False
    if where is None or root is None:  # inlined CSS (a style element or attribute): relative only
        return ".." not in address.split("/")
    target = (where.parent / address.split("#")[0].split("?")[0]).resolve()
    return target.is_relative_to(Path(root).resolve())


def _refuse(files: list[Path], needle: str, what: str, code: str, token=None):
    """Raise at the first theme file (and its line) that holds `needle`."""
    location = _locate(files, needle, getattr(token, "source_line", None))
    raise SourceError(f"the theme produces {what}, which no edition may hold", location, code)


def _locate(files: list[Path], needle: str, line: int | None) -> Location | None:
    for path in files:
        if line is not None and len(files) == 1:
            return Location(path, line)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        index = text.lower().find(needle.lower()) if needle else -1
        if index >= 0:
            return Location(path, text.count("\n", 0, index) + 1)
    return Location(files[0]) if files else None
