"""The paper sizes a print edition can take: the manifest's `paper`, `--paper`, the PDF's @page."""

# name in the manifest and on the command line -> CSS `@page { size: ... }`
SIZES = {"a4": "A4", "letter": "letter"}
