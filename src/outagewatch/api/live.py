"""Server-Sent Events: a service's live figures, or every service's, as they change.

Raw ASGI in front of FastAPI, like api/intake.py and api/snapshot.py: when a service goes
down, ten thousand viewers of its page each get every change, and on this path each layer of
middleware and each response wrapper costs per viewer per change (bench/sse.py measures it).
The routes are described in the OpenAPI document by api/openapi.py.

A viewer's first event is what this process last told the service's viewers; the first viewer
of a service on this process gets it from the status read model (one read for a crowd that
arrives at once), published to the hub so that the refresher's next read is no news.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import asdict
from functools import lru_cache

import msgspec
from starlette.types import ASGIApp, Receive, Scope, Send

from outagewatch.api.snapshot import NOT_ALLOWED, Plain, send_plain
from outagewatch.context import AppContext
from outagewatch.http.requests import not_tracked
from outagewatch.http.security import HEADERS as SECURITY_HEADERS
from outagewatch.live import LiveHub, ServiceUpdate, StreamEndedError
from outagewatch.status.card import StatusCard, read_card

log = logging.getLogger(__name__)

SERVICE_EVENTS_PATH = re.compile(r"^/api/v1/services/([^/]+)/events$")
ALL_EVENTS_PATH = "/api/v1/events"
STREAM_HEADERS = [
    (b"content-type", b"text/event-stream"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),  # nginx: pass each event on at once
    *SECURITY_HEADERS,
]
RETRY = b"retry: 2000\n\n"  # how soon a browser reconnects after losing the stream
KEEPALIVE = b": keep-alive\n\n"

_encode = msgspec.json.Encoder().encode


# Ten thousand viewers of one service get the same update: encode it once, not once each.
@lru_cache(maxsize=4096)
def event(update: ServiceUpdate) -> bytes:
    return b"event: update\ndata: " + _encode(asdict(update)) + b"\n\n"


class LiveStreams:
    """GET /api/v1/services/{slug}/events and GET /api/v1/events; the rest goes to the app."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        hub: LiveHub,
        tracked: Callable[[str], bool],
        context: AppContext,
    ) -> None:
        self.app = app
        self.hub = hub
        self._tracked = tracked
        self._context = context
        self._reading: dict[str, asyncio.Future[ServiceUpdate]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        # endswith first: every other request passes here too, and a regex costs more.
        if scope["type"] == "http" and path.endswith("/events"):
            if path == ALL_EVENTS_PATH:
                await self._stream(scope, receive, send, None)
                return
            match = SERVICE_EVENTS_PATH.match(path)
            if match is not None:
                slug = match.group(1)
                if self._tracked(slug):
                    await self._stream(scope, receive, send, slug)
                else:
                    await send_plain(send, scope, Plain.json_error(404, not_tracked(slug)))
                return
        await self.app(scope, receive, send)

    async def _stream(self, scope: Scope, receive: Receive, send: Send, slug: str | None) -> None:
        if scope["method"] not in ("GET", "HEAD"):
            await send_plain(send, scope, NOT_ALLOWED)
            return
        await send({"type": "http.response.start", "status": 200, "headers": STREAM_HEADERS})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        subscription = self.hub.subscribe(slug)
        # One waiting task per viewer notices when they leave, and ends the stream then;
        # the loop below never asks, so a change costs each viewer one wake-up and one write.
        leaving = asyncio.ensure_future(_until_disconnected(receive))
        leaving.add_done_callback(lambda _: subscription.end())
        try:
            first = self.hub.last(slug) if slug is not None else None
            if first is None and slug is not None:
                await self._tell_the_hub(slug)  # this viewer gets it through the subscription
            opening = RETRY + (event(first) if first is not None else b"")
            await send({"type": "http.response.body", "body": opening, "more_body": True})
            while True:
                updates = await subscription.next()
                chunk = b"".join(map(event, updates)) if updates else KEEPALIVE
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        except StreamEndedError:
            pass
        finally:
            subscription.close()
            leaving.cancel()
        # The server is closing (a viewer who left is sent nothing more by the server).
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _tell_the_hub(self, slug: str) -> None:
        """The first viewer of a service on this process: its figures from the read model,
        published to every viewer of it. A crowd arriving at once waits on one read."""
        flight = self._reading.get(slug)
        if flight is None:
            flight = asyncio.ensure_future(asyncio.to_thread(self._read_update, slug))
            self._reading[slug] = flight
            flight.add_done_callback(lambda _: self._reading.pop(slug, None))
        try:
            update = await asyncio.shield(flight)
        except Exception:
            # The refresher brings the figures a moment later; the stream need not wait.
            log.warning("cannot read %s for its first viewer", slug, exc_info=True)
            return
        if self.hub.last(slug) is None:  # else something newer came meanwhile
            self.hub.publish([update])

    def _read_update(self, slug: str) -> ServiceUpdate:
        context = self._context
        service = context.catalog.by_slug[slug]
        return update_of(read_card(context.store, service=service, now=context.clock.now()))


def update_of(card: StatusCard) -> ServiceUpdate:
    """A stream's event for a service: its status card, as the hub carries it."""
    return ServiceUpdate(
        slug=card.service.slug,
        name=card.service.name,
        status=card.word,
        reports_this_hour=card.reports_this_hour,
        reports_today=card.reports_today,
        timeline=card.timeline_mark,
    )


async def _until_disconnected(receive: Receive) -> None:
    # Any failure to receive ends the stream the same way a disconnect does: the server's
    # socket error, or the body limit cutting a client that sends a body to a stream
    # (which would otherwise surface as "Task exception was never retrieved").
    with contextlib.suppress(Exception):
        while (await receive())["type"] != "http.disconnect":
            pass
