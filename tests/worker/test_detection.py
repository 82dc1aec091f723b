"""The detection steps with a fixed clock: leading, ticking, and publishing what the tick
committed to live viewers the moment it commits."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime, timedelta

from outagewatch.catalog import service as catalog_service
from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.leader import LeaderFlag
from outagewatch.incidents.monitor import Monitor, StatusChange
from outagewatch.live import LiveHub, ServiceUpdate
from outagewatch.live_publish import LivePublisher
from outagewatch.operations.ticks import TickRecord
from outagewatch.storage.sql import SqlStore
from outagewatch.worker.detection import Detection
from tests.helpers import add_reports


class Lock:
    """A leadership the test hands out or withholds."""

    def __init__(self, *, free: bool) -> None:
        self.free = free
        self.released = False

    def try_acquire(self) -> bool:
        return self.free

    def release(self) -> None:
        self.released = True


class BrokenMonitor(Monitor):
    def tick(self, catalog: CatalogIndex, *, now: datetime) -> list[StatusChange]:
        raise ConnectionError("database away")


def _detection(
    store: SqlStore,
    *,
    lock: Lock,
    hub: LiveHub | None = None,
    monitor: Monitor | None = None,
    changes: list[Sequence[StatusChange]] | None = None,
    leads: list[str] | None = None,
) -> Detection:
    index = catalog_service.read_index(store)
    return Detection(
        monitor=monitor or Monitor(store),
        figures=store,
        leadership=lock,
        leader=LeaderFlag(),
        ticks=TickRecord(),
        catalog=lambda: index,
        publisher=(
            LivePublisher(hub, None, services=lambda: index.by_id) if hub is not None else None
        ),
        on_changes=(changes if changes is not None else []).append,
        on_lead=lambda: (leads if leads is not None else []).append("lead"),
        timer=lambda: 0.0,
    )


def _outage(store: SqlStore, clock: FixedClock, slug: str) -> None:
    now = clock.now()
    add_reports(store, slug, [now - timedelta(seconds=2 * i) for i in range(400)], tag=slug)


def test_a_process_that_does_not_lead_does_not_tick(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    _outage(loaded_store, clock, "tiktok")
    detection = _detection(loaded_store, lock=Lock(free=False))

    async def steps() -> tuple[bool, bool]:
        return await detection.lead(clock.now()), await detection.tick(clock.now())

    taken, ticked = asyncio.run(steps())

    assert (taken, ticked) == (False, False)
    assert detection.ticks.leading_since is None
    assert all(status.status == "ok" for status in loaded_store.statuses().values())


def test_taking_the_lead_asks_for_a_tick_at_once_and_only_then(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    leads: list[str] = []
    detection = _detection(loaded_store, lock=Lock(free=True), leads=leads)

    async def steps() -> list[bool]:
        return [await detection.lead(clock.now()), await detection.lead(clock.now())]

    assert asyncio.run(steps()) == [True, False]
    assert leads == ["lead"]
    assert detection.ticks.leading_since == clock.now()


def test_a_tick_publishes_the_new_status_to_viewers_the_moment_it_commits(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    _outage(loaded_store, clock, "tiktok")
    hub = LiveHub()
    viewer = hub.subscribe("tiktok")
    changes: list[Sequence[StatusChange]] = []
    detection = _detection(loaded_store, lock=Lock(free=True), hub=hub, changes=changes)

    async def steps() -> tuple[bool, list[ServiceUpdate]]:
        await detection.lead(clock.now())
        ticked = await detection.tick(clock.now())
        return ticked, await viewer.next(timeout=0)

    ticked, received = asyncio.run(steps())

    assert ticked
    (update,) = received
    assert update.slug == "tiktok" and update.status != "ok"
    assert update.reports_this_hour == 400
    assert update.timeline > 0  # the incident it opened has its first line
    assert [change.after for batch in changes for change in batch] == [update.status]
    assert detection.ticks.last_completed_at == clock.now()


def test_a_failed_tick_is_recorded_and_publishes_nothing(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    hub = LiveHub()
    everything = hub.subscribe(None)
    detection = _detection(
        loaded_store, lock=Lock(free=True), hub=hub, monitor=BrokenMonitor(loaded_store)
    )

    async def steps() -> tuple[bool, list[ServiceUpdate]]:
        await detection.lead(clock.now())
        ticked = await detection.tick(clock.now())
        return ticked, await everything.next(timeout=0)

    ticked, received = asyncio.run(steps())

    assert not ticked and received == []
    assert detection.ticks.last_error == "ConnectionError: database away"


def test_releasing_gives_up_the_lead(loaded_store: SqlStore, clock: FixedClock) -> None:
    lock = Lock(free=True)
    detection = _detection(loaded_store, lock=lock)
    asyncio.run(detection.lead(clock.now()))

    detection.release()

    assert lock.released and not detection.leader.held
