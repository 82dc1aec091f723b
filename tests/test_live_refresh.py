"""When a web node reads storage for its viewers: always while Redis is away or absent,
otherwise only to catch up after subscribing and for a service it has heard nothing of."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from outagewatch.catalog.model import Service
from outagewatch.catalog.search import CatalogIndex
from outagewatch.detection.status import StatusWord
from outagewatch.live import LiveHub
from outagewatch.live_refresh import TICK_SILENCE_SECONDS, LiveRefresher
from outagewatch.storage.records import RecentCounts, ServiceStatus
from tests.conftest import NOW


def _service(service_id: int, slug: str) -> Service:
    return Service(
        slug, slug.title(), "social", f"https://{slug}.example", "", popularity=3, id=service_id
    )


SERVICES = [_service(1, "tiktok"), _service(2, "discord")]


class Figures:
    """A store holding statuses and counts, counting the refresher's reads."""

    def __init__(self) -> None:
        self.status: dict[int, StatusWord] = {1: "major"}
        self.reads = 0
        self.during_read: list[Callable[[], None]] = []  # what happens while a read runs

    def statuses(self) -> dict[int, ServiceStatus]:
        self.reads += 1
        for happening in self.during_read:
            happening()
        return {i: ServiceStatus(i, word, NOW) for i, word in self.status.items()}

    def recent_counts(
        self, service_ids: Sequence[int], *, now: datetime
    ) -> dict[int, RecentCounts]:
        return {i: RecentCounts(10 * i, 20 * i) for i in service_ids}

    def timeline_marks(self, service_ids: Sequence[int]) -> dict[int, int]:
        return {}

    def totals_by_service(self, *, since: datetime, until: datetime) -> dict[int, int]:
        return {2: 20}


@dataclass
class Relay:
    healthy: bool = False
    subscriptions: int = 0
    tick_messages: int = 0


def _refresher(relay: Relay | None) -> tuple[LiveRefresher, Figures, LiveHub]:
    figures, hub = Figures(), LiveHub()
    index = CatalogIndex(SERVICES)
    return LiveRefresher(figures, hub, relay, catalog=lambda: index), figures, hub


def _turns(refresher: LiveRefresher, count: int, *, at: datetime = NOW) -> list[bool]:
    async def turns() -> list[bool]:
        return [await refresher.step(at) for _ in range(count)]

    return asyncio.run(turns())


def test_without_redis_it_reads_at_every_turn_while_someone_watches() -> None:
    refresher, figures, hub = _refresher(None)
    quiet = _turns(refresher, 2)
    hub.subscribe("discord")

    watched = _turns(refresher, 3)

    assert quiet == [False, False] and watched == [True, True, True]
    assert figures.reads == 3
    assert hub.known_status("tiktok") == "major"  # services with a problem come along


def test_with_redis_away_it_falls_back_to_reading() -> None:
    refresher, figures, hub = _refresher(Relay(healthy=False, subscriptions=3))
    hub.subscribe("tiktok")

    assert _turns(refresher, 2) == [True, True]
    assert figures.reads == 2


def test_with_redis_listening_it_reads_once_to_catch_up_then_never() -> None:
    relay = Relay(healthy=True, subscriptions=1)
    refresher, figures, hub = _refresher(relay)
    viewer = hub.subscribe("tiktok")

    first = _turns(refresher, 4)
    relay.subscriptions = 2  # Redis was away; the relay subscribed again
    again = _turns(refresher, 3)

    assert first == [True, False, False, False]
    assert again == [True, False, False]
    assert figures.reads == 2
    assert hub.known_status("tiktok") == "major"
    assert viewer.slug == "tiktok"


def test_with_redis_listening_a_newly_watched_service_is_read_once() -> None:
    refresher, figures, hub = _refresher(Relay(healthy=True, subscriptions=1))
    _turns(refresher, 1)  # caught up, nobody watching discord
    hub.subscribe("discord")

    turns = _turns(refresher, 3)

    assert turns == [True, False, False]
    assert figures.reads == 2
    last = hub.last("discord")
    assert last is not None and last.reports_this_hour == 20


def test_a_read_overtaken_by_a_tick_message_is_dropped_and_done_again() -> None:
    relay = Relay(healthy=True, subscriptions=1)
    refresher, figures, hub = _refresher(relay)

    def tick_arrives() -> None:
        relay.tick_messages += 1
        figures.during_read.clear()  # once

    figures.during_read.append(tick_arrives)
    first = _turns(refresher, 1)
    known_after_first = hub.last("tiktok")
    second = _turns(refresher, 2)

    assert known_after_first is None  # what it read may predate the tick: not published
    assert first == [True] and second == [True, False]
    assert hub.known_status("tiktok") == "major"


def test_with_redis_listening_but_no_tick_heard_for_a_while_it_reads_again() -> None:
    relay = Relay(healthy=True, subscriptions=1)
    refresher, figures, hub = _refresher(relay)
    hub.subscribe("tiktok")
    _turns(refresher, 2)  # caught up; the tick's silence is counted from here
    silence = timedelta(seconds=TICK_SILENCE_SECONDS)

    patient = _turns(refresher, 1, at=NOW + silence)
    worried = [
        *_turns(refresher, 2, at=NOW + silence + timedelta(seconds=1)),
        *_turns(refresher, 1, at=NOW + silence + timedelta(seconds=2)),
    ]
    relay.tick_messages += 1  # the worker's ticks come through again
    reassured = _turns(refresher, 2, at=NOW + silence + timedelta(seconds=3))

    assert patient == [False] and reassured == [False, False]
    assert worried == [True, False, True]  # once a second: Redis still brings the counts
    assert figures.reads == 3
