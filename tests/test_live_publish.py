"""What a node publishes when reports or a tick commit, here and to the other nodes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from outagewatch.live import LiveHub, ServiceUpdate
from outagewatch.live_publish import LivePublisher
from outagewatch.live_relay import COUNTS, TICK


class Relay:
    """Records what would go to the other nodes; can be made unreachable."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[str]]] = []
        self.reachable = True

    async def publish(self, updates: Iterable[ServiceUpdate], *, kind: str = COUNTS) -> bool:
        if not self.reachable:
            return False
        self.sent.append((kind, [f"{u.slug}:{u.status}:{u.reports_this_hour}" for u in updates]))
        return True


def _update(slug: str, status: str, hour: int) -> ServiceUpdate:
    return ServiceUpdate(slug, slug.title(), status, hour, hour)


def test_a_tick_sends_the_other_nodes_only_what_changed_since_it_last_told_them() -> None:
    relay, hub = Relay(), LiveHub()
    publisher = LivePublisher(hub, relay, services=dict)
    first = [_update("tiktok", "major", 40), _update("discord", "possible", 9)]
    second = [_update("tiktok", "major", 40), _update("discord", "ok", 9)]

    async def ticks() -> list[int]:
        return [await publisher.tick_committed(first), await publisher.tick_committed(second)]

    sent_counts = asyncio.run(ticks())

    assert sent_counts == [2, 1]
    assert relay.sent == [
        (TICK, ["tiktok:major:40", "discord:possible:9"]),
        (TICK, ["discord:ok:9"]),
    ]
    assert hub.known_status("discord") == "ok"


def test_what_could_not_reach_redis_is_sent_again_at_the_next_tick() -> None:
    relay = Relay()
    publisher = LivePublisher(LiveHub(), relay, services=dict)
    figures = [_update("tiktok", "major", 40)]

    async def ticks() -> list[int]:
        relay.reachable = False
        lost = await publisher.tick_committed(figures)
        relay.reachable = True
        return [lost, await publisher.tick_committed(figures)]

    assert asyncio.run(ticks()) == [0, 1]
    assert relay.sent == [(TICK, ["tiktok:major:40"])]


def test_without_redis_a_tick_still_reaches_this_process_viewers() -> None:
    hub = LiveHub()
    viewer = hub.subscribe("tiktok")
    publisher = LivePublisher(hub, None, services=dict)

    async def tick() -> list[ServiceUpdate]:
        await publisher.tick_committed([_update("tiktok", "major", 40)])
        return await viewer.next(timeout=0)

    assert [u.status for u in asyncio.run(tick())] == ["major"]


def test_a_tick_with_nothing_new_still_tells_the_other_nodes_it_ran() -> None:
    relay = Relay()
    publisher = LivePublisher(LiveHub(), relay, services=dict)

    async def ticks() -> list[int]:
        figures = [_update("tiktok", "major", 40)]
        return [await publisher.tick_committed(figures), await publisher.tick_committed(figures)]

    assert asyncio.run(ticks()) == [1, 0]
    assert relay.sent == [(TICK, ["tiktok:major:40"]), (TICK, [])]  # the second: a heartbeat
