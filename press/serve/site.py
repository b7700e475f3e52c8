"""What `serve` and `watch` build and serve (press/serve/preview.py): a briefing's editions
(press/serve/briefing_site.py) or a library's site (press/serve/library_site.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from press.serve import server


@dataclass(frozen=True)
class Site:
    out: Path                     # the output folder: what the builds write (a change there rebuilds nothing)
    served: Path                  # the folder served, in it
    page: Path                    # its front page: a failed first build serves the last good one if it is there
    watched: tuple[Path, ...]     # the folders whose changes rebuild
    # One build: the files that changed (None: the first build), its error (printed already) or None.
    build: Callable[[set[Path] | None], str | None]
    handler_class: type[server.Handler] = server.Handler
    about: Callable[[str], str] = lambda address: ""   # more to say after "serving ... at <address>"
