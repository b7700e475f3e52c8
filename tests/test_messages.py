"""Messages that say what to do (issue 12): each mistake an editor makes, and what the tool answers."""

from __future__ import annotations

import socket

import pytest

from conftest import run_build
from press.check import checks
from press.serve import preview


@pytest.fixture
def features(copy_fixture):
    return copy_fixture("features")


def build_error(source, tmp_path) -> str:
    result = run_build("pdf", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    return result.stderr


def replace(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_case_mismatch_in_a_section_path(features, tmp_path):
    replace(features / "briefing.yml", "- sections/02-second.md", "- Sections/02-second.md")
    assert "briefing.yml:12: E106: section file 'Sections/02-second.md' does not exist: " \
           "did you mean `sections/02-second.md`?" in build_error(features, tmp_path)


def test_case_mismatch_in_an_image_path(features, tmp_path):
    replace(features / "sections" / "02-second.md", "../images/chart.png", "../Images/Chart.png")
    assert "02-second.md:5: E313: image '../Images/Chart.png' does not exist: did you mean `../images/chart.png`?" \
        in build_error(features, tmp_path)


def test_image_paths_are_relative_to_the_section_file(features, tmp_path):
    replace(features / "sections" / "02-second.md", "../images/chart.png", "images/chart.png")
    assert ("02-second.md:5: E313: image 'images/chart.png' does not exist: image paths are relative to the "
            "section file (02-second.md), so write `../images/chart.png`") in build_error(features, tmp_path)
    # A path from the folder's root, web-style, gets the same advice.
    replace(features / "sections" / "02-second.md", "images/chart.png", "/images/chart.png")
    assert "so write `../images/chart.png`" in build_error(features, tmp_path)


def test_an_absolute_path_inside_the_folder_is_not_called_outside_it(features, tmp_path):
    absolute = (features / "sections" / "02-second.md").resolve()
    replace(features / "briefing.yml", "- sections/02-second.md", f"- {absolute}")
    message = build_error(features, tmp_path)
    assert ("briefing.yml:12: E107: section '" + str(absolute) + "' is an absolute path: write it relative to "
            "briefing.yml, as `sections/02-second.md`, so that the folder can move") in message
    assert "outside" not in message


def test_a_value_with_a_colon_needs_quotes_and_check_adds_no_false_warnings(features, tmp_path):
    replace(features / "briefing.yml", 'title: "Features & Edge Cases"', "title: Mali: After MINUSMA")
    message = build_error(features, tmp_path).strip()
    assert message.endswith('briefing.yml:1: E101: invalid YAML: mapping values are not allowed here: '
                            'a value containing \': \' must be quoted: title: "Mali: After MINUSMA"')
    found = checks.check_sources(features)
    assert [p.code for p in found] == ["E101"]  # and no W102 for every section


def test_a_misspelt_key_is_named_with_its_correction_even_among_errors(features, tmp_path):
    replace(features / "briefing.yml", "disclaimer: |", "disclamer: |")
    lines = build_error(features, tmp_path).strip().splitlines()
    assert any(line.endswith("missing required key 'disclaimer'") for line in lines)
    assert any(line.endswith("briefing.yml:8: W101: unknown key `disclamer`: did you mean `disclaimer`?")
               for line in lines), lines
    found = [str(p) for p in checks.check_sources(features)]
    assert any("W101: unknown key `disclamer`: did you mean `disclaimer`?" in p for p in found), found


def test_a_link_to_a_renamed_heading_suggests_the_closest_ids(features, tmp_path):
    replace(features / "sections" / "01-first.md", "02-second.md#the-data", "02-second.md#data")
    assert "01-first.md:6: E303: link to '02-second.md#data': no heading with id 'data' in 02-second.md: " \
           "did you mean `#the-data`?" in build_error(features, tmp_path)
    replace(features / "sections" / "01-first.md", "02-second.md#data", "02-second.md#the-data")
    replace(features / "sections" / "01-first.md", "(#first)", "(#a-sub-sectin)")
    assert "01-first.md:18: E303: link to '#a-sub-sectin': no heading has that id; the closest heading ids are " \
           "`#a-sub-section`, " in build_error(features, tmp_path)


@pytest.mark.parametrize("encoding, named", [("latin-1", "Windows-1252 (Latin-1)"), ("utf-16", "UTF-16")])
def test_a_file_in_another_encoding_is_to_be_resaved_as_utf8(features, tmp_path, encoding, named):
    section = features / "sections" / "02-second.md"
    section.write_bytes(section.read_text(encoding="utf-8").replace("before", "avant é").encode(encoding))
    message = build_error(features, tmp_path)
    assert f"it looks like {named}: re-save it as UTF-8" in message
    manifest = features / "briefing.yml"
    manifest.write_bytes(manifest.read_text(encoding="utf-8").replace("Fixture Press", "Presse é")
                         .replace("🛠️ ", "").encode(encoding))
    assert f"it looks like {named}: re-save it as UTF-8" in build_error(features, tmp_path)


@pytest.mark.slow  # live servers
@pytest.mark.parametrize("command, target", [("serve", "serve"), ("watch", "watch")])
def test_a_busy_port_says_which_to_try(features, tmp_path, command, target):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run_build(command, "--port", port, "--source", features, "--out", tmp_path / "out")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in result.stderr
    assert f"try `PORT={port + 1} make {target}` (or `--port {port + 1}`)" in result.stderr


def test_watch_ignores_editors_temporary_and_swap_files(tmp_path):
    out = tmp_path / "out"
    ignored = [".01-first.md.swp", ".01-first.md.swx", "01-first.md~", "4913", "5036", ".#01-first.md",
               "#01-first.md#", "01-first.md.kate-swp", "01-first.md___jb_tmp___", "01-first.md___jb_old___",
               ".goutputstream-AB12CD", ".~lock.briefing.yml#", "01-first.md.crswap", "01-first.md.tmp",
               "01-first.md.bak", "01-first.md.orig"]
    for name in ignored:
        assert not preview._relevant(tmp_path / "sections" / name, out), name
    for name in ("01-first.md", "briefing.yml", "chart.png", "print.css"):
        assert preview._relevant(tmp_path / "sections" / name, out), name
