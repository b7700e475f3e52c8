"""A `.csl` style from the source folder, checked before citeproc-py evaluates it.

citeproc-py trusts its style: a style without <citation>, a macro that is not defined or
calls itself, or `et-al-min="abc"` ended the render with a Python error (no file, no line),
and macros that call others four times each, 25 deep, made 4^25 calls. So the style's shape
is checked here with its lines, and the work one evaluation can take is bounded before any.
"""

from __future__ import annotations

from pathlib import Path

from press.base import limits
from press.base.errors import Location, SourceError

CSL = "{http://purl.org/net/xbiblio/csl}"
# CSL's attributes that citeproc-py reads as whole numbers.
NUMBER_ATTRIBUTES = ("et-al-min", "et-al-use-first", "et-al-subsequent-min", "et-al-subsequent-use-first",
                     "names-min", "names-use-first", "near-note-distance", "line-spacing", "entry-spacing")


def check_style(root, path: Path) -> None:
    """Refuse (E903, with the line) a style citeproc-py cannot evaluate, or one whose evaluation
    of a single entry could visit more than limits.MAX_CSL_STEPS elements."""
    def fail(message: str, element) -> None:
        raise SourceError(message, Location(path, getattr(element, "sourceline", None) or 1), "E903")

    if root.tag != CSL + "style":
        fail("a CSL style must be a <style> in the CSL namespace (http://purl.org/net/xbiblio/csl)", root)
    layouts = []
    for part in ("citation", "bibliography"):
        found = root.findall(CSL + part)
        if len(found) > 1:
            fail(f"a CSL style has one <{part}>, not {len(found)}", found[1])
        if found and found[0].find(CSL + "layout") is None:
            fail(f"<{part}> needs a <layout>", found[0])
        layouts += found
    if not root.findall(CSL + "citation"):
        fail("a CSL style needs a <citation> with its <layout>", root)
    macros = {}
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name in NUMBER_ATTRIBUTES:
            value = element.get(name)
            if value is not None and not (value.strip().isascii() and value.strip().isdigit()
                                          and len(value.strip()) <= 4):
                fail(f"{name}=\"{value[:40]}\" must be a whole number", element)
        if element.tag == CSL + "macro":
            if element.get("name") in macros:
                fail(f"the macro '{element.get('name')}' is defined twice", element)
            macros[element.get("name")] = element
    for element in root.iter():
        name = element.get("macro") if isinstance(element.tag, str) else None
        if name is not None and name not in macros:
            fail(f"the macro '{name}' is not defined", element)
    done: dict[str, tuple[int, int]] = {}   # macro -> (steps, depth)

    def cost(element, calling: tuple) -> tuple[int, int]:
        """The most elements one evaluation of `element` can visit (a <choose> takes one branch),
        and how deep it nests, macros' elements included (citeproc-py recurses through them)."""
        if len(calling) + 1 > limits.MAX_CSL_DEPTH:
            fail(f"elements and macros nest deeper than {limits.MAX_CSL_DEPTH} levels: the limit", element)
        children = [cost(child, calling + (None,)) for child in element if isinstance(child.tag, str)]
        depth = 1 + max((d for _, d in children), default=0)
        if element.tag == CSL + "choose":
            steps = 1 + max((s for s, _ in children), default=0)
        else:
            steps = 1 + sum(s for s, _ in children)
        name = element.get("macro")
        if name is not None and element.tag != CSL + "macro":
            if name in calling:
                fail(f"the macro '{name}' calls itself", macros[name])
            if name not in done:
                done[name] = cost(macros[name], calling + (name,))
            steps += done[name][0]
            depth = max(depth, 1 + done[name][1])
        if steps > limits.MAX_CSL_STEPS:
            fail(f"one entry could take more than {limits.MAX_CSL_STEPS:,} steps to format (macros calling "
                 "macros): the limit", element)
        if len(calling) + depth > limits.MAX_CSL_DEPTH:
            fail(f"elements and macros nest deeper than {limits.MAX_CSL_DEPTH} levels: the limit", element)
        return steps, depth

    for layout in layouts:
        cost(layout, ())
