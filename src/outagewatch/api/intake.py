"""POST /api/v1/services/{slug}/reports as a lean ASGI handler: the hottest path of all.

It bypasses FastAPI's routing and validation (measured at 2-3x the CPU per request); msgspec
decodes and encodes, and the OpenAPI document still describes it (see api/openapi.py).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

import msgspec
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from outagewatch.catalog.search import CatalogIndex
from outagewatch.http.requests import not_tracked
from outagewatch.reports import intake
from outagewatch.reports.client import UNKNOWN_PEER
from outagewatch.reports.intake import IntakeError
from outagewatch.reports.service import RateLimitedError, ReportDesk
from outagewatch.reports.writer import Acknowledgement, WriterUnavailableError

log = logging.getLogger(__name__)

REPORT_PATH = re.compile(r"^/api/v1/services/([a-z0-9-]{1,80})/reports$")
ALLOWED_METHODS = b"POST"


class ReportAccepted(msgspec.Struct):
    service: str
    counted: bool
    reason: str | None
    reports_this_hour: int
    reports_today: int


_encode = msgspec.json.Encoder().encode


def acceptance(slug: str, acknowledgement: Acknowledgement) -> ReportAccepted:
    return ReportAccepted(
        service=slug,
        counted=acknowledgement.counted,
        reason=acknowledgement.uncounted_reason,
        reports_this_hour=acknowledgement.counts.reports_this_hour,
        reports_today=acknowledgement.counts.reports_today,
    )


class ReportIntake:
    def __init__(
        self,
        app: ASGIApp,
        *,
        desk: Callable[[], ReportDesk | None],
        catalog: Callable[[], CatalogIndex],
        public_url: str = "",
    ) -> None:
        self.app = app
        self._desk = desk
        self._catalog = catalog
        self._public_origin = _origin(public_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = REPORT_PATH.match(scope["path"]) if scope["type"] == "http" else None
        if match is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] != "POST":
            # A preflight (OPTIONS) included: no CORS headers, so browsers on other sites
            # cannot send JSON here at all (see "Security" in the README).
            status, body, headers = _error(405, "Reports are sent with POST.")
            headers.append((b"allow", ALLOWED_METHODS))
        else:
            status, body, headers = await self._handle(scope, receive, match.group(1))
        await _respond(send, status, body, headers)

    def _refuse_cross_site(self, headers: dict[bytes, bytes]) -> None:
        """Reports come from people on this site or from programs, not from other sites'
        pages: any page could otherwise make its visitors report from their own networks.

        A browser says where a request comes from (Sec-Fetch-Site, Origin); programs send
        neither. A JSON content type keeps a cross-site form or a "simple" fetch out too:
        the browser must ask first (a preflight), and the answer grants nothing.
        """
        content_type = headers.get(b"content-type", b"").partition(b";")[0].strip().lower()
        if content_type != b"application/json":
            raise IntakeError(415, "Send the report as JSON (Content-Type: application/json).")
        fetch_site = headers.get(b"sec-fetch-site")
        if fetch_site == b"same-origin":
            return
        origin = headers.get(b"origin")
        if fetch_site in (b"cross-site", b"same-site") or (
            origin is not None and origin.decode("latin-1").lower() != self._public_origin
        ):
            raise IntakeError(403, "Reports are taken from this site's pages and from apps.")

    async def _handle(
        self, scope: Scope, receive: Receive, slug: str
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        desk = self._desk()
        try:
            if desk is None:
                raise WriterUnavailableError("the report writer is starting", retry_after_seconds=2)
            headers = _headers(scope)
            self._refuse_cross_site(headers)
            declared = headers.get(b"content-length")
            if (
                declared is not None
                and declared.isdigit()
                and int(declared) > intake.MAX_BODY_BYTES
            ):
                raise IntakeError(413, f"The body is larger than {intake.MAX_BODY_BYTES} bytes.")
            service = self._catalog().by_slug.get(slug)
            if service is None:
                raise IntakeError(404, not_tracked(slug))
            client = scope.get("client")
            sender = desk.sender(
                peer=client[0] if client else UNKNOWN_PEER,
                forwarded_for=_text(headers.get(b"x-forwarded-for")),
                user_agent=_text(headers.get(b"user-agent")) or "",
            )
            await desk.check_rate(sender)
            body = await _read_body(receive, limit=intake.MAX_BODY_BYTES)
            report = intake.validate(intake.parse_body(body), service, desk.arrival(sender))
            acknowledgement = await desk.submit(report)
        except RateLimitedError as error:
            return _error(429, error.message, retry_after=error.retry_after_seconds)
        except IntakeError as error:
            return _error(error.status, error.message)
        except WriterUnavailableError as error:
            return _error(503, str(error), retry_after=error.retry_after_seconds)
        except Exception:
            # A bug: say so plainly (this path sits outside the framework's error handler).
            log.exception("report intake failed")
            return _error(500, "Internal error; the report was not stored.")
        # 201: a new counted report; 200: stored, but this person was already counted.
        status = 201 if acknowledgement.counted else 200
        return status, _encode(acceptance(slug, acknowledgement)), []


def _origin(url: str) -> str:
    """scheme://host[:port] as a browser sends it in Origin (default ports left out)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = "" if parts.port in (None, default) else f":{parts.port}"
    return f"{parts.scheme}://{parts.hostname or ''}{port}".lower()


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {name.lower(): value for name, value in scope["headers"]}


def _text(value: bytes | None) -> str | None:
    return None if value is None else value.decode("latin-1")


async def _read_body(receive: Receive, *, limit: int) -> bytes:
    """The body, refusing it as soon as it passes `limit` (a wrong Content-Length included)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            raise IntakeError(400, "The client went away before sending the whole body.")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise IntakeError(413, f"The body is larger than {limit} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _error(
    status: int, message: str, *, retry_after: int | None = None
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    headers = [] if retry_after is None else [(b"retry-after", str(retry_after).encode())]
    return status, _encode({"error": {"status": status, "message": message}}), headers


async def _respond(
    send: Send, status: int, body: bytes, extra_headers: list[tuple[bytes, bytes]]
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"),
                (b"x-content-type-options", b"nosniff"),
                *extra_headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
