"""The paper sizes a print edition can take: the manifest's `paper`, `--paper`, the PDF's @page."""

# The paper of a manifest that names none, and the one whose files carry no paper in their name.
DEFAULT = "a4"
# name in the manifest and on the command line -> CSS `@page { size: ... }`
SIZES = {"a4": "A4", "letter": "letter", "a5": "A5", "b5": "B5"}
# A manifest may also give {width: 170mm, height: 240mm}: its `paper` is then CUSTOM.
CUSTOM = "custom"
