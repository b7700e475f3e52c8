"""Long-running commands (`serve`, `watch`) as subprocesses, with bounded waits on their output."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import ROOT


def interruptible() -> None:
    """In the child, before it runs: Ctrl-C (SIGINT) acts by default. A test suite started in the
    background from a script inherits SIGINT ignored, and Python then never raises
    KeyboardInterrupt, so the Ctrl-C the tests send would do nothing."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Command:
    """`python build.py ARGS` running in the background; its output (stdout and stderr) is read
    line by line so a test can wait for a line, never longer than a timeout."""

    def __init__(self, *args, build_py: Path = ROOT / "build.py", cwd: Path = ROOT, env: dict | None = None):
        self.lines: list[str] = []
        self._eof = False
        self._cond = threading.Condition()
        self.process = subprocess.Popen(
            [sys.executable, str(build_py), *map(str, args)], cwd=cwd, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}, preexec_fn=interruptible)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            with self._cond:
                self.lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    @property
    def output(self) -> str:
        with self._cond:
            return "\n".join(self.lines)

    def mark(self) -> int:
        """Where the output stands now: wait_for(..., since=mark) looks only at later lines."""
        with self._cond:
            return len(self.lines)

    def wait_for(self, pattern: str, timeout: float = 60, since: int = 0) -> re.Match:
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.lines[since:]:
                    if found := regex.search(line):
                        return found
                left = deadline - time.monotonic()
                if left <= 0 or self._eof:
                    raise AssertionError(f"no line matching {pattern!r} within {timeout} s "
                                         f"(exit status {self.process.poll()}); output:\n" + "\n".join(self.lines))
                self._cond.wait(min(left, 0.5))

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)

    def __enter__(self) -> "Command":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def serving_address(command: Command, timeout: float = 120) -> str:
    return command.wait_for(r"at (http://127\.0\.0\.1:\d+/)", timeout).group(1)
