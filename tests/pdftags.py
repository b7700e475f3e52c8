"""A tagged PDF's structure tree as a reader of tagged PDFs sees it: each element's type, its
text (from the marked content it owns, read from the pages) and its children, with pypdf."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pypdf import PdfReader


@dataclass
class Node:
    kind: str                       # "Sect", "H2", "L", ...
    text: str = ""                  # all the text inside it, spaces collapsed
    kids: list["Node"] = field(default_factory=list)

    def walk(self):
        yield self
        for kid in self.kids:
            yield from kid.walk()

    def find(self, kind: str) -> list["Node"]:
        return [node for node in self.walk() if node.kind == kind]


def marked_texts(reader: PdfReader) -> dict[tuple[int, int], str]:
    """(page index, MCID) -> the text drawn inside that marked content."""
    out: dict[tuple[int, int], str] = {}
    for number, page in enumerate(reader.pages):
        stack: list[int | None] = []

        def before(op, args, cm, tm):
            if op == b"BDC":
                props = args[1] if len(args) > 1 else None
                stack.append(props.get("/MCID") if hasattr(props, "get") else None)
            elif op == b"BMC":
                stack.append(None)
            elif op == b"EMC" and stack:
                stack.pop()

        def text(chunk, *_):
            if stack and stack[-1] is not None:
                key = (number, int(stack[-1]))
                out[key] = out.get(key, "") + chunk

        page.extract_text(visitor_operand_before=before, visitor_text=text)
    return out


def structure(path) -> Node:
    """The document's structure tree, from its StructTreeRoot."""
    reader = PdfReader(path)
    pages = {page.indirect_reference.idnum: n for n, page in enumerate(reader.pages)}
    texts = marked_texts(reader)

    def page_of(element, inherited):
        ref = element.get("/Pg") if hasattr(element, "get") else None
        return pages.get(ref.idnum, inherited) if ref is not None and hasattr(ref, "idnum") else inherited

    def build(element, page) -> Node:
        page = page_of(element, page)
        node = Node(str(element.get("/S", "/")).lstrip("/"))
        parts: list[str] = []
        kids = element.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, int):
                parts.append(texts.get((page, kid), ""))
            elif hasattr(kid, "get") and kid.get("/Type") == "/MCR":
                parts.append(texts.get((page_of(kid, page), int(kid["/MCID"])), ""))
            elif hasattr(kid, "get") and "/S" in kid:
                child = build(kid, page)
                node.kids.append(child)
                parts.append(child.text)
        node.text = re.sub(r"\s+", " ", "".join(parts)).strip()
        return node

    return build(reader.trailer["/Root"]["/StructTreeRoot"], None)


def titled(tree: Node, kind: str = "Sect") -> dict[str, Node]:
    """Elements of `kind` whose first child is a heading, by that heading's text."""
    return {node.kids[0].text: node for node in tree.find(kind)
            if node.kids and re.fullmatch(r"H[1-6]", node.kids[0].kind)}
