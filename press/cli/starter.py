"""`build.py init DIR`: a new briefing folder that builds as it is and shows how to write one.

It writes a commented briefing.yml (every key, the required ones first), two example sections
(headings, a footnote, a table, a figure, links) and an images folder with a chart drawn here.
Nothing is ever overwritten: a folder that exists and is not empty is refused before anything
is written.
"""

from __future__ import annotations

from pathlib import Path

from press.base.errors import Location, PressError

MANIFEST = """\
# The manifest of a briefing: `python build.py pdf --source THIS_FOLDER` (or `make pdf SOURCE=...`).
# Lines starting with # are comments. Quote a value that contains ': ' ("Mali: After MINUSMA").

# --- required ---------------------------------------------------------------------------
title: "{title}"
language: en                 # BCP 47 tag: en, fr, fr-CA, ... (hyphenation, quotes, metadata)
disclaimer: |                # Markdown, printed on the title page of every edition; never empty
  This briefing is an example. The views expressed are the authors' own.
sections:                    # the section files, in reading order, relative to this file
  - sections/01-introduction.md
  - sections/02-findings.md

# --- optional: remove the # to use a key ------------------------------------------------
# subtitle: "What the example shows"      # printed under the title
# short_title: Example                    # the running header (default: the title)
# authors: [A. Writer, B. Editor]         # a name, or a list of names
# publisher: Example Institute            # printed on the title page
# date: 2026-01-01                        # ISO date: the edition date, and every date in the outputs
# identifier: urn:isbn:9780000000000      # stable identifier (default: derived from the title)
# keywords: [example, briefing]           # the PDF's metadata
# slug: example-briefing                  # output file name (default: derived from the title)
# cover: images/cover.png                 # the EPUB's cover, PNG or JPEG, at least 1600 px long
# related:                                # further reading, printed at the end
#   - Another briefing
#   - {{title: "A briefing on the web", url: https://example.org/briefing}}
# paper: a4                               # a4, letter, a5, b5, or {{width: 170mm, height: 240mm}}
# margins: 20mm                           # the PDF's page margins (a CSS length)
# theme:                                  # branding without CSS (a theme/ folder overrides more)
#   accent: "#7a3b12"                     # headings and rules, as #rgb or #rrggbb
#   logo: images/logo.svg                 # printed on the title page
#   body_font: Charis SIL                 # an installed font family for the text
#   heading_font: Noto Sans               # ... and for headings
# pdf_variant: [archival, press]          # also PDF/A-3u (<slug>-archival.pdf), PDF/X-4 (<slug>-press.pdf)
# digits: latin                           # page-number digits: latin, arabic-indic, persian, devanagari...
# series: {{name: Policy Brief, number: 17, issn: 2708-1990}}   # the series, its number, its ISSN
# number: 17                              # the number in the series (when series is a name)
# isbn: {{pdf: 978-0-00-000000-2, epub: 978-0-00-000000-9}}    # one ISBN-13 per edition
# doi: 10.1234/example.17                 # the briefing's DOI
# license: CC-BY-4.0                      # an SPDX licence id: its name, link and summary are printed
# bibliography: references.bib            # BibTeX or CSL-JSON, for [@key] citations
# csl: apa                                # the citation style (default: Chicago author-date)
# summary: "One paragraph for the library page and the catalogue."
# translation_of: other-briefing-slug     # in a library: the briefing this one translates
# translations: {{fr: briefing-fr, ar: briefing-ar}}   # or its translations, by language: "Also in: Français, العربية"
"""

INTRODUCTION = """\
# Introduction

Each section file starts with its title as a level-1 heading. Its `##` headings are
sub-sections: both levels appear in the table of contents and the PDF's bookmarks.

## Why this briefing exists

A sentence may carry a footnote, printed at the foot of the page.[^source] Links go to the
web, such as [the CommonMark guide](https://commonmark.org/help/), or to another section:
[the findings](02-findings.md), or one of its headings: [the figures](02-findings.md#the-figures).

[^source]: A footnote's text may be written anywhere in the file.

## What to change first

1. Edit `briefing.yml`: the title, the language and the disclaimer.
2. Replace these two sections with your own, and list them under `sections:`.
3. Run `make pdf SOURCE=this-folder` and open the PDF.
"""

FINDINGS = """\
# Findings

## The figures

A table is written with pipes, and a line of dashes under its header:

| Region | Projects | Share |
|---|---:|---:|
| North | 12 | 40% |
| Centre | 10 | 33% |
| South | 8 | 27% |

An image alone in its paragraph becomes a figure. The text in brackets is read out by screen
readers; the text in quotes is the caption. Its path is relative to this section file.

![Bar chart of projects by region: North 12, Centre 10, South 8](../images/chart.svg "Projects by region")

## What follows

Write *emphasis*, **strong emphasis**, lists and quotes in Markdown:

- one point,
- another point.

> A quotation stands apart from the text.
"""

# A small bar chart: drawing only, as press/source/svg.py requires of every SVG image.
CHART = """\
<svg xmlns="http://www.w3.org/2000/svg" width="480" height="240" viewBox="0 0 480 240">
  <rect x="0" y="0" width="480" height="240" fill="#ffffff"/>
  <g fill="#2f5d8a">
    <rect x="60" y="40" width="100" height="150"/>
    <rect x="190" y="65" width="100" height="125"/>
    <rect x="320" y="90" width="100" height="100"/>
  </g>
  <line x1="40" y1="190" x2="450" y2="190" stroke="#333333" stroke-width="2"/>
  <g font-family="Noto Sans, sans-serif" font-size="16" fill="#333333" text-anchor="middle">
    <text x="110" y="215">North</text>
    <text x="240" y="215">Centre</text>
    <text x="370" y="215">South</text>
    <text x="110" y="32">12</text>
    <text x="240" y="57">10</text>
    <text x="370" y="82">8</text>
  </g>
</svg>
"""


def files(title: str) -> dict[str, str]:
    """The new briefing's files by their path inside the folder."""
    return {
        "briefing.yml": MANIFEST.format(title=title.replace("\\", "\\\\").replace('"', '\\"')),
        "sections/01-introduction.md": INTRODUCTION,
        "sections/02-findings.md": FINDINGS,
        "images/chart.svg": CHART,
    }


def create(folder: Path, title: str = "A New Briefing") -> list[Path]:
    """Write a new briefing into `folder` (created); refuse if it exists and holds anything."""
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        what = "is a file" if not folder.is_dir() else "exists and is not empty"
        raise PressError(f"this {what}: `init` never overwrites anything; name a new folder",
                         Location(folder), "E857")
    if folder.is_symlink():  # a link to nothing: writing would create its target, wherever it points
        raise PressError("this is a link to a folder that does not exist: `init` never follows links; "
                         "name a new folder", Location(folder), "E857")
    for parent in folder.parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise PressError(f"'{parent}' is a file or a broken link, so no folder can be made under it: "
                                 "name a new folder", Location(folder), "E857")
            break
    written = []
    try:
        for rel, text in files(title).items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8") as handle:  # "x": fail rather than overwrite
                handle.write(text)
            written.append(path)
    except OSError as exc:
        raise PressError(f"cannot write the new briefing: {exc.strerror or exc}", Location(folder), "E858") from None
    return written
