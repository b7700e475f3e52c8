"""Ids, and the one index of everything a link or a cross-reference can reach.

Every section, sub-section, heading and footnote (and every figure, table and box) is a
`Target`: an id unique across the whole page of every edition, a kind, a number in reading
order, a title and where it stands. The index is built once, at load time, after every
section is parsed; the build and `check` both resolve against it, so they cannot disagree.

Ids: explicit ids (front matter `id:`) are taken first, then each heading's own slug for the
first heading that has it, and only then do repeated headings get numbered ids, skipping any id
already taken. So a heading literally titled "resume-2" keeps `resume-2`, and the second of two
"Resume" headings becomes `resume-3`; a link to `#resume-2` reaches the heading whose id it is.
A link to the id a heading would have had without such a clash is an error, not a guess.
The editions' own ids (`PAGE_IDS`) are never given to a target.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from press.base.errors import Location, SourceError
from press.model.manifest import slugify
from press.base.hints import closest_ids

# The ids the templates give their own parts, in one place: the templates use these names
# (`ids.main`), and no target may take the ids (see `RESERVED_IDS`).
PAGE_IDS = {
    "titlepage": "titlepage",            # print and EPUB title page
    "disclaimer": "disclaimer",          # the disclaimer, in every edition
    "disclaimer_label": "disclaimer-label",
    "contents": "contents",              # the table of contents (print, EPUB)
    "contents_title": "contents-title",
    "further_reading": "further-reading",
    "landmarks": "landmarks",            # EPUB navigation document
    "main": "main",                      # web page: the skip link's target
    "top": "top",                        # web page: the masthead, target of "Beginning"
    "downloads_title": "downloads-title",
    "imprint": "imprint",                # the imprint page (print), colophon (EPUB)
    "references": "references",          # the references' heading, in every edition
    "references_section": "references-section",
    "about_authors": "about-authors",
    "about_publisher": "about-publisher",
    "cite": "cite",                      # web page: "Cite this briefing"
    "cite_title": "cite-title",
}
# Names of the EPUB's own documents (`cover.xhtml`, `nav.xhtml`): a section's document is named
# after its id, so no section may have these either.
DOCUMENT_IDS = ("cover", "nav", "about")
RESERVED_IDS = frozenset(PAGE_IDS.values()) | frozenset(DOCUMENT_IDS)

# Kinds of target. A new kind (a citation) is one more constant and the code that finds it.
SECTION, SUBSECTION, HEADING, FOOTNOTE = "section", "subsection", "heading", "footnote"
FIGURE, TABLE, BOX = "figure", "table", "box"
# What each cross-reference prefix may name (press.markdown.blocks.CROSSREF_PREFIXES).
REFERABLE = {"fig": (FIGURE,), "tbl": (TABLE,), "box": (BOX,), "sec": (SECTION, SUBSECTION, HEADING)}

REFERENCE = "reference"   # an entry of the references (`ref-<key>`), see press/citations


# Named tuples rather than frozen dataclasses: immutable too, and a briefing may hold tens of
# thousands of them.
class Target(NamedTuple):
    id: str
    kind: str
    section: int            # index of the section it stands in
    document: str           # the EPUB document it stands in
    location: Location
    title: str = ""         # plain text
    number: int | None = None


class Claim(NamedTuple):
    """Someone wants an id: `base` is what it asks for, `explicit` when the author wrote it."""

    base: str
    explicit: bool
    location: Location
    title: str = ""         # a heading's text, for messages

    @property
    def what(self) -> str:
        return f"heading '{self.title}'"


@dataclass
class Allocation:
    ids: list[str]                                    # one per claim, in the claims' order
    errors: list[SourceError] = field(default_factory=list)
    # Ids an author may expect a claim to have but it does not: id -> (claim, its real id).
    expected: dict[str, tuple[Claim, str]] = field(default_factory=dict)
    # Claims whose base was taken by an earlier heading with the same text: (claim, first, its id).
    repeats: list[tuple[Claim, Claim, str]] = field(default_factory=list)


@lru_cache(maxsize=4096)
def _slug(title: str) -> str:
    slug = slugify(title)
    return slug if not slug or slug[0].isalpha() else f"s-{slug}"


def heading_base(title: str, fallback: str) -> str:
    """The id a heading asks for: its slug, starting with a letter (an XML name)."""
    return _slug(title) or fallback


def allocate(claims: list[Claim], taken: set[str]) -> Allocation:
    """Give every claim an id not in `taken` (which it updates), in linear time.

    Explicit ids first (a clash is an error), then first-comers' own bases, then numbered ids
    for the rest with one counter per base, so 40,000 identical headings cost no more than
    40,000 different ones.
    """
    ids: list[str | None] = [None] * len(claims)
    result = Allocation([])
    owner: dict[str, Claim] = {}
    for n, claim in enumerate(claims):
        if not claim.explicit:
            continue
        if claim.base in RESERVED_IDS:
            result.errors.append(SourceError(
                f"id '{claim.base}' is the id of a part every edition has: choose another", claim.location,
                "E207"))
        elif claim.base in taken:
            first = owner.get(claim.base)
            where = f" at {first.location}" if first else ""
            result.errors.append(SourceError(f"id '{claim.base}' is already used{where}", claim.location,
                                             "E207"))
        else:
            taken.add(claim.base)
            owner[claim.base] = claim
            ids[n] = claim.base
    waiting: list[int] = []
    for n, claim in enumerate(claims):
        if claim.explicit:
            continue
        if claim.base in taken:
            waiting.append(n)
        else:
            taken.add(claim.base)
            owner[claim.base] = claim
            ids[n] = claim.base
    counters: dict[str, int] = {}
    seen: dict[str, int] = {}
    for n in waiting:
        claim = claims[n]
        count = seen[claim.base] = seen.get(claim.base, 1 if claim.base in owner else 0) + 1
        number = counters.get(claim.base, 2)
        while f"{claim.base}-{number}" in taken:
            number += 1
        counters[claim.base] = number + 1
        ids[n] = f"{claim.base}-{number}"
        taken.add(ids[n])
        # Without the clash this claim would have had `expected`: a link to it must not land elsewhere.
        expected = claim.base if count == 1 else f"{claim.base}-{count}"
        if expected != ids[n]:
            result.expected[expected] = (claim, ids[n])
        first = owner.get(claim.base)
        if first is not None and not first.explicit and first.base == claim.base and claim.base not in RESERVED_IDS:
            result.repeats.append((claim, first, ids[n]))
    result.ids = [i or claim.base for i, claim in zip(ids, claims)]
    return result


class TargetIndex:
    """Every target of the briefing by id, and what `check` needs to explain the ids."""

    def __init__(self) -> None:
        self.targets: dict[str, Target] = {}
        self.expected: dict[str, tuple[Claim, str]] = {}
        self.repeats: list[tuple[Claim, Claim, str]] = []
        self.errors: list[SourceError] = []
        self.numbers: tuple = ()   # each section's first figure, table and box numbers (press.build.cache)

    def add(self, target: Target) -> None:
        self.targets[target.id] = target

    def get(self, anchor: str) -> Target | None:
        return self.targets.get(anchor)

    def of_kind(self, *kinds: str) -> list[Target]:
        return [t for t in self.targets.values() if t.kind in kinds]

    def signature(self) -> tuple:
        """What a rendered section depends on besides its own text (see press/cache)."""
        return tuple((t.id, t.kind, t.section, t.number, t.title) for t in self.targets.values()) + self.numbers

    def resolve_ref(self, anchor: str, at: Location) -> Target:
        """The target a cross-reference (`@fig-x`) names, of the kind its prefix says."""
        kinds = REFERABLE[anchor.split("-", 1)[0]]
        target = self.targets.get(anchor)
        if target is None or target.kind not in kinds:
            what = "section or heading" if kinds[0] == SECTION else kinds[0]
            found = f" ('{anchor}' is a {target.kind})" if target else ""
            raise SourceError(f"cross-reference '@{anchor}': no {what} has that id{found}", at, "E305")
        return target

    def resolve(self, anchor: str, at: Location, section: int | None = None, in_file: str = "",
                href: str = "") -> Target:
        """The target `anchor` names (in section `section` when given), or a SourceError."""
        target = self.targets.get(anchor)
        expected = self.expected.get(anchor)
        if expected and target is not None:  # never the claim itself: its id differs
            claim, real = expected
            raise SourceError(f"link to '#{anchor}' is ambiguous: it is the id of {target.kind} '{target.title}' "
                              f"at {target.location}, and {claim.what} at {claim.location} would have it but "
                              f"has '{real}': give the heading you mean an explicit id", at, "E304")
        if target is None or (section is not None and target.section != section):
            message = f"link to '{href}': no heading with id '{anchor}' in {in_file}" if in_file \
                else f"link to '#{anchor}': no heading has that id"
            if expected and target is None:
                message += f" ({expected[0].what} at {expected[0].location} has the id '{expected[1]}')"
            else:  # a renamed heading: the ids it may have now

                message += closest_ids(anchor, [t.id for t in self.targets.values() if t.kind != FOOTNOTE
                                                and (section is None or t.section == section)])
            raise SourceError(message, at, "E303")
        return target


def build_index(parsed: list) -> TargetIndex:
    """Give every heading and footnote of the parsed sections its id; index them all.

    Heading ids are set on their tokens (the renderers read them there); section ids (`anchor`
    of each title) name the EPUB documents. Errors (an explicit id used twice) are collected in
    `index.errors`: the build raises them, `check` reports them.
    """
    index = TargetIndex()
    taken: set[str] = set(RESERVED_IDS)
    claims: list[Claim] = []
    headings: list[tuple[int, int, object]] = []
    for s, section in enumerate(parsed):
        for n, heading in enumerate(section.headings):
            wanted = (str(section.front_matter.get("id", "")) if n == 0 else "") or heading.explicit_id
            at = Location(section.path, heading.line)
            # A title with no Latin letters to slug (Arabic, N'Ko...): an id by its place, one per
            # heading, so that headings in such a script are not taken for repeats (W207).
            fallback = f"section-{s + 1}" if n == 0 else f"section-{s + 1}-{n}"
            claims.append(Claim(wanted or heading_base(heading.title, fallback), bool(wanted), at,
                                heading.title))
            headings.append((s, n, heading))
    numbered = _numbered(parsed, index)  # figures, tables, boxes: their ids are explicit
    heading_ids = allocate(claims + [claim for claim, _ in numbered], taken)
    index.errors += heading_ids.errors
    index.expected.update(heading_ids.expected)
    index.repeats += heading_ids.repeats
    for (s, n, heading), anchor in zip(headings, heading_ids.ids[: len(headings)]):
        heading.anchor = anchor
        heading.token.attrSet("id", anchor)
    # A heading's slug without the letter ids must start with ("2024 results" -> s-2024-results).
    for claim, anchor in zip(claims, heading_ids.ids):
        if claim.base.startswith("s-") and not claim.explicit and claim.base[2:] not in taken:
            index.expected.setdefault(claim.base[2:], (claim, anchor))
    documents = [f"{section.headings[0].anchor}.xhtml" if section.headings else "" for section in parsed]
    for (s, n, heading), claim, anchor in zip(headings, claims, heading_ids.ids):
        kind = SECTION if n == 0 else SUBSECTION if heading.level == 2 else HEADING
        index.add(Target(anchor, kind, s, documents[s], claim.location, heading.title))
    for claim, target in numbered:
        index.add(target._replace(document=documents[target.section]))
    _index_footnotes(parsed, index, taken, documents)
    return index


def _numbered(parsed: list, index: TargetIndex) -> list[tuple[Claim, Target]]:
    """Number the figures, tables and boxes in reading order across the briefing (on their
    tokens, for the renderers); those with an id become targets. One summary in a briefing."""
    counters = {FIGURE: 0, TABLE: 0, BOX: 0}
    found: list[tuple[Claim, Target]] = []
    numbers = []
    summary = None
    for s, section in enumerate(parsed):
        first = dict(counters)
        for token in section.tokens:
            meta = token.meta or {}
            if token.type == "paragraph_open" and meta.get("figure"):
                kind, anchor, title = FIGURE, meta["figure"], ""
            elif token.type == "table_open" and meta.get("table"):
                kind, anchor, title = TABLE, meta["table"], ""
            elif token.type == "container_div_open" and meta.get("kind") == "box":
                kind, anchor, title = BOX, meta.get("id", ""), meta.get("title", "")
            else:
                if token.type == "container_div_open" and meta.get("kind") == "summary":
                    at = Location(section.path, token.map[0] + 1 if token.map else 1)
                    if summary is not None:
                        index.errors.append(SourceError(f"a second summary (the first is at {summary}): "
                                                        "a briefing has one", at, "E213"))
                    summary = summary or at
                continue
            counters[kind] += 1
            meta["number"] = counters[kind]
            if anchor:
                at = Location(section.path, token.map[0] + 1 if token.map else 1)
                found.append((Claim(anchor, True, at, anchor),
                              Target(anchor, kind, s, "", at, title, counters[kind])))
        numbers.append((s, first[FIGURE], first[TABLE], first[BOX]))
    index.numbers = tuple(numbers)
    return found


def _index_footnotes(parsed: list, index: TargetIndex, taken: set[str], documents: list[str]) -> None:
    """Each footnote (`fn-<section>-<n>`) and each call of it (`fnref-<section>-<n>`, then `-2`...)."""
    claims: list[Claim] = []
    keys: list[tuple] = []
    for s, section in enumerate(parsed):
        if not section.headings:
            continue
        sid = section.headings[0].anchor
        calls = footnote_calls(section.tokens)
        for number in sorted({n for n, _, _ in calls}):
            line = next(line for n, _, line in calls if n == number)
            claims.append(Claim(f"fn-{sid}-{number + 1}", False, Location(section.path, line)))
            keys.append(("note", s, number))
        for number, sub, line in calls:
            suffix = f"-{sub + 1}" if sub else ""
            claims.append(Claim(f"fnref-{sid}-{number + 1}{suffix}", False, Location(section.path, line)))
            keys.append(("call", s, (number, sub)))
    ids = allocate(claims, taken).ids
    for (what, s, key), claim, anchor in zip(keys, claims, ids):
        if what == "note":
            parsed[s].footnote_ids[key] = anchor
            index.add(Target(anchor, FOOTNOTE, s, documents[s], claim.location, number=key + 1))
        else:
            parsed[s].footnote_ref_ids[key] = anchor


def footnote_calls(tokens) -> list[tuple[int, int, int]]:
    """(note number, which call of it, line) of every footnote call, in reading order."""
    calls = []
    for token in tokens:
        if token.type != "inline" or not token.children:
            continue
        line = token.map[0] + 1 if token.map else 1
        for child in token.children:
            if child.type == "footnote_ref":
                calls.append((child.meta["id"], child.meta.get("subId", 0), line))
    return calls
