"""The kinds of PDF a build makes, listed once.

Everything else follows from `VARIANTS`: the editions of the build's registry, the manifest's
allowed `pdf_variant` values, the choices of `pdf --variant`, and what `check` expects of each
file. press.render.pdf knows only how to typeset them.
"""

from __future__ import annotations

from dataclasses import dataclass

from press.base import paper

DEFAULT = "default"


@dataclass(frozen=True)
class PdfVariant:
    name: str                          # `pdf --variant NAME`; the manifest's `pdf_variant` (all but the default)
    edition: str                       # the edition that builds it: its command and its entry in the build's state
    suffix: str                        # of its file, after the slug
    weasyprint: str                    # WeasyPrint's pdf_variant
    standard: str                      # what it conforms to, as the help texts say it
    label: str                         # what its command builds ("the print edition", "the archival PDF")
    css: str = ""                      # added after print.css
    output_intent: str | None = None   # WeasyPrint's output intent
    declare_ua: bool = False           # add the PDF/UA-1 identification WeasyPrint's variant lacks
    # What `check` reads back (E606): the standard's output intent, its PDF/A part, trim and bleed boxes.
    intent_subtype: str | None = None
    pdfa_part: int | None = None
    trim_boxes: bool = False
    paper_in_name: bool = False        # its file is named after a paper other than the default

    def file_name(self, slug: str, paper_name: str | None = None) -> str:
        """Its file, as the build names it: a paper other than the default is a name of its own,
        so papers never overwrite each other (`<slug>.pdf` for A4, `<slug>-letter.pdf`)."""
        if self.paper_in_name and paper_name and paper_name != paper.DEFAULT:
            return f"{slug}-{paper_name}{self.suffix}"
        return f"{slug}{self.suffix}"

    @property
    def help(self) -> str:
        """Its command's help."""
        return f"Build {self.label}: OUT/<slug>{self.suffix}."


VARIANTS: dict[str, PdfVariant] = {v.name: v for v in (
    # Tagged, /Lang, dc:title, artifacts: PDF/UA-1, what public bodies ask for.
    PdfVariant(DEFAULT, "pdf", ".pdf", "pdf/ua-1", "PDF/UA-1", "the print edition", paper_in_name=True),
    # For libraries and archives: PDF/A-3u that keeps the tags and the PDF/UA-1 declaration.
    # PDF/A forbids image interpolation, and the emoji are bitmaps: draw them unsmoothed.
    PdfVariant("archival", "pdf-archival", "-archival.pdf", "pdf/a-3u", "PDF/A-3u and PDF/UA-1",
               "the archival PDF (PDF/A-3u and PDF/UA-1)", "html { image-rendering: crisp-edges }",
               output_intent="srgb", declare_ua=True, intent_subtype="/GTS_PDFA1", pdfa_part=3),
    # For a print shop: PDF/X-4 with 3 mm bleed and crop marks outside the trim box. WeasyPrint's
    # own device-cmyk intent writes no output intent without a CMYK profile: sRGB it is.
    PdfVariant("press", "pdf-press", "-press.pdf", "pdf/x-4", "PDF/X-4 with bleed and crop marks",
               "the press PDF (PDF/X-4, bleed, crop marks)", "@page { bleed: 3mm; marks: crop cross }",
               output_intent="srgb", declare_ua=True, intent_subtype="/GTS_PDFX", trim_boxes=True),
)}

# The variants a manifest's `pdf_variant` may ask for: a build of the PDF also makes them.
EXTRA = tuple(name for name in VARIANTS if name != DEFAULT)
# The edition that builds each variant, by variant name.
EDITION_OF = {v.name: v.edition for v in VARIANTS.values()}
