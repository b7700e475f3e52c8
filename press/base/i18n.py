"""The words the tool prints in each language, in one place: the editions' own labels, each
language's own name, and "Also in:".

The labels surround the author's text in every edition; the language names and "Also in" serve
the catalogue (filters, the web page's switcher) and the manifest's "Also in" line on the PDF's
imprint and the EPUB's title page. Other tags show as typed; English words serve a language
not listed.
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


# Words the editions print around the author's text, by primary language subtag.
LABELS = {
    "en": {"contents": "Contents", "disclaimer": "Disclaimer", "further_reading": "Further reading",
           "notes": "Notes", "edition": "Edition of", "cover": "Cover", "title_page": "Title page",
           "download": "Download", "for_ereaders": "for e-readers", "for_print": "for print",
           "for_review": "for reviewers (Word)", "skip": "Skip to the text", "start": "Beginning",
           "figure": "Figure", "table": "Table", "box": "Box", "page_abbr": "p.", "label_sep": ": ",
           "summary": "Summary", "recommendations": "Recommendations", "note": "Note", "tip": "Tip",
           "important": "Important", "warning": "Warning", "caution": "Caution",
           "references": "References", "about_authors": "About the authors",
           "about_publisher": "About the publisher", "imprint": "Imprint", "how_to_cite": "How to cite",
           "cite_this": "Cite this briefing", "licence": "Licence", "series": "Series", "isbn": "ISBN",
           "doi": "DOI", "issn": "ISSN", "published_by": "Published by", "published": "Published",
           "pdf_edition": "PDF edition", "epub_edition": "EPUB edition", "bibtex": "BibTeX", "ris": "RIS",
           "for_reference_managers": "for reference managers"},
    "fr": {"contents": "Table des matières", "disclaimer": "Avertissement", "further_reading": "Pour aller plus loin",
           "notes": "Notes", "edition": "Édition du", "cover": "Couverture", "title_page": "Page de titre",
           "download": "Télécharger", "for_ereaders": "pour liseuses", "for_print": "pour l’impression",
           "for_review": "pour la relecture (Word)", "skip": "Aller au texte", "start": "Début",
           "figure": "Figure", "table": "Tableau", "box": "Encadré", "page_abbr": "p.", "label_sep": "\u00a0: ",
           "summary": "Résumé", "recommendations": "Recommandations", "note": "Note", "tip": "Astuce",
           "important": "Important", "warning": "Avertissement", "caution": "Attention",
           "references": "Références", "about_authors": "À propos des auteurs",
           "about_publisher": "À propos de l’éditeur", "imprint": "Mentions", "how_to_cite": "Pour citer",
           "cite_this": "Citer cette note", "licence": "Licence", "series": "Collection", "isbn": "ISBN",
           "doi": "DOI", "issn": "ISSN", "published_by": "Publié par", "published": "Publié le",
           "pdf_edition": "édition PDF", "epub_edition": "édition EPUB", "bibtex": "BibTeX", "ris": "RIS",
           "for_reference_managers": "pour les logiciels de références"},
    "de": {"contents": "Inhalt", "disclaimer": "Hinweis", "further_reading": "Weiterführende Literatur",
           "notes": "Anmerkungen", "edition": "Ausgabe vom", "cover": "Umschlag", "title_page": "Titelseite",
           "download": "Herunterladen", "for_ereaders": "für E-Reader", "for_print": "für den Druck",
           "for_review": "zur Durchsicht (Word)", "skip": "Zum Text springen", "start": "Anfang",
           "figure": "Abbildung", "table": "Tabelle", "box": "Kasten", "page_abbr": "S.", "label_sep": ": ",
           "summary": "Zusammenfassung", "recommendations": "Empfehlungen", "note": "Hinweis", "tip": "Tipp",
           "important": "Wichtig", "warning": "Warnung", "caution": "Vorsicht",
           "references": "Literatur", "about_authors": "Über die Autorinnen und Autoren",
           "about_publisher": "Über den Herausgeber", "imprint": "Impressum", "how_to_cite": "Zitiervorschlag",
           "cite_this": "Dieses Briefing zitieren", "licence": "Lizenz", "series": "Reihe", "isbn": "ISBN",
           "doi": "DOI", "issn": "ISSN", "published_by": "Herausgegeben von", "published": "Erschienen am",
           "pdf_edition": "PDF-Ausgabe", "epub_edition": "EPUB-Ausgabe", "bibtex": "BibTeX", "ris": "RIS",
           "for_reference_managers": "für Literaturverwaltungsprogramme"},
    "ar": {"contents": "المحتويات", "disclaimer": "تنبيه", "further_reading": "لمزيد من القراءة",
           "notes": "الحواشي", "edition": "طبعة", "cover": "الغلاف", "title_page": "صفحة العنوان",
           "download": "تنزيل", "for_ereaders": "للقارئات الإلكترونية", "for_print": "للطباعة",
           "for_review": "للمراجعة (Word)", "skip": "انتقل إلى النص", "start": "البداية",
           "figure": "الشكل", "table": "الجدول", "box": "الإطار", "page_abbr": "ص.", "label_sep": ": ",
           "summary": "ملخص", "recommendations": "التوصيات", "note": "ملاحظة", "tip": "نصيحة",
           "important": "هام", "warning": "تحذير", "caution": "انتباه",
           "references": "المراجع", "about_authors": "عن المؤلفين",
           "about_publisher": "عن الناشر", "imprint": "بيانات النشر", "how_to_cite": "طريقة الاستشهاد",
           "cite_this": "الاستشهاد بهذا الموجز", "licence": "الترخيص", "series": "السلسلة", "isbn": "ISBN",
           "doi": "DOI", "issn": "ISSN", "published_by": "الناشر", "published": "تاريخ النشر",
           "pdf_edition": "نسخة PDF", "epub_edition": "نسخة EPUB", "bibtex": "BibTeX", "ris": "RIS",
           "for_reference_managers": "لبرامج إدارة المراجع"},
}


def labels(language: str) -> dict[str, str]:
    # English for any word a language does not have yet, never a template error.
    return {**LABELS["en"], **LABELS.get(language.split("-")[0].lower(), {})}
