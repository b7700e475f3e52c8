"""What every build depends on besides its sources, read in one place (press.base.build_inputs): the
package's code, at any depth, and the fonts; a lone build and a library notice the same changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ARTICLE_SOURCE
from press.base import build_inputs, fonts
from press.build import pipeline
from press.library import library_build
from press.model.manifest import load_manifest


@pytest.fixture
def package(tmp_path, monkeypatch) -> Path:
    """A copy of press/, taken for the package by press.base.build_inputs."""
    copy = tmp_path / "press"
    shutil.copytree(build_inputs.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(build_inputs, "PACKAGE_DIR", copy)
    return copy


def digests() -> tuple[bytes, bytes, str]:
    """The lone build's code and fonts hashes (press.build.pipeline) and the library's stamp."""
    common = pipeline._common_digest(load_manifest(ARTICLE_SOURCE))
    return common["code"], common["fonts"], library_build.common_stamp()


def test_an_edit_in_a_subfolder_of_the_package_changes_the_code_digest(package):
    before = build_inputs.package_code_digest()
    assert build_inputs.package_code_digest() == before  # the same files, the same digest
    (package / "writers").mkdir()
    (package / "writers" / "notes.txt").write_text("not code\n")
    assert build_inputs.package_code_digest() == before
    module = package / "writers" / "pdf.py"
    module.write_text("X = 1\n")
    added = build_inputs.package_code_digest()
    assert added != before
    module.write_text("X = 2\n")
    assert build_inputs.package_code_digest() not in (before, added)


def test_the_lone_build_and_the_library_notice_the_same_code_edit(package):
    code, font_files, stamp = digests()
    (package / "writers").mkdir()
    (package / "writers" / "pdf.py").write_text("X = 1\n")
    new_code, new_fonts, new_stamp = digests()
    assert new_code != code and new_stamp != stamp
    assert new_fonts == font_files


def test_the_lone_build_and_the_library_notice_the_same_script_font(tmp_path, monkeypatch):
    """A script face installed (the library once hashed the edition faces only)."""
    code, font_files, stamp = digests()
    face = tmp_path / "NotoSansTest-Regular.ttf"
    face.write_bytes(b"a face")
    installed = fonts.script_font_files()
    monkeypatch.setattr(fonts, "script_font_files", lambda: {**installed, "Noto Sans Test": (face,)})
    new_code, new_fonts, new_stamp = digests()
    assert new_fonts != font_files and new_stamp != stamp
    assert new_code == code
