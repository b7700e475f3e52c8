"""The command line: help everywhere, no-change rebuilds, clean."""

from __future__ import annotations

import importlib.util

import click
import pytest

from conftest import FIXTURES, ROOT, build_ok, run_build


def _commands() -> list[list[str]]:
    """Every command of build.py's Click group, read from the group itself (nested groups too),
    so that a new command is covered without anyone adding it here."""
    spec = importlib.util.spec_from_file_location("build_under_test", ROOT / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def walk(group: click.Group, path: list[str]) -> list[list[str]]:
        found = [path]
        for name, command in sorted(group.commands.items()):
            found += walk(command, path + [name]) if isinstance(command, click.Group) else [path + [name]]
        return found
    return walk(module.cli, [])


COMMANDS = _commands()


def test_the_command_list_is_the_whole_group():
    names = {command[0] for command in COMMANDS if command}
    assert {"all", "pdf", "epub", "docx", "html", "serve", "watch", "check", "library", "init", "clean"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: " ".join(command) or "(group)")
def test_help_on_every_command(command):
    result = run_build(*command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: ") and " ".join(["build.py", *command]) in result.stdout.splitlines()[0]


@pytest.mark.slow
def test_second_build_with_nothing_changed_does_no_work(tmp_path):
    out = tmp_path / "out"
    first = build_ok("pdf", "--source", FIXTURES / "features", "--out", out)
    pdf = next(out.glob("*.pdf"))
    mtime = pdf.stat().st_mtime_ns
    second = build_ok("pdf", "--source", FIXTURES / "features", "--out", out)
    assert "up to date" in second.stdout and "up to date" not in first.stdout
    assert pdf.stat().st_mtime_ns == mtime
    # Changing a source rebuilds; deleting the output rebuilds.
    pdf.unlink()
    assert "up to date" not in build_ok("pdf", "--source", FIXTURES / "features", "--out", out).stdout


@pytest.mark.slow
def test_clean_removes_the_outputs(tmp_path):
    out = tmp_path / "out"
    build_ok("pdf", "--source", FIXTURES / "features", "--out", out)
    result = build_ok("clean", "--out", out)
    assert not out.exists() and "removed" in result.stdout
