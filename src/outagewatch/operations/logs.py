"""One structured line per request and per background step: JSON when
OUTAGEWATCH_LOG_FORMAT=json, readable text otherwise. Each request carries an id, taken
from the proxy's X-Request-ID when it sends a sane one and echoed in the answer, so one
line in a proxy's log and one here can be matched.

What is never written: client addresses, query strings (sign-in and unsubscribe links carry
tokens there), and a path that carries a secret is logged by its route ("/unsubscribe/{token}").
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Awaitable, Iterator
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LogFormat = Literal["text", "json"]
REQUEST_ID: ContextVar[str | None] = ContextVar("outagewatch-request-id", default=None)
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Attributes every LogRecord has; anything else given as `extra` is one of our fields.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}

log = logging.getLogger("outagewatch.requests")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        line |= {k: v for k, v in vars(record).items() if k not in _STANDARD and k not in line}
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        request_id = fields.pop("request_id", None) or REQUEST_ID.get()
        if request_id:
            fields["request_id"] = request_id
        extra = " ".join(f"{k}={v}" for k, v in fields.items())
        at = datetime.fromtimestamp(record.created, UTC).strftime("%Y-%m-%d %H:%M:%S")
        text = f"{at} {record.levelname} {record.name}: {record.getMessage()}"
        text = f"{text} {extra}" if extra else text
        return f"{text}\n{self.formatException(record.exc_info)}" if record.exc_info else text


def configure(log_format: LogFormat) -> None:
    """Our loggers write to stderr in the chosen format (once per process)."""
    logger = logging.getLogger("outagewatch")
    if any(getattr(h, "outagewatch", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    handler.outagewatch = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


_SECRET_PARAMETERS = frozenset({"token", "nonce", "secret", "key"})


def _path(scope: Scope) -> str:
    """The path as sent, which says which page is busy; but a route whose address carries a
    secret is written as its template. (A segment with an @ is left out when the line is
    written: see _redacted.)"""
    route = scope.get("route")
    if route is not None and not _SECRET_PARAMETERS.isdisjoint(scope.get("path_params", ())):
        template = getattr(route, "path", None)
        if isinstance(template, str):
            return template
    return str(scope.get("path", ""))


def _redacted(path: str) -> str:
    """A segment with an @ (an address someone typed) is left out."""
    if "@" not in path:
        return path
    return "/".join(":redacted" if "@" in part else part for part in path.split("/"))


_ID_PREFIX = secrets.token_hex(6)  # per process; with a counter, unique and cheap
_ids = itertools.count(1)


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = bytes(value).decode("latin-1")
            if _SANE_ID.match(candidate):
                return candidate
            break
    return "%s%08x" % (_ID_PREFIX, next(_ids))  # noqa: UP031 - measured: twice an f-string's speed


# One request's line, kept as plain values until its batch is written.
_Line = tuple[float, str, str, str, int, float]  # at, id, method, path, status, ms

# A line is three parts: the time's second (shared by a batch's lines in that second), what
# is the same for every answer of one kind (method, path, status: a crowd asks for few), and
# the rest, put in with one %-template. Ids are ours or matched _SANE_ID, statuses are
# integers: only the method and path may need escaping, once per batch.
_JSON_SECOND = '{"at": "%s.'
_JSON_KIND = '"method": %s, "path": %s, "status": %d, '
_JSON_REST = (
    '%03d+00:00", "level": "info", "logger": "outagewatch.requests", "message": "request", '
    '"request_id": "%s", %s"duration_ms": %.1f}\n'
)
_TEXT_SECOND = "%s INFO outagewatch.requests: request request_id="
_TEXT_KIND = " method=%s path=%s status=%d duration_ms="
_TEXT_REST = "%s%s%.1f\n"


class RequestLines:
    """Request lines, written in batches a moment after they happen.

    A LogRecord per request, formatted at once, cost 20-80 us (bench/read.py: the status
    JSON fell from 0.75-0.82 of bare ASGI to 0.33 with it). Here a request costs a tuple;
    a batch renders each line with one %-template, escaping each distinct path and method
    once and the time's seconds once per second, and writes once: 0.5-1 us a line, a
    third to two thirds less than an f-string per line with its own escaping. The lines
    still go to the same stream, in the chosen format, in order.
    """

    FLUSH_AFTER_SECONDS = 0.5
    FLUSH_AT_LINES = 1000

    def __init__(self, log_format: LogFormat, stream: TextIO | None = None) -> None:
        self.json = log_format == "json"
        self.stream = stream
        self.pending: list[_Line] = []
        self._scheduled = False

    def add(self, line: _Line) -> None:
        self.pending.append(line)
        if len(self.pending) >= self.FLUSH_AT_LINES:
            self.flush()
        elif not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_later(self.FLUSH_AFTER_SECONDS, self.flush)

    def flush(self) -> None:
        self._scheduled = False
        lines, self.pending = self.pending, []
        if not lines or not log.isEnabledFor(logging.INFO):
            return
        stream = self.stream or sys.stderr
        stream.write("".join(self._json(lines) if self.json else self._text(lines)))
        stream.flush()

    @staticmethod
    def _json(lines: list[_Line]) -> Iterator[str]:
        seconds: dict[int, str] = {}
        kinds: dict[tuple[str, str, int], str] = {}
        for at, request_id, method, path, status, ms in lines:
            second = int(at)
            head = seconds.get(second)
            if head is None:
                head = seconds[second] = _JSON_SECOND % _utc(second, "%Y-%m-%dT%H:%M:%S")
            kind = kinds.get((method, path, status))
            if kind is None:
                kind = kinds[method, path, status] = _JSON_KIND % (
                    _json_string(method),
                    _json_string(_redacted(path)),
                    status,
                )
            yield head + _JSON_REST % (int((at - second) * 1000), request_id, kind, ms)

    @staticmethod
    def _text(lines: list[_Line]) -> Iterator[str]:
        seconds: dict[int, str] = {}
        kinds: dict[tuple[str, str, int], str] = {}
        for at, request_id, method, path, status, ms in lines:
            second = int(at)
            head = seconds.get(second)
            if head is None:
                head = seconds[second] = _TEXT_SECOND % _utc(second, "%Y-%m-%d %H:%M:%S")
            kind = kinds.get((method, path, status))
            if kind is None:
                kind = kinds[method, path, status] = _TEXT_KIND % (
                    _printable(method),
                    _printable(_redacted(path)),
                    status,
                )
            yield head + _TEXT_REST % (request_id, kind, ms)


def _utc(second: int, layout: str) -> str:
    return time.strftime(layout, time.gmtime(second))


def _json_string(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text)


def _printable(text: str) -> str:
    """One token on one line, whatever was sent: a path is decoded, and may hold anything."""
    if text.isprintable() and " " not in text:
        return text
    return text.encode("unicode_escape").decode("ascii").replace(" ", "%20")


class _Answer:
    """The server's `send` with the request id added to the answer's headers, keeping the
    status for the line. A plain callable that returns the server's own awaitable: an async
    wrapper would add a coroutine per message, which a crowd reading a cached answer pays
    for twice per request."""

    __slots__ = ("header", "send", "status")

    def __init__(self, send: Send, header: tuple[bytes, bytes]) -> None:
        self.send = send
        self.header = header
        self.status = 500  # if the app fails before answering, the server answers 500

    def __call__(self, message: Message) -> Awaitable[None]:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            # A copy: the app may send the same message (and headers list) again and again.
            message = {**message, "headers": [*message.get("headers", ()), self.header]}
        return self.send(message)


class RequestLog:
    """The outermost layer: an id for each request, and its line once answered."""

    def __init__(self, app: ASGIApp, *, log_format: LogFormat = "text") -> None:
        self.app = app
        self.lines = RequestLines(log_format)

    def _flushing_at_shutdown(self, send: Send) -> Send:
        async def flushing(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                self.lines.flush()  # the last half second's lines
            await send(message)

        return flushing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                send = self._flushing_at_shutdown(send)
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        answer = _Answer(send, (b"x-request-id", request_id.encode()))
        started = time.perf_counter()
        try:
            await self.app(scope, receive, answer)
        finally:
            finished = time.perf_counter()
            self.lines.add(
                (
                    time.time(),
                    request_id,
                    scope.get("method", ""),
                    _path(scope),
                    answer.status,
                    (finished - started) * 1000,
                )
            )
            REQUEST_ID.reset(token)
