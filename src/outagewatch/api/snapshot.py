"""The read path under a flash crowd: status JSON and anonymous service pages from memory.

When a service goes down, its page and status are asked for thousands of times a second, and
every answer is the same for a second or two. Each process keeps the rendered bytes of each
with a strong ETag for a short TTL. One request recomputes an expired entry in a thread while
the others for the same entry await that one result (single flight), so storage sees one set
of queries per entry per TTL however large the crowd. The handler is raw ASGI, like
api/intake.py, in front of FastAPI's routing and middleware (bench/read.py measures it).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, NamedTuple, Protocol

import msgspec
from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from outagewatch.api.snapshot_cache import Header, Snapshot, SnapshotUnavailableError
from outagewatch.context import AppContext
from outagewatch.detection.status import StatusWord
from outagewatch.http.requests import not_tracked
from outagewatch.http.security import HEADERS as SECURITY_HEADERS
from outagewatch.http.security import SESSION_COOKIE
from outagewatch.live import LiveHub
from outagewatch.status.card import StatusCard, read_card
from outagewatch.status.details import ServiceDetails, read_details

STATUS_PATH = re.compile(r"^/api/v1/services/([a-z0-9-]{1,80})/status$")
PAGE_PATH = re.compile(r"^/services/([a-z0-9-]{1,80})$")
READ_METHODS = ("GET", "HEAD")

STATUS_TTL_SECONDS = 1.0
PAGE_TTL_SECONDS = 2.0
# A crawler walking the catalog must not keep every page in every process (~30 KB each
# with its gzipped copy, ~40 KB in an outage); the hot pages are recomputed, so
# reinserted, every TTL and are never the oldest.
MAX_PAGES = 256
MAX_STATUSES = 4096  # under 1 KB each
RETRY_AFTER_SECONDS = 2


# msgspec's schema leaves the format out; the document should say what clients can parse.
Timestamp = Annotated[datetime, msgspec.Meta(extra_json_schema={"format": "date-time"})]


class ServiceStatusOut(msgspec.Struct):
    """A service's status and counts: the small answer status widgets and apps poll."""

    slug: str
    name: str
    status: StatusWord
    label: str
    since: Timestamp
    explanation: str | None
    reports_this_hour: int
    reports_today: int
    updated_at: Timestamp
    # No recent data (reports could not be received): the status is held, not judged.
    stale: bool = False


_encode = msgspec.json.Encoder().encode


def status_out(card: StatusCard) -> ServiceStatusOut:
    """The body of GET /api/v1/services/{slug}/status."""
    return ServiceStatusOut(
        slug=card.service.slug,
        name=card.service.name,
        status=card.word,
        label=card.label,
        since=card.status.since,
        explanation=card.explanation,
        reports_this_hour=card.reports_this_hour,
        reports_today=card.reports_today,
        updated_at=card.generated_at,
        stale=card.stale,
    )


STATUS_HEADERS = [
    (b"content-type", b"application/json"),
    (b"cache-control", b"public, max-age=1"),
]
PAGE_HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"public, max-age=2, stale-while-revalidate=10"),
    # Signed-in visitors get their own page from the app: a shared cache must tell them apart.
    (b"vary", b"Cookie, Accept-Encoding"),
]


