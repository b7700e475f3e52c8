"""Where the templates and styles are: a module of its own, so that what only hashes them (the
change detection of a build with nothing to do) need not import Jinja2 (press.render.templating)."""

from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent   # press/
PROJECT_ROOT = PACKAGE_ROOT.parent


def _data_dir(name: str) -> Path:
    """templates/ or styles/: inside the package once installed (`pip install .`), else the checkout's."""
    installed = PACKAGE_ROOT / name
    return installed if installed.is_dir() else PROJECT_ROOT / name


TEMPLATES_DIR = _data_dir("templates")
STYLES_DIR = _data_dir("styles")
