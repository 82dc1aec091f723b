"""A real HTTP receiver on 127.0.0.1 for tests: it records requests and answers as told."""

from __future__ import annotations

import json
import ssl
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """Answers 200 unless told otherwise with respond_with; starts listening at once."""

    def __init__(self, *, tls: ssl.SSLContext | None = None) -> None:
        """With `tls` (a server context holding a certificate), it speaks HTTPS."""
        self._changed = threading.Condition()
        self._requests: list[ReceivedRequest] = []
        self._planned_statuses: deque[int] = deque()
        self._server = _RecordingServer(("127.0.0.1", 0), _Handler, receiver=self)
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
        with self._changed:
            return list(self._requests)

    def respond_with(self, status: int, times: int = 1) -> None:
        """Answer the next `times` requests with `status` (after any planned before)."""
        with self._changed:
            self._planned_statuses.extend([status] * times)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedRequest]:
        """The requests once at least `count` have arrived; TimeoutError if they do not."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._requests) >= count, timeout):
                raise TimeoutError(f"expected {count} requests, received {len(self._requests)}")
            return list(self._requests)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> WebhookReceiver:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _record(self, request: ReceivedRequest) -> int:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()
            return self._planned_statuses.popleft() if self._planned_statuses else 200


class _RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        *,
        receiver: WebhookReceiver,
    ) -> None:
        super().__init__(address, handler)
        self.receiver = receiver


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        assert isinstance(self.server, _RecordingServer)
        length = int(self.headers.get("Content-Length") or 0)
        request = ReceivedRequest(
            method=self.command,
            path=self.path,
            headers=dict(self.headers.items()),
            body=self.rfile.read(length),
        )
        status = self.server.receiver._record(request)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test's output should show its own failures, not every request."""
