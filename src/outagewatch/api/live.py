"""Server-Sent Events: a service's live figures, or every service's, as they change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import asdict
from functools import lru_cache

import msgspec
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import StreamingResponse

from outagewatch.api import schemas
from outagewatch.live import HubClosedError, LiveHub, ServiceUpdate, Subscription

router = APIRouter(prefix="/api/v1", tags=["v1"])

KEEPALIVE_SECONDS = 15.0  # a comment line now and then keeps proxies from closing the stream
SSE_RESPONSE: dict[int | str, dict[str, object]] = {
    200: {
        "description": "text/event-stream of `update` events, each a JSON object with slug, "
        "name, status, reports_this_hour and reports_today",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    404: {"model": schemas.ErrorBody, "description": "No such service"},
}

_encode = msgspec.json.Encoder().encode


# Ten thousand viewers of one service get the same update: encode it once, not once each.
@lru_cache(maxsize=4096)
def _event(update: ServiceUpdate) -> bytes:
    return b"event: update\ndata: " + _encode(asdict(update)) + b"\n\n"


async def _stream(subscription: Subscription, first: ServiceUpdate | None) -> AsyncIterator[bytes]:
    try:
        yield b"retry: 2000\n\n"
        if first is not None:
            yield _event(first)
        # No is_disconnected() poll per event: Starlette watches for the client going away
        # beside the stream (ASGI spec 2.3) and cancels it; polling cost each viewer a receive().
        while True:
            update = await subscription.next(timeout=KEEPALIVE_SECONDS)
            yield b": keep-alive\n\n" if update is None else _event(update)
    except HubClosedError:
        return
    finally:
        subscription.close()


def _sse(subscription: Subscription, first: ServiceUpdate | None) -> StreamingResponse:
    return StreamingResponse(
        _stream(subscription, first),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.get("/services/{slug}/events", responses=SSE_RESPONSE, response_class=StreamingResponse)
async def service_events(request: Request, slug: str) -> StreamingResponse:
    """Live figures of one service: sent at once, then whenever they change."""
    if slug not in request.app.state.context.catalog.by_slug:
        raise HTTPException(404, f"We do not track a service called {slug!r}.")
    hub: LiveHub = request.app.state.hub
    subscription = hub.subscribe(slug)
    return _sse(subscription, hub.last(slug))


@router.get("/events", responses=SSE_RESPONSE, response_class=StreamingResponse)
async def all_events(request: Request) -> StreamingResponse:
    """Live figures of every service whose reports or status change (for the home page)."""
    hub: LiveHub = request.app.state.hub
    return _sse(hub.subscribe(None), None)
