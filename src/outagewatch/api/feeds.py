"""Feeds, badges, open data and a Statuspage-compatible API: thin views over the status read
model (open data reads the store's hourly totals as they are).

The shaping lives in pure modules beside this one: feed_building (Atom/RSS), statuspage_shape,
open_data, and status.badge.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response

from outagewatch.api import open_data, schemas
from outagewatch.api import statuspage_shape as statuspage
from outagewatch.api.feed_building import FeedKind, FeedSpec, render_feed
from outagewatch.context import AppContext
from outagewatch.http.requests import app_context, tracked_service
from outagewatch.status import overview
from outagewatch.status.badge import STATUS_COLOURS, render_badge
from outagewatch.status.card import read_card

router = APIRouter()

SERVICE_FEED_ENTRIES = 20
SITE_FEED_ENTRIES = 50
STATUSPAGE_RECENT_INCIDENTS = 50  # what Statuspage's incidents.json lists
# A service has at most one open incident, and it is its newest; the newest also holds the
# latest change (the page's updated_at). So a few newest are enough outside incidents.json.
NEWEST_INCIDENTS = 3

# Public and read-only: any page may read it, and shared caches may keep it a minute, which
# is as long as a status takes to change anyway.
PUBLIC = {"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"}
# A finished day's counts no longer change (only a backfill of history could add to them).
PUBLIC_FINISHED_DAY = {**PUBLIC, "Cache-Control": "public, max-age=3600"}
FEED_MEDIA_TYPES: dict[FeedKind, str] = {
    "atom": "application/atom+xml; charset=utf-8",
    "rss": "application/rss+xml; charset=utf-8",
}

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": schemas.ErrorBody, "description": "No such service"}
}
BAD_DAY: dict[int | str, dict[str, Any]] = {
    410: {"model": schemas.ErrorBody, "description": "A day older than the hours kept"},
    422: {"model": schemas.ErrorBody, "description": "A malformed or future day"},
}


def _documents(
    media_type: str, errors: dict[int | str, dict[str, Any]]
) -> dict[int | str, dict[str, Any]]:
    """For the OpenAPI document: what a route answers, when it is not JSON."""
    return {200: {"content": {media_type: {}}}, **errors}


def _public_url(context: AppContext) -> str:
    return context.settings.public_url.rstrip("/")


# -- Atom and RSS ----------------------------------------------------------------------------


def _service_feed(request: Request, slug: str, kind: FeedKind) -> Response:
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    now = context.clock.now()
    base = _public_url(context)
    spec = FeedSpec(
        title=f"{service.name} outages · {context.settings.site_name}",
        description=f"Problems people report with {service.name}, and when they end.",
        feed_url=f"{base}/services/{slug}/feed.{kind}",
        page_url=f"{base}/services/{slug}",
        site_name=context.settings.site_name,
        public_url=base,
        quiet_since=now,
    )
    card = read_card(context.store, service=service, now=now, incidents=SERVICE_FEED_ENTRIES)
    document = render_feed(spec, [(incident, service) for incident in card.incidents], kind=kind)
    return Response(document, media_type=FEED_MEDIA_TYPES[kind], headers=PUBLIC)


def _site_feed(request: Request, kind: FeedKind) -> Response:
    context = app_context(request)
    base = _public_url(context)
    site_name = context.settings.site_name
    spec = FeedSpec(
        title=f"Outages · {site_name}",
        description="Problems people report with any service we track, and when they end.",
        feed_url=f"{base}/feed.{kind}",
        page_url=f"{base}/",
        site_name=site_name,
        public_url=base,
        quiet_since=context.clock.now(),
    )
    pairs = overview.read_latest_incidents(
        context.store, catalog=context.catalog, limit=SITE_FEED_ENTRIES
    )
    document = render_feed(spec, pairs, kind=kind)
    return Response(document, media_type=FEED_MEDIA_TYPES[kind], headers=PUBLIC)


@router.get(
    "/services/{slug}/feed.atom",
    tags=["feeds"],
    response_class=Response,
    responses=_documents("application/atom+xml", NOT_FOUND),
)
def service_feed_atom(request: Request, slug: str) -> Response:
    """A service's incidents as an Atom feed."""
    return _service_feed(request, slug, "atom")


@router.get(
    "/services/{slug}/feed.rss",
    tags=["feeds"],
    response_class=Response,
    responses=_documents("application/rss+xml", NOT_FOUND),
)
def service_feed_rss(request: Request, slug: str) -> Response:
    """A service's incidents as an RSS 2.0 feed."""
    return _service_feed(request, slug, "rss")


@router.get(
    "/feed.atom",
    tags=["feeds"],
    response_class=Response,
    responses=_documents("application/atom+xml", {}),
)
def site_feed_atom(request: Request) -> Response:
    """The latest incidents of every service as an Atom feed."""
    return _site_feed(request, "atom")


@router.get(
    "/feed.rss",
    tags=["feeds"],
    response_class=Response,
    responses=_documents("application/rss+xml", {}),
)
def site_feed_rss(request: Request) -> Response:
    """The latest incidents of every service as an RSS 2.0 feed."""
    return _site_feed(request, "rss")


# -- Badge -----------------------------------------------------------------------------------


