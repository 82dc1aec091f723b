"""The outermost layer: limits and headers that every answer needs, whoever produced it.

Inside FastAPI, errors are pages with security headers (web/errors.py); but a 500 from the
framework's last-resort handler, or an answer from the raw ASGI handlers in front of it, never
passes through that. This layer, outside everything, makes sure of three things:

- a body, whatever the method, is refused with 413 as soon as it passes MAX_BODY_BYTES (or
  says it will), before anything reads on: a 300 MB form is never held in memory; a body cut
  after the answer began ends the connection instead of finishing the answer;
- every error answer carries the security headers;
- a redirect never sends a browser to the host named in the request's Host header (the
  framework builds trailing-slash redirects from it): such a Location becomes relative.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outagewatch.http.security import HEADERS as SECURITY_HEADERS

MAX_BODY_BYTES = 64 * 1024  # the largest body we take: a batch of 500 mention counts
_POLICY = b"content-security-policy"  # present: the answer carries the whole set


class BodyTooLargeError(HTTPException):
    """Raised from `receive` inside the app: the framework turns it into a 413 page."""

    def __init__(self, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        super().__init__(413, _too_large(max_body_bytes))


class Hardening:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self._max = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # One pass over the headers: this layer sits in front of the hottest reads
        # (measured: bench/read.py).
        declared: bytes | None = None
        host = b""
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
            elif name == b"host":
                host = value
        if declared is not None and not declared.isdigit():
            await _refuse(send, 400, "Content-Length is not a number.")
            return
        if declared is not None and int(declared) > self._max:
            await _refuse(send, 413, _too_large(self._max))
            return
        # Every body is counted, whatever the method: a GET may carry a chunked one too, and
        # HTTP/2 needs no Content-Length at all.
        exchange = _Exchange(receive, send, max_body_bytes=self._max, host=host)
        try:
            await self.app(scope, exchange.receive, exchange.send)
        except Exception:
            # After a cut, what the app raises follows from it (the framework's "response
            # already started" included), and the answer below says so.
            if not exchange.cut:
                raise
        if exchange.cut and not exchange.started:
            await exchange.refuse()


class _Exchange:
    """One request as the app sees it: its body counted and cut at the limit, and the app's
    answers passed on unless they would misrepresent a body that was cut."""

    __slots__ = ("_dropping", "_host", "_max", "_receive", "_send", "cut", "received", "started")

    def __init__(self, receive: Receive, send: Send, *, max_body_bytes: int, host: bytes) -> None:
        self._receive = receive
        self._send = send
        self._max = max_body_bytes
        self._host = host
        self.received = 0  # body bytes so far
        self.cut = False  # the body passed the limit; the app never reads past it
        self.started = False  # a response start went to the client
        self._dropping = False  # what the app sends from now on never reaches the client

    async def receive(self) -> Message:
        if self.cut:
            raise BodyTooLargeError(self._max)
        message = await self._receive()
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.received > self._max:
                self.cut = True
                # An answer already begun is left unfinished: the server then closes the
                # connection, where finishing it would pass a cut-short answer for whole.
                self._dropping = self.started
                raise BodyTooLargeError(self._max)
        return message

    async def send(self, message: Message) -> None:
        if self._dropping:
            return
        if message["type"] == "http.response.start":
            status = message["status"]
            if self.cut and status != 413:
                # The answer of a layer that did not know why the body stopped (a 500 from
                # the framework's last resort), or that carried on without it.
                await self.refuse()
                return
            if self.cut or status >= 300:
                headers = list(message.get("headers", []))
                if self.cut:
                    # The rest of the body is never read: a kept connection would read it next.
                    headers.append((b"connection", b"close"))
                message["headers"] = _guarded_headers(status, headers, self._host.decode("latin-1"))
            self.started = True
        await self._send(message)

    async def refuse(self) -> None:
        """Answer 413 in the app's stead, and drop whatever the app sends after."""
        self.started = True
        self._dropping = True
        await _refuse(self._send, 413, _too_large(self._max))


def _too_large(max_body_bytes: int) -> str:
    return f"The request body is larger than {max_body_bytes} bytes."


def _guarded_headers(
    status: int, headers: list[tuple[bytes, bytes]], host: str
) -> list[tuple[bytes, bytes]]:
    if status >= 400 and not any(name == _POLICY for name, _ in headers):
        present = {name for name, _ in headers}
        headers.extend(header for header in SECURITY_HEADERS if header[0] not in present)
    if 300 <= status < 400 and host:
        headers = [
            (name, _relative(value, host) if name == b"location" else value)
            for name, value in headers
        ]
    return headers


def _relative(location: bytes, host: str) -> bytes:
    """A Location pointing at whatever host the request named, as a path on this site."""
    parts = urlsplit(location.decode("latin-1"))
    if not parts.netloc or parts.netloc.lower() != host.lower():
        return location
    path = "/" + (parts.path or "/").lstrip("/")  # never "//host", which leaves the site
    return (path + (f"?{parts.query}" if parts.query else "")).encode("latin-1")


async def _refuse(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": {"status": status, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *SECURITY_HEADERS,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
