"""What every build depends on besides its sources: this package's code and the installed fonts.

One place for both, read by a lone build (press.build.pipeline) and by the library's quick check of
what is out of date (press.library.library_build), so that they notice the same changes: a font
installed, or code edited, rebuilds a briefing whether it is built alone or in a library.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from press.base import fonts
from press.base.datadirs import PACKAGE_ROOT as PACKAGE_DIR


def package_code_digest(package: Path | None = None) -> bytes:
    """Every .py file of the package (`package`: press/), in its subfolders too: the writers are
    lazy-imported, so every module counts, imported by this process or not."""
    root = package or PACKAGE_DIR
    digest = hashlib.sha256()
    for rel, path in sorted((p.relative_to(root).as_posix(), p) for p in root.rglob("*.py")):
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.digest()


def fonts_digest() -> bytes:
    """The edition faces' files and the script faces' (a font installed or updated may change
    which face draws a character), by path, size and time."""
    digest = hashlib.sha256()
    for family, paths in sorted({**fonts.font_files(), **fonts.script_font_files()}.items()):
        for path in paths:
            stat = path.stat()
            digest.update(f"{family}|{path}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.digest()
