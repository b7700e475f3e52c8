"""What to do about a mistake: the suggestions that messages end with.

Each function returns a short clause to append to a message ("did you mean ...?"), or ""
when it has nothing useful to say. Nothing here raises or prints.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path


def did_you_mean(word: str, choices, cutoff: float = 0.75) -> str:
    """': did you mean `x`?' for the closest of `choices` (difflib), or ''."""
    close = difflib.get_close_matches(word, sorted(set(choices)), n=1, cutoff=cutoff)
    return f": did you mean `{close[0]}`?" if close else ""


def closest_ids(anchor: str, ids, n: int = 3) -> str:
    """For a link to a heading that does not exist (renamed?): the closest ids."""
    words = {w for w in anchor.split("-") if len(w) >= 4}

    def score(candidate: str) -> float:
        return difflib.SequenceMatcher(None, anchor, candidate).ratio()

    # Close in spelling, or sharing a word: a heading renamed from 'security-threats' to
    # 'security-threats-and-insurgent-activities' keeps its words, not its length.
    close = sorted((c for c in set(ids) if score(c) >= 0.6 or words & set(c.split("-"))),
                   key=lambda c: (-score(c), c))[:n]
    if not close:
        return ""
    return "; the closest heading ids are " + ", ".join(f"`#{c}`" for c in close) \
        if len(close) > 1 else f": did you mean `#{close[0]}`?"


def case_mismatch(path: Path, base: Path) -> str:
    """A file that exists under another case ('Sections/02-x.md' for 'sections/02-x.md'),
    written relative to `base`: ': did you mean `sections/02-x.md`?', or ''."""
    try:
        rel = Path(os.path.relpath(path, base))
    except ValueError:
        return ""
    current = base
    found = []
    for part in rel.parts:
        if part in ("..", "."):
            current = current / part
            found.append(part)
            continue
        try:
            names = {p.name for p in current.iterdir()}
        except OSError:
            return ""
        if part in names:
            match = part
        else:
            folded = [n for n in names if n.casefold() == part.casefold()]
            if len(folded) != 1:
                return ""
            match = folded[0]
        current = current / match
        found.append(match)
    suggestion = Path(*found).as_posix()
    return f": did you mean `{suggestion}`?" if suggestion != rel.as_posix() and current.exists() else ""


def relative_to_section(section: Path, written: str, root: Path) -> str:
    """An image path that does not exist from the section file's folder but does from the source
    folder (or the manifest's): say that paths are relative to the section file."""
    wanted = (root / written.lstrip("/")).resolve()
    if not wanted.is_file() or not wanted.is_relative_to(root.resolve()):
        return ""
    fixed = Path(os.path.relpath(wanted, section.parent.resolve())).as_posix()
    return (f": image paths are relative to the section file ({section.name}), "
            f"so write `{fixed}`")


def encoding_advice(data: bytes) -> str:
    """Name the likely encoding of text that is not UTF-8, and say to re-save it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        guess = "UTF-16"
    elif b"\x00" in data[:1000]:
        guess = "UTF-16 or another two-byte encoding"
    else:
        try:
            data.decode("cp1252")
            guess = "Windows-1252 (Latin-1)"
        except UnicodeDecodeError:
            guess = "another encoding"
    return f"it looks like {guess}: re-save it as UTF-8 (in your editor: Save As, encoding UTF-8)"


def yaml_quote_hint(text: str, line: int | None, problem: str) -> str:
    """`title: Mali: After MINUSMA` is a YAML error: say to quote the value."""
    if not line or "mapping values are not allowed" not in problem:
        return ""
    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return ""
    key, sep, value = lines[line - 1].partition(": ")
    value = value.strip()
    if not sep or not key.strip() or not value or value[0] in "\"'[{|>":
        return ""
    quoted = value.replace("\\", "\\\\").replace('"', '\\"')
    return f": a value containing ': ' must be quoted: {key.strip()}: \"{quoted}\""


# Editors' temporary, backup and swap files: saving them is not a change to the briefing.
EDITOR_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".swn", ".tmp", ".part", ".kate-swp", ".bak", ".orig",
                   "___jb_tmp___", "___jb_old___", ".crswap", ".dwl", ".dwl2")


def editor_temporary(name: str) -> bool:
    """vim (.x.swp, 4913, x~), Emacs (#x#, .#x), Kate (.kate-swp), JetBrains (___jb_tmp___),
    gedit/GIO (.goutputstream-*), LibreOffice (.~lock.x#), Sublime/Chrome (.crswap), ..."""
    return (name.startswith((".", "#")) or name.endswith(EDITOR_SUFFIXES) or name.isdigit()
            or ".sb-" in name)
