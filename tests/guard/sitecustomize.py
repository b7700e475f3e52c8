"""Loaded by the test builds only (PYTHONPATH): records what a build reads and blocks the network.

With PRESS_GUARD_LOG set, every Python-level open of a file under PRESS_GUARD_SECRET (a
folder outside the briefing) is logged with the functions on the stack, and every socket
connection or name lookup is logged and refused.
"""

import os
import sys

_LOG = os.environ.get("PRESS_GUARD_LOG")
_SECRET = os.environ.get("PRESS_GUARD_SECRET")


def _write(line: str) -> None:
    with open(_LOG, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _stack() -> str:
    frame, names = sys._getframe(2), []
    while frame is not None:
        names.append(frame.f_code.co_name)
        frame = frame.f_back
    return ",".join(names)


def _hook(event, args):
    if event == "open" and _SECRET:
        path = args[0]
        if isinstance(path, int) or path is None:
            return
        try:
            real = os.path.realpath(os.fsdecode(path))
        except (TypeError, ValueError):
            return
        if real == _SECRET or real.startswith(_SECRET + os.sep):
            _write(f"read {real} by {_stack()}")
    elif event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        _write(f"network {event} {args[1:] if event == 'socket.connect' else args}")
        raise OSError("network access is disabled in this test")


if _LOG:
    sys.addaudithook(_hook)
