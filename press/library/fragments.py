"""Pieces of the catalogue kept between library builds: each briefing's card on the library
pages and its entry in the OPDS feeds, rendered once and reused while its inputs are the same.

A library page or feed lists hundreds of briefings, and an edit changes one of them: rendering
only that one's pieces keeps the catalogue's time flat in the library's size. A piece's key is
a hash of everything it is made from (its context, as JSON, and the code and template that
render it), so a piece is never stale. They live in one file, `.press/fragments.json` in the
output folder, rewritten when a piece was made; pieces no run used are dropped then.

That file is as untrusted as the rest of the output folder: a piece planted there would go
into every page as it stands. So each piece is kept with an HMAC of its key and its bytes under
a key of this user's that never leaves the cache (press/diskcache.secret); a piece whose HMAC
does not match is made again. With no such key (the cache off), no piece is kept; `--force`
reads none.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Callable

from press.base import diskcache, output

NAME = "fragments.json"


def digest(*parts) -> str:
    """A key from JSON-able parts."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _seal(secret: bytes, key: str, piece: str) -> str:
    return hmac.new(secret, key.encode("utf-8") + b"\0" + piece.encode("utf-8"), hashlib.sha256).hexdigest()


class KeptPieces:  # the library's kept HTML and feed pieces (not model.Fragments, a section rendered per style)
    """The pieces of one output folder (`path`), or none kept (`path` None: made every time).
    `read` False: the stored pieces are not read (they are written anew)."""

    def __init__(self, path: Path | None = None, read: bool = True):
        self.secret = diskcache.secret() if path is not None else None
        self.path = path if self.secret is not None else None
        self.stored: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.made = 0
        self._entries: dict[str, str] = {}
        if self.path is not None and read:
            self.stored = self._load(self.path)

    def _load(self, path: Path) -> dict[str, str]:
        """The pieces whose seal is this user's; none from a damaged file."""
        try:
            data = json.loads(output.read_file(path) or b"")
        except ValueError:
            return {}   # none yet, or a damaged file: the pieces are made again
        if not isinstance(data, dict):
            return {}
        return {key: value[0] for key, value in data.items()
                if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)
                and hmac.compare_digest(value[1], _seal(self.secret, key, value[0]))}

    def entry(self, e: dict) -> str:
        """A hash of what a catalogue entry's pieces show (all of it but the list of its site's
        files), made once per run: every page and feed listing the briefing uses it."""
        found = self._entries.get(e["slug"])
        if found is None:
            found = self._entries[e["slug"]] = digest({k: v for k, v in e.items()
                                                       if k not in ("site_files", "seconds", "rebuilt")})
        return found

    def get(self, key: str, make: Callable[[], str]) -> str:
        if key not in self.used:
            found = self.stored.get(key)
            if found is None:
                found = make()
                self.made += 1
            self.used[key] = found
        return self.used[key]

    def save(self) -> None:
        """Keep this run's pieces (when one was made or one went unused)."""
        if self.path is not None and (self.made or set(self.stored) != set(self.used)):
            data = json.dumps({key: [piece, _seal(self.secret, key, piece)] for key, piece in sorted(self.used.items())},
                              ensure_ascii=False, separators=(",", ":"))
            output.write_bytes(self.path, data.encode("utf-8"))
