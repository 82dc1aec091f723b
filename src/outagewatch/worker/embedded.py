"""The background steps of a web process (`outagewatch serve`), run beside its pages.

Every process follows the catalog, keeps its live streams fed and alive, samples its
metrics and checkpoints SQLite's log; with RUN_DELIVERY it delivers (claims are atomic, so
every process may); with RUN_DETECTION it stands ready to lead, and the one that leads
ticks, gathers signals, prunes old rows and, in demo mode, sends the simulated traffic.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import numpy as np

from outagewatch import demo
from outagewatch.catalog.search import CatalogIndex
from outagewatch.catalog.service import CatalogFollower
from outagewatch.context import AppContext
from outagewatch.incidents.leader import HostLeadership, LeaderFlag, Leadership, leadership_for
from outagewatch.incidents.monitor import Monitor
from outagewatch.live import KEEPALIVE_SECONDS, LiveHub
from outagewatch.live_publish import LivePublisher
from outagewatch.live_refresh import LIVE_REFRESH_SECONDS, LiveRefresher
from outagewatch.live_relay import RedisRelay
from outagewatch.notify.wiring import build_deliverer
from outagewatch.operations import metrics
from outagewatch.operations.metered import MeteredWriter
from outagewatch.operations.retention import Retention
from outagewatch.operations.ticks import TickRecord
from outagewatch.storage.sql import SqlStore
from outagewatch.worker import demo_traffic, housekeeping, steps
from outagewatch.worker.detection import Detection, release
from outagewatch.worker.scheduler import Scheduler, Step

STOP_SECONDS = 5.0


@contextlib.asynccontextmanager
async def running(
    context: AppContext,
    *,
    hub: LiveHub,
    relay: RedisRelay | None,
    publisher: LivePublisher,
    follower: CatalogFollower,
    writer: MeteredWriter,
    ticks: TickRecord,
) -> AsyncIterator[Scheduler]:
    """The process's scheduler, running until the block ends."""
    settings = context.settings
    leader = LeaderFlag()
    plan = _every_process(context, hub=hub, relay=relay, follower=follower, writer=writer)
    plan += _upkeep(context, leader)
    detection: Detection | None = None
    if settings.run_detection:
        detection = Detection(
            monitor=Monitor(context.store),
            figures=context.store,
            leadership=_leadership(context),
            leader=leader,
            ticks=ticks,
            catalog=lambda: context.catalog,
            publisher=publisher,
            on_changes=lambda changes: context.wake_delivery(),  # their messages were queued
            on_lead=lambda: scheduler.wake("detection"),
        )
        plan += _leader_steps(context, detection, writer)
    scheduler = Scheduler(plan, clock=context.clock)
    if settings.run_delivery:
        # Mail queued here (a sign-in link, the tick's alerts) goes out at once.
        context.wake_delivery = lambda: scheduler.wake("delivery")
    metrics.forget_dead_processes()
    listener = (
        asyncio.create_task(relay.listen_forever(), name="live-relay")
        if relay is not None
        else None
    )
    background = asyncio.create_task(scheduler.run_forever(), name="background-steps")
    try:
        yield scheduler
    finally:
        context.wake_delivery = _no_wakeup
        tasks = [task for task in (background, listener) if task is not None]
        for task in tasks:
            task.cancel()
        # Steps get a moment to end cleanly; a shutdown never waits longer than that on one
        # stuck in a thread or in a Redis client's teardown.
        await asyncio.wait(tasks, timeout=STOP_SECONDS)
        if detection is not None:
            await release(detection)


def _every_process(
    context: AppContext,
    *,
    hub: LiveHub,
    relay: RedisRelay | None,
    follower: CatalogFollower,
    writer: MeteredWriter,
) -> list[Step]:
    """The live streams, the metrics and the catalog: what every web process keeps."""
    settings = context.settings

    def catalog_changed(index: CatalogIndex) -> None:
        context.catalog = index

    return [
        Step(
            "live-refresh",
            LiveRefresher(context.store, hub, relay, catalog=lambda: context.catalog).step,
            LIVE_REFRESH_SECONDS,
        ),
        Step("live-keepalive", steps.beating(hub), KEEPALIVE_SECONDS, KEEPALIVE_SECONDS),
        Step(
            "metrics",
            steps.sampling(lambda: writer.queue_depth, lambda: hub.viewers),
            metrics.SAMPLE_SECONDS,
        ),
        Step(
            "catalog",
            steps.following_catalog(follower, catalog_changed),
            settings.catalog_refresh_seconds,
            settings.catalog_refresh_seconds,
        ),
    ]


def _upkeep(context: AppContext, leader: LeaderFlag) -> list[Step]:
    """Housekeeping (the SQL store keeps a year of rows and a log file) and delivery."""
    settings, store = context.settings, context.store
    plan = []
    if isinstance(store, SqlStore):
        keeper = housekeeping.Housekeeping(
            store,
            Retention.of(settings),
            service_ids=lambda: sorted(context.catalog.by_id),
            leading=lambda: leader.held,
        )
        plan.append(Step("housekeeping", keeper.step, housekeeping.EVERY_SECONDS))
    if settings.run_delivery:
        deliverer = build_deliverer(
            settings, store, context.catalog, context.accounts, context.clock
        )
        plan.append(
            Step("delivery", steps.delivering(deliverer), settings.delivery_interval_seconds)
        )
    return plan


def _leader_steps(context: AppContext, detection: Detection, writer: MeteredWriter) -> list[Step]:
    """Leading, the tick, and what only the leader does: signals and demo traffic."""
    settings = context.settings
    leading = detection.leader

    plan = detection.steps(interval_seconds=settings.detection_interval_seconds)
    plan += steps.gathering_signals(
        context.store, settings, catalog=lambda: context.catalog, leading=lambda: leading.held
    )
    if settings.demo:
        traffic = demo_traffic.DemoTraffic(
            demo.LiveTraffic(list(context.catalog.by_id.values()), np.random.default_rng()),
            submit=writer.submit,
            truth=demo.truth_path(settings.data_dir),
            leading=lambda: leading.held,
        )
        plan.append(Step("demo-traffic", traffic.send, demo_traffic.EVERY_SECONDS))
    return plan


def _no_wakeup() -> None:
    return None


def _leadership(context: AppContext) -> Leadership:
    # Several hosts share PostgreSQL: lead by a database lock there, by a lock file otherwise.
    store = context.store
    if isinstance(store, SqlStore):
        return leadership_for(store.engine, context.settings.data_dir)
    return HostLeadership(context.settings.data_dir)
