"""What the `outagewatch worker` and `outagewatch deliver` commands run: the same steps as
an embedded web process, through the same scheduler, without pages.

A worker stands ready to lead; the one that leads ticks, publishes the statuses it decided
through Redis (web nodes' viewers see them at once), gathers signals and prunes old rows.
Any number of deliverers may run side by side: each message is claimed by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import redis.asyncio as redis

from outagewatch.catalog import service as catalog_service
from outagewatch.clock import Clock
from outagewatch.config import Settings
from outagewatch.incidents.leader import LeaderFlag, leadership_for
from outagewatch.incidents.monitor import Monitor, StatusChange
from outagewatch.live import LiveHub
from outagewatch.live_publish import LivePublisher
from outagewatch.live_relay import RedisRelay
from outagewatch.notify.accounts import Accounts
from outagewatch.notify.deliverer import Deliverer
from outagewatch.notify.wiring import build_deliverer
from outagewatch.operations.retention import Retention
from outagewatch.operations.ticks import TickRecord
from outagewatch.storage.sql import SqlStore
from outagewatch.worker import housekeeping, steps
from outagewatch.worker.detection import Detection, release
from outagewatch.worker.scheduler import Scheduler, Step


async def run_detection(
    settings: Settings,
    store: SqlStore,
    *,
    clock: Clock,
    interval_seconds: float,
    on_changes: Callable[[Sequence[StatusChange]], None],
) -> None:
    """Until cancelled: lead when nobody else does, and then tick every interval."""
    follower = catalog_service.CatalogFollower(store)
    leader = LeaderFlag()
    # A worker has no viewers of its own: without Redis, web nodes read the database.
    client = redis.from_url(settings.redis_url, socket_timeout=2) if settings.redis_url else None
    relay = (
        RedisRelay(client, LiveHub(), channel=settings.redis_live_channel)
        if client is not None
        else None
    )
    detection = Detection(
        monitor=Monitor(store),
        figures=store,
        leadership=leadership_for(store.engine, settings.data_dir),
        leader=leader,
        ticks=TickRecord(),
        catalog=lambda: follower.index,
        publisher=(
            LivePublisher(relay.hub, relay, services=lambda: follower.index.by_id)
            if relay is not None
            else None
        ),
        on_changes=on_changes,
        on_lead=lambda: scheduler.wake("detection"),
    )
    keeper = housekeeping.Housekeeping(
        store,
        Retention.of(settings),
        service_ids=lambda: sorted(follower.index.by_id),
        leading=lambda: leader.held,
    )
    plan = [
        *detection.steps(interval_seconds=interval_seconds),
        Step(
            "catalog",
            steps.following_catalog(follower, lambda index: None),  # read through `follower`
            settings.catalog_refresh_seconds,
        ),
        Step("housekeeping", keeper.step, housekeeping.EVERY_SECONDS),
        *steps.gathering_signals(
            store, settings, catalog=lambda: follower.index, leading=lambda: leader.held
        ),
    ]
    scheduler = Scheduler(plan, clock=clock)
    try:
        await scheduler.run_forever()
    finally:
        await release(detection)
        if client is not None:
            await client.aclose()


def deliverer_for(settings: Settings, store: SqlStore, *, clock: Clock) -> Deliverer:
    accounts = Accounts(store, secret=settings.resolved_secret(), public_url=settings.public_url)
    return build_deliverer(settings, store, catalog_service.read_index(store), accounts, clock)


async def run_delivery(deliverer: Deliverer, *, clock: Clock, interval_seconds: float) -> None:
    """Until cancelled: a delivery round every interval."""
    scheduler = Scheduler(
        [Step("delivery", steps.delivering(deliverer), interval_seconds)], clock=clock
    )
    await scheduler.run_forever()
