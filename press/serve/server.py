"""Serve the web edition on 127.0.0.1, with live reload when watching.

Files are served straight from `<out>/html`, which builds replace atomically: a reader
always gets the last good build. With live reload, each HTML page is served with a small
script added before `</body>` (never written into the built file); the script listens
to `/__press/events` (Server-Sent Events) and reloads the page after each new build, or
shows the build's error in a banner until the next good build.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import stat
import threading
import time
from functools import partial
from pathlib import Path
from urllib.parse import unquote

from press.base import media, output

EVENTS_PATH = "/__press/events"
MAX_URL = 2048  # characters of a request's path
# Seconds a connection may stay silent (no request, or a request line or headers that never
# finish) before the server closes it: idle connections would otherwise each keep a thread.
# The live-reload stream only writes, so a quiet build does not close it.
IDLE_TIMEOUT = 20.0
# Text is served as UTF-8; .epub and .pdf with their own types, so that a phone's browser
# hands the EPUB to its reading app.
MEDIA_TYPES = {suffix: f"{kind}; charset=utf-8" if kind.startswith("text/") else kind
               for suffix, kind in media.MEDIA_TYPES.items()}
RELOAD_SCRIPT = """<script>
(function () {
  var loaded = %(version)d, banner = null;
  var source = new EventSource("%(path)s");
  source.onmessage = function (event) {
    var state = JSON.parse(event.data);
    if (state.error) {
      if (!banner) {
        banner = document.createElement("pre");
        banner.setAttribute("role", "alert");
        banner.style.cssText = "position:fixed;left:0;right:0;bottom:0;margin:0;padding:0.75rem 1rem;" +
          "max-height:40vh;overflow:auto;background:#8b0000;color:#fff;font:0.85rem/1.4 monospace;" +
          "white-space:pre-wrap;z-index:1000";
        document.body.appendChild(banner);
      }
      banner.textContent = "The last build failed; this is the last good one.\\n\\n" + state.error;
    } else if (state.version !== loaded) {
      location.reload();
    } else if (banner) {
      banner.remove();
      banner = null;
    }
  };
})();
</script>
"""


class LiveReload:
    """The state pages listen to: a version that changes with every build, and its error."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.version = 0
        self.error: str | None = None
        self.closed = False

    def built(self) -> None:
        with self._cond:
            self.version += 1
            self.error = None
            self._cond.notify_all()

    def failed(self, message: str) -> None:
        with self._cond:
            self.version += 1
            self.error = message
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    def snapshot(self) -> tuple[int, str | None]:
        with self._cond:
            return self.version, self.error

    def wait(self, seen: int, timeout: float) -> tuple[int, str | None, bool]:
        with self._cond:
            self._cond.wait_for(lambda: self.version != seen or self.closed, timeout)
            return self.version, self.error, self.closed


class Handler(http.server.SimpleHTTPRequestHandler):
    """Regular files inside one folder, never through a symbolic link: no listings, no hidden
    files, no caching. A malformed path is a 400, anything else not servable a 404; no
    request ever ends in a traceback."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}
    live: LiveReload | None = None
    log = None  # a function taking one line, or None for silence

    def __init__(self, *args, live: LiveReload | None = None, log=None, **kwargs):
        self.live, self.log = live, log
        self.timeout = IDLE_TIMEOUT  # read when the connection is set up (StreamRequestHandler.setup)
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if self.log:
            self.log(f"{self.address_string()} {format % args}")

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _answer(self, body: bool) -> None:
        try:
            if body and self.live and self.path.split("?", 1)[0] == EVENTS_PATH:
                return self._events()
            found = self._file()
            if isinstance(found, int):
                return self.send_error(found)
            if isinstance(found, str):  # a folder asked for without its slash
                self.send_response(301)
                self.send_header("Location", found)
                self.send_header("Content-Length", "0")
                return self.end_headers()
            data = output.read_file(found)
            if data is None:
                return self.send_error(404)
            if self.live and found.suffix == ".html":
                data = self._with_reload_script(data)
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(str(found)))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if body:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as exc:  # never a traceback, never a dropped connection without an answer
            if self.log:
                self.log(f"error answering {self.path[:200]!r}: {type(exc).__name__}: {exc}")
            try:
                self.send_error(500)
            except Exception:
                self.close_connection = True

    def _file(self) -> Path | int | str:
        """The regular file a request names, or an HTTP status, or where to redirect."""
        if len(self.path) > MAX_URL:
            return 414
        raw = self.path.split("?", 1)[0].split("#", 1)[0]
        if not raw.startswith("/") or "\\" in raw or re.search(r"%(2f|5c|00)", raw, re.IGNORECASE):
            return 400  # encoded slashes, backslashes, NUL: never a file's name
        try:
            path = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            return 400
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
            return 400
        parts = [part for part in path.split("/") if part]
        if any(part in (".", "..") for part in parts):
            return 400
        if any(part.startswith(".") for part in parts):
            return 404  # hidden files: the build's state and lock, editors' leftovers
        local = Path(self.directory)
        for part in ["", *parts]:  # the site folder itself, then each part: no symbolic link
            local = local / part if part else local
            try:
                info = os.lstat(local)
            except (OSError, ValueError):
                return 404
            if stat.S_ISLNK(info.st_mode):
                return 404
        if stat.S_ISDIR(info.st_mode):
            if not path.endswith("/"):
                return raw + "/"
            local = local / "index.html"
        return local

    def _with_reload_script(self, data: bytes) -> bytes:
        """An HTML page with the reload script added (the file itself is left as built)."""
        version, _ = self.live.snapshot()
        html = data.decode("utf-8", "replace")
        script = RELOAD_SCRIPT % {"version": version, "path": EVENTS_PATH}
        at = html.rfind("</body>")
        html = html[:at] + script + html[at:] if at >= 0 else html + script
        return html.encode("utf-8")

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "keep-alive")
        self.end_headers()
        version, error = self.live.snapshot()
        try:
            self._send({"version": version, "error": error})
            while True:
                new, error, closed = self.live.wait(version, timeout=15)
                if closed:
                    return
                if new == version:
                    self.wfile.write(b": keep-alive\n\n")
                    self.wfile.flush()
                    continue
                version = new
                self._send({"version": version, "error": error})
        except (BrokenPipeError, ConnectionResetError):
            return
        finally:
            self.close_connection = True

    def _send(self, state: dict) -> None:
        self.wfile.write(f"data: {json.dumps(state)}\n\n".encode())
        self.wfile.flush()


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address) -> None:
        """A broken request is that client's problem: no traceback on the editor's terminal."""


def start(folder: Path, port: int, live: LiveReload | None = None, log=None,
          handler_class: type[Handler] = Handler) -> Server:
    """Serve `folder` on 127.0.0.1:`port` (0: any free port) in a background thread;
    `handler_class`: a Handler with other media types (a library's OPDS feeds)."""
    handler = partial(handler_class, directory=str(folder), live=live, log=log)
    server = Server(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, name="press-server", daemon=True).start()
    return server


def address(server: Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def run_until_interrupted(loop, live: LiveReload | None, httpd: Server | None) -> None:
    """Run `loop` (watching; None: only serving) until Ctrl-C, then close the reload stream and
    the server: what `serve` and `watch` do, for a briefing and for a library alike."""
    try:
        if loop is not None:
            loop()
        else:
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        if live is not None:
            live.close()
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
