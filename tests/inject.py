"""Run build.py with a failure injected into the web edition's render: while a file named FAIL
is in the source folder, rendering the web page raises RuntimeError (not a PressError), as a
bug in a library would. `python tests/inject.py ARGS` takes build.py's arguments."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from press.render import web  # noqa: E402

_real = web.html_files


def failing(briefing, downloads, **options):
    if (briefing.manifest.root / "FAIL").exists():
        raise RuntimeError("injected failure")
    return _real(briefing, downloads, **options)


web.html_files = failing  # press.build.editions imports it at render time
sys.argv = [str(ROOT / "build.py"), *sys.argv[1:]]
runpy.run_path(str(ROOT / "build.py"), run_name="__main__")
