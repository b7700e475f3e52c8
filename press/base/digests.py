"""The digest of a list of files' contents: the code and templates that make a kept piece (the
disk cache's covers and font subsets, the library's cards and feed entries) are part of its key,
so that changed code makes new keys. (The whole package's code, by path and content, is
press.base.build_inputs.package_code_digest.)"""

from __future__ import annotations

import hashlib
from pathlib import Path


def files_digest(*paths: str | Path) -> str:
    """SHA-256 of the files' bytes, in the order given, each ended by a NUL (bytes moved from one
    file to the next change it). Read each time: a template edited under `watch` changes it."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).read_bytes() + b"\0")
    return digest.hexdigest()
