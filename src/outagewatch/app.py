"""create_app(): the one place where the parts of OutageWatch are wired together."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import redis.asyncio as redis
from fastapi import FastAPI
from starlette.types import ASGIApp

from outagewatch import __version__
from outagewatch.api import feeds, openapi, v1
from outagewatch.api import signals as signals_api
from outagewatch.api.intake import ReportIntake
from outagewatch.api.live import LiveStreams
from outagewatch.api.snapshot import snapshot_reads
from outagewatch.catalog import service as catalog_service
from outagewatch.clock import Clock, SystemClock
from outagewatch.config import Settings
from outagewatch.context import AppContext
from outagewatch.http.security import SecurityHeaders
from outagewatch.live import LiveHub
from outagewatch.live_publish import LivePublisher
from outagewatch.live_relay import RedisRelay
from outagewatch.notify.accounts import Accounts
from outagewatch.operations import logs
from outagewatch.operations.metered import MeteredDesk, MeteredWriter
from outagewatch.operations.ticks import TickRecord
from outagewatch.reports.client import TrustedProxies
from outagewatch.reports.geo import RegistryCountries
from outagewatch.reports.identity import ReporterKeys
from outagewatch.reports.ratelimit import BucketPolicy, MemoryBuckets, RateLimiter, RedisBuckets
from outagewatch.storage.protocol import Store
from outagewatch.storage.sql import SqlStore, make_engine
from outagewatch.web import accounts as account_pages
from outagewatch.web import admin as admin_pages
from outagewatch.web import (
    errors,
    health,
    incident_pages,
    pages,
    report_form,
    seo,
    share,
    structured_data,
)
from outagewatch.web import metrics as metrics_page
from outagewatch.web import operator as operator_pages
from outagewatch.web import voices as voice_pages
from outagewatch.web.hardening import Hardening
from outagewatch.web.rendering import STATIC_DIR, make_templates
from outagewatch.web.static_assets import StaticAssets
from outagewatch.worker import embedded

SIGNIN_BURST = 5
SIGNIN_PER_HOUR = 10


def create_app(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    limiter: RateLimiter | None = None,
) -> ASGIApp:
    """The whole site as one ASGI app (the servers' factory, and what tests drive).

    Storage must already be migrated and the catalog loaded (`outagewatch migrate`).
    """
    site = build_site(settings, store=store, clock=clock, limiter=limiter)
    logs.configure(site.state.context.settings.log_format)
    # Reports enter before any of FastAPI's middleware: on the hottest path, each layer
    # costs measurably (bench/ingest.py), and the intake handles its own errors. Status JSON
    # and anonymous service pages, what a flash crowd reads, come from a snapshot in memory
    # just behind it (bench/read.py).
    # Live streams likewise: ten thousand viewers, each paying every layer on every change.
    streams = LiveStreams(
        snapshot_reads(
            site, renderer=pages.AnonymousPages(site.state.context, site.state.templates)
        ),
        hub=site.state.hub,
        tracked=lambda slug: slug in site.state.context.catalog.by_slug,
        context=site.state.context,
    )
    # Outside everything: body limits, security headers on every error, no Host-made redirects.
    inner = Hardening(
        ReportIntake(
            streams,
            desk=lambda: site.state.desk,
            catalog=lambda: site.state.context.catalog,
            public_url=site.state.context.settings.public_url,
        )
    )
    # Outermost: every request gets its id and its log line, whatever answers it.
    configured: Settings = site.state.context.settings
    if not configured.log_requests:
        return inner
    return logs.RequestLog(inner, log_format=configured.log_format)


def build_site(
    settings: Settings | None = None,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    limiter: RateLimiter | None = None,
) -> FastAPI:
    """The FastAPI application: pages, API, live streams, and the report desk's lifecycle."""
    settings = settings or Settings()
    store = store or SqlStore(make_engine(settings.resolved_database_url()))
    catalog = catalog_service.CatalogFollower(store)
    context = AppContext(
        settings=settings,
        store=store,
        clock=clock or SystemClock(),
        catalog=catalog.index,
        accounts=Accounts(store, secret=settings.resolved_secret(), public_url=settings.public_url),
    )
    hub = LiveHub()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        redis_client, relay = _redis(settings, hub)
        publisher = LivePublisher(hub, relay, services=lambda: context.catalog.by_id)
        writer = MeteredWriter(
            context.store,
            clock=context.clock,
            window=timedelta(minutes=settings.report_window_minutes),
            max_pending=settings.max_pending_reports,
            on_committed=publisher.counts_committed,
        )
        app.state.desk = _desk(context, writer, limiter or _rate_limiter(settings, redis_client))
        app.state.signin_limiter = _signin_limiter(redis_client)
        app.state.relay = relay
        writer.start()
        try:
            async with embedded.running(
                context,
                hub=hub,
                relay=relay,
                publisher=publisher,
                follower=catalog,
                writer=writer,
                ticks=app.state.ticks,
            ):
                yield
        finally:
            hub.close()
            app.state.desk = None
            await writer.stop()
            if redis_client is not None:
                await redis_client.aclose()
            if relay is not None:
                await relay.client.aclose()

    app = FastAPI(
        title=f"{settings.site_name} API",
        version=__version__,
        description="Live, crowd-sourced outage reports: services, status and report counts.",
        openapi_url="/api/v1/openapi.json",
        # Swagger UI would load scripts from a CDN, and pages make no third-party requests.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.context = context
    app.state.hub = hub
    app.state.desk = None
    app.state.relay = None
    app.state.templates = make_templates(context)
    structured_data.install(
        app.state.templates.env, public_url=settings.public_url, site_name=settings.site_name
    )
    app.state.ticks = TickRecord()
    _install_faces(app)
    return app


def _install_faces(app: FastAPI) -> None:
    """The routes of both faces, static files, headers, the OpenAPI document, error pages."""
    for face in (v1, feeds, signals_api, pages, incident_pages, voice_pages, report_form):
        app.include_router(face.router)
    for face in (health, seo, share, metrics_page, account_pages, operator_pages, admin_pages):
        app.include_router(face.router)
    app.mount("/static", StaticAssets(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
    openapi.install(app)
    errors.install(app)


def _redis(settings: Settings, hub: LiveHub) -> tuple[redis.Redis | None, RedisRelay | None]:
    """The intake's client and the live relay, when Redis is configured."""
    if not settings.redis_url:
        return None, None
    # Short timeouts: a report must not wait long on a Redis that is going away.
    client = redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
    # The relay's listener waits on its connection for seconds at a time: a client of its
    # own, without the intake's short read timeout.
    relay = RedisRelay(
        redis.from_url(settings.redis_url, socket_connect_timeout=1),
        hub,
        channel=settings.redis_live_channel,
    )
    return client, relay


def _desk(context: AppContext, writer: MeteredWriter, limiter: RateLimiter) -> MeteredDesk:
    """Where reports are checked, rate-limited and queued for the writer's group commit."""
    return MeteredDesk(
        writer=writer,
        limiter=limiter,
        keys=ReporterKeys(context.settings.resolved_secret()),
        countries=RegistryCountries(),
        clock=context.clock,
        trusted_proxies=TrustedProxies(context.settings.trusted_proxies.split(",")),
    )


def _rate_limiter(settings: Settings, redis_client: redis.Redis | None) -> RateLimiter:
    policy = BucketPolicy(
        capacity=settings.rate_limit_burst,
        refill_per_second=settings.rate_limit_per_minute / 60,
    )
    return RedisBuckets(redis_client, policy) if redis_client else MemoryBuckets(policy)


def _signin_limiter(redis_client: redis.Redis | None) -> RateLimiter:
    """Sign-in mails per network: a few at once, ten an hour; shared by nodes via Redis."""
    policy = BucketPolicy(capacity=SIGNIN_BURST, refill_per_second=SIGNIN_PER_HOUR / 3600)
    if redis_client:
        return RedisBuckets(redis_client, policy, prefix="ow:signin:")
    return MemoryBuckets(policy)
