"""The render's budget: a forked worker under RLIMIT_AS and a deadline; exceeding either is one
clean line naming the largest input, and the previous outputs stay."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import ARTICLE_SOURCE, FIXTURES, ROOT, build_ok, run_build
from live import Command, serving_address

INJECT = ROOT / "tests" / "inject.py"
SLUG = "features-edge-cases"


def one_line(result) -> str:
    assert result.returncode == 1, result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.slow
def test_a_tiny_memory_budget_is_a_clean_error_naming_the_largest_input(tmp_path):
    out = tmp_path / "out"
    build_ok("pdf", "--source", FIXTURES / "features", "--out", out)
    before = (out / f"{SLUG}.pdf").read_bytes()
    result = run_build("pdf", "--force", "--source", FIXTURES / "features", "--out", out,
                       env={"PRESS_RENDER_MEMORY_MB": "120"})
    line = one_line(result)
    assert "memory" in line and "budget of 120 MB" in line
    largest = max((p for p in (FIXTURES / "features").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    assert line.startswith(f"{largest.relative_to(ROOT)}: ") and "largest input" in line
    assert (out / f"{SLUG}.pdf").read_bytes() == before


@pytest.mark.slow
def test_a_tiny_time_budget_is_a_clean_error(tmp_path):
    out = tmp_path / "out"
    result = run_build("all", "--source", FIXTURES / "features", "--out", out,
                       env={"PRESS_RENDER_SECONDS": "0.2"})
    assert "took longer than its budget of 0.2 s" in one_line(result)
    assert not (out / f"{SLUG}.pdf").exists()


def test_a_budget_that_is_not_a_number_is_one_line(tmp_path):
    result = run_build("epub", "--source", FIXTURES / "features", "--out", tmp_path / "out",
                       env={"PRESS_RENDER_SECONDS": "soon"})
    assert "PRESS_RENDER_SECONDS must be a number" in one_line(result)


@pytest.mark.slow
def test_an_unexpected_error_in_the_render_is_one_line_and_verbose_shows_where(copy_fixture, tmp_path):
    source = copy_fixture("features")
    (source / "FAIL").write_text("")
    command = [sys.executable, str(INJECT), "html", "--source", str(source), "--out", str(tmp_path / "out")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert "the render failed: RuntimeError: injected failure" in one_line(result)
    verbose = subprocess.run(command + ["--verbose"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert verbose.returncode == 1 and "Traceback" in verbose.stderr and "in failing" in verbose.stderr


def test_the_render_dies_with_its_build(tmp_path):
    """SIGKILL the build mid-render: its forked render goes too (it would only burn the CPU)."""
    import pathological

    source = pathological.write(tmp_path / "src", [pathological.prose(160 * 1024, "Long")])  # seconds to typeset
    out = tmp_path / "out-killed"
    process = subprocess.Popen([sys.executable, str(ROOT / "build.py"), "pdf", "--source", str(source),
                                "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300  # a loaded machine starts slowly
    while time.monotonic() < deadline and len(_builds_of(out)) < 2:  # the build and its render
        time.sleep(0.02)
    process.kill()  # at once: the render has only started
    process.wait()
    assert process.returncode == -signal.SIGKILL and not (out / "pathological.pdf").exists()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and _builds_of(out):
        time.sleep(0.1)
    assert _builds_of(out) == []


def _builds_of(out) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                if str(out).encode() in handle.read():
                    with open(f"/proc/{pid}/stat") as stat:
                        if stat.read().rsplit(")", 1)[1].split()[0] != "Z":
                            found.append(int(pid))
        except OSError:
            continue
    return found


@pytest.mark.slow  # a live server
def test_watch_and_serve_survive_any_error_and_recover(copy_fixture, tmp_path):
    """An injected RuntimeError in a build: one line, the last good editions go on being served,
    and the next good save rebuilds."""
    source, out = copy_fixture("features"), tmp_path / "out"
    with Command("watch", "--port", "0", "--source", source, "--out", out, build_py=INJECT) as command:
        url = serving_address(command)
        command.wait_for("^watching ", 60)
        import urllib.request

        def page() -> bytes:  # the page as served, without the reload script (its version changes);
            # the JSON-LD data block in the head is the page's own and stays
            return urllib.request.urlopen(url, timeout=10).read().rsplit(b"<script>", 1)[0]

        good = page()
        built = (out / "html" / "index.html").read_bytes()
        mark = command.mark()
        (source / "FAIL").write_text("")
        command.wait_for("the render failed: RuntimeError: injected failure", 120, since=mark)
        command.wait_for("build failed: the last good outputs are kept", 10, since=mark)
        assert command.process.poll() is None
        assert page() == good and (out / "html" / "index.html").read_bytes() == built
        assert "Traceback" not in command.output

        mark = command.mark()
        (source / "FAIL").unlink()
        section = source / "sections" / "01-first.md"
        section.write_text(section.read_text(encoding="utf-8") + "\nRecovered.\n", encoding="utf-8")
        command.wait_for(r"^rebuilt pdf, epub, docx, html in ", 120, since=mark)
        assert b"Recovered." in page()


@pytest.mark.slow  # a live server
def test_serve_survives_an_error_in_its_first_build(copy_fixture, tmp_path):
    source, out = copy_fixture("features"), tmp_path / "out"
    build_ok("html", "--source", source, "--out", out)
    (source / "FAIL").write_text("")
    with Command("serve", "--port", "0", "--source", source, "--out", out, build_py=INJECT) as command:
        url = serving_address(command)
        import urllib.request

        assert urllib.request.urlopen(url, timeout=10).status == 200
        assert "injected failure" in command.output and "serving the last good build" in command.output
        assert "Traceback" not in command.output
    assert command.process.returncode is not None and command.process.returncode != -signal.SIGKILL


def test_errors_come_back_from_the_render_with_their_codes_and_locations(tmp_path):
    import pytest

    from press.base import budget
    from press.base.errors import Location, PressError, Problems

    def several():
        raise Problems([PressError("one", Location(tmp_path / "a.md", 3), "E201"),
                        PressError("two", Location(tmp_path / "b.md"), "E202")])

    with pytest.raises(Problems) as raised:
        budget.run(several, lambda: None)
    assert [(p.bare_message, p.location, p.code) for p in raised.value.problems] == [
        ("one", Location(tmp_path / "a.md", 3), "E201"), ("two", Location(tmp_path / "b.md"), "E202")]

    def one():
        raise PressError("bad", Location(tmp_path / "c.md", 1), "E203")

    with pytest.raises(PressError) as raised:
        budget.run(one, lambda: None)
    assert (raised.value.bare_message, raised.value.code) == ("bad", "E203")
    assert budget.run(lambda: {"pdf": b"%PDF"}, lambda: None) == {"pdf": b"%PDF"}
