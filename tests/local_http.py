"""A real HTTP server on 127.0.0.1 for tests, and the log every local test server keeps.

`LocalHttpServer` records every request and answers from what the test put at each path (a
404 elsewhere, or whatever `otherwise` says), or with statuses planned ahead for the next
requests, whatever they ask for. The webhook receiver, the status page server and the probe
targets are this one server told different things; the SMTP server keeps the same `Log`.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

Item = TypeVar("Item")


class Log(Generic[Item]):
    """What a server received, oldest first; safe to append to from the server's threads."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._items: list[Item] = []

    def append(self, item: Item) -> None:
        with self._changed:
            self._items.append(item)
            self._changed.notify_all()

    def items(self) -> list[Item]:
        """A copy of what was received so far."""
        with self._changed:
            return list(self._items)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Item]:
        """Everything received once at least `count` have arrived; TimeoutError if they do not."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._items) >= count, timeout):
                raise TimeoutError(f"expected {count}, received {len(self._items)}")
            return list(self._items)


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        """A header's value whatever the case its sender wrote the name in."""
        wanted = name.lower()
        return next((value for key, value in self.headers.items() if key.lower() == wanted), None)


@dataclass(frozen=True)
class Response:
    status: int = 200
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)


# What stands at a path: a fixed answer, or one worked out from the request (as for
# conditional GETs).
Answer = Response | Callable[[ReceivedRequest], Response]


def closed_port_url() -> str:
    """The URL of a local port nobody listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class LocalHttpServer:
    """Starts listening at once; with `tls` (a server context holding a certificate), HTTPS."""

    def __init__(
        self, *, otherwise: Response = Response(404), tls: ssl.SSLContext | None = None
    ) -> None:
        self.log: Log[ReceivedRequest] = Log()
        self._lock = threading.Lock()
        self._answers: dict[str, Answer] = {}
        self._otherwise = otherwise
        self._planned: deque[int] = deque()
        self._server = _Server(("127.0.0.1", 0), _Handler, local=self)
        self._scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        # stop() waits for the server to notice, which it does once per poll interval.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"{self._scheme}://127.0.0.1:{self._server.server_port}"

    @property
    def port(self) -> int:
        return int(self._server.server_port)

    @property
    def requests(self) -> list[ReceivedRequest]:
        """A copy of the requests received so far, oldest first."""
        return self.log.items()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        return self.log.wait_for(count, timeout)

    def answer(self, path: str, answer: Answer) -> None:
        """Answer requests for `path` (with its query, if any) so from now on."""
        with self._lock:
            self._answers[path] = answer

    def respond_with(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests, whatever they ask for, with `status` and no body
        (after any planned before)."""
        with self._lock:
            self._planned.extend([status] * times)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _respond(self, request: ReceivedRequest) -> Response:
        self.log.append(request)
        with self._lock:
            if self._planned:
                return Response(self._planned.popleft())
            answer = self._answers.get(request.path, self._otherwise)
        return answer(request) if callable(answer) else answer


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        local: LocalHttpServer,
    ) -> None:
        super().__init__(address, handler)
        self.local = local


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def _answer(self) -> None:
        assert isinstance(self.server, _Server)
        length = int(self.headers.get("Content-Length") or 0)
        request = ReceivedRequest(
            method=self.command,
            path=self.path,
            headers=dict(self.headers.items()),
            body=self.rfile.read(length),
        )
        response = self.server.local._respond(request)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output should show its own failures, not every request."""
