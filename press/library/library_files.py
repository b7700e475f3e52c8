"""Files of a library's output stored once: hard links where the file system allows them.

A briefing's PDF, EPUB and DOCX are written by its pipeline into `.press/<slug>/`, offered
for download by its web edition (`.press/<slug>/html/`) and published at `<slug>/`: three
names, one file. Every writer of the output replaces a file by renaming a new one into place
(press/base/output.py), never by writing into it, so a file linked under several names can never
change under one of them by a write to another. Where links are refused (another file system,
a file system without them), the bytes are copied, atomically as ever.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from press.base import output


def same_file(a: Path, b: Path) -> bool:
    try:
        sa, sb = a.lstat(), b.lstat()   # a symbolic link is never the file it points to
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def place(source: Path, target: Path) -> bool:
    """Make `target` the file `source` is (a hard link, put in place by one rename), or a copy
    of it when the file system refuses the link. False when it already was: nothing written.
    Only a regular file is placed: a symbolic link (to a file anywhere) is refused."""
    if not output.regular_file(source):
        raise output.UnsafePath("is not a regular file: it is not published", source)
    if same_file(source, target):
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f"{output.TEMP_PREFIX}{secrets.token_hex(6)}{target.suffix}")
    try:
        os.link(source, temp)   # `source` is a regular file (checked above)
    except OSError:  # EXDEV, EPERM, EMLINK, ENOTSUP...: a copy, atomic as every write
        output.write_bytes(target, source.read_bytes())
        return True
    try:
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return True