@dataclass(frozen=True, slots=True)
class Plain:
    """A response that is not a snapshot: errors, each with every security header."""

    status: int
    body: bytes
    headers: list[Header]

    @classmethod
    def of(cls, status: int, body: bytes, media_type: bytes, *extra: Header) -> Plain:
        headers = [
            (b"content-type", media_type),
            (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store"),
            *extra,
            *SECURITY_HEADERS,
        ]
        return cls(status, body, headers)

    @classmethod
    def json_error(cls, status: int, message: str, *extra: Header) -> Plain:
        body = _encode({"error": {"status": status, "message": message}})
        return cls.of(status, body, b"application/json", *extra)


RETRY_AFTER = (b"retry-after", str(RETRY_AFTER_SECONDS).encode())
STATUS_UNAVAILABLE = Plain.json_error(
    503, "The status cannot be read right now; try again shortly.", RETRY_AFTER
)
NOT_ALLOWED = Plain.json_error(405, "Method Not Allowed", (b"allow", b"GET, HEAD"))


class SnapshotReads:
    """GET /api/v1/services/{slug}/status and anonymous GET /services/{slug}; everything
    else (a session cookie, a query string, an unknown page) goes to the app unchanged."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        tracked: Callable[[str], bool],
        statuses: Snapshot[str],
        pages: Snapshot[str],
        page_unavailable: Plain,
    ) -> None:
        self.app = app
        self._tracked = tracked
        self.statuses = statuses
        self.pages = pages
        self._page_unavailable = page_unavailable

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            match = STATUS_PATH.match(path)
            if match is not None:
                await self._status(scope, send, match.group(1))
                return
            match = PAGE_PATH.match(path)
            if (
                match is not None
                and scope["method"] in READ_METHODS
                and not scope["query_string"]  # ?reported= and ?followed= thank one person
                and self._tracked(match.group(1))  # else the app renders its 404 page
            ):
                headers = RequestHeaders.of(scope)
                # Anything that looks like a session goes to the app: slower, never wrong.
                if SESSION_COOKIE.encode() + b"=" not in headers.cookie:
                    await self._serve(scope, send, self.pages, match.group(1), headers)
                    return
        await self.app(scope, receive, send)

    async def _status(self, scope: Scope, send: Send, slug: str) -> None:
        if scope["method"] not in READ_METHODS:
            await send_plain(send, scope, NOT_ALLOWED)
        elif not self._tracked(slug):
            await send_plain(send, scope, Plain.json_error(404, not_tracked(slug)))
        else:
            await self._serve(scope, send, self.statuses, slug, RequestHeaders.of(scope))

    async def _serve(
        self,
        scope: Scope,
        send: Send,
        snapshot: Snapshot[str],
        slug: str,
        headers: RequestHeaders,
    ) -> None:
        try:
            entry = await snapshot.get(slug)
        except SnapshotUnavailableError:
            unavailable = (
                STATUS_UNAVAILABLE if snapshot is self.statuses else self._page_unavailable
            )
            await send_plain(send, scope, unavailable)
            return
        chosen = entry.for_client(headers.accept_encoding)
        if headers.if_none_match and _matches(headers.if_none_match, chosen.etag):
            await send_plain(send, scope, Plain(304, b"", chosen.not_modified_headers))
        else:
            await send_plain(send, scope, Plain(200, chosen.body, chosen.headers))


class RequestHeaders(NamedTuple):
    if_none_match: bytes
    cookie: bytes
    accept_encoding: bytes

    @classmethod
    def of(cls, scope: Scope) -> RequestHeaders:
        """The three that matter here, in one pass over the request's headers."""
        if_none_match = cookie = accept_encoding = b""
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
            elif name == b"cookie":
                cookie += value + b";"
            elif name == b"accept-encoding":
                accept_encoding = value
        return cls(if_none_match, cookie, accept_encoding)


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """RFC 9110's weak comparison, as If-None-Match asks: W/ is ignored, * matches all."""
    if if_none_match == etag:
        return True
    return any(tag.strip().removeprefix(b"W/") in (etag, b"*") for tag in if_none_match.split(b","))


async def send_plain(send: Send, scope: Scope, response: Plain) -> None:
    await send(
        {"type": "http.response.start", "status": response.status, "headers": response.headers}
    )
    body = b"" if scope["method"] == "HEAD" else response.body
    await send({"type": "http.response.body", "body": body})


class PageRenderer(Protocol):
    """The HTML face, as app.py hands it over: api/ renders no HTML of its own."""

    def anonymous_service_page(self, details: ServiceDetails) -> bytes:
        """The service page as a visitor without a session sees it."""
        ...

    def unavailable_page(self) -> bytes:
        """The page for a 503, when a service page could not be computed."""
        ...


def snapshot_reads(site: FastAPI, *, renderer: PageRenderer) -> SnapshotReads:
    """The snapshot handler in front of `site` (built by app.build_site), fed by its context."""
    context: AppContext = site.state.context
    hub: LiveHub = site.state.hub

    def live_revision(slug: str) -> Hashable:
        # What this process's live viewers were last told: a new status or timeline line
        # replaces the entry at once (a reload shows what the open page just announced);
        # the counts alone wait for the TTL (viewers get those by the live stream anyway).
        last = hub.last(slug)
        return None if last is None else (last.status, last.timeline)

    def status_body(slug: str) -> bytes:
        service = context.catalog.by_slug[slug]
        card = read_card(context.store, service=service, now=context.clock.now())
        return _encode(status_out(card))

    def page_body(slug: str) -> bytes:
        details = read_details(
            context.store,
            catalog=context.catalog,
            service=context.catalog.by_slug[slug],
            now=context.clock.now(),
            with_voices=context.settings.show_comments,
        )
        return renderer.anonymous_service_page(details)

    async def compute_status(slug: str) -> bytes:
        return await asyncio.to_thread(status_body, slug)

    async def compute_page(slug: str) -> bytes:
        return await asyncio.to_thread(page_body, slug)

    return SnapshotReads(
        site,
        # Read at each request: an operator's catalog edit replaces context.catalog.
        tracked=lambda slug: slug in context.catalog.by_slug,
        statuses=Snapshot(
            compute_status,
            ttl_seconds=STATUS_TTL_SECONDS,
            headers=STATUS_HEADERS,
            max_entries=MAX_STATUSES,
            revision=live_revision,
        ),
        pages=Snapshot(
            compute_page,
            ttl_seconds=PAGE_TTL_SECONDS,
            headers=PAGE_HEADERS,
            max_entries=MAX_PAGES,
            # During an outage the page is ~33 KB, ~8 KB gzipped (the map's outlines are a
            # file of their own): the bytes sent still limit pages per second (bench/read.py).
            compress=True,
            revision=live_revision,
        ),
        page_unavailable=Plain.of(
            503, renderer.unavailable_page(), b"text/html; charset=utf-8", RETRY_AFTER
        ),
    )
