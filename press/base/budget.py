"""The render's last line of defence: a forked worker under a memory and a time budget.

The sources are bounded (press/base/limits.py), but a bound can be missed, and the render runs
libraries (WeasyPrint, Pango, Pillow) whose cost is hard to predict. So the render runs in a
child process (fork: it starts warm, with everything the parent imported and cached) whose
address space is capped with RLIMIT_AS and which is killed at a deadline. Exceeding either is
one clean error naming the largest input file, instead of a machine that swaps or hangs.

The child sends back its result (or its error) through a pipe; the parent writes the files.
"""

from __future__ import annotations

import os
import resource
import select
import signal
import sys
import time
from pathlib import Path
from typing import Callable

from press.base.errors import Location, PressError, Problems
from press.base.sizes import human_size

# Measured on the 2-core test machine (docs/safety-and-limits.md, "The render budget"): the article's render
# peaks at about 315 MB of address space (110 MB resident), the largest briefings inside the
# bounds at about 620 MB (435 MB resident). 1.5 GB leaves room for those and stops a runaway
# render long before it could take the machine. The deadline is far above the slowest build
# inside the bounds (150 s for all editions on the machine shared with other jobs): it catches
# hangs, the bounds catch the rest.
MEMORY_MB = 1536
SECONDS = 300.0
MEMORY_VARIABLE = "PRESS_RENDER_MEMORY_MB"    # 0: no memory budget
SECONDS_VARIABLE = "PRESS_RENDER_SECONDS"     # 0: no deadline
DISABLE_VARIABLE = "PRESS_RENDER_IN_PROCESS"  # 1: render in this process, without a budget


# True in a worker: a budget asked for inside one (the citations, formatted while the worker
# loads the briefing) is the worker's own, already counting.
_IN_WORKER = False


class BudgetError(PressError):
    """The render needed more memory or time than its budget, or died."""


class RenderFailed(PressError):
    """The render raised an error that is not the sources' fault: a bug, with its traceback."""

    def __init__(self, message: str, details: str):
        super().__init__(message, None, "E856")
        self.details = details


def limits() -> tuple[int, float]:
    """The memory budget in MB and the time budget in seconds (0: none), from the environment."""
    def number(name: str, default: float) -> float:
        raw = os.environ.get(name, "").strip()
        try:
            return max(float(raw), 0.0) if raw else default
        except ValueError:
            raise PressError(f"{name} must be a number, not '{raw[:40]}'", code="E862") from None
    return int(number(MEMORY_VARIABLE, MEMORY_MB)), number(SECONDS_VARIABLE, SECONDS)


# Threads that import modules while the building thread works on (editions.warm_in_background
# imports WeasyPrint during the rules pass). A fork while one of them holds a module's import
# lock leaves the child waiting on that lock for ever (the render's time budget then ends it):
# every fork here waits for them first.
_IMPORTING: list = []


def fork_after(thread) -> None:
    """Make every fork of this module wait for `thread` (see _IMPORTING)."""
    _IMPORTING.append(thread)


def _join_importing() -> None:
    while _IMPORTING:
        _IMPORTING.pop().join()


def run(work: Callable[[], object], largest: Callable[[], Path | None]) -> object:
    """`work()` in a forked child under the budget; its return value, or its error raised here."""
    if os.environ.get(DISABLE_VARIABLE) == "1" or _IN_WORKER:
        return work()
    # Here, not at the top (a build with nothing to do never renders), and before the fork.
    import pickle  # noqa: F401
    import tempfile
    import traceback  # noqa: F401

    memory_mb, seconds = limits()
    with tempfile.TemporaryFile() as native_stderr:
        return _run(work, largest, memory_mb, seconds, native_stderr)


