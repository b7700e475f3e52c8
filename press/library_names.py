"""Languages as a library shows them: each language's own name, and "Also in:" in each language.

Shared by the catalogue (filters, the web page's switcher) and the manifest's "Also in" line
on the PDF's imprint and the EPUB's title page; other tags show as typed, English words serve
a language not listed.
"""

from __future__ import annotations

LANGUAGE_NAMES = {
    "ar": "العربية", "de": "Deutsch", "en": "English", "es": "Español", "fr": "Français", "it": "Italiano",
    "nl": "Nederlands", "pt": "Português", "ru": "Русский", "sw": "Kiswahili", "uk": "Українська",
    "zh": "中文", "ja": "日本語", "pl": "Polski", "tr": "Türkçe", "ha": "Hausa", "bm": "Bamanankan",
}
# "Also in:" before a briefing's other languages, in the briefing's language.
ALSO_IN = {"en": "Also in:", "fr": "Également en :", "es": "También en:", "de": "Auch auf:", "pt": "Também em:",
           "it": "Anche in:", "nl": "Ook in:"}


def also_in(tag: str) -> str:
    return ALSO_IN.get(tag.split("-")[0].lower(), ALSO_IN["en"])


def language_name(tag: str) -> str:
    return LANGUAGE_NAMES.get(tag.lower(), LANGUAGE_NAMES.get(tag.split("-")[0].lower(), tag))
