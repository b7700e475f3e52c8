"""Pictures, checked by their content when the briefing is loaded, and what each edition embeds.

Every image a section shows, and the manifest's cover, is read once and checked: its type
by its first bytes (a JPEG named `.png` is an error that says how to rename it), its size
in pixels before anything is decoded (Pillow's decompression-bomb bound is set to ours),
then decoded whole, so that a damaged or truncated file stops the build with its file and
line instead of vanishing from the PDF. An SVG is rebuilt by press.source.svg from an allow-list.

The print edition embeds the picture at full resolution (re-encoded only when WeasyPrint
cannot draw its pixel format, such as 16-bit grey); the EPUB and the web page get a copy
at most 1600 px on its long side, turned upright by its EXIF orientation and in RGB,
encoded the same way every time, so the same source gives the same bytes.
"""

from __future__ import annotations

import collections
import hashlib
import io
import struct
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from press.base import limits
from press.base.errors import Location, SourceError
from press.base.sniff import sniff

SCREEN_LONG_SIDE = 1600      # what an e-reader or a screen shows of a figure
COVER_LONG_SIDE = 2560       # an EPUB cover: the stores' recommended 1600 x 2560
KINDS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".svg": "svg"}
NAMES = {"png": "PNG", "jpeg": "JPEG", "svg": "SVG", "gif": "GIF", "webp": "WebP", "bmp": "BMP",
         "tiff": "TIFF", "pdf": "PDF", "heic": "HEIC", "avif": "AVIF"}
MEDIA_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "svg": "image/svg+xml"}
SUFFIXES = {"png": ".png", "jpeg": ".jpg", "svg": ".svg"}
PIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
# Pixel formats WeasyPrint draws (it converts 1 and P itself; its conversion of 32-bit grey
# clips, so 16-bit PNGs are re-encoded here); anything else is re-encoded too.
PRINT_MODES = frozenset({"1", "P", "L", "LA", "RGB", "RGBA", "CMYK"})
SCREEN_MODES = frozenset({"1", "P", "L", "LA", "RGB", "RGBA"})


@dataclass(frozen=True)
class Picture:
    kind: str                      # "png", "jpeg" or "svg", by content
    data: bytes                    # what the print edition embeds
    size: tuple[int, int] | None   # pixels of a raster picture

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]


class ImageError(SourceError):
    """A picture that no edition can use."""


def _pil():
    from PIL import Image

    # Pillow warns above this many pixels and refuses twice as many: WeasyPrint's own
    # decoding (of anything that slipped past these checks) is bounded the same way.
    Image.MAX_IMAGE_PIXELS = limits.MAX_IMAGE_PIXELS
    return Image


def _a(kind: str) -> str:
    return f"an {NAMES[kind]}" if NAMES[kind][0] in "AEFHILMNORSX" else f"a {NAMES[kind]}"


