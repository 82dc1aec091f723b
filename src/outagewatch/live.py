"""Live updates inside one process: open pages subscribe, changes are published to them.

What feeds the hub: this process's report writer the moment a batch commits, the detection
tick the moment it commits (live_publish.py), other nodes' commits through Redis
(live_relay.py), and, only while Redis is away or not configured, a refresher that reads
storage four times a second (live_refresh.py). Every event carries a service's full current
figures, so a subscriber keeps only the newest per service: one that falls behind skips to
the present, holds nobody up, and loses nothing.

Ten thousand viewers of one service wake for each change, so a subscription is kept lean: a
dict and a future, no queue and no timer of its own (keep-alives come from one hub-wide
beat, `LiveHub.beat`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from outagewatch.catalog.model import Service
from outagewatch.storage.records import RecentCounts, ServiceStatus

KEEPALIVE_SECONDS = 15.0  # a comment line now and then keeps proxies from closing streams


@dataclass(frozen=True, slots=True)
class ServiceUpdate:
    slug: str
    name: str
    status: str
    reports_this_hour: int
    reports_today: int
    # Changes whenever the service's timeline gets a line: pages then fetch it anew.
    timeline: int = 0


class StreamEndedError(Exception):
    """The stream is over: the server is shutting down (clients reconnect to another node),
    or the viewer left."""


class Subscription:
    def __init__(self, hub: LiveHub, slug: str | None) -> None:
        self.slug = slug
        self._hub = hub
        self._pending: dict[str, ServiceUpdate] = {}  # the newest per service, not yet taken
        self._waiter: asyncio.Future[None] | None = None
        self._beat = False
        self._ended = False

    def offer(self, update: ServiceUpdate) -> None:
        self._pending[update.slug] = update
        self._wake()

    def beat(self) -> None:
        """Time for a keep-alive: `next` returns, with nothing, if there is nothing new."""
        self._beat = True
        self._wake()

    def end(self) -> None:
        """No more updates: `next` raises StreamEndedError."""
        self._ended = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self, *, timeout: float | None = None) -> list[ServiceUpdate]:
        """What changed since the last call, newest per service; [] at a keep-alive beat or
        after `timeout` seconds (when given). Raises StreamEndedError."""
        if timeout is None:
            await self._something_to_say()
        else:
            try:
                async with asyncio.timeout(timeout):
                    await self._something_to_say()
            except TimeoutError:
                return []
        if self._ended:
            raise StreamEndedError
        self._beat = False
        updates = list(self._pending.values())
        self._pending.clear()
        return updates

    async def _something_to_say(self) -> None:
        while not (self._pending or self._beat or self._ended):
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def close(self) -> None:
        self._hub.unsubscribe(self)


class LiveHub:
    def __init__(self) -> None:
        self._by_slug: dict[str, set[Subscription]] = {}
        self._everything: set[Subscription] = set()
        self._last: dict[str, ServiceUpdate] = {}

    def subscribe(self, slug: str | None) -> Subscription:
        """Updates of one service, or of every service when slug is None."""
        subscription = Subscription(self, slug)
        if slug is None:
            self._everything.add(subscription)
        else:
            self._by_slug.setdefault(slug, set()).add(subscription)
        return subscription

    def _subscriptions(self) -> list[Subscription]:
        return [*self._everything, *(s for v in self._by_slug.values() for s in v)]

    def close(self) -> None:
        """End every open stream, so a graceful shutdown does not wait on them."""
        for subscription in self._subscriptions():
            subscription.end()

    def beat(self) -> None:
        """Keep-alive time for every stream (one timer for the process, not one per viewer)."""
        for subscription in self._subscriptions():
            subscription.beat()

    def unsubscribe(self, subscription: Subscription) -> None:
        if subscription.slug is None:
            self._everything.discard(subscription)
            return
        subscribers = self._by_slug.get(subscription.slug)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._by_slug[subscription.slug]

    @property
    def viewers(self) -> int:
        return len(self._everything) + sum(len(s) for s in self._by_slug.values())

    @property
    def watches_everything(self) -> bool:
        return bool(self._everything)

    def watched_slugs(self) -> set[str]:
        return set(self._by_slug)

    def publish(self, updates: Iterable[ServiceUpdate]) -> int:
        """Send each changed update to its subscribers; returns how many were new."""
        changed = 0
        for update in updates:
            if self._last.get(update.slug) == update:
                continue
            self._last[update.slug] = update
            changed += 1
            for subscription in (*self._by_slug.get(update.slug, ()), *self._everything):
                subscription.offer(update)
        return changed

    def known_status(self, slug: str) -> str:
        last = self._last.get(slug)
        return "ok" if last is None else last.status

    def known_timeline(self, slug: str) -> int:
        last = self._last.get(slug)
        return 0 if last is None else last.timeline

    def last(self, slug: str) -> ServiceUpdate | None:
        return self._last.get(slug)


def updates_from_counts(
    counts: Mapping[int, RecentCounts],
    services: Mapping[int, Service],
    statuses: Mapping[int, str],
    timelines: Mapping[int, int] | None = None,
) -> list[ServiceUpdate]:
    return [
        ServiceUpdate(
            slug=services[service_id].slug,
            name=services[service_id].name,
            status=statuses.get(service_id, "ok"),
            reports_this_hour=recent.reports_this_hour,
            reports_today=recent.reports_today,
            timeline=(timelines or {}).get(service_id, 0),
        )
        for service_id, recent in counts.items()
        if service_id in services
    ]


class FigureReads(Protocol):
    """What reading a service's live figures asks of storage."""

    def statuses(self) -> dict[int, ServiceStatus]: ...

    def recent_counts(
        self, service_ids: Sequence[int], *, now: datetime
    ) -> dict[int, RecentCounts]: ...

    def timeline_marks(self, service_ids: Sequence[int]) -> dict[int, int]: ...


def read_updates(
    store: FigureReads, services: Mapping[int, Service], *, watched: set[int], now: datetime
) -> list[ServiceUpdate]:
    """Current figures of the watched services plus any service whose status is not ok."""
    statuses = {service_id: status.status for service_id, status in store.statuses().items()}
    wanted = watched | {service_id for service_id, word in statuses.items() if word != "ok"}
    counts = store.recent_counts(sorted(wanted), now=now)
    return updates_from_counts(counts, services, statuses, store.timeline_marks(sorted(wanted)))
