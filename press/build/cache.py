"""Sections parsed and rendered by earlier builds of the same process (`watch`).

A section's rendering depends on its own text and on the targets of every section (links
are checked against them and ids are made unique across the briefing), so a rendered
section is reused only when its text and the index of targets are unchanged, and
the images it uses still exist. Editing one section's prose re-renders that section only;
editing a heading re-renders them all.
"""

from __future__ import annotations

from pathlib import Path

from press.markdown import markdown, renderers
from press.source.source import load_briefing


class SectionCache:
    def __init__(self) -> None:
        self._parsed: dict[Path, tuple[tuple, markdown.ParsedSection]] = {}
        self._rendered: dict[Path, tuple[tuple, object]] = {}
        self.rendered_now: list[Path] = []   # sections rendered by the last load
        self.reused_now: list[Path] = []     # sections reused by the last load
        self._seen: set[Path] = set()

    def load_briefing(self, source_dir: Path, manifest=None, styles=renderers.STYLES, parsed=None):
        self.rendered_now, self.reused_now, self._seen = [], [], set()
        return load_briefing(source_dir, cache=self, manifest=manifest, styles=styles, parsed=parsed)

    # Called by press.source.source.
    def parse(self, md, manifest, path: Path, text: str, parsed=None) -> markdown.ParsedSection:
        """`parsed`: the section as the build's rules pass parsed it from `text`, if it did."""
        key = (manifest.language, text, md.options.get("press_note_citations", False))  # notes: see citations
        hit = self._parsed.get(path)
        if hit and hit[0] == key and path not in self._seen:  # a file listed twice: two parses
            self._seen.add(path)
            return hit[1]
        self._seen.add(path)
        parsed = parsed or markdown.parse(md, path, text)
        self._parsed[path] = (key, parsed)
        return parsed

    def rendered(self, manifest, parsed: list, index: int, targets, styles, citations: str = ""):
        """`citations`: a digest of every citation's rendering (they number and disambiguate
        across sections, and change with the bibliography)."""
        hit = self._rendered.get(parsed[index].path)
        if hit and hit[0] == self._key(manifest, parsed, index, targets, styles) + (citations,) \
                and all(a.path.is_file() for a in hit[1].assets):
            self.reused_now.append(parsed[index].path)
            return hit[1]
        return None

    def keep(self, manifest, parsed: list, index: int, targets, styles, section, citations: str = "") -> None:
        self._rendered[parsed[index].path] = (self._key(manifest, parsed, index, targets, styles) + (citations,),
                                              section)
        self.rendered_now.append(parsed[index].path)

    @staticmethod
    def _key(manifest, parsed: list, index: int, targets, styles) -> tuple:
        paths = tuple(str(p.path) for p in parsed)
        return (str(manifest.root), manifest.language, parsed[index].text, paths, targets.signature(),
                tuple(sorted(styles)))
