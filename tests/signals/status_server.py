"""A real status page server on 127.0.0.1 for tests: it serves fixtures, honours conditional
requests, fails when told to, and records every request with its headers."""

from __future__ import annotations

import socket
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.webhook_receiver import ReceivedRequest

FIXTURES = Path(__file__).parent / "fixtures"
CONTENT_TYPES = {
    ".json": "application/json",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def closed_port_url() -> str:
    """The URL of a local port nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None


class StatusServer:
    """Answers 404 for paths it was not given; starts listening at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._documents: dict[str, Document] = {}
        self._planned_failures: deque[int] = deque()
        self._requests: list[ReceivedRequest] = []
        self._server = _Server(("127.0.0.1", 0), _Handler, status_server=self)
        # stop() waits for the server to notice, which it does once per poll interval.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def requests(self) -> list[ReceivedRequest]:
        """A copy of the requests received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def serve(
        self,
        path: str,
        body: bytes,
        *,
        content_type: str,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        with self._lock:
            self._documents[path] = Document(body, content_type, etag, last_modified)

    def serve_fixture(
        self, path: str, name: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> None:
        content_type = CONTENT_TYPES[Path(name).suffix]
        self.serve(
            path, fixture(name), content_type=content_type, etag=etag, last_modified=last_modified
        )

    def fail_with(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests with `status`, whatever they ask for."""
        with self._lock:
            self._planned_failures.extend([status] * times)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> StatusServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _answer_for(self, request: ReceivedRequest) -> tuple[int, Document | None]:
        with self._lock:
            self._requests.append(request)
            if self._planned_failures:
                return self._planned_failures.popleft(), None
            document = self._documents.get(request.path)
        if document is None:
            return 404, None
        headers = {name.lower(): value for name, value in request.headers.items()}
        etag_matches = document.etag is not None and headers.get("if-none-match") == document.etag
        # Exact comparison is enough here: clients echo the Last-Modified value they were given.
        unmodified = (
            document.last_modified is not None
            and headers.get("if-modified-since") == document.last_modified
        )
        return (304 if etag_matches or unmodified else 200), document


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        status_server: StatusServer,
    ) -> None:
        super().__init__(address, handler)
        self.status_server = status_server


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        assert isinstance(self.server, _Server)
        request = ReceivedRequest("GET", self.path, dict(self.headers.items()), b"")
        status, document = self.server.status_server._answer_for(request)
        self.send_response(status)
        body = document.body if document is not None and status == 200 else b""
        if document is not None:
            for name, value in (("ETag", document.etag), ("Last-Modified", document.last_modified)):
                if value is not None:
                    self.send_header(name, value)
            if status == 200:
                self.send_header("Content-Type", document.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output should show its own failures, not every request."""
