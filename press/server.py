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
import threading
from functools import partial
from pathlib import Path

from . import media

EVENTS_PATH = "/__press/events"
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
    """Static files from one folder: no listings, no hidden files, no caching."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MEDIA_TYPES}
    live: LiveReload | None = None
    log = None  # a function taking one line, or None for silence

    def __init__(self, *args, live: LiveReload | None = None, log=None, **kwargs):
        self.live, self.log = live, log
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args) -> None:
        if self.log:
            self.log(f"{self.address_string()} {format % args}")

    def list_directory(self, path):
        self.send_error(404)
        return None

    def _hidden(self) -> bool:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        return any(part.startswith(".") for part in path.split("/") if part)

    def do_GET(self) -> None:
        if self.live and self.path.split("?", 1)[0] == EVENTS_PATH:
            return self._events()
        if self._hidden():
            return self.send_error(404)
        if self.live:
            local = Path(self.translate_path(self.path))
            if local.is_dir() and self.path.split("?", 1)[0].endswith("/"):
                local = local / "index.html"
            if local.suffix == ".html" and local.is_file():
                return self._page(local)
        super().do_GET()

    def do_HEAD(self) -> None:
        if self._hidden():
            return self.send_error(404)
        super().do_HEAD()

    def _page(self, local: Path) -> None:
        """An HTML page with the reload script added (the file itself is left as built)."""
        version, _ = self.live.snapshot()
        html = local.read_bytes().decode("utf-8")
        script = RELOAD_SCRIPT % {"version": version, "path": EVENTS_PATH}
        at = html.rfind("</body>")
        html = html[:at] + script + html[at:] if at >= 0 else html + script
        data = html.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", MEDIA_TYPES[".html"])
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

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


def start(folder: Path, port: int, live: LiveReload | None = None, log=None) -> Server:
    """Serve `folder` on 127.0.0.1:`port` (0: any free port) in a background thread."""
    handler = partial(Handler, directory=str(folder), live=live, log=log)
    server = Server(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, name="press-server", daemon=True).start()
    return server


def address(server: Server) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
