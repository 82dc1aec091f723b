"""Server-Sent Events: a service's live figures, or every service's, as they change.

Raw ASGI in front of FastAPI, like api/intake.py and api/snapshot.py: when a service goes
down, ten thousand viewers of its page each get every change, and on this path each layer of
middleware and each response wrapper costs per viewer per change (bench/sse.py measures it).
The routes are described in the OpenAPI document by api/openapi.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Callable
from dataclasses import asdict
from functools import lru_cache

import msgspec
from starlette.types import ASGIApp, Receive, Scope, Send

from outagewatch.api.snapshot import NOT_ALLOWED, Plain, send_plain
from outagewatch.http.requests import not_tracked
from outagewatch.http.security import HEADERS as SECURITY_HEADERS
from outagewatch.live import LiveHub, ServiceUpdate, StreamEndedError

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

    def __init__(self, app: ASGIApp, *, hub: LiveHub, tracked: Callable[[str], bool]) -> None:
        self.app = app
        self.hub = hub
        self._tracked = tracked

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


async def _until_disconnected(receive: Receive) -> None:
    with contextlib.suppress(OSError):
        while (await receive())["type"] != "http.disconnect":
            pass
