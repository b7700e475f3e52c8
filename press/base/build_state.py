"""The build's record in the output folder (`.press-state.json`): each briefing's editions by
name, with the file each was written to and the hashes of its inputs and output.

The build (press.build.pipeline) writes it and is the only one to name output files; `check`,
`clean` and the library read the names from it. It is read as a claim: anything in it that is
not exactly what a build writes makes it ignored whole.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from press.base import output

STATE_NAME = ".press-state.json"
STATE_FORMAT = 2  # the state is kept per briefing (by slug), each briefing's editions by name
SHA = re.compile(r"[0-9a-f]{64}")


def read_state(out: Path) -> dict[str, dict]:
    """Each briefing's editions as the last builds in `out` recorded them, by slug. A state
    file that is not exactly what a build writes (a link, bad JSON, a path that is absolute,
    climbs out, or is not a plain relative path, a hash that is not one) is ignored whole:
    everything is rebuilt, and nothing it names is ever deleted."""
    raw = output.read_file(out / STATE_NAME)
    try:
        state = json.loads(raw.decode("utf-8")) if raw is not None else None
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        return {}
    briefings = state.get("briefings")
    if not isinstance(briefings, dict) or not all(
            isinstance(slug, str) and isinstance(editions, dict)
            and all(_valid_entry(name, entry) for name, entry in editions.items())
            for slug, editions in briefings.items()):
        return {}
    return briefings


def _valid_entry(name: object, entry: object) -> bool:
    if not isinstance(name, str) or not isinstance(entry, dict) or not _is_sha(entry.get("inputs")):
        return False
    if "files" in entry:
        files, folder = entry.get("files"), entry.get("folder")
        return (isinstance(folder, str) and output.relative(folder) is not None and "/" not in folder
                and isinstance(files, dict)
                and all(output.relative(rel) is not None and _is_sha(sha) for rel, sha in files.items()))
    path = entry.get("path")
    return (_is_sha(entry.get("output")) and isinstance(path, str) and output.relative(path) is not None
            and "/" not in path)


def _is_sha(value: object) -> bool:
    return isinstance(value, str) and SHA.fullmatch(value) is not None


def state_bytes(briefings: dict[str, dict]) -> bytes:
    return json.dumps({"format": STATE_FORMAT, "briefings": briefings}, indent=1, sort_keys=True).encode()


def built_files(out: Path, slug: str) -> dict[str, Path]:
    """Each file edition of this briefing the last builds wrote in `out`, by edition name, under
    the name the build gave it (`<slug>-letter.pdf` after `pdf --paper letter`)."""
    return {name: out / entry["path"] for name, entry in read_state(out).get(slug, {}).items() if "path" in entry}
