"""Every request body is bounded, whatever the method and however it is sent: a declared
Content-Length over the limit is refused before anything is read; a chunked body is counted
as it arrives and cut with 413 at the limit; and an answer already begun is left unfinished,
the connection closed, rather than passed off as whole."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.sql import SqlStore
from outagewatch.web.hardening import MAX_BODY_BYTES, Hardening
from tests.serving import free_port, serving_in_thread

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"]
KIBIBYTE = b"x" * 1024
HUGE_BODY_PIECES = 300 * 1024  # of a KiB: 300 MiB offered
SOCKET_TIMEOUT_SECONDS = 10.0  # a bound on a broken server, never waited for when it works


async def _read_whole_body(request: Request) -> Response:
    """A handler that reads the body whatever the method, as any handler may."""
    body = await request.body()
    return PlainTextResponse(f"read {len(body)} bytes")


def _body_reader() -> ASGIApp:
    return Hardening(Starlette(routes=[Route("/body", _read_whole_body, methods=METHODS)]))


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }


class Exchange:
    """Drives an ASGI app with a body of `pieces` KiB chunks, then a disconnect, and records
    what it reads and answers."""

    def __init__(self, *, pieces: int = HUGE_BODY_PIECES) -> None:
        self.pieces = pieces
        self.read = 0
        self.sent: list[Message] = []

    async def receive(self) -> Message:
        if self.read == self.pieces:
            return {"type": "http.disconnect"}
        self.read += 1
        return {"type": "http.request", "body": KIBIBYTE, "more_body": self.read < self.pieces}

    async def send(self, message: Message) -> None:
        self.sent.append(message)

    def run(
        self, app: ASGIApp, method: str, path: str, *, content_length: int | None = None
    ) -> Exchange:
        """Chunked, unless `content_length` is declared."""
        framing = (
            [(b"transfer-encoding", b"chunked")]
            if content_length is None
            else [(b"content-length", str(content_length).encode())]
        )

        async def call() -> None:
            await app(_scope(method, path, framing), self.receive, self.send)

        asyncio.run(call())
        return self

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def finished(self) -> bool:
        return any(
            message["type"] == "http.response.body" and not message.get("more_body", False)
            for message in self.sent
        )


@pytest.mark.parametrize("method", METHODS)
def test_a_chunked_body_is_cut_at_the_limit_whatever_the_method(method: str) -> None:
    exchange = Exchange().run(_body_reader(), method, "/body")

    assert exchange.status == 413
    assert exchange.read * len(KIBIBYTE) <= MAX_BODY_BYTES + len(KIBIBYTE)


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_a_declared_body_over_the_limit_is_refused_before_a_byte_is_read(method: str) -> None:
    exchange = Exchange(pieces=1).run(
        _body_reader(), method, "/body", content_length=MAX_BODY_BYTES + 1
    )

    assert exchange.status == 413
    assert exchange.read == 0


def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    exchange = Exchange(pieces=64).run(_body_reader(), "GET", "/body")

    assert exchange.status == 200
    assert exchange.sent[1]["body"] == f"read {64 * 1024} bytes".encode()


async def _answer_then_read(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"begun", "more_body": True})
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def test_an_answer_begun_before_the_cut_is_left_unfinished() -> None:
    exchange = Exchange().run(Hardening(_answer_then_read), "GET", "/")

    assert exchange.status == 200
    assert exchange.read * len(KIBIBYTE) <= MAX_BODY_BYTES + len(KIBIBYTE)
    assert not exchange.finished


async def _read_then_fail(scope: Scope, receive: Receive, send: Send) -> None:
    # As the framework's last resort does with an error it was not made for: a 500.
    try:
        while (await receive()).get("more_body"):
            pass
    except Exception:
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b"Internal Server Error"})


def test_an_answer_made_without_knowing_of_the_cut_becomes_a_413() -> None:
    exchange = Exchange().run(Hardening(_read_then_fail), "POST", "/")

    assert [message["type"] for message in exchange.sent] == [
        "http.response.start",
        "http.response.body",
    ]
    assert exchange.status == 413
    assert (b"connection", b"close") in exchange.sent[0]["headers"]


def test_a_huge_body_sent_to_the_live_stream_cuts_it_unfinished(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, public_url="http://testserver", run_detection=False)
    app = create_app(settings, store=loaded_store, clock=clock)

    exchange = Exchange().run(app, "GET", "/api/v1/events")

    assert exchange.status == 200
    assert exchange.read * len(KIBIBYTE) <= MAX_BODY_BYTES + len(KIBIBYTE)
    assert not exchange.finished


# Over real HTTP: raw requests, so that nothing between the test and the server adds or
# fixes a Content-Length.


@pytest.fixture
def body_reader_url() -> Iterator[tuple[str, int]]:
    port = free_port()
    with serving_in_thread(_body_reader(), port):
        yield ("127.0.0.1", port)


def _chunked_request(
    address: tuple[str, int], method: str, path: str, *, pieces: int, end: bool
) -> bytes:
    """Send a chunked body of `pieces` KiB (ended or not) and read the answer to the end of
    the connection."""
    with socket.create_connection(address, timeout=SOCKET_TIMEOUT_SECONDS) as connection:
        # A whole request asks the server to close after answering, so that the read ends.
        closing = "Connection: close\r\n" if end else ""
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {address[0]}\r\n"
            f"Transfer-Encoding: chunked\r\n{closing}\r\n"
        )
        chunk = b"400\r\n" + KIBIBYTE + b"\r\n"
        connection.sendall(head.encode() + chunk * pieces + (b"0\r\n\r\n" if end else b""))
        answer = b""
        while received := connection.recv(65536):
            answer += received
    return answer


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_real_server_answers_a_chunked_body_past_the_limit_with_413_and_closes(
    body_reader_url: tuple[str, int], method: str
) -> None:
    answer = _chunked_request(body_reader_url, method, "/body", pieces=65, end=False)

    assert answer.startswith(b"HTTP/1.1 413 ")
    assert b"connection: close" in answer.lower()


def test_a_real_server_takes_a_chunked_get_body_within_the_limit(
    body_reader_url: tuple[str, int],
) -> None:
    answer = _chunked_request(body_reader_url, "GET", "/body", pieces=64, end=True)

    assert answer.startswith(b"HTTP/1.1 200 ")
    assert answer.endswith(f"read {64 * 1024} bytes".encode())


def test_a_real_server_closes_a_live_stream_whose_request_body_passes_the_limit(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    port = free_port()
    settings = Settings(
        data_dir=tmp_path, public_url=f"http://127.0.0.1:{port}", run_detection=False
    )

    with serving_in_thread(create_app(settings, store=loaded_store, clock=clock), port):
        answer = _chunked_request(
            ("127.0.0.1", port), "GET", "/api/v1/events", pieces=65, end=False
        )

    assert answer.startswith(b"HTTP/1.1 200 ")
    assert not answer.endswith(b"0\r\n\r\n")  # no last chunk: the stream was cut, not ended
