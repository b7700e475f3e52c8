"""What an SVG image may hold: drawing only, rebuilt from an allow-list.

`clean()` parses the file with a hardened XML parser (no DTD loading, no entity expansion,
no network, libxml2's depth and size limits), whatever its encoding, then builds a new
document that keeps only allow-listed SVG elements and attributes, matched by namespace URI
and local name (never by prefix), with every reference and every CSS value checked. The
editions embed these re-serialized UTF-8 bytes, never the file's own.

What is refused (a finding, E315) and dropped in any case: script, event handlers,
`foreignObject` and any HTML, entity declarations and references, animation elements that
target a reference or a handler, and references other than the image's own `#fragments`,
raster `data:` images (PNG, JPEG, GIF, WebP, checked like any picture) and PNG or JPEG files
inside the source folder (embedded as `data:` URIs, so the image stands alone in every
edition). What is only dropped, silently: editors' metadata (Inkscape, Illustrator, RDF),
comments, processing instructions, animation, links (`<a>` keeps its children) and CSS
outside a small set of painting properties, selectors and values.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, unquote_to_bytes, urlsplit

import tinycss2
from lxml import etree

from press.base import limits
from press.base.sniff import head_text, sniff

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XHTML_NS = "http://www.w3.org/1999/xhtml"

# Elements that draw or structure a drawing. `a` is kept as a `g` (a link cannot be followed
# from a picture anyway); everything else (animation, `feImage`, `view`, `cursor`, `font`,
# metadata, unknown names) is dropped with its content.
ELEMENTS = frozenset("""
    svg g defs symbol use switch title desc
    path rect circle ellipse line polyline polygon
    text tspan textPath image
    linearGradient radialGradient stop pattern clipPath mask marker style
    filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
    feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
    feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight
    feSpecularLighting feSpotLight feTile feTurbulence
""".split())
RENAMED = {"a": "g"}
# Elements whose text is content (everywhere else whitespace between elements is dropped).
TEXT_ELEMENTS = frozenset({"text", "tspan", "textPath", "title", "desc", "style"})
# Elements that may carry a reference (href / xlink:href).
REFERRING = frozenset({"use", "image", "textPath", "linearGradient", "radialGradient", "pattern", "filter"})

# CSS properties allowed in `style` attributes and `<style>` rules, and as presentation
# attributes: painting and text only (no `cursor`, `content`, `behavior`, `src`, `transform`).
PROPERTIES = frozenset("""
    fill fill-opacity fill-rule stroke stroke-width stroke-opacity stroke-linecap stroke-linejoin
    stroke-miterlimit stroke-dasharray stroke-dashoffset opacity color display visibility overflow
    font font-family font-size font-style font-weight font-variant font-stretch font-size-adjust
    text-anchor text-decoration dominant-baseline alignment-baseline baseline-shift letter-spacing
    word-spacing writing-mode direction unicode-bidi
    clip-path clip-rule mask filter marker marker-start marker-mid marker-end
    stop-color stop-opacity flood-color flood-opacity lighting-color
    color-interpolation color-interpolation-filters color-rendering paint-order vector-effect
    shape-rendering text-rendering image-rendering mix-blend-mode isolation
""".split())
# Other attributes (no namespace) a kept element may have; their values are plain data.
ATTRIBUTES = frozenset("""
    id class width height x y x1 y1 x2 y2 cx cy r rx ry fx fy fr d points pathLength
    viewBox preserveAspectRatio transform version baseProfile
    dx dy rotate textLength lengthAdjust startOffset method spacing side
    gradientUnits gradientTransform spreadMethod offset
    patternUnits patternContentUnits patternTransform clipPathUnits maskUnits maskContentUnits
    markerWidth markerHeight markerUnits refX refY orient
    filterUnits primitiveUnits in in2 result stdDeviation type values tableValues slope intercept
    amplitude exponent operator k1 k2 k3 k4 mode order kernelMatrix divisor bias targetX targetY
    edgeMode preserveAlpha surfaceScale diffuseConstant specularConstant specularExponent
    kernelUnitLength scale xChannelSelector yChannelSelector azimuth elevation z
    pointsAtX pointsAtY pointsAtZ limitingConeAngle radius baseFrequency numOctaves seed stitchTiles
    systemLanguage lang role aria-label aria-labelledby aria-describedby aria-hidden
