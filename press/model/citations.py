"""The briefing's citations as records: every citation rendered, and the references it cites.
Built by press.citations.resolve, read by the editions (press.citations.markup turns a citation
token into its HTML)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_STYLE = "chicago-author-date"


@dataclass(frozen=True)
class Entry:
    key: str             # as citeproc-py knows it: lower case
    anchor: str          # ref-<key>, the id of its entry in the references
    html: str            # the formatted entry, DOI or URL linked
    text: str            # the same as plain text


@dataclass
class Citations:
    """Every citation of the briefing, rendered; the references it cites, in the style's order."""

    entries: tuple[Entry, ...] = ()
    bibliography: Path | None = None
    style: str = DEFAULT_STYLE
    rendered: dict[int, list] = field(default_factory=dict)   # id(token) -> [(html, anchor or None)]
    unused: tuple[tuple[str, int], ...] = ()                  # (key, line in the bibliography)
    digest: str = ""                                          # changes whenever any rendering does
    lines: dict[str, int | None] = field(default_factory=dict)  # each cited entry's line in the bibliography

    @property
    def anchors(self) -> frozenset[str]:
        return frozenset(e.anchor for e in self.entries)
