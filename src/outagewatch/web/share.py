"""The preview images that chat apps and social sites show for a shared link.

Each image is drawn once per state and kept in memory: a service's for its status in the
current hour, an incident's for its state. During a flash crowd a request costs a dictionary
look-up, plus one small status read per image every few seconds, never a render: concurrent
first requests wait for one render.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from outagewatch.catalog.model import Service
from outagewatch.context import AppContext
from outagewatch.detection.status import status_label
from outagewatch.http.requests import app_context, tracked_service
from outagewatch.incidents import reading
from outagewatch.status.card import read_card
from outagewatch.status.summary import summarise
from outagewatch.storage.records import Incident
from outagewatch.web import headlines
from outagewatch.web.preview import Card, render_png

router = APIRouter(include_in_schema=False)

STATUS_CHECK = timedelta(seconds=5)  # how stale a cached image's status may be
CACHE_CONTROL = "public, max-age=300"  # pages link to a versioned URL as the state changes
INCIDENT_MARGIN = timedelta(hours=2)  # hours shown before and after an incident
MAX_BARS = 48


@dataclass(slots=True)
class _Image:
    state: tuple[object, ...]
    png: bytes
    etag: str
    checked_at: datetime


@dataclass(slots=True)
class PreviewCache:
    images: dict[str, _Image] = field(default_factory=dict)
    rendering: dict[str, asyncio.Lock] = field(default_factory=dict)
    renders: int = 0  # how many images were drawn, for tests and benchmarks


def _cache(request: Request) -> PreviewCache:
    cache = getattr(request.app.state, "previews", None)
    if cache is None:
        cache = request.app.state.previews = PreviewCache()
    assert isinstance(cache, PreviewCache)
    return cache


def _answer(request: Request, image: _Image) -> Response:
    headers = {"Cache-Control": CACHE_CONTROL, "ETag": image.etag}
    if request.headers.get("if-none-match") == image.etag:
        return Response(status_code=304, headers=headers)
    return Response(image.png, media_type="image/png", headers=headers)


async def _image(
    request: Request, key: str, state: tuple[object, ...], draw: Card | None = None
) -> _Image:
    """The cached image for `state`, drawn (once, whoever asks at the same time) if needed."""
    cache, now = _cache(request), app_context(request).clock.now()
    lock = cache.rendering.setdefault(key, asyncio.Lock())
    async with lock:
        image = cache.images.get(key)
        if image is None or image.state != state:
            assert draw is not None
            png = await asyncio.to_thread(render_png, draw)
            cache.renders += 1
            etag = '"' + hashlib.sha256(png).hexdigest()[:20] + '"'
            image = cache.images[key] = _Image(state, png, etag, now)
        image.checked_at = now
        return image


def _fresh(request: Request, key: str, hour: datetime) -> _Image | None:
    image = _cache(request).images.get(key)
    now = app_context(request).clock.now()
    if image is None or image.state[-1] != hour:
        return None
    if now - image.checked_at < STATUS_CHECK:
        return image
    # This request checks the status; those arriving meanwhile keep the image they have, or
    # a crowd would send one status read each every few seconds.
    image.checked_at = now
    return None


@router.get("/services/{slug}/preview.png")
async def service_preview(request: Request, slug: str) -> Response:
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    now = context.clock.now()
    hour = now.replace(minute=0, second=0, microsecond=0)
    key = f"service:{slug}"
    image = _fresh(request, key, hour)
    if image is None:
        status = await asyncio.to_thread(read_card, context.store, service=service, now=now)
        state: tuple[object, ...] = (status.word, hour)
        cached = _cache(request).images.get(key)
        card = None if cached and cached.state == state else await _service_card(context, service)
        image = await _image(request, key, state, card)
    return _answer(request, image)


async def _service_card(context: AppContext, service: Service) -> Card:
    summary = await asyncio.to_thread(
        summarise, context.store, service=service, now=context.clock.now()
    )
    n = summary.reports_this_hour
    return Card(
        name=service.name,
        icon=service.icon,
        status=summary.status.status,
        status_label=status_label(summary.status.status),
        headline=f"{n:,} report{'' if n == 1 else 's'} in the last hour",
        bars=[point.reports for point in summary.hours],
        usual=[point.usual for point in summary.hours],
        chart_label="Reports per hour, last 24 hours (dashed: the usual level)",
        site_name=context.settings.site_name,
    )


@router.get("/incidents/{incident_id}/preview.png")
async def incident_preview(request: Request, incident_id: int) -> Response:
    context = app_context(request)
    now = context.clock.now()
    incident = await asyncio.to_thread(reading.incident, context.store, incident_id, now=now)
    service = context.catalog.by_id.get(incident.service_id) if incident else None
    if incident is None or service is None:
        raise HTTPException(404, f"There is no incident {incident_id}.")
    hour = now.replace(minute=0, second=0, microsecond=0)
    state = (incident.state, incident.severity, incident.peak_reports, incident.resolved_at, hour)
    cached = _cache(request).images.get(f"incident:{incident_id}")
    card = None
    if cached is None or cached.state != state:
        card = await asyncio.to_thread(_incident_card, context, incident, service, now)
    return _answer(request, await _image(request, f"incident:{incident_id}", state, card))


def _incident_card(
    context: AppContext, incident: Incident, service: Service, now: datetime
) -> Card:
    headline = headlines.for_incident(context.store, incident, service, now=now)
    start = (incident.started_at - INCIDENT_MARGIN).replace(minute=0, second=0, microsecond=0)
    end = min(incident.resolved_at or now, now) + INCIDENT_MARGIN
    end = min(end, start + timedelta(hours=MAX_BARS))
    hours = context.store.hourly_totals(incident.service_id, since=start, until=end)
    first = int(start.timestamp()) // 3600
    count = max(int((end - start).total_seconds() // 3600), 1)
    label = status_label(incident.severity)
    return Card(
        name=service.name,
        icon=service.icon,
        status="resolved" if incident.resolved_at else incident.severity,
        status_label=f"{label}, resolved" if incident.resolved_at else f"{label}, ongoing",
        headline=headline.title.removeprefix(service.name).strip(),
        bars=[hours.get(first + n, 0) for n in range(count)],
        usual=[None] * count,
        chart_label=f"Reports per hour; peak {incident.peak_reports:,} in 15 minutes",
        site_name=context.settings.site_name,
    )