""".split())
CSS_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla"})
RASTER_DATA = re.compile(r"^data:image/(png|jpeg|gif|webp)(;base64)?,(.*)$", re.IGNORECASE | re.DOTALL)
FRAGMENT = re.compile(r"^#[A-Za-z_][A-Za-z0-9_.:-]*$")
SAFE_IDENT = re.compile(r"^-?[A-Za-z_][A-Za-z0-9_-]*$")
SAFE_STRING = re.compile(r"^[A-Za-z0-9 _.,-]*$")
# What browsers ignore inside a URL (ASCII whitespace and C0 controls): `java\tscript:` is
# `javascript:` to them.
URL_IGNORED = re.compile(r"[\x00-\x20\x7f]")
# A value that CSS could read as a reference or an escape: such a plain attribute is dropped.
CSS_LIKE = re.compile(r"url\s*\(|\\|expression\s*\(|@import", re.IGNORECASE)
# Elements and attributes that mean script, whatever their namespace: a finding, not a drop.
SCRIPTING = frozenset({"script", "foreignObject", "handler", "listener", "iframe", "object", "embed"})
ANIMATION = frozenset({"animate", "set", "animateMotion", "animateTransform", "animateColor", "discard"})


@dataclass(frozen=True)
class Finding:
    line: int
    message: str
    code: str = "E315"


@dataclass
class Cleaned:
    """The drawing as the editions use it, what was refused, and the files it took in."""

    data: bytes = b""
    findings: list[Finding] = field(default_factory=list)
    inlined: list[Path] = field(default_factory=list)   # raster files embedded as data: URIs


def clean(data: bytes, path: Path, root: Path, check_raster=None) -> Cleaned:
    """Sanitize the SVG `data` (the file at `path` in the source folder `root`).

    `check_raster(bytes, what) -> str | None` validates an embedded raster picture and returns
    why it cannot be used (press.source.images provides it); without it rasters are refused.
    """
    out = Cleaned()
    if len(data) > limits.MAX_SVG_BYTES:
        out.findings.append(Finding(1, f"SVG image is {len(data):,} bytes: the limit is "
                                       f"{limits.MAX_SVG_BYTES:,} (simplify or rasterize it)", "E319"))
        return out
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                             dtd_validation=False, attribute_defaults=False, remove_comments=True,
                             remove_pis=True, strip_cdata=True, collect_ids=False)
    parser.resolvers.add(_Refuse())
    try:
        tree = etree.fromstring(data, parser).getroottree()
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or 1
        if (doctype := _doctype_subset(_head(data))) is not None:
            out.findings.append(doctype)  # libxml2 stumbled on a declared entity: say why it is refused
        elif "depth" in str(exc).lower():
            out.findings.append(_too_deep(line))
        elif "entit" in str(exc).lower():
            out.findings.append(Finding(line, f"SVG images may not hold entities ({exc.msg})"))
        else:
            out.findings.append(Finding(line, f"SVG image is not well-formed XML: {exc.msg}", "E317"))
        return out
    root_element = tree.getroot()
    if _local(root_element) != "svg" or _namespace(root_element) not in (SVG_NS, None):
        out.findings.append(Finding(root_element.sourceline or 1,
                                    f"not an SVG image: its root element is <{_local(root_element)}>", "E316"))
        return out
    out.findings += _doctype(tree, data)
    if (bound := _bounds(root_element)) is not None:
        out.findings.append(bound)
        return out
    if (expanded := _expanded(root_element)) is not None:
        out.findings.append(expanded)
        return out
    builder = _Builder(path, root, check_raster, out)
    new_root = builder.element(root_element, None)
    _drop_unusable_uses(new_root)
    out.data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(new_root, encoding="utf-8") + b"\n"
    out.findings = sorted(dict.fromkeys(out.findings), key=lambda f: f.line)
    return out


class _Refuse(etree.Resolver):
    """libxml2 asks resolvers before loading anything external: nothing is ever loaded."""

    def resolve(self, system_url, public_id, context):
        return self.resolve_string("", context)


def _split(name: str) -> tuple[str | None, str]:
    """'{uri}local' -> (uri, local); 'local' -> (None, local). (lxml's QName is slower.)"""
    if name.startswith("{"):
        uri, _, local = name[1:].partition("}")
        return uri, local
    return None, name


def _local(element) -> str:
    return _split(element.tag)[1] if isinstance(element.tag, str) else ""


def _namespace(element) -> str | None:
    return _split(element.tag)[0] if isinstance(element.tag, str) else None


def _too_deep(line: int) -> Finding:
    return Finding(line, f"SVG image nests elements more than {limits.MAX_SVG_DEPTH} deep: flatten its groups",
                   "E319")


def _head(data: bytes) -> str:
    return head_text(data)


def _doctype(tree, data: bytes) -> list[Finding]:
    """A DOCTYPE naming a DTD is harmless (it is never loaded); an internal subset is refused."""
    if not tree.docinfo.doctype:
        return []
    try:
        text = data[:65536].decode(tree.docinfo.encoding or "utf-8", errors="replace")
    except LookupError:
        text = _head(data)
    found = _doctype_subset(text)
    return [found] if found else []


def _doctype_subset(text: str) -> Finding | None:
    start = text.find("<!DOCTYPE")
    if start < 0:
        return None
    subset, end = text.find("[", start), text.find(">", start)
    if subset < 0 or 0 <= end < subset:
        return None
    shown = text[start:subset + 1] if subset - start < 60 else text[start:start + 40]
    return Finding(text.count("\n", 0, start) + 1,
                   f"SVG images may not hold '{shown}' (entity and DTD declarations are refused)")


def _bounds(root) -> Finding | None:
    count = 0
    for element in root.iter():
        count += 1
        if count > limits.MAX_SVG_ELEMENTS:
            return Finding(element.sourceline or 1, f"SVG image holds more than {limits.MAX_SVG_ELEMENTS:,} "
                                                    "elements: simplify or rasterize it", "E319")
    # Depth: libxml2 refuses more than 256 levels; ours is lower (WeasyPrint draws recursively).
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > limits.MAX_SVG_DEPTH:
            return _too_deep(element.sourceline or 1)
        stack.extend((child, depth + 1) for child in element)
    return None


def _expanded(root) -> Finding | None:
    """What is drawn once every reference (`<use>`, a gradient's or pattern's href) is
    followed: a few `<use>` elements that each draw ten of the previous ones make a drawing
    of billions of elements from a few hundred bytes, and a reference to an ancestor never
    ends. Both are refused. (Counted on the file as it is, before anything is dropped.)"""
    ids = {element.get("id"): element for element in root.iter() if isinstance(element.tag, str)
           and element.get("id")}
    hrefs = ("href", f"{{{XLINK_NS}}}href")

    def references(element):
        found = list(element)
        for name in hrefs:
            target = ids.get(URL_IGNORED.sub("", element.get(name) or "")[1:])
            if target is not None:
                found.append(target)
        return found

    size: dict = {}
    visiting: set = set()
    stack = [(root, False, root)]
    while stack:  # depth-first, without recursion (reference chains can be long)
        element, done, by = stack.pop()
        if done:
            visiting.discard(element)
            size[element] = min(1 + sum(size[r] for r in references(element)), limits.MAX_SVG_ELEMENTS + 1)
            continue
        if element in size:
            continue
        if element in visiting:
            return Finding(by.sourceline or 1, "SVG image refers to itself: an element uses one of its own "
                                               "ancestors", "E319")
        visiting.add(element)
        stack.append((element, True, by))
        stack.extend((r, False, element) for r in references(element) if r not in size)
    if size[root] > limits.MAX_SVG_ELEMENTS:
        return Finding(1, f"SVG image draws more than {limits.MAX_SVG_ELEMENTS:,} elements once its <use> "
                          "references are followed: simplify it", "E319")
    return None


# What a <use> may draw (SVG 2, 5.6): a gradient, a filter or a missing element is not (and
# EPUBCheck reports RSC-014 for it).
DRAWABLE = frozenset({"svg", "g", "symbol", "use", "switch", "path", "rect", "circle", "ellipse", "line",
                      "polyline", "polygon", "text", "image"})


def _drop_unusable_uses(root) -> None:
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    href = f"{{{XLINK_NS}}}href"
    for use in list(root.iter(f"{{{SVG_NS}}}use")):
        target = ids.get(use.get(href, "")[1:])
        if target is None or _local(target) not in DRAWABLE:
            use.getparent().remove(use)


class _Builder:
    def __init__(self, path: Path, root: Path, check_raster, out: Cleaned):
        self.path, self.root, self.check_raster, self.out = path, Path(root).resolve(), check_raster, out

    def refuse(self, element, message: str) -> None:
        self.out.findings.append(Finding(getattr(element, "sourceline", None) or 1, message))

    # --- elements ------------------------------------------------------------------------

    def element(self, source, parent):
        name = RENAMED.get(_local(source), _local(source))
        if parent is None:
            new = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS, "xlink": XLINK_NS})
        else:
            new = etree.SubElement(parent, f"{{{SVG_NS}}}{name}")
        self.attributes(source, new, name)
        if name in ("image", "use") and new.get(f"{{{XLINK_NS}}}href") is None:
            parent.remove(new)  # nothing left to draw (and WeasyPrint would fetch "None")
            return None
        if name == "style":
            new.text = self.stylesheet(source, "".join(source.itertext()))
            if not new.text:
                parent.remove(new)
                return None
            return new
        keeps_text = name in TEXT_ELEMENTS
        if keeps_text and source.text:
            new.text = source.text
        last = None
        for child in source:
            if isinstance(child, etree._Entity):
                self.refuse(child, f"SVG images may not hold entity references ('{child.text}'): "
                                   "write the character itself")
            elif isinstance(child.tag, str):
                kept = self.child(child, new)
                if kept is not None:
                    last = kept
            if keeps_text and child.tail:  # text after a child belongs to this element's content
                if last is not None and last.getparent() is new:
                    last.tail = (last.tail or "") + child.tail
                else:
                    new.text = (new.text or "") + child.tail
        return new

    def child(self, source, parent):
        local, namespace = _local(source), _namespace(source)
        if local in SCRIPTING or namespace == XHTML_NS:
            self.refuse(source, _foreign(source))
            self.scan_dropped(source)
            return None
        if local in ANIMATION:
            target = (source.get("attributeName") or "").strip().lower()
            if target.endswith("href") or target.startswith("on") or target in ("style", "class"):
                self.refuse(source, f"SVG images may not animate '{_shown(target)[:80]}' (<{local}> is refused)")
            self.scan_dropped(source)
            return None
        if namespace not in (SVG_NS, None) or RENAMED.get(local, local) not in ELEMENTS:
            self.scan_dropped(source)
            return None  # metadata, editors' namespaces, unknown elements
        return self.element(source, parent)

    def scan_dropped(self, source) -> None:
        """Dropped content is not drawn, but hostile content inside it is still reported."""
        for element in source.iter():
            if not isinstance(element.tag, str):
                continue
            for name in element.attrib:
                if _split(name)[1].lower().startswith("on"):
                    self.refuse(element, f"SVG images may not hold event handlers ('{_split(name)[1]}=')")
            if element is not source and (_local(element) in SCRIPTING or _namespace(element) == XHTML_NS):
                self.refuse(element, _foreign(element))

    # --- attributes ----------------------------------------------------------------------

    def attributes(self, source, new, name: str) -> None:
        for key, value in source.attrib.items():
            namespace, local = _split(key)
            if local.lower().startswith("on"):
                self.refuse(source, f"SVG images may not hold event handlers ('{local}=')")
            elif local == "href" and namespace in (None, XLINK_NS):
                if name in REFERRING:
                    reference = self.reference(source, value, name)
                    if reference is not None:
                        new.set(f"{{{XLINK_NS}}}href", reference)
                else:
                    self.reference(source, value, name)  # reported when hostile, never kept
            elif namespace == XML_NS and local in ("space", "lang"):
                new.set(key, value)
            elif namespace is not None:
                continue  # editors' attributes (inkscape:, sodipodi:, ...)
            elif local == "style":
                css = self.declarations(source, value)
                if css:
                    new.set("style", css)
            elif local in PROPERTIES:
                css = self.value(source, tinycss2.parse_component_value_list(value))
                if css is not None:
                    new.set(local, css)
            elif local in ATTRIBUTES and not CSS_LIKE.search(value):
                new.set(local, value)

    def reference(self, element, value: str, name: str) -> str | None:
        """The reference an element may keep, or None (reported unless simply unusable)."""
        ref = URL_IGNORED.sub("", value)
        if ref.startswith("#"):
            if FRAGMENT.match(ref):
                return ref
            return None  # not an id any element can have: a no-op, dropped
        data = RASTER_DATA.match(ref)
        if data and name == "image":
            return self.raster_data(element, data, value)
        parts = urlsplit(ref)
        if not parts.scheme and not parts.netloc and parts.path and name == "image":
            return self.raster_file(element, unquote(parts.path), value)
        self.refuse(element, _outside(value, "only <image> may refer to a file: a PNG or JPEG inside the source "
                                             "folder"))
        return None

    def raster_data(self, element, match, value: str) -> str | None:
        body = match.group(3)
        try:
            raw = base64.b64decode(URL_IGNORED.sub("", body), validate=True) if match.group(2) \
                else unquote_to_bytes(body)
        except (binascii.Error, ValueError):
            self.refuse(element, "SVG image holds a data: image that is not valid base64")
            return None
        return self.embed(element, raw, f"its data: image ({_shown(value[:30])}...)")

    def raster_file(self, element, relative: str, value: str) -> str | None:
        target = (self.path.parent / relative).resolve()
        if not target.is_relative_to(self.root):
            self.refuse(element, f"SVG image refers to '{value.strip()[:200]}', which is not a file inside the "
                                 "source folder")
            return None
        if not target.is_file():
            self.refuse(element, f"SVG image refers to '{_shown(relative)[:200]}', which does not exist")
            return None
        if target.stat().st_size > limits.MAX_IMAGE_BYTES:
            self.refuse(element, f"SVG image refers to '{_shown(relative)[:200]}', larger than "
                                 f"{limits.MAX_IMAGE_BYTES:,} bytes")
            return None
        self.out.inlined.append(target)
        return self.embed(element, target.read_bytes(), f"'{_shown(relative)[:200]}'")

    def embed(self, element, raw: bytes, what: str) -> str | None:
        kind = sniff(raw)
        if kind not in ("png", "jpeg", "gif", "webp"):
            self.refuse(element, f"SVG image includes {what}, which is not a PNG or JPEG picture")
            return None
        why = self.check_raster(raw, kind) if self.check_raster else "pictures cannot be checked here"
        if why:
            self.refuse(element, f"SVG image includes {what}: {why}")
            return None
        return f"data:image/{kind};base64,{base64.b64encode(raw).decode('ascii')}"

    # --- CSS -----------------------------------------------------------------------------

    def urls(self, element, tokens) -> None:
        """Report every url() that is not a fragment, and every @import, anywhere in `tokens`."""
        for token in tokens:
            if token.type == "url":
                ref = URL_IGNORED.sub("", token.value)
            elif token.type == "function" and token.lower_name == "url":
                ref = "".join(t.value for t in token.arguments if t.type == "string")
            elif token.type == "error" and token.kind == "bad-url":
                self.refuse(element, "SVG image holds a malformed CSS url(): CSS in an SVG may refer only to its "
                                     "own elements (url(#id))")
                continue
            elif token.type == "at-rule" and token.lower_at_keyword == "import":
                strings = [t.value for t in token.prelude if t.type == "string"]
                if strings:
                    self.refuse(element, _outside(strings[0], "CSS in an SVG may not import anything"))
                self.urls(element, token.prelude)
                continue
            else:
                for attr in ("arguments", "content", "prelude", "value"):
                    inner = getattr(token, attr, None)
                    if isinstance(inner, list):
                        self.urls(element, inner)
                continue
            if not FRAGMENT.match(URL_IGNORED.sub("", ref)):
                self.refuse(element, _outside(ref, "CSS in an SVG may refer only to its own elements (url(#id))"))

    def declarations(self, element, text: str, report: bool = True) -> str:
        nodes = tinycss2.parse_blocks_contents(text, skip_comments=True, skip_whitespace=True)
        if report:
            self.urls(element, nodes)
        kept = []
        for node in nodes:
            if node.type == "declaration" and node.lower_name in PROPERTIES and not node.important:
                value = self.value(element, node.value, report=False)
                if value is not None:
                    kept.append(f"{node.lower_name}:{value}")
        return ";".join(kept)

    def stylesheet(self, element, text: str) -> str:
        rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
        self.urls(element, rules)
        kept = []
        for rule in rules:
            if rule.type != "qualified-rule":
                continue  # @import, @font-face, @media, ...: dropped
            selector = _selector(rule.prelude)
            body = self.declarations(element, tinycss2.serialize(rule.content), report=False) if selector else ""
            if body:
                kept.append(f"{selector}{{{body}}}")
        return "\n".join(kept)

    def value(self, element, tokens, report: bool = True) -> str | None:
        """A CSS value re-serialized from safe tokens only, or None."""
        if report:
            self.urls(element, tokens)
        parts = []
        for token in tokens:
            kind = token.type
            if kind in ("whitespace", "comment"):
                parts.append(" ")
            elif kind == "ident" and SAFE_IDENT.match(token.value):
                parts.append(token.value)
            elif kind in ("number", "percentage") or (kind == "dimension" and re.fullmatch("[A-Za-z]+", token.unit)):
                parts.append(tinycss2.serialize([token]))
            elif kind == "hash" and re.fullmatch(r"[A-Za-z0-9_-]+", token.value):
                parts.append(f"#{token.value}")
            elif kind == "literal" and token.value in (",", "/"):
                parts.append(token.value)
            elif kind == "string" and SAFE_STRING.match(token.value):
                parts.append(f'"{token.value}"')
            elif kind == "url" and FRAGMENT.match(token.value):
                parts.append(f"url({token.value})")
            elif kind == "function" and token.lower_name == "url":
                strings = [t.value for t in token.arguments if t.type == "string"]
                if len(strings) != 1 or not FRAGMENT.match(strings[0]):
                    return None
                parts.append(f"url({strings[0]})")
            elif kind == "function" and token.lower_name in CSS_FUNCTIONS:
                inner = self.value(element, token.arguments, report=False)
                if inner is None:
                    return None
                parts.append(f"{token.lower_name}({inner})")
            else:
                return None
        value = re.sub(r"\s+", " ", "".join(parts)).strip()
        return value or None


