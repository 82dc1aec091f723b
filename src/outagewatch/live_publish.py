"""Publishing fresh figures the moment they are committed: to this process's viewers at once,
and to the other nodes' through Redis when it is configured.

Two moments publish. The report writer's commit carries new counts; the status it sends
with them is what this hub last heard, so other nodes keep their own (live_relay.py). The
detection tick's commit carries statuses and timeline marks: those are the truth, and every
node takes them as they are. Without Redis, other processes read the database instead
(live_refresh.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from outagewatch.catalog.model import Service
from outagewatch.live import LiveHub, ServiceUpdate, updates_from_counts
from outagewatch.live_relay import TICK
from outagewatch.storage.records import RecentCounts


class Relay(Protocol):
    """Where figures go to reach the other nodes (live_relay.RedisRelay)."""

    async def publish(self, updates: Iterable[ServiceUpdate], *, kind: str = ...) -> bool: ...


class LivePublisher:
    def __init__(
        self,
        hub: LiveHub,
        relay: Relay | None,
        *,
        services: Callable[[], Mapping[int, Service]],
    ) -> None:
        self.hub = hub
        self.relay = relay
        self._services = services
        # The tick's figures as the other nodes last received them: a tick sends only what
        # changed since, and what failed to go out is sent again at the next tick.
        self._announced: dict[str, ServiceUpdate] = {}
        self._sending: set[asyncio.Task[bool]] = set()

    def counts_committed(self, counts: Mapping[int, RecentCounts]) -> None:
        """A batch of reports was committed (called on the event loop, by the writer)."""
        hub, relay = self.hub, self.relay
        if not hub.viewers and relay is None:
            return
        # Statuses come from the hub's last figures (the tick's announcements keep them
        # current), so no query runs on the event loop here.
        by_id = self._services()
        statuses = {i: hub.known_status(by_id[i].slug) for i in counts if i in by_id}
        timelines = {i: hub.known_timeline(by_id[i].slug) for i in counts if i in by_id}
        updates = updates_from_counts(counts, by_id, statuses, timelines)
        if hub.viewers:
            hub.publish(updates)
        if relay is not None:
            task = asyncio.create_task(relay.publish(updates))
            self._sending.add(task)  # keep a reference until done (the loop holds weak ones)
            task.add_done_callback(self._sending.discard)

    async def tick_committed(self, updates: Sequence[ServiceUpdate]) -> int:
        """The detection tick's figures; returns how many went to the other nodes."""
        self.hub.publish(updates)
        if self.relay is None:
            return 0
        fresh = [update for update in updates if self._announced.get(update.slug) != update]
        # Sent even with nothing new: web nodes count on hearing every tick, and read the
        # database themselves once they stop hearing them (live_refresh.py).
        if not await self.relay.publish(fresh, kind=TICK):
            return 0
        self._announced.update((update.slug, update) for update in fresh)
        return len(fresh)
