"""Nothing lost: a killed or interrupted build, two builds at once; pathological sources in bounded time."""

from __future__ import annotations

import fcntl
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pathological
from conftest import FIXTURES, ROOT, build_ok, run_build
from live import Command, interruptible
from press.base import output
from press.check import checks

pytestmark = pytest.mark.slow  # killed builds, locks, pathological sources in bounded time

TEMP = output.TEMP_PREFIX


def start_build(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=interruptible)


def start_rendering(*args: str) -> subprocess.Popen:
    """A verbose build, returned once it says it has begun to render and its forked render worker
    (press.base.budget) runs: WeasyPrint's layout, which takes seconds here (a fixed sleep raced with a
    build that had become fast enough to finish first, or with a slow start on a loaded machine)."""
    # Unbuffered: a piped stdout would hold the line back until the build ends.
    process = start_build("-v", *args, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    for line in process.stdout:
        if line.strip().startswith("render pdf"):
            deadline = time.monotonic() + 120
            while not _render_workers(process.pid) and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.01)
            assert _render_workers(process.pid), "the build's render worker never started"
            assert process.poll() is None, "the build ended before it could be interrupted"
            return process
    raise AssertionError(f"the build never began to render: {process.communicate()[1]}")


def _render_workers(pid: int) -> list[int]:
    """The live children of process `pid` forked from it (the same command line): its render workers."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    found = []
    for child in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z" and Path(f"/proc/{child}/cmdline").read_bytes() == command:
                found.append(int(child))
        except (OSError, IndexError, ValueError):
            continue
    return found


def temporaries(out: Path) -> list[Path]:
    return [p for p in out.iterdir() if p.name.startswith(TEMP)]


@pytest.fixture(scope="module")
def slow_briefing(tmp_path_factory) -> tuple[Path, Path, bytes]:
    """A briefing that takes a few seconds to typeset, built once: (source, out, the PDF's bytes)."""
    root = tmp_path_factory.mktemp("slow")
    source = pathological.write(root / "src", [pathological.prose(160 * 1024, "Long")])
    out = root / "out"
    build_ok("pdf", "--source", source, "--out", out)
    return source, out, (out / "pathological.pdf").read_bytes()


def test_sigkill_mid_render_leaves_the_previous_pdf(slow_briefing):
    source, out, good = slow_briefing
    process = start_rendering("pdf", "--force", "--source", source, "--out", out)
    assert process.poll() is None, "the build ended before it could be killed"
    process.kill()
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert (out / "pathological.pdf").read_bytes() == good


def test_sigkill_while_writing_leaves_the_previous_pdf_and_the_next_build_cleans_up(slow_briefing, tmp_path):
    source, out, good = slow_briefing
    # Deterministic: a process killed between writing half the temporary file and renaming it.
    code = (f"import os, signal, sys; sys.path.insert(0, {str(ROOT)!r}); from pathlib import Path; "
            f"from press.base import output\n"
            f"with output.atomic_path(Path({str(out / 'pathological.pdf')!r})) as temp:\n"
            f"    temp.write_bytes(b'%PDF-1.7 half written')\n"
            f"    os.kill(os.getpid(), signal.SIGKILL)\n")
    killed = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert killed.returncode == -signal.SIGKILL
    assert len(temporaries(out)) == 1, "the killed writer should have left its temporary file"
    assert (out / "pathological.pdf").read_bytes() == good

    result = build_ok("pdf", "--source", source, "--out", out)
    assert "up to date" in result.stdout  # nothing to rebuild, and still the stray file is gone
    assert temporaries(out) == []
    assert (out / "pathological.pdf").read_bytes() == good


def test_sigkill_at_random_moments_never_breaks_the_edition(slow_briefing):
    """Kill a forced rebuild at several moments, from start-up to the end of the write."""
    source, out, good = slow_briefing
    for delay in (0.3, 1.0, 3.0, 4.5, 6.0):
        process = start_build("pdf", "--force", "--source", source, "--out", out)
        time.sleep(delay)
        process.kill()
        process.wait()
        assert (out / "pathological.pdf").read_bytes() == good  # old or (identical) new: never partial
    build_ok("pdf", "--source", source, "--out", out)
    assert temporaries(out) == []


def test_ctrl_c_mid_render_leaves_the_previous_pdf(slow_briefing):
    source, out, good = slow_briefing
    process = start_rendering("pdf", "--force", "--source", source, "--out", out)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1 and "Traceback" not in stderr and "Aborted" in stderr
    assert (out / "pathological.pdf").read_bytes() == good
    assert temporaries(out) == []


def test_two_builds_at_once_both_succeed_and_give_a_normal_pdf(tmp_path):
    source = FIXTURES / "features"
    reference = tmp_path / "reference"
    build_ok("pdf", "--source", source, "--out", reference)
    out = tmp_path / "out"
    first = start_build("pdf", "--force", "--source", source, "--out", out)
    second = start_build("pdf", "--force", "--source", source, "--out", out)
    for process in (first, second):
        _, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
    name = "features-edge-cases.pdf"
    assert (out / name).read_bytes() == (reference / name).read_bytes()
    assert temporaries(out) == []
    assert checks.check_outputs(source, out) == []


def _blocked_on(lock_file: Path) -> bool:
    """Whether a process waits for the flock on `lock_file`: Linux's /proc/locks lists each waiter
    ("-> FLOCK ...") with the device and inode of the file it waits for."""
    inode = f":{lock_file.stat().st_ino} "
    return any("-> FLOCK" in line and inode in line for line in Path("/proc/locks").read_text().splitlines())


def test_a_second_build_waits_for_the_lock(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / output.LOCK_NAME, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as if a build were running
        with Command("pdf", "--source", FIXTURES / "features", "--out", out) as build:
            build.wait_for(f"^waiting for another build in {re.escape(str(out))}", 120)
            deadline = time.monotonic() + 60  # then it blocks on the lock, as the kernel sees it
            while not _blocked_on(out / output.LOCK_NAME) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert _blocked_on(out / output.LOCK_NAME), "the build does not wait for the lock"
            assert build.process.poll() is None and not list(out.glob("*.pdf")), "the build did not wait for the lock"
            fcntl.flock(lock, fcntl.LOCK_UN)
            assert build.process.wait(timeout=300) == 0, build.output
    assert (out / "features-edge-cases.pdf").is_file()


# --- limits --------------------------------------------------------------------------

BOUND_SECONDS = 60
BOUND_MB = 1024


@pytest.mark.parametrize("name", list(pathological.CASES))
def test_pathological_source_builds_or_fails_clearly_in_bounded_time(name, tmp_path):
    make, status, message = pathological.CASES[name]
    source = pathological.write(tmp_path / "src", make())
    result, seconds, megabytes = pathological.measure(source, tmp_path / "out", timeout=BOUND_SECONDS * 2)
    print(f"{name}: exit {result.returncode} in {seconds:.1f} s, {megabytes} MB")
    assert "Traceback" not in result.stderr
    assert result.returncode == status, result.stderr
    if message:
        assert result.stderr.strip().splitlines()[-1].startswith(str(source)), result.stderr
        assert message in result.stderr
    assert seconds < BOUND_SECONDS and megabytes < BOUND_MB


def test_check_reports_the_limits_too(tmp_path):
    source = pathological.write(tmp_path / "src", [pathological.nested_quote(200), pathological.table(5000),
                                                   pathological.prose(2 * 1024 * 1024)])
    found = [(p.code, p.file.name) for p in checks.check_sources(source)]
    assert found == [("E503", "s0000.md"), ("E504", "s0001.md"), ("E501", "s0002.md")]
    assert os.path.getsize(source / "sections" / "s0002.md") > 2 * 1024 * 1024 - 1024


def test_a_fifo_or_device_in_the_sources_never_hangs(tmp_path):
    """Named pipes and device files are not files: refused at once, never opened."""
    source = pathological.write(tmp_path / "src", ["# One\n\n![pipe](../pipe.png)\n", "# Two\n"])
    os.mkfifo(source / "pipe.png")
    (source / "sections" / "s0001.md").unlink()
    os.mkfifo(source / "sections" / "s0001.md")
    (source / "zero.png").symlink_to("/dev/zero")
    started = time.monotonic()
    result = run_build("pdf", "--source", source, "--out", tmp_path / "out")
    assert time.monotonic() - started < 30
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "briefing.yml:7: E106: section file 'sections/s0001.md' does not exist\n" in result.stderr
    (source / "sections" / "s0001.md").unlink()
    (source / "sections" / "s0001.md").write_text("# Two\n\n![zero](../zero.png)\n")
    result = run_build("pdf", "--source", source, "--out", tmp_path / "out")
    assert time.monotonic() - started < 60
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "s0000.md:3: E313: image '../pipe.png' does not exist" in result.stderr
    assert "s0001.md:3: E311: image '../zero.png' is outside the source folder" in result.stderr


# --- issue 13: small sources that hung or ate memory, and tracebacks ---------------------

# The fast ones (refusals, and builds of a few seconds of CPU); tests/pathological.py
# measures every case, the at-the-bound ones included.
FAST_HARD = ["4,000 ## headings in one section", "40,000 identical ## a headings", "one 8 KB word in a heading",
             "one 100,000-character word", "45,000 footnotes", "45,000 footnotes, one a paragraph",
             "60-column table of 8,500 rows", "50,000 '[ ' in a row", "10,000 emoji joined by ZWJ",
             "a link to a 30,000-character address"]


@pytest.mark.parametrize("name", FAST_HARD)
def test_small_source_that_hung_is_refused_or_builds_in_bounded_time(name, tmp_path):
    make, status, message = pathological.HARD[name]
    source = pathological.write(tmp_path / "src", make())
    cpu: list = []
    result, seconds, megabytes = pathological.measure(source, tmp_path / "out", timeout=BOUND_SECONDS * 2, cpu=cpu)
    print(f"{name}: exit {result.returncode} in {seconds:.1f} s ({cpu[0]:.1f} s CPU), {megabytes} MB")
    assert "Traceback" not in result.stderr
    assert result.returncode == status, result.stderr
    if message:
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(str(source)) and message in lines[0], result.stderr
        # How quick a refusal is, is a speed target (make bench), not a test: the promise here is
        # the bound below. (A 4 s CPU limit here failed on a quiet machine at 5.2 s, on the old code too.)
    else:  # the word breaks in the print edition are invisible to check: bookmarks still equal the contents
        assert [p.code for p in checks.check_outputs(source, tmp_path / "out") if p.code.startswith("E")] == []
    assert seconds < BOUND_SECONDS and megabytes < BOUND_MB


def test_check_reports_the_new_limits_with_their_codes(tmp_path):
    source = pathological.write(tmp_path / "src", [
        "# Brackets\n\n" + "[ " * 300 + "\n",
        "# Table\n\n" + "|c" * 10 + "|\n" + "|-" * 10 + "|\n" + ("|1" * 10 + "|\n") * 1100,
        "# Headings\n\n" + "## h\n" * 1100,
    ])
    found = [(p.code, p.file.name, p.line) for p in checks.check_sources(source) if p.code.startswith("E5")]
    assert found == [("E508", "s0000.md", 3), ("E507", "s0001.md", 3), ("E505", "s0002.md", 1002)]


@pytest.fixture(scope="module")
def good_build(tmp_path_factory) -> tuple[Path, Path]:
    """A small briefing and every edition of it, built once: (source, out)."""
    root = tmp_path_factory.mktemp("good")
    source = pathological.write(root / "src", ["---\nid: first\n---\n# First\n\nText.\n", "# Second\n\nMore.\n"])
    build_ok("all", "--source", source, "--out", root / "out")
    return source, root / "out"


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _copy(good_build, tmp_path) -> tuple[Path, Path]:
    import shutil

    source, out = tmp_path / "src", tmp_path / "out"
    shutil.copytree(good_build[0], source)
    shutil.copytree(good_build[1], out)
    return source, out


MANIFEST = "title: Pathological\nslug: pathological\nlanguage: en\ndisclaimer: Generated for a test.\n"
SECTIONS = "sections:\n  - sections/s0000.md\n  - sections/s0001.md\n"
DEEP = "[" * 5000
BAD_YAML = {  # name -> (text inserted on line 5 of briefing.yml / line 3 of the front matter, what the message says)
    "a duplicate key": ("slug: again\n", "duplicate key 'slug' (first on line 2)"),
    "a 5000-digit integer": ("number: " + "7" * 5000 + "\n", "a number of 5000 digits is too long"),
    "date 2026-02-30": ("date: 2026-02-30\n", "'2026-02-30' is not a valid date"),
    "5,000-deep sequences": ("deep: " + DEEP + "\n", "nested more than 32 levels deep"),
    "5,000-deep mappings": ("deep: " + "{a: " * 5000 + "\n", "nested more than 32 levels deep"),
}


def _fails_cleanly(source: Path, out: Path, env: dict | None = None) -> str:
    before = _tree(out)
    result = run_build("all", "--source", source, "--out", out, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert _tree(out) == before, "a previous output changed"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("case", list(BAD_YAML))
def test_bad_yaml_in_the_manifest_is_a_one_line_error_with_its_line_and_code(case, good_build, tmp_path):
    source, out = _copy(good_build, tmp_path)
    text, message = BAD_YAML[case]
    (source / "briefing.yml").write_text(MANIFEST + text + SECTIONS)
    line = _fails_cleanly(source, out)
    assert line.startswith(f"{source / 'briefing.yml'}:5: E101: invalid YAML: ") and message in line, line
    found = [(p.code, p.line) for p in checks.check_sources(source) if p.code.startswith("E")]
    assert found == [("E101", 5)]


@pytest.mark.parametrize("case", list(BAD_YAML))
def test_bad_yaml_in_front_matter_is_a_one_line_error_with_its_line_and_code(case, good_build, tmp_path):
    source, out = _copy(good_build, tmp_path)
    text, message = BAD_YAML[case]
    if case == "a duplicate key":
        text, message = "id: again\n", "duplicate key 'id' (first on line 2)"
    section = source / "sections" / "s0000.md"
    section.write_text("---\nid: first\n" + text + "---\n# First\n\nText.\n")
    line = _fails_cleanly(source, out)
    assert line.startswith(f"{section}:3: E206: invalid YAML front matter: ") and message in line, line
    found = [(p.code, p.line) for p in checks.check_sources(source) if p.code.startswith("E")]
    assert found == [("E206", 3)]


@pytest.mark.parametrize("epoch", ["4102444800000", "99999999999999999999", "-5", "1e9"])
def test_a_source_date_epoch_out_of_range_is_a_one_line_error_with_a_code(epoch, good_build, tmp_path):
    source, out = _copy(good_build, tmp_path)
    line = _fails_cleanly(source, out, env={"SOURCE_DATE_EPOCH": epoch})
    assert line.startswith("E108: SOURCE_DATE_EPOCH must be a whole number of seconds"), line
    result = run_build("check", "--source", source, "--out", out, env={"SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 1 and ": E108: SOURCE_DATE_EPOCH must be" in result.stdout + result.stderr


@pytest.mark.parametrize("date", ["2108-01-01", "9999-12-31"])
def test_an_edition_dated_after_2107_builds_with_clamped_zip_times(date, tmp_path):
    import zipfile

    source = pathological.write(tmp_path / "src", ["# Dated\n\nText.\n"])
    (source / "briefing.yml").write_text((source / "briefing.yml").read_text() + f"date: {date}\n")
    build_ok("all", "--source", source, "--out", tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / "pathological.epub") as epub:
        assert {info.date_time for info in epub.infolist()} == {(2107, 12, 31, 23, 59, 58)}
        opf = next(epub.read(n).decode() for n in epub.namelist() if n.endswith(".opf"))
    assert f">{date}" in opf


def test_a_title_of_one_25000_character_word_builds_every_edition(tmp_path):
    import io
    import zipfile

    from PIL import Image

    source = pathological.write(tmp_path / "src", ["# Short\n\nText.\n"])
    text = (source / "briefing.yml").read_text()
    (source / "briefing.yml").write_text(text.replace("title: Pathological\nslug: pathological\n",
                                                      "title: " + "peacekeeping" * 2084 + "\n"))
    started = time.monotonic()
    build_ok("all", "--source", source, "--out", tmp_path / "out")
    assert time.monotonic() - started < BOUND_SECONDS * 2
    epub = next((tmp_path / "out").glob("*.epub"))
    assert len(epub.stem) == 100  # the derived slug is cut to a file name's length
    with zipfile.ZipFile(epub) as book:
        cover = Image.open(io.BytesIO(book.read("EPUB/generated/cover.png")))
        assert cover.size == (1600, 2560)


def test_emoji_joined_by_zwj_make_an_epub_with_short_picture_names(tmp_path):
    """10,000 of them made one picture whose file name broke the zip format (now past E509's
    bound); 400 still made a 4 KB name."""
    import zipfile

    source = pathological.write(tmp_path / "src", ["# Emoji\n\n" + "\u200d".join(["\U0001f600"] * 400) + "\n"])
    build_ok("epub", "--source", source, "--out", tmp_path / "out")
    with zipfile.ZipFile(tmp_path / "out" / "pathological.epub") as epub:
        names = [n for n in epub.namelist() if "/emoji-" in n]
    assert names and max(len(n) for n in names) < 300


def test_check_reports_emoji_footnotes_and_long_addresses_with_their_codes(tmp_path):
    source = pathological.write(tmp_path / "src", [
        "# Emoji\n\n" + "\U0001f600" * 501 + "\n",
        "# Notes\n\n" + "".join(f"n[^{i}]\n\n" for i in range(1001)) + "".join(f"[^{i}]: x\n" for i in range(1001)),
        "# Link\n\nText\nand [x](https://example.org/" + "a" * 2000 + ")\n",
    ])
    found = [(p.code, p.file.name, p.line) for p in checks.check_sources(source) if p.code.startswith("E5")]
    assert found == [("E509", "s0000.md", 3), ("E506", "s0001.md", 3005), ("E510", "s0002.md", 4)]
