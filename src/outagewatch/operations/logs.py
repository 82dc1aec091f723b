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
    secret is written as its template, and a segment with an @ (an address someone typed)
    is left out."""
    template = getattr(scope.get("route"), "path", None)
    if isinstance(template, str) and _SECRET_PARAMETERS & set(scope.get("path_params", {})):
        return template
    path = str(scope.get("path", ""))
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
    return f"{_ID_PREFIX}{next(_ids):08x}"


# One request's line, kept as plain values until its batch is written.
_Line = tuple[float, str, str, str, int, float]  # at, id, method, path, status, ms


class RequestLines:
    """Request lines, written in batches a moment after they happen.

    A LogRecord per request, formatted at once, cost 20-80 us (bench/read.py: the status
    JSON fell from 0.75-0.82 of bare ASGI to 0.33 with it); a tuple per request and one
    write per batch cost a few. The lines still go to the same stream, in the chosen
    format, in order.
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
        render = self._json if self.json else self._text
        stream = self.stream or sys.stderr
        stream.write("".join(render(line) for line in lines))
        stream.flush()

    _second = -1
    _second_text = ""

    def _when(self, at: float) -> str:
        second = int(at)
        if second != self._second:  # a batch's lines share a few seconds: format each once
            self._second, self._second_text = (
                second,
                time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)),
            )
        return f"{self._second_text}.{int(at % 1 * 1000):03d}"

    def _json(self, line: _Line) -> str:
        at, request_id, method, path, status, ms = line
        return (
            f'{{"at": "{self._when(at)}+00:00", "level": "info", '
            f'"logger": "outagewatch.requests", "message": "request", '
            f'"request_id": "{request_id}", "method": {_json_string(method)}, '
            f'"path": {_json_string(path)}, '
            f'"status": {status}, "duration_ms": {ms:.1f}}}\n'
        )

    def _text(self, line: _Line) -> str:
        at, request_id, method, path, status, ms = line
        return (
            f"{self._when(at)[:19].replace('T', ' ')} INFO outagewatch.requests: request "
            f"request_id={request_id} method={_printable(method)} path={_printable(path)} "
            f"status={status} "
            f"duration_ms={ms:.1f}\n"
        )


def _json_string(text: str) -> str:
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return json.dumps(text)


def _printable(text: str) -> str:
    """One token on one line, whatever was sent: a path is decoded, and may hold anything."""
    if text.isprintable() and " " not in text:
        return text
    return text.encode("unicode_escape").decode("ascii").replace(" ", "%20")


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
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._flushing_at_shutdown(send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        status = 500  # if the app fails before answering, the server answers 500
        started = time.perf_counter()
        header = (b"x-request-id", request_id.encode())

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            method = str(scope.get("method", ""))
            self.lines.add((time.time(), request_id, method, _path(scope), status, elapsed_ms))
            REQUEST_ID.reset(token)