@router.get(
    "/services/{slug}/badge.svg",
    tags=["feeds"],
    response_class=Response,
    responses=_documents("image/svg+xml", NOT_FOUND),
)
def status_badge(request: Request, slug: str) -> Response:
    """An SVG badge with the service's name and current status, for READMEs and dashboards."""
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    card = read_card(context.store, service=service, now=context.clock.now())
    svg = render_badge(service.name, card.label, STATUS_COLOURS[card.word])
    return Response(svg, media_type="image/svg+xml; charset=utf-8", headers=PUBLIC)


# -- Open data -------------------------------------------------------------------------------

DayQuery = Annotated[
    str | None,
    Query(
        alias="date",
        description="A UTC day as YYYY-MM-DD, up to today; by default yesterday",
        examples=["2026-11-17"],
    ),
]


def _hourly(
    request: Request, day_text: str | None, *, extension: str
) -> tuple[date, list[open_data.HourlyRow], dict[str, str]]:
    """The day asked for, its rows, and the download's headers."""
    context = app_context(request)
    now = context.clock.now()
    today = now.date()
    # Retention folds whole days before now - KEEP_HOURS_DAYS: the day holding that moment
    # still has every hour.
    oldest = (now - timedelta(days=context.settings.keep_hours_days)).date()
    try:
        day = open_data.requested_day(day_text, today=today, oldest=oldest)
    except open_data.DayFoldedError as error:
        raise HTTPException(410, str(error)) from None
    except open_data.DayError as error:
        raise HTTPException(422, str(error)) from None
    since, until = open_data.day_bounds(day)
    totals = context.store.hourly_totals_all(since=since, until=until)
    slugs = {service_id: service.slug for service_id, service in context.catalog.by_id.items()}
    caching = PUBLIC_FINISHED_DAY if day < today else PUBLIC
    disposition = f"attachment; filename={open_data.filename(day, extension)}"
    headers = {**caching, "Content-Disposition": disposition}
    return day, open_data.hourly_rows(totals, slugs), headers


@router.get(
    "/api/v1/data/hourly.csv",
    tags=["open data"],
    response_class=Response,
    responses=_documents("text/csv", BAD_DAY),
)
def hourly_csv(request: Request, day: DayQuery = None) -> Response:
    """Counted reports per service and hour of one UTC day: `service,hour,reports` rows,
    non-zero only, by service then hour."""
    _, rows, headers = _hourly(request, day, extension="csv")
    return Response(open_data.to_csv(rows), media_type="text/csv", headers=headers)


@router.get("/api/v1/data/hourly.json", tags=["open data"], responses=BAD_DAY)
def hourly_json(request: Request, day: DayQuery = None) -> JSONResponse:
    """The same as hourly.csv as `{"date", "rows": [{"service", "hour", "reports"}]}`."""
    chosen, rows, headers = _hourly(request, day, extension="json")
    return JSONResponse(open_data.to_json(chosen, rows), headers=headers)


# -- Statuspage v2, per service: a client's base URL is /services/<slug> ----------------------


def _page_facts(request: Request, slug: str, *, incidents: int) -> statuspage.PageFacts:
    context = app_context(request)
    service, _ = tracked_service(context, slug)
    card = read_card(context.store, service=service, now=context.clock.now(), incidents=incidents)
    return statuspage.PageFacts(
        service=service,
        status=card.word,
        status_since=card.status.since,
        tracked_since=card.tracked_since,
        incidents=card.incidents,
        public_url=_public_url(context),
    )


def _statuspage_json(body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, headers=PUBLIC)


@router.get("/services/{slug}/api/v2/summary.json", tags=["statuspage"], responses=NOT_FOUND)
def statuspage_summary(request: Request, slug: str) -> JSONResponse:
    """Statuspage v2 summary: page, status, components, unresolved incidents."""
    facts = _page_facts(request, slug, incidents=NEWEST_INCIDENTS)
    return _statuspage_json(statuspage.summary(facts))


@router.get("/services/{slug}/api/v2/status.json", tags=["statuspage"], responses=NOT_FOUND)
def statuspage_status(request: Request, slug: str) -> JSONResponse:
    """Statuspage v2 status: the page and its indicator."""
    facts = _page_facts(request, slug, incidents=NEWEST_INCIDENTS)
    return _statuspage_json(statuspage.status_only(facts))


@router.get("/services/{slug}/api/v2/components.json", tags=["statuspage"], responses=NOT_FOUND)
def statuspage_components(request: Request, slug: str) -> JSONResponse:
    """Statuspage v2 components: one, the service."""
    facts = _page_facts(request, slug, incidents=NEWEST_INCIDENTS)
    return _statuspage_json(statuspage.components_only(facts))


@router.get("/services/{slug}/api/v2/incidents.json", tags=["statuspage"], responses=NOT_FOUND)
def statuspage_incidents(request: Request, slug: str) -> JSONResponse:
    """Statuspage v2 incidents: the 50 most recent, newest first."""
    facts = _page_facts(request, slug, incidents=STATUSPAGE_RECENT_INCIDENTS)
    return _statuspage_json(statuspage.incidents_only(facts, unresolved=False))


@router.get(
    "/services/{slug}/api/v2/incidents/unresolved.json", tags=["statuspage"], responses=NOT_FOUND
)
def statuspage_unresolved(request: Request, slug: str) -> JSONResponse:
    """Statuspage v2 unresolved incidents: the open one, if any."""
    facts = _page_facts(request, slug, incidents=NEWEST_INCIDENTS)
    return _statuspage_json(statuspage.incidents_only(facts, unresolved=True))
