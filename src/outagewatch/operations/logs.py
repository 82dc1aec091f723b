"""One structured line per request and per background step: JSON when
OUTAGEWATCH_LOG_FORMAT=json, readable text otherwise. Each request carries an id, taken
from the proxy's X-Request-ID when it sends a sane one and echoed in the answer, so one
line in a proxy's log and one here can be matched.

What is never written: client addresses, query strings (sign-in and unsubscribe links carry
tokens there), and a path that carries a secret is logged by its route ("/unsubscribe/{token}").
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

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
    return "/".join(":redacted" if "@" in part else part for part in path.split("/"))


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            candidate = bytes(value).decode("latin-1")
            if _SANE_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex


class RequestLog:
    """The outermost layer: an id for each request, and its line once answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        token = REQUEST_ID.set(request_id)
        status = 500  # if the app fails before answering, the server answers 500
        started = time.perf_counter()

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), (b"x-request-id", request_id.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": _path(scope),
                    "status": status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            REQUEST_ID.reset(token)