def _declared_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """Width and height a PNG or JPEG header declares, read without Pillow (for the message
    about a picture too large for Pillow even to open)."""
    if kind == "png" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    at = 2
    while kind == "jpeg" and at + 9 <= len(data) and data[at] == 0xFF:
        marker, length = data[at + 1], struct.unpack(">H", data[at + 2:at + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height
        at += 2 + length
    return None


# --- raster pictures ---------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def _open(data: bytes, kind: str):
    """The decoded picture, or _Bad: too many pixels (E318) or not decodable (E317)."""
    Image = _pil()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=[PIL_FORMATS[kind]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            image = None
        except Exception as exc:  # Pillow raises many kinds on damaged data
            raise _Bad("E317", f"cannot be read as {_a(kind)} picture ({_reason(exc)})") from None
        width, height = image.size if image is not None else (_declared_size(data, kind) or (0, 0))
        if image is None or width * height > limits.MAX_IMAGE_PIXELS:
            shown = f"{width:,} x {height:,} px" if width else "larger than Pillow opens"
            raise _Bad("E318", f"is {shown}: the limit is {limits.MAX_IMAGE_PIXELS:,} pixels "
                               f"(scale it down to, say, {SCREEN_LONG_SIDE * 3} px on its long side)")
        if width == 0 or height == 0:
            raise _Bad("E317", "is 0 pixels wide or high")
        try:
            _load_whole(image)
        except Exception as exc:  # truncated, damaged, a bomb in a later chunk, ...
            raise _Bad("E317", f"cannot be decoded: it is damaged or truncated ({_reason(exc)})") from None
    return image


_TRUNCATION = threading.Lock()


def _load_whole(image) -> None:
    """Decode every pixel, a truncated file being an error. WeasyPrint, once imported, tells
    Pillow to pad truncated files with grey (ImageFile.LOAD_TRUNCATED_IMAGES), for every
    caller in the process: refuse them here all the same."""
    from PIL import ImageFile

    with _TRUNCATION:
        previous, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _reason(exc: Exception) -> str:
    text = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
    return text


def check_raster(data: bytes, kind: str) -> str | None:
    """Why `data` (a picture of type `kind`) cannot be used, or None: for pictures inside SVGs."""
    try:
        _open(data, kind)
    except _Bad as bad:
        return f"the picture {bad.message}"
    return None


def _print_data(image, data: bytes, kind: str) -> bytes:
    """The bytes the PDF embeds: the file's own, unless WeasyPrint cannot draw its pixels."""
    if image.mode in PRINT_MODES:
        return data
    return _encode(_eight_bit(image), kind)


def _eight_bit(image):
    """16-bit and other modes as 8-bit L, LA, RGB or RGBA (16-bit grey scaled, not clipped)."""
    if image.mode.startswith("I;16") or image.mode == "I":
        return image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.mode == "F":
        return image.point(lambda v: v * 255).convert("L")
    if image.mode in ("L", "LA", "RGB", "RGBA"):
        return image
    has_alpha = "A" in image.mode or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


def _encode(image, kind: str) -> bytes:
    """Deterministic encoding: no timestamp, no EXIF; the colour profile is kept."""
    buffer = io.BytesIO()
    profile = image.info.get("icc_profile")
    extra = {"icc_profile": profile} if profile else {}
    if kind == "jpeg":
        if image.mode not in ("L", "RGB"):
            image = image.convert("RGB")
        image.save(buffer, format="JPEG", quality=88, optimize=True, **extra)
    else:
        image.save(buffer, format="PNG", compress_level=9, **extra)
    return buffer.getvalue()


# --- loading -----------------------------------------------------------------------------

class _Memo:
    """Results by content key, least recently used dropped first, within a byte budget (a
    `watch` process lives for hours; pictures may be 25 MB each)."""

    def __init__(self, budget: int):
        self.budget, self.used, self.items = budget, 0, collections.OrderedDict()

    def get(self, key):
        hit = self.items.get(key)
        if hit is not None:
            self.items.move_to_end(key)
        return hit[1] if hit else None

    def put(self, key, value, size: int):
        if key in self.items:
            self.used -= self.items.pop(key)[0]
        self.items[key] = (size, value)
        self.used += size
        while self.used > self.budget and len(self.items) > 1:
            self.used -= self.items.popitem(last=False)[1][0]

    def clear(self) -> None:
        self.items.clear()
        self.used = 0


_CACHE = _Memo(256 * 1024 * 1024)    # content key -> (deps, Picture)
_SCALED = _Memo(128 * 1024 * 1024)   # (digest, long side) -> bytes


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _remember(key, deps, picture: Picture) -> Picture:
    _CACHE.put(key, (deps, picture), len(picture.data))
    return picture


def _recall(key) -> Picture | None:
    hit = _CACHE.get(key)
    if hit is None:
        return None
    deps, picture = hit
    for path, digest in deps:  # the raster files an SVG took in must be unchanged too
        try:
            if _digest(path.read_bytes()) != digest:
                return None
        except OSError:
            return None
    return picture


def _read(path: Path, name: str, at: Location, what: str = "image") -> bytes:
    kind = KINDS.get(path.suffix.lower())
    bound = limits.MAX_SVG_BYTES if kind == "svg" else limits.MAX_IMAGE_BYTES
    try:
        size = path.stat().st_size
        if size > bound:
            raise ImageError(f"{what} '{name}' is {size:,} bytes: the limit is {bound:,}", at, "E501")
        return path.read_bytes()
    except OSError as exc:
        raise ImageError(f"{what} '{name}' cannot be read ({exc.strerror})", at, "E317") from None


def _kind(data: bytes, path: Path, name: str, at: Location, what: str = "image",
          allowed=("png", "jpeg", "svg")) -> str:
    """The type the content says, which must be the one the file name says."""
    wanted = KINDS.get(path.suffix.lower())
    found = sniff(data)
    if found == wanted:
        return found
    if found in allowed:
        fixed = path.with_suffix(SUFFIXES[found]).name
        raise ImageError(f"{what} '{name}' is {_a(found)} picture named like {_a(wanted)}: rename it "
                         f"'{fixed}' (and the reference to it)", at, "E316")
    if found in NAMES:
        raise ImageError(f"{what} '{name}' is {_a(found)} picture, not {NAMES[wanted]}: convert it to "
                         f"{' or '.join(NAMES[k] for k in allowed)}", at, "E316")
    raise ImageError(f"{what} '{name}' is not a picture: its content is not {NAMES[wanted]} "
                     "(was it saved or downloaded whole?)", at, "E316")


def load(path: Path, root: Path, at: Location, name: str | None = None, what: str = "image") -> Picture:
    """The checked picture at `path` (used from `at`); the first problem raised as ImageError."""
    found = problems(path, root, at, name, what)
    if isinstance(found, Picture):
        return found
    raise found[0]


def problems(path: Path, root: Path, at: Location, name: str | None = None, what: str = "image"):
    """Every problem of the picture at `path` as ImageErrors (an SVG can have several), or,
    when there are none, the Picture."""
    name = name or path.name
    try:
        data = _read(path, name, at, what)
        key = (_digest(data), str(path), str(root))
        if (cached := _recall(key)) is not None:
            return cached
        kind = _kind(data, path, name, at, what)
    except ImageError as exc:
        return [exc]
    if kind == "svg":
        from press.source import svg  # lxml: only when a briefing has an SVG picture

        cleaned = svg.clean(data, path, root, check_raster)
        if cleaned.findings:
            return [ImageError(f.message, Location(path, f.line), f.code) for f in cleaned.findings]
        deps = tuple((p, _digest(p.read_bytes())) for p in cleaned.inlined)
        return _remember(key, deps, Picture("svg", cleaned.data, None))
    try:
        image = _open(data, kind)
        picture = Picture(kind, _print_data(image, data, kind), image.size)
    except _Bad as bad:
        return [ImageError(f"{what} '{name}' {bad.message}", at, bad.code)]
    return _remember(key, (), picture)


# --- what the EPUB and the web page embed ---------------------------------------------------

def scaled(picture: Picture, long_side: int = SCREEN_LONG_SIDE) -> bytes:
    """The picture for a screen: at most `long_side` px, upright, 8-bit RGB; same bytes every time."""
    if picture.kind == "svg":
        return picture.data
    key = (_digest(picture.data), long_side)
    if (known := _SCALED.get(key)) is not None:
        return known
    image = _open(picture.data, picture.kind)
    orientation = image.getexif().get(0x0112, 1)
    if max(image.size) <= long_side and orientation == 1 and image.mode in SCREEN_MODES:
        data = picture.data
    else:
        from PIL import ImageOps

        Image = _pil()
        if picture.kind == "jpeg":
            image.draft("RGB", (long_side, long_side))   # decode at a fraction: faster, same every time
        profile = image.info.get("icc_profile")
        image = ImageOps.exif_transpose(image)
        image = _eight_bit(image) if image.mode != "P" else image.convert("RGBA" if "transparency" in image.info
                                                                           else "RGB")
        image.thumbnail((long_side, long_side), Image.Resampling.LANCZOS)
        if profile:
            image.info["icc_profile"] = profile
        data = _encode(image, picture.kind)
    _SCALED.put(key, data, len(data))
    return data


def for_asset(asset, root: Path) -> Picture:
    """The checked picture of a section's image, when an edition embeds it."""
    return load(asset.path, root, Location(asset.path), asset.href)


# The EPUB's cover: e-reader stores want at least this many pixels on its long side.
MIN_COVER_LONG_SIDE = 1600


def cover_file(manifest) -> Picture | None:
    """The manifest's cover, checked when the briefing is loaded (so no edition is built
    with a cover the EPUB cannot use): a PNG or JPEG by content, within the pixel bound,
    decodable, and large enough for the stores."""
    path, at = manifest.cover, manifest.at("cover")
    if path is None:
        return None
    name = path.name
    if not path.is_file():
        raise ImageError(f"cover image '{name}' does not exist", at, "E313")
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise ImageError(f"cover '{name}' must be a PNG or JPEG picture (.png, .jpg)", at, "E312")
    picture = load(path, manifest.root, at, name, "cover")
    if max(picture.size) < MIN_COVER_LONG_SIDE:
        raise ImageError(f"cover '{name}' is {picture.size[0]} x {picture.size[1]} px: e-reader stores want at "
                         f"least {MIN_COVER_LONG_SIDE} px on the long side", at, "E103")
    return picture


def theme_logo(manifest) -> Picture | None:
    """The manifest's `theme.logo`, checked by its content as any picture when the briefing is
    loaded (the manifest checked its name and place)."""
    theme = manifest.theme
    if theme is None or theme.logo is None:
        return None
    found = problems(theme.logo, manifest.root.resolve(), Location(theme.logo))
    if isinstance(found, list):
        raise ImageError(f"'theme.logo': {found[0].bare_message}", manifest.at("theme"), found[0].code)
    return found


def declared_pixels(path: Path) -> int:
    """Width x height a PNG or JPEG file's header declares, read before anything is decoded
    (0 for an SVG or a file that cannot be read: the picture's own checks report those)."""
    if KINDS.get(path.suffix.lower()) not in ("png", "jpeg"):
        return 0
    try:
        with open(path, "rb") as file:
            data = file.read(limits.MAX_IMAGE_BYTES + 1)
    except OSError:
        return 0
    size = _declared_size(data, sniff(data) or "")
    return size[0] * size[1] if size else 0


class PixelTotal:
    """The pixels of a briefing's distinct raster pictures, added up as they are met: each
    picture is bounded, and so are all of them together (decoding is what takes the time)."""

    def __init__(self) -> None:
        self.seen: set[Path] = set()
        self.total = 0

    def add(self, path: Path, at: Location) -> None:
        if path in self.seen:
            return
        self.seen.add(path)
        self.total += declared_pixels(path)
        if self.total > limits.MAX_TOTAL_IMAGE_PIXELS:
            raise ImageError(f"with '{path.name}' the briefing's pictures hold {self.total:,} pixels: the limit "
                             f"is {limits.MAX_TOTAL_IMAGE_PIXELS:,} in all (make them smaller, or use fewer)",
                             at, "E512")
