"""Font subsets for embedding: HarfBuzz's subsetter when installed (fast), else fontTools.

Both keep the glyphs for the given characters with their OpenType layout (kerning,
ligatures), drop hinting, and keep the name table's copyright and licence entries. Neither
writes a timestamp of its own, so the same characters give the same bytes; a subset is kept
in the cache (press.base.diskcache) under the face's hash, the characters, this module's code and
the subsetter's version.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
from functools import lru_cache
from pathlib import Path

from press.base.digests import files_digest
from press.base import diskcache

NO_HINTING = 0x1
SETS_UNICODE = 1
SETS_NAME_ID = 4
NAME_IDS = (0, 1, 2, 3, 4, 5, 6, 13, 14)  # names, copyright, licence and its address


# The libraries' names on Debian, loaded directly: ctypes.util.find_library runs ldconfig.
SONAMES = ("libharfbuzz.so.0", "libharfbuzz-subset.so.0")


@lru_cache(maxsize=None)
def _harfbuzz():
    try:
        hb, sub = (ctypes.CDLL(name) for name in SONAMES)
    except OSError:
        name = ctypes.util.find_library("harfbuzz-subset")
        base = ctypes.util.find_library("harfbuzz")
        if not name or not base:
            return None
        hb, sub = ctypes.CDLL(base), ctypes.CDLL(name)
    p = ctypes.c_void_p
    signatures = {
        (hb, "hb_version_string"): ([], ctypes.c_char_p),
        (hb, "hb_blob_create_from_file"): ([ctypes.c_char_p], p),
        (hb, "hb_face_create"): ([p, ctypes.c_uint], p),
        (hb, "hb_face_reference_blob"): ([p], p),
        (hb, "hb_blob_get_data"): ([p, ctypes.POINTER(ctypes.c_uint)], p),
        (hb, "hb_blob_destroy"): ([p], None),
        (hb, "hb_face_destroy"): ([p], None),
        (hb, "hb_set_add"): ([p, ctypes.c_uint32], None),
        (sub, "hb_subset_input_create_or_fail"): ([], p),
        (sub, "hb_subset_input_set"): ([p, ctypes.c_int], p),
        (sub, "hb_subset_input_set_flags"): ([p, ctypes.c_uint], None),
        (sub, "hb_subset_input_destroy"): ([p], None),
        (sub, "hb_subset_or_fail"): ([p, p], p),
    }
    for (lib, function), (args, result) in signatures.items():
        getattr(lib, function).argtypes = args
        getattr(lib, function).restype = result
    return hb, sub


def subset_font(path: Path, unicodes: list[int], index: int = 0) -> bytes:
    """The font at `path` (face `index` of a collection, .ttc) cut down to `unicodes`, as
    TrueType/OpenType bytes."""
    codes = sorted(set(unicodes))
    parts = [diskcache.file_digest(path), str(index), ",".join(map(str, codes)), files_digest(__file__),
             _subsetter()]
    return diskcache.cached("subset", parts, lambda: _subset(path, codes, index), check=is_font)


def is_font(data: bytes) -> bool:
    """Whether a cache entry can be a subset: a TrueType/OpenType font fontTools reads (its
    table directory, head, maxp and cmap), whose cmap holds code points only. Anything else
    is a miss and cut again, never put into an EPUB."""
    from fontTools.ttLib import TTFont

    if not data.startswith((b"\x00\x01\x00\x00", b"OTTO", b"true")):
        return False
    with TTFont(io.BytesIO(data), lazy=True) as font:
        font["head"], font["maxp"]
        return all(0 <= code <= 0x10FFFF for code in (font.getBestCmap() or {}))


def _subsetter() -> str:
    """Which subsetter cuts the fonts, and its version (a new one may cut other bytes)."""
    libraries = _harfbuzz()
    if libraries is not None:
        return "harfbuzz " + libraries[0].hb_version_string().decode() + " or fontTools " + _fonttools_version()
    return "fontTools " + _fonttools_version()


def _fonttools_version() -> str:
    import fontTools

    return fontTools.version


def _subset(path: Path, unicodes: list[int], index: int = 0) -> bytes:
    libraries = _harfbuzz()
    if libraries is not None:
        data = _harfbuzz_subset(libraries, path, unicodes, index)
        if data:
            return data
    return _fonttools_subset(path, unicodes, index)


def _harfbuzz_subset(libraries, path: Path, unicodes: list[int], index: int = 0) -> bytes | None:
    hb, sub = libraries
    blob = hb.hb_blob_create_from_file(str(path).encode())
    face = hb.hb_face_create(blob, index)
    request = sub.hb_subset_input_create_or_fail()
    result = result_blob = None
    try:
        if not request:
            return None
        wanted = sub.hb_subset_input_set(request, SETS_UNICODE)
        for code in unicodes:
            hb.hb_set_add(wanted, code)
        names = sub.hb_subset_input_set(request, SETS_NAME_ID)
        for name_id in NAME_IDS:
            hb.hb_set_add(names, name_id)
        sub.hb_subset_input_set_flags(request, NO_HINTING)
        result = sub.hb_subset_or_fail(face, request)
        if not result:
            return None
        result_blob = hb.hb_face_reference_blob(result)
        length = ctypes.c_uint()
        data = hb.hb_blob_get_data(result_blob, ctypes.byref(length))
        return ctypes.string_at(data, length.value) if data and length.value else None
    finally:
        if result_blob:
            hb.hb_blob_destroy(result_blob)
        if result:
            hb.hb_face_destroy(result)
        if request:
            sub.hb_subset_input_destroy(request)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


def _fonttools_subset(path: Path, unicodes: list[int], index: int = 0) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.hinting = False
    options.name_IDs = list(NAME_IDS)
    options.notdef_outline = True
    options.drop_tables += ["DSIG", "Silt"]
    font = TTFont(path, recalcTimestamp=False, lazy=True, fontNumber=index)  # a .ttc needs its face
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()
