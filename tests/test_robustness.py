"""Nothing lost: a killed or interrupted build, two builds at once; pathological sources in bounded time."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import pathological
from conftest import FIXTURES, ROOT, build_ok, run_build
from press import checks, output

TEMP = output.TEMP_PREFIX


def start_build(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "build.py"), *map(str, args)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


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
    process = start_build("pdf", "--force", "--source", source, "--out", out)
    time.sleep(2.0)  # well inside the render: the whole build takes several seconds
    assert process.poll() is None, "the build ended before it could be killed"
    process.kill()
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert (out / "pathological.pdf").read_bytes() == good


def test_sigkill_while_writing_leaves_the_previous_pdf_and_the_next_build_cleans_up(slow_briefing, tmp_path):
    source, out, good = slow_briefing
    # Deterministic: a process killed between writing half the temporary file and renaming it.
    code = (f"import os, signal, sys; sys.path.insert(0, {str(ROOT)!r}); from pathlib import Path; "
            f"from press import output\n"
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
    process = start_build("pdf", "--force", "--source", source, "--out", out)
    time.sleep(2.0)
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


def test_a_second_build_waits_for_the_lock(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with open(out / output.LOCK_NAME, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # as if a build were running
        process = start_build("pdf", "--source", FIXTURES / "features", "--out", out)
        time.sleep(4)  # alone, the build takes about 1.5 s
        assert process.poll() is None and not list(out.glob("*.pdf")), "the build did not wait for the lock"
        fcntl.flock(lock, fcntl.LOCK_UN)
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == 0 and f"waiting for another build in {out}" in stderr
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
        assert seconds < 5, "refusing a source must be quick"
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
    assert result.stderr.strip().endswith("briefing.yml:7: section file 's0001.md' does not exist")
    (source / "sections" / "s0001.md").unlink()
    (source / "sections" / "s0001.md").write_text("# Two\n\n![zero](../zero.png)\n")
    result = run_build("pdf", "--source", source, "--out", tmp_path / "out")
    assert time.monotonic() - started < 60
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "s0000.md:3: image '../pipe.png' does not exist" in result.stderr
    assert "s0001.md:3: image '../zero.png' is outside the source folder" in result.stderr
