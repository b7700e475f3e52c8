"""The table of contents every edition lists, computed from the loaded briefing: its sections,
further reading, then the back matter (references, about the authors and the publisher)."""

from __future__ import annotations

from markupsafe import escape

from press.base.i18n import labels
from press.model.model import Briefing, TocEntry
from press.model.targets import PAGE_IDS
from press.source.people import ABOUT_AUTHORS_ID, ABOUT_PUBLISHER_ID, REFERENCES_ID

FURTHER_READING_ID = PAGE_IDS["further_reading"]


def table_of_contents(briefing: Briefing) -> tuple[TocEntry, ...]:
    """The entries every edition lists: the sections, then further reading when there is any."""
    entries = briefing.toc
    words = labels(briefing.language)
    if briefing.manifest.related:
        label = words["further_reading"]
        entries += (TocEntry(label, escape(label), FURTHER_READING_ID, 1),)
    return entries + back_matter(briefing)


def back_matter(briefing: Briefing) -> tuple[TocEntry, ...]:
    """After the sections and further reading: the references, about the authors and the publisher."""
    words = labels(briefing.language)
    wanted = ((briefing.citations.entries, "references", REFERENCES_ID),
              (briefing.imprint.has_about_authors, "about_authors", ABOUT_AUTHORS_ID),
              (briefing.imprint.has_about_publisher, "about_publisher", ABOUT_PUBLISHER_ID))
    return tuple(TocEntry(words[key], escape(words[key]), anchor, 1) for present, key, anchor in wanted if present)