def run_all(works: dict[str, Callable[[], object]], largest: Callable[[], Path | None]) -> dict[str, object]:
    """Each `works[name]()` in a forked child of its own, all at once, each under the budget;
    their return values by name, or the error of the first (in the order given) that failed,
    raised here once every child has ended. What `watch` renders its PDF and EPUB with."""
    if os.environ.get(DISABLE_VARIABLE) == "1":
        return {name: work() for name, work in works.items()}
    import pickle  # noqa: F401 (before the fork: see run)
    import tempfile
    import traceback  # noqa: F401

    memory_mb, seconds = limits()
    _join_importing()
    sys.stdout.flush()
    sys.stderr.flush()
    children: dict[str, tuple[int, int, object]] = {}  # name -> (pid, read end, native stderr file)
    try:
        for name, work in works.items():
            native_stderr = tempfile.TemporaryFile()
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: never returns
                os.close(read_end)
                for _, other, _ in children.values():  # its siblings' pipes are none of its business
                    os.close(other)
                _child(work, write_end, memory_mb, native_stderr.fileno())
            os.close(write_end)
            children[name] = (pid, read_end, native_stderr)
        collected = _collect_all({name: fd for name, (_, fd, _) in children.items()}, seconds)
    except BaseException:  # Ctrl-C, SIGTERM, a failed fork: every child goes too
        for pid, _, _ in children.values():
            _kill(pid)
        raise
    finally:
        for _, fd, _ in children.values():
            os.close(fd)
    results, errors = {}, []
    try:
        for name, (pid, _, native_stderr) in children.items():
            data, timed_out = collected[name]
            try:
                results[name] = _finish(pid, data, timed_out, largest, memory_mb, seconds, native_stderr)
            except PressError as exc:
                errors.append(exc)
    finally:
        for _, _, native_stderr in children.values():
            native_stderr.close()
    if errors:
        raise errors[0]
    return results


def _collect_all(fds: dict[str, int], seconds: float) -> dict[str, tuple[bytes, bool]]:
    """Everything each child writes until it closes its pipe, read as it comes (a child blocks
    on a full pipe); (data, whether the deadline passed) by name."""
    chunks: dict[str, list[bytes]] = {name: [] for name in fds}
    done: dict[str, tuple[bytes, bool]] = {}
    names = {fd: name for name, fd in fds.items()}
    deadline = time.monotonic() + seconds if seconds else None
    while len(done) < len(fds):
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return {**{name: (b"", True) for name in fds if name not in done}, **done}
        open_fds = [fd for fd, name in names.items() if name not in done]
        ready, _, _ = select.select(open_fds, [], [], wait)
        for fd in ready:
            chunk = os.read(fd, 1 << 20)
            if chunk:
                chunks[names[fd]].append(chunk)
            else:
                done[names[fd]] = (b"".join(chunks[names[fd]]), False)
    return done


def _run(work, largest, memory_mb: int, seconds: float, native_stderr) -> object:
    _join_importing()
    sys.stdout.flush()
    sys.stderr.flush()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(work, write_end, memory_mb, native_stderr.fileno())
    os.close(write_end)
    try:
        data, timed_out = _collect(read_end, seconds)
    except BaseException:  # Ctrl-C, SIGTERM: the child goes too
        _kill(pid)
        raise
    finally:
        os.close(read_end)
    return _finish(pid, data, timed_out, largest, memory_mb, seconds, native_stderr)


def _finish(pid: int, data: bytes, timed_out: bool, largest, memory_mb: int, seconds: float,
            native_stderr) -> object:
    """The child's outcome: its return value, or its error raised here; the child is reaped."""
    import pickle
    import traceback

    # What the libraries wrote to the file descriptor 2 (GLib, Pango, Cairo): passed on, unless
    # the render ran out of its budget, where it would only bury the one line that matters.
    native_stderr.seek(0)
    noise = native_stderr.read().decode("utf-8", "replace")
    if timed_out:
        _kill(pid)
        raise _over(largest(), f"the render took longer than its budget of {seconds:g} s", "E855")
    _, status = os.waitpid(pid, 0)
    try:
        outcome = pickle.loads(data) if data else None
    except Exception as exc:  # a bug: say so rather than blame the budget
        raise RenderFailed(f"the render's result could not be read: {type(exc).__name__}: {exc}",
                           traceback.format_exc()) from None
    if outcome is not None and outcome[0] != "memory" and noise:
        sys.stderr.write(noise)
    if outcome is None:
        if os.WIFSIGNALED(status):
            why = f"the render was stopped by signal {os.WTERMSIG(status)}"
        else:
            why = f"the render stopped with status {os.WEXITSTATUS(status)}"
        raise _over(largest(), f"{why}, most likely out of its memory budget of {memory_mb} MB", "E854")
    kind, *rest = outcome
    if kind == "ok":
        return rest[0]
    if kind == "memory":
        raise _over(largest(), f"the render needed more memory than its budget of {memory_mb} MB", "E854")
    if kind == "press":
        message, location, code, problems, kind = rest
        if problems:
            raise Problems([PressError(*problem) for problem in problems])
        try:
            error = kind(message, location, code)
        except TypeError:   # a class with a constructor of its own
            error = PressError(message, location, code)
        raise error
    raise RenderFailed(f"the render failed: {rest[0]} (--verbose shows where)", rest[1])


