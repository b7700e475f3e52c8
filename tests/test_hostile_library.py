"""A library's output folder and shard outputs are untrusted: planted state must never act.

Each test plants what an attacker with write access to the output folder (a restored CI cache,
a downloaded shard) would: `.press/library.json`, `entry.json` and `fragments.json` naming paths
outside the site (`../`, absolute) or through symbolic links, and shard outputs with a traversal
slug, a link to a private file and a briefing folder that is a link. Victim files outside the
site must survive, no canary may reach any output, errors are one line with no traceback.
The library (two briefings, slugs `a` and `a-thumb`, JPEG covers of two colours) also checks
that covers and thumbnails cannot share a name.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

from conftest import build_ok, run_build
from library_gen import LIBRARY_YML, write_briefing

pytestmark = pytest.mark.slow   # library builds: `make test` only

CANARY = "CANARY-7f3a-private"
COLOURS = {"a": (200, 20, 20), "a-thumb": (20, 20, 200)}


def make_library(root: Path) -> Path:
    """Two briefings whose slugs are `a` and `a-thumb`, each with a JPEG cover of its own colour."""
    import yaml

    root.mkdir(parents=True)
    (root / "library.yml").write_text(yaml.safe_dump(LIBRARY_YML), encoding="utf-8")
    for n, (slug, colour) in enumerate(COLOURS.items()):
        folder = write_briefing(root / f"b{n}", n + 10, slug=slug, extra={"cover": "cover.jpg"})
        Image.new("RGB", (1000, 1600), colour).save(folder / "cover.jpg", "JPEG", quality=90)
    return root


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    return make_library(tmp_path_factory.mktemp("hostile-library") / "lib")


@pytest.fixture(scope="module")
def site(library, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hostile-site") / "site"
    build_ok("library", "--source", library, "--out", out, "--jobs", "2")
    return out


@pytest.fixture(scope="module")
def shards(library, tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("hostile-shards") / "shards"
    parts = [root / str(k) for k in (1, 2)]
    for k, part in enumerate(parts, 1):
        build_ok("library", "--source", library, "--out", part, "--shard", f"{k}/2")
    return parts


def victims(root: Path) -> dict[str, Path]:
    """Files and a folder outside the site that planted state points at."""
    folder = root / "victim"
    folder.mkdir(parents=True)
    (folder / "keep.txt").write_text(f"{CANARY} folder\n")
    (root / "id_rsa").write_text(f"{CANARY} key\n")
    return {"folder": folder, "kept": folder / "keep.txt", "key": root / "id_rsa"}


def intact(found: dict[str, Path]) -> None:
    assert found["folder"].is_dir()
    assert found["kept"].read_text() == f"{CANARY} folder\n"
    assert found["key"].read_text() == f"{CANARY} key\n"


def copy_site(site: Path, target: Path) -> Path:
    shutil.copytree(site, target, symlinks=True)
    return target


def published(site: Path) -> dict[str, bytes]:
    """Every file a reader can fetch (all but the build's own `.press/`), no link followed."""
    files = {}
    for parent, dirs, names in os.walk(site):
        dirs[:] = [d for d in dirs if not d.startswith(".press")]
        for name in names:
            path = Path(parent) / name
            files[path.relative_to(site).as_posix()] = b"LINK" if path.is_symlink() else path.read_bytes()
    return files


def no_canary(site: Path) -> None:
    for rel, data in published(site).items():
        assert CANARY.encode() not in data, rel
        assert data != b"LINK", f"{rel} is a symbolic link"
        if rel.endswith((".html", ".xml", ".json", ".atom")):
            assert b"<script>alert" not in data, rel


def one_line_error(result, code: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if code in line]
    assert lines and all(re.match(rf"^\S.*: {code}: ", line) for line in lines), result.stderr


def test_planted_library_state_acts_on_nothing_outside(site, library, tmp_path):
    """`slugs`, `catalogue` and `search_files` naming `../`, absolute paths and a link: the
    build removes nothing outside the site (an absolute slug used to end in a traceback)."""
    found = victims(tmp_path / "outside")
    out = copy_site(site, tmp_path / "site")
    (out / "gone").symlink_to(found["folder"], target_is_directory=True)   # a "briefing" that is a link
    state_path = out / ".press" / "library.json"
    state = json.loads(state_path.read_text())
    for variant in ({"slugs": {**state["slugs"], "../outside/victim": "b9", str(found["folder"]): "b8"}},
                    {"slugs": {**state["slugs"], "gone": "b7"}},
                    {"catalogue": {**state["catalogue"], "../outside/id_rsa": "x", str(found["key"]): "y"}},
                    {"search_files": {"0": {"folder": "../outside/victim", "files": {"keep.txt": "x"}},
                                      "1": {"folder": "pagefind", "files": {"../../outside/id_rsa": "x"}}}}):
        state_path.write_text(json.dumps({**state, **variant}))
        result = run_build("library", "--source", library, "--out", out)
        assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
        intact(found)
    assert not os.path.lexists(out / "gone")   # the link itself was removed, never what it points to
    no_canary(out)
    assert json.loads((out / ".press" / "library.json").read_text())["slugs"] == state["slugs"]


def test_planted_entry_removes_nothing_outside(site, library, tmp_path):
    """`site_files` of `.press/<slug>/entry.json` with `../` and absolute paths, and a canary title."""
    found = victims(tmp_path / "outside")
    out = copy_site(site, tmp_path / "site")
    entry_path = out / ".press" / "a" / "entry.json"
    entry = json.loads(entry_path.read_text())
    entry["site_files"].update({"../../outside/victim/keep.txt": "x", str(found["key"]): "y"})
    entry["title"] = f"<script>alert('{CANARY}')</script>"
    entry_path.write_text(json.dumps(entry))
    result = run_build("library", "--source", library, "--out", out)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    intact(found)
    no_canary(out)
    assert b"Briefing 010 on the Sahel" in (out / "index.html").read_bytes()


@pytest.mark.parametrize("force", [False, True])
def test_planted_fragments_never_reach_a_page(site, library, tmp_path, force):
    """Every kept card and feed entry replaced by a script, in the store's form with a forged seal
    and in its older form (a plain string): the pages are made from the entries, on --force too."""
    out = copy_site(site, tmp_path / "site")
    path = out / ".press" / "fragments.json"
    stored = json.loads(path.read_text())
    assert stored, "the build keeps its pieces"
    evil = f"<script>alert('{CANARY}')</script>"
    forged = {key: [evil, "0" * 64] for key in stored}
    before = published(out)
    for planted in (forged, {key: evil for key in stored}):
        path.write_text(json.dumps(planted))
        build_ok("library", "--source", library, "--out", out, *(["--force"] if force else []))
        no_canary(out)
        assert published(out) == before   # the same pages as the build's own pieces make


def test_covers_and_thumbnails_never_share_a_name(site):
    """Slugs `a` and `a-thumb`: `a`'s card shows `a`'s own (red) thumbnail, `a-thumb`'s cover is blue."""
    entries = {s: json.loads((site / ".press" / s / "entry.json").read_text()) for s in COLOURS}
    names = [entries[s]["cover"][k] if k == "href" else entries[s]["cover"]["thumbnail"]["href"]
             for s in COLOURS for k in ("href", "thumbnail")]
    assert len(set(names)) == 4, names
    page = (site / "index.html").read_text()
    for slug, colour in COLOURS.items():
        thumb = entries[slug]["cover"]["thumbnail"]["href"]
        assert f'src="{thumb}"' in page
        for href, long_side in ((thumb, 480), (entries[slug]["cover"]["href"], 1600)):
            with Image.open(site / href) as image:
                assert max(image.size) <= long_side
                pixel = image.convert("RGB").getpixel((image.width // 2, image.height // 2))
            assert all(abs(a - b) < 40 for a, b in zip(pixel, colour)), (slug, href, pixel)


def merge(library: Path, parts: list[Path], out: Path):
    return run_build("library", "--source", library, "--merge", *parts, "--out", out)


def copy_shards(shards: list[Path], root: Path) -> list[Path]:
    return [Path(shutil.copytree(p, root / "shards" / p.name, symlinks=True)) for p in shards]


def shard_with(parts: list[Path], slug: str) -> Path:
    return next(p for p in parts if slug in json.loads((p / ".press" / "shard.json").read_text())["slugs"])


def test_merge_refuses_a_traversal_slug(shards, library, tmp_path):
    """A slug `../../../shards/1/payload` (docs/library.md's layout) or an absolute one in shard.json."""
    parts = copy_shards(shards, tmp_path)
    out = tmp_path / "site"
    build_ok("library", "--source", library, "--merge", *parts, "--out", out)
    before = published(out)
    payload = parts[0] / "payload"
    (payload / ".press").mkdir(parents=True)
    (payload / "index.html").write_text(f"<script>alert('{CANARY}')</script>")
    record_path = parts[0] / ".press" / "shard.json"
    record = json.loads(record_path.read_text())
    for slug in ("../../../shards/1/payload", str(payload), "../payload"):
        record_path.write_text(json.dumps({**record, "slugs": [*record["slugs"], slug]}))
        one_line_error(merge(library, parts, out), "E864")
        assert published(out) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["shards", "site"]
    no_canary(out)


def test_merge_publishes_no_link(shards, library, tmp_path):
    """A file of a shard replaced by a link to a private key: refused, nothing merged."""
    found = victims(tmp_path / "outside")
    parts = copy_shards(shards, tmp_path)
    out = tmp_path / "site"
    build_ok("library", "--source", library, "--merge", *parts, "--out", out)
    before = published(out)
    part = shard_with(parts, "a")
    for planted in (part / "a" / "a.pdf", part / "covers" / "a-thumb.jpg", part / ".press" / "a" / "a.epub"):
        saved = planted.read_bytes()
        planted.unlink()
        planted.symlink_to(found["key"])
        one_line_error(merge(library, parts, out), "E864")
        assert published(out) == before
        planted.unlink()
        planted.write_bytes(saved)
    intact(found)
    no_canary(out)


def test_merge_refuses_a_briefing_folder_that_is_a_link(shards, library, tmp_path):
    """A shard's `<slug>/` (or `.press/<slug>/`) that links to a folder outside holding a private file."""
    found = victims(tmp_path / "outside")
    parts = copy_shards(shards, tmp_path)
    part = shard_with(parts, "a-thumb")
    out = tmp_path / "site"
    for folder in (part / "a-thumb", part / ".press" / "a-thumb"):
        saved = folder.with_name(folder.name + ".saved")
        folder.rename(saved)
        folder.symlink_to(found["folder"], target_is_directory=True)
        one_line_error(merge(library, parts, out), "E864")
        assert not (out / "index.html").exists()   # nothing merged
        folder.unlink()
        saved.rename(folder)
    intact(found)
    key = os.stat(found["kept"])
    build_ok("library", "--source", library, "--merge", *parts, "--out", out)
    no_canary(out)
    assert all((os.stat(p).st_dev, os.stat(p).st_ino) != (key.st_dev, key.st_ino) for p in out.rglob("*") if p.is_file())


def test_removal_stays_inside_its_folder(tmp_path):
    """The last guard, whatever a caller passes: `..`, an absolute path or a folder that is a link."""
    from press.base import output

    found = victims(tmp_path / "outside")
    out = tmp_path / "site"
    (out / "pagefind").mkdir(parents=True)
    (out / "linked").symlink_to(found["folder"], target_is_directory=True)
    for target in (out / "pagefind" / ".." / ".." / "outside" / "id_rsa", found["key"]):
        with pytest.raises(output.UnsafePath):
            output.remove_file(target, out)
    output.remove_file(out / "linked" / "keep.txt", out)
    output.remove_tree(out, "linked")
    with pytest.raises(output.UnsafePath):
        output.remove_tree(out, "../outside/victim")
    intact(found)
    assert not os.path.lexists(out / "linked") and (out / "pagefind").is_dir()
