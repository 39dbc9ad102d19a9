"""A static file server on loopback for the MiniWoB++ pages (the package's `html/` directory).

The pages load `../core/core.js` and friends by relative URL, so they need to be served
from one root; `file://` would work for Chromium too, but a loopback origin keeps the
browser device's "stay on the task's page" rules and its navigation checks the same as
for any web site. The server runs in a daemon thread (http.server is blocking) and
serves GET/HEAD only, quietly.
"""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = ["PageServer"]


class _QuietHandler(SimpleHTTPRequestHandler):
    """Serves files without one log line per request."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        return


class PageServer:
    """Serves `root` at http://127.0.0.1:PORT/ until closed; use as a context manager."""

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
        self.root = root
        self._httpd = ThreadingHTTPServer((host, port), functools.partial(_QuietHandler, directory=str(root)))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The root URL, ending in a slash."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def task_url(self, task: str) -> str:
        """Where one task's page is served."""
        return f"{self.url}miniwob/{task}.html"

    def start(self) -> PageServer:
        """Start serving in a background thread; returns self."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._httpd.serve_forever, name="miniwob-pages", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> PageServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