def _child(work, write_end: int, memory_mb: int, native_stderr: int) -> None:
    import pickle
    import traceback

    global _IN_WORKER
    _IN_WORKER = True
    status = 0
    try:
        # Python's own messages go on to the terminal; the C libraries' go to a file.
        sys.stderr = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
        os.dup2(native_stderr, 2)
        signal.signal(signal.SIGINT, signal.SIG_DFL)   # Ctrl-C stops it without a traceback
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _die_with_parent()
        inherited_peak, start_size = _vm_mb("VmPeak"), _vm_mb("VmSize")  # the parent's, as forked
        if memory_mb:  # never above a cap the process was started under (a test's, a container's)
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = memory_mb * 1024 * 1024
            for cap in (soft, hard):
                if cap != resource.RLIM_INFINITY:
                    limit = min(limit, cap)
            resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        try:
            outcome = ("ok", work())
        except MemoryError:
            outcome = ("memory",)
        except Exception as exc:
            if memory_mb and _at_cap(memory_mb, inherited_peak, start_size):
                # Failed at the cap: out of memory, whatever the error says (C code, or a
                # library that reports a failed allocation as a bad file).
                outcome = ("memory",)
            elif isinstance(exc, PressError):  # sent as plain values: exceptions do not pickle faithfully
                # with its class when it has the plain constructor (a SourceError stays one)
                kind = type(exc) if "<locals>" not in type(exc).__qualname__ else PressError
                outcome = ("press", exc.bare_message, exc.location, exc.code,
                           [(p.bare_message, p.location, p.code) for p in getattr(exc, "problems", None) or ()],
                           kind)
            else:
                outcome = ("crash", f"{type(exc).__name__}: {str(exc)[:300]}", traceback.format_exc())
        sys.stdout.flush()
        sys.stderr.flush()
        with os.fdopen(write_end, "wb") as pipe:
            try:
                pickle.dump(outcome, pipe, protocol=pickle.HIGHEST_PROTOCOL)
            except MemoryError:
                status = 3
            except Exception as exc:  # an error that cannot be pickled: send its text
                pickle.dump(("crash", f"{type(exc).__name__}: {exc}", traceback.format_exc()), pipe)
    except BaseException:
        status = 2
    finally:
        os._exit(status)  # no atexit handlers, no flushing of the parent's buffers twice


def _vm_mb(field: str) -> int:
    """A figure of this process's address space in MB (Linux's VmPeak: the most it held)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _at_cap(memory_mb: int, inherited_peak: int, start_size: int) -> bool:
    """Whether the render reached its address-space cap: it started there, or grew to it (the
    peak is inherited from the parent at fork, so it must have grown past that)."""
    near = memory_mb - 64
    peak = _vm_mb("VmPeak")
    return start_size >= near or (peak >= near and peak > inherited_peak)


def _die_with_parent() -> None:
    """A parent killed with SIGKILL takes its render with it (Linux's PR_SET_PDEATHSIG)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before the call
        os._exit(2)


def _collect(fd: int, seconds: float) -> tuple[bytes, bool]:
    """Everything the child writes until it closes the pipe; (data, whether the deadline passed)."""
    chunks = []
    deadline = time.monotonic() + seconds if seconds else None
    while True:
        wait = None if deadline is None else deadline - time.monotonic()
        if wait is not None and wait <= 0:
            return b"", True
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            continue
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def _over(largest: Path | None, message: str, code: str) -> BudgetError:
    if largest is None:
        return BudgetError(message, None, code)
    size = human_size(largest.stat().st_size)
    return BudgetError(f"{message}; the largest input is this file ({size})", Location(largest), code)