def _foreign(element) -> str:
    what = f"HTML (<{_local(element)}>)" if _namespace(element) == XHTML_NS else f"<{_local(element)}>"
    return f"SVG images may not hold {what} (script and foreign content are refused)"


def _shown(text: str) -> str:
    """A value as a message may show it: control characters escaped (no terminal escapes)."""
    return re.sub(r"[\x00-\x1f\x7f-\x9f]", lambda m: f"\\x{ord(m.group()):02x}", text)


def _outside(reference: str, rule: str) -> str:
    """The message for a reference an SVG may not make: outside the folder, or not allowed."""
    ref = _shown(reference.strip())
    parts = urlsplit(URL_IGNORED.sub("", reference))
    if parts.scheme or parts.netloc:
        return f"SVG image refers to '{ref[:200]}', which is not a file inside the source folder"
    return f"SVG image refers to '{ref[:200]}': {rule}"


def _selector(prelude) -> str | None:
    """Type, class and id selectors with combinators: enough for editors' exports."""
    parts = []
    for token in prelude:
        if token.type == "whitespace":
            parts.append(" ")
        elif token.type == "ident" and SAFE_IDENT.match(token.value):
            parts.append(token.value)
        elif token.type == "hash" and SAFE_IDENT.match(token.value):
            parts.append(f"#{token.value}")
        elif token.type == "literal" and token.value in (".", ",", ">", "*", "+", "~", ":"):
            parts.append(token.value)
        else:
            return None
    selector = re.sub(r"\s+", " ", "".join(parts)).strip()
    return selector or None
