"""create_app(): the one place where the parts of OutageWatch are wired together."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import numpy as np
import redis.asyncio as redis
from fastapi import FastAPI
from starlette.types import ASGIApp

from outagewatch import __version__, demo
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
from outagewatch.incidents.leader import HostLeadership, LeaderFlag, leadership_for, try_to_lead
from outagewatch.incidents.monitor import Monitor
from outagewatch.live import KEEPALIVE_SECONDS, LiveHub, read_updates, updates_from_counts
from outagewatch.live_relay import RedisRelay
from outagewatch.notify.accounts import Accounts
from outagewatch.notify.deliverer import deliver_forever
from outagewatch.notify.wiring import Wakeup, build_deliverer
from outagewatch.operations import logs, metrics, retention
from outagewatch.operations.metered import MeteredDesk, MeteredWriter
from outagewatch.operations.ticks import TickRecord
from outagewatch.reports.client import TrustedProxies
from outagewatch.reports.geo import RegistryCountries
from outagewatch.reports.identity import ReporterKeys
from outagewatch.reports.ratelimit import BucketPolicy, MemoryBuckets, RateLimiter, RedisBuckets
from outagewatch.reports.summary import last_hour_span
from outagewatch.reports.writer import GroupCommitWriter
from outagewatch.signals.gathering import gather_forever
from outagewatch.storage.protocol import Store
from outagewatch.storage.records import RecentCounts
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

log = logging.getLogger(__name__)


LIVE_REFRESH_SECONDS = 0.25  # one cheap query; viewers on other processes wait at most this
RELAYED_REFRESH_SECONDS = 1.0  # counts come through Redis; statuses change once per tick
_background: set[asyncio.Task[None]] = set()
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
        # Short timeouts: a report must not wait long on a Redis that is going away.
        redis_client = (
            redis.from_url(settings.redis_url, socket_timeout=0.5, socket_connect_timeout=0.5)
            if settings.redis_url
            else None
        )
        # The relay's listener waits on its connection for seconds at a time: a client of its
        # own, without the intake's short read timeout.
        relay = (
            RedisRelay(redis.from_url(settings.redis_url, socket_connect_timeout=1), hub)
            if settings.redis_url
            else None
        )
        writer = MeteredWriter(
            context.store,
            clock=context.clock,
            window=timedelta(minutes=settings.report_window_minutes),
            max_pending=settings.max_pending_reports,
            on_committed=lambda counts: _publish_counts(context, hub, relay, counts),
        )
        app.state.desk = MeteredDesk(
            writer=writer,
            limiter=limiter or _rate_limiter(settings, redis_client),
            keys=ReporterKeys(settings.resolved_secret()),
            countries=RegistryCountries(),
            clock=context.clock,
            trusted_proxies=TrustedProxies(settings.trusted_proxies.split(",")),
        )
        app.state.signin_limiter = _signin_limiter(redis_client)
        writer.start()
        listener = (
            asyncio.create_task(relay.listen_forever(), name="live-relay")
            if relay is not None
            else None
        )
        refresher = asyncio.create_task(_refresh_live(context, hub, relay), name="live-refresher")
        beat = asyncio.create_task(_keep_streams_alive(hub), name="live-keepalive")
        metrics.forget_dead_processes()
        sampler = asyncio.create_task(
            metrics.sample_forever(lambda: writer.queue_depth, lambda: hub.viewers), name="sampler"
        )
        catalog_task = asyncio.create_task(_follow_catalog(context, catalog), name="catalog")
        delivery = _start_delivery(context) if settings.run_delivery else None
        leader = LeaderFlag()
        keeper = retention.start(context, leading=lambda: leader.held)
        detector = (
            asyncio.create_task(_detect(context, writer, leader, app.state.ticks), name="detector")
            if settings.run_detection
            else None
        )
        gatherer = (
            asyncio.create_task(
                gather_forever(
                    context.store,
                    settings,
                    catalog=lambda: context.catalog,
                    now=context.clock.now,
                    leading=lambda: leader.held,
                ),
                name="signals",
            )
            if settings.run_detection
            else None
        )
        try:
            yield
        finally:
            if delivery is not None:
                delivery.cancel()
                context.wake_delivery = _no_wakeup
            if detector is not None:
                detector.cancel()
            if gatherer is not None:
                gatherer.cancel()
            refresher.cancel()
            beat.cancel()
            sampler.cancel()
            if keeper is not None:
                keeper.cancel()
            catalog_task.cancel()
            if listener is not None:
                listener.cancel()
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
    app.state.templates = make_templates(context)
    structured_data.install(
        app.state.templates.env, public_url=settings.public_url, site_name=settings.site_name
    )
    app.state.ticks = TickRecord()
    app.include_router(v1.router)
    app.include_router(feeds.router)
    app.include_router(signals_api.router)
    app.include_router(pages.router)
    app.include_router(incident_pages.router)
    app.include_router(voice_pages.router)
    app.include_router(report_form.router)
    app.include_router(health.router)
    app.include_router(seo.router)
    app.include_router(share.router)
    app.include_router(metrics_page.router)
    app.include_router(account_pages.router)
    app.include_router(operator_pages.router)
    app.include_router(admin_pages.router)
    app.mount("/static", StaticAssets(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
    # Outermost of our middleware, so a report meets as little code as possible on its way.
    app.add_middleware(
        ReportIntake,
        desk=lambda: app.state.desk,
        catalog=lambda: context.catalog,
        public_url=settings.public_url,
    )
    openapi.install(app)
    errors.install(app)
    return app


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


def _no_wakeup() -> None:
    return None


def _start_delivery(context: AppContext) -> asyncio.Task[None]:
    """This process's deliverer; every process may run one (claims are atomic)."""
    wakeup = Wakeup(asyncio.get_running_loop())
    context.wake_delivery = wakeup.notify
    deliverer = build_deliverer(
        context.settings, context.store, context.catalog, context.accounts, context.clock
    )
    return asyncio.create_task(
        deliver_forever(
            deliverer,
            context.clock.now,
            interval_seconds=context.settings.delivery_interval_seconds,
            wake=wakeup.wait,
        ),
        name="deliverer",
    )


