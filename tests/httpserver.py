"""A local HTTP server for ingest tests: pages, feeds and the broken cases, on 127.0.0.1.

Routes are added by tests; a few fixed ones stand for the ways the web goes wrong:

``/slow``             answers after ``slow_seconds`` (past a short fetch timeout)
``/missing``          404 (any unknown path is)
``/image.png``        an ``image/png`` body
``/huge``             a body over ``huge_bytes``, with its Content-Length
``/huge-stream``      the same, streamed without a Content-Length
``/to-private``       a redirect to a private address (10.0.0.1)
``/to-ftp``           a redirect to an ftp:// URL
``/loop``             a redirect to itself
``/broken-feed.xml``  an RSS document cut off before its first item
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
BROKEN_FEED = b'<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Cut off</title>'


@dataclass
class Route:
    """What the server answers on one path."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()


class LocalServer:
    """A threaded HTTP server on a free port of 127.0.0.1; use it as a context manager.

    Parameters
    ----------
    slow_seconds
        How long ``/slow`` waits before answering.
    huge_bytes
        ``/huge`` and ``/huge-stream`` send a little more than this.
    """

    def __init__(self, *, slow_seconds: float = 1.0, huge_bytes: int = 64 * 1024) -> None:
        self.slow_seconds = slow_seconds
        self.huge_bytes = huge_bytes
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.add("/image.png", PNG_BYTES, "image/png")
        self.add("/broken-feed.xml", BROKEN_FEED, "application/rss+xml")
        self.redirect("/to-private", "http://10.0.0.1/internal")
        self.redirect("/to-ftp", "ftp://files.example/article.txt")
        self.redirect("/loop", "/loop")

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.server_address[1])

    def url(self, path: str = "/") -> str:
        """The full URL of a path on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def add(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        *,
        status: int = 200,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> str:
        """Serve ``body`` on ``path``; return its URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(data, content_type, status, headers)
        return self.url(path)

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        """Answer ``path`` with a redirect to ``location``; return its URL."""
        return self.add(path, b"", "text/plain", status=status, headers=(("Location", location),))

    def count(self, path: str) -> int:
        """How many requests ``path`` has had."""
        with self._lock:
            return self.hits.get(path, 0)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _hit(self, path: str) -> None:
        with self._lock:
            self.hits[path] = self.hits.get(path, 0) + 1


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one LocalServer's routes."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle(self) -> None:
            with contextlib.suppress(ConnectionError):  # the client hung up: a timeout or cap
                super().handle()

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            server._hit(path)
            self._answer(path)

        def _answer(self, path: str) -> None:
            if path == "/slow":
                time.sleep(server.slow_seconds)
                self._send(Route(b"<html><body><p>Too late.</p></body></html>"))
            elif path == "/huge":
                self._send(Route(b"a" * (server.huge_bytes + 1), "text/plain"))
            elif path == "/huge-stream":
                self._stream(server.huge_bytes + 1)
            elif path in server.routes:
                self._send(server.routes[path])
            else:
                self._send(Route(b"not found", "text/plain", 404))

        def _send(self, route: Route) -> None:
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            self.send_header("Content-Length", str(len(route.body)))
            for name, value in route.headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(route.body)

        def _stream(self, size: int) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"b" * 8192
            sent = 0
            while sent < size:
                self.wfile.write(chunk)
                sent += len(chunk)
            self.close_connection = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    return Handler
