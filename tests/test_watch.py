"""`watch`: rebuild after each change in one warm process; a broken build keeps the last good outputs."""

from __future__ import annotations

import http.client
import json
import urllib.request

import pytest

from conftest import run_build
from live import Command, serving_address
from press.build import editions, pipeline

pytestmark = pytest.mark.slow  # watch and serve: live servers

SLUG = "features-edge-cases"
EVERY_EDITION = ", ".join(pipeline.ordered(list(editions.ALL)))  # what `all` builds: "pdf, epub, ..., html"


def _snapshot(out):
    files = [out / f"{SLUG}.pdf", out / "html" / "index.html", out / "html" / f"{SLUG}.pdf"]
    return {f.name if f.parent == out else f"html/{f.name}": (f.read_bytes(), f.stat().st_mtime_ns) for f in files}


def test_watch_rebuilds_reports_errors_and_keeps_the_last_good_build(copy_fixture, tmp_path):
    source, out = copy_fixture("features"), tmp_path / "out"
    with Command("watch", "--no-serve", "--source", source, "--out", out) as command:
        command.wait_for("^watching ", 120)
        first = _snapshot(out)

        # An edit to one section: only that section is rendered again, every edition rebuilt.
        mark = command.mark()
        section = source / "sections" / "02-second.md"
        section.write_text(section.read_text(encoding="utf-8") + "\nAn edit made while watching.\n",
                           encoding="utf-8")
        command.wait_for(rf"^rebuilt {EVERY_EDITION} in [\d.]+ s", 60, since=mark)
        assert "sections re-rendered: 02-second.md (1 reused)" in command.output
        for edition in ("pdf", "epub", "html"):
            command.wait_for(rf"^  rebuilt {edition} .* [\d.]+ s$", 1, since=mark)
        edited = _snapshot(out)
        assert all(edited[name][0] != first[name][0] for name in first)
        assert "An edit made while watching." in (out / "html" / "index.html").read_text(encoding="utf-8")

        # A broken manifest: the error with its file and line; the outputs are left as they were.
        mark = command.mark()
        manifest = source / "briefing.yml"
        good = manifest.read_text(encoding="utf-8")
        manifest.write_text(good.replace("disclaimer: |", "disclaimer: [", 1), encoding="utf-8")
        command.wait_for(r"briefing\.yml:\d+: ", 60, since=mark)
        command.wait_for("build failed: the last good outputs are kept", 5, since=mark)
        assert _snapshot(out) == edited
        assert command.process.poll() is None

        # Fixed: rebuilt again.
        mark = command.mark()
        manifest.write_text(good.replace("subtitle: A fixture", "subtitle: Fixed, a fixture", 1), encoding="utf-8")
        command.wait_for(rf"^rebuilt {EVERY_EDITION} in ", 60, since=mark)
        assert "Fixed, a fixture briefing" in (out / "html" / "index.html").read_text(encoding="utf-8")
        assert _snapshot(out)[f"{SLUG}.pdf"][0] != edited[f"{SLUG}.pdf"][0]


def next_event(stream) -> dict:
    """The next Server-Sent Event's data, skipping keep-alive comments and blank lines."""
    while line := stream.readline().decode():
        if line.startswith("data: "):
            return json.loads(line.removeprefix("data: "))
    raise AssertionError("the event stream ended")


def test_watch_serves_with_live_reload_only_in_the_served_page(copy_fixture, tmp_path):
    source, out = copy_fixture("features"), tmp_path / "out"
    with Command("watch", "--port", "0", "--source", source, "--out", out) as command:
        url = serving_address(command)
        command.wait_for("^watching ", 30)
        served = urllib.request.urlopen(url, timeout=10).read().decode()
        assert "EventSource" in served
        # The built page has no script that runs (only the JSON-LD data block).
        assert "<script>" not in (out / "html" / "index.html").read_text(encoding="utf-8")

        host, port = url.split("//")[1].rstrip("/").split(":")
        events = http.client.HTTPConnection(host, int(port), timeout=30)
        events.request("GET", "/__press/events")
        stream = events.getresponse()
        assert stream.headers["Content-Type"] == "text/event-stream"
        before = next_event(stream)
        section = source / "sections" / "01-first.md"
        section.write_text(section.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
        after = next_event(stream)
        assert after == {"version": before["version"] + 1, "error": None}
        events.close()


@pytest.mark.parametrize("command", [["html"], ["serve"], ["watch"]])
def test_help_on_the_web_commands(command):
    result = run_build(*command, "--help")
    assert result.returncode == 0 and "Usage:" in result.stdout and "--quiet" in result.stdout


def test_serve_refuses_a_broken_briefing_it_has_never_built(copy_fixture, tmp_path):
    source = copy_fixture("features")
    (source / "briefing.yml").write_text("title: [\n", encoding="utf-8")
    result = run_build("serve", "--port", "0", "--source", source, "--out", tmp_path / "out")
    assert result.returncode == 1 and "briefing.yml:" in result.stderr and "serving" not in result.stdout