def _publish_counts(
    context: AppContext, hub: LiveHub, relay: RedisRelay | None, counts: dict[int, RecentCounts]
) -> None:
    """Push a committed batch's fresh figures to this process's viewers at once, and to the
    other nodes' through Redis when it is configured."""
    if not hub.viewers and relay is None:
        return
    # Statuses come from the hub's last figures (the refresher keeps them current), so no
    # query runs on the event loop here.
    by_id = context.catalog.by_id
    statuses = {i: hub.known_status(by_id[i].slug) for i in counts if i in by_id}
    timelines = {i: hub.known_timeline(by_id[i].slug) for i in counts if i in by_id}
    updates = updates_from_counts(counts, by_id, statuses, timelines)
    if hub.viewers:
        hub.publish(updates)
    if relay is not None:
        task = asyncio.create_task(relay.publish(updates))
        _background.add(task)  # keep a reference until done (the loop only holds weak ones)
        task.add_done_callback(_background.discard)


async def _refresh_live(context: AppContext, hub: LiveHub, relay: RedisRelay | None) -> None:
    """Publish what storage says: it carries other processes' reports, statuses and
    timelines. Four times a second; once a second while Redis relays the counts."""
    while True:
        relayed = relay is not None and relay.healthy
        await asyncio.sleep(RELAYED_REFRESH_SECONDS if relayed else LIVE_REFRESH_SECONDS)
        if hub.viewers == 0:
            continue
        try:
            await asyncio.to_thread(refresh_live_once, context, hub)
        except Exception:
            log.exception("live refresh failed; retrying")


async def _keep_streams_alive(hub: LiveHub) -> None:
    while True:
        await asyncio.sleep(KEEPALIVE_SECONDS)
        hub.beat()


async def _follow_catalog(context: AppContext, catalog: catalog_service.CatalogFollower) -> None:
    """Serve operators' catalog edits made in other processes within a few seconds."""
    while True:
        await asyncio.sleep(context.settings.catalog_refresh_seconds)
        try:
            if await asyncio.to_thread(catalog.refresh):
                context.catalog = catalog.index
        except Exception:
            log.exception("reading the catalog failed; retrying")


async def _detect(
    context: AppContext, writer: GroupCommitWriter, leader: LeaderFlag, ticks: TickRecord
) -> None:
    """The embedded worker: whichever process holds the host's lock runs the ticks (and, in
    demo mode, sends the simulated traffic)."""
    store = context.store
    # Several hosts share PostgreSQL: lead by a database lock there, by a lock file otherwise.
    leadership = (
        leadership_for(store.engine, context.settings.data_dir)
        if isinstance(store, SqlStore)
        else HostLeadership(context.settings.data_dir)
    )
    monitor = Monitor(context.store)
    traffic = (
        demo.LiveTraffic(list(context.catalog.by_id.values()), np.random.default_rng())
        if context.settings.demo
        else None
    )
    loop = asyncio.get_running_loop()
    next_tick = loop.time()
    try:
        while True:
            leader.held = await asyncio.to_thread(try_to_lead, leadership)
            ticks.lead(leader.held, now=context.clock.now())
            if leader.held:
                if traffic is not None:
                    await _send_demo_traffic(context, traffic, writer)
                if loop.time() >= next_tick:
                    next_tick = loop.time() + context.settings.detection_interval_seconds
                    try:
                        started = time.perf_counter()
                        changes = await asyncio.to_thread(
                            monitor.tick, context.catalog, now=context.clock.now()
                        )
                        ticks.completed(
                            now=context.clock.now(), duration_seconds=time.perf_counter() - started
                        )
                        if changes:
                            context.wake_delivery()  # their messages were just queued
                    except Exception as error:
                        ticks.failed(error)
                        log.exception("detection tick failed; retrying")
            await asyncio.sleep(1.0 if traffic is not None else 0.5)
    finally:
        leader.held = False
        leadership.release()


async def _send_demo_traffic(
    context: AppContext, traffic: demo.LiveTraffic, writer: GroupCommitWriter
) -> None:
    batch, injected = traffic.candidates(context.clock.now())
    if injected is not None:
        log.info("demo: injecting an outage of %s", injected.slug)
        demo.record_truth(demo.truth_path(context.settings.data_dir), [injected])
    results = await asyncio.gather(
        *(writer.submit(candidate) for candidate in batch), return_exceptions=True
    )
    failures = [r for r in results if isinstance(r, Exception)]
    if failures:
        log.warning("demo: %d simulated reports were refused: %s", len(failures), failures[0])


def refresh_live_once(context: AppContext, hub: LiveHub) -> int:
    """One refresh step: read the watched services' figures, publish the changes."""
    now = context.clock.now()
    by_slug = context.catalog.by_slug
    watched = {by_slug[slug].id or 0 for slug in hub.watched_slugs() if slug in by_slug}
    if hub.watches_everything:
        hour_start, hour_end = last_hour_span(now)
        watched |= set(context.store.totals_by_service(since=hour_start, until=hour_end))
    return hub.publish(read_updates(context.store, context.catalog.by_id, watched=watched, now=now))
