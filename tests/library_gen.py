"""Generate a small library of briefings for the tests and the benchmark (never committed).

Each briefing is a copy of the features fixture's shape: two short sections, a distinct
phrase in each so that search can tell them apart, dates a day apart, two series, and
French translations of some English briefings (the first linked by a `translations:` map in
the English manifest, the others by `translation_of` in the French one).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

LIBRARY_YML = {
    "title": "Fixture Library",
    "publisher": "Fixture Press",
    "base_url": "https://briefings.example.org/library/",
    "language": "en",
    "description": "Generated briefings for the tests.",
    "series": {
        "sahel": {"title": "Sahel Security Notes", "description": "Short notes on security in the Sahel."},
        "policy": "Policy Briefs",
    },
}
WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo lima mike november oscar papa "
         "quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()


def unique_phrase(n: int) -> str:
    """A phrase no other generated briefing holds."""
    return f"{WORDS[n % 26]} {WORDS[(n // 26) % 26]} quartermaster{n}"


def write_briefing(folder: Path, n: int, *, language: str = "en", translation_of: str | None = None,
                   slug: str | None = None, extra: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sections").mkdir(exist_ok=True)
    french = language.startswith("fr")
    title = f"Note {n:03d} sur le Sahel" if french else f"Briefing {n:03d} on the Sahel"
    manifest = {
        "title": title,
        "subtitle": f"Numéro {n}" if french else f"Issue number {n}",
        "language": language,
        "date": (dt.date(2024, 1, 1) + dt.timedelta(days=n * 3)).isoformat(),
        "authors": [f"Author {n % 5}"],
        "publisher": "Fixture Press",
        "disclaimer": "Ceci est un exemple." if french else "This briefing is generated for the tests.",
        "summary": (f"Résumé de la note {n}." if french else f"What briefing {n} is about, in one sentence."),
        "sections": ["sections/01-first.md", "sections/02-second.md"],
    }
    if n == 2:    # the briefing's own form of `series` (issue 8), naming a series library.yml does not list
        manifest.update(series={"name": "Field Reports", "number": 1, "issn": "2049-3630"})
    elif n == 3:  # the same form, naming a series of library.yml by its title
        manifest.update(series={"name": "Sahel Security Notes", "number": "2"})
    elif n % 3 == 0:
        manifest.update(series="sahel", number=n // 3 + 1)
    elif n % 3 == 1:
        manifest.update(series="policy", number=n // 3 + 1)
    if translation_of:
        manifest["translation_of"] = translation_of
    if slug:
        manifest["slug"] = slug
    manifest.update(extra or {})
    (folder / "briefing.yml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if french:
        first = f"# Introduction\n\nCette note traite du sujet {n}. La phrase unique est « {unique_phrase(n)} ».\n"
    else:
        first = f"# Introduction\n\nThis briefing covers topic {n}. Its unique phrase is {unique_phrase(n)}.\n"
    (folder / "sections" / "01-first.md").write_text(first, encoding="utf-8")
    (folder / "sections" / "02-second.md").write_text(
        "# Findings\n\n## Context\n\n" + ("Texte commun à toutes les notes.\n" if french else
                                          "Text common to every briefing of the library.\n"), encoding="utf-8")
    return folder


def make_library(root: Path, count: int = 4, translations: int = 1, series: bool = True) -> Path:
    """`count` English briefings and French translations of the first `translations` of them."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "library.yml").write_text(yaml.safe_dump(LIBRARY_YML, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for n in range(count):
        # The first briefing names its French translation by the map form; the others' translations
        # name their original by `translation_of`.
        extra = {"translations": {"fr": "note-500-sur-le-sahel"}} if n == 0 and translations else None
        write_briefing(root / f"b{n:03d}", n, extra=extra)
    for n in range(translations):
        write_briefing(root / f"b{n:03d}-fr", 500 + n, language="fr",
                       translation_of=f"briefing-{n:03d}-on-the-sahel" if n else None)
    return root
