"""Reading storage for this process's viewers, only where publishing cannot be relied on.

While Redis relays every commit (reports, and the detection tick's statuses) a web node
reads storage only to learn what it missed: once each time its relay subscribes (at start,
and after Redis was away), and once for a service someone starts watching that this node
has heard nothing of yet. Without Redis (several processes on one SQLite file, say), while
it is away, or while no tick has been heard through it for a while (a worker that cannot
reach Redis, or runs without REDIS_URL), it reads the watched services' figures four times
a second, as the only way to hear of other processes' commits.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol

from outagewatch.basics.minutes import last_hour_span
from outagewatch.catalog.search import CatalogIndex
from outagewatch.live import FigureReads, LiveHub, ServiceUpdate, read_updates

log = logging.getLogger(__name__)

LIVE_REFRESH_SECONDS = 0.25  # the fallback's period: viewers on other processes wait this
# Every tick publishes, changed or not; this long without hearing one (six ticks at the
# default interval), the node stops trusting Redis to bring statuses and reads them itself.
TICK_SILENCE_SECONDS = 30.0
# Reading while no tick is heard: Redis still brings the counts, and statuses change at
# most once per tick, so once a second is enough.
UNHEARD_TICKS_REFRESH = timedelta(seconds=1)


class LiveReads(FigureReads, Protocol):
    def totals_by_service(self, *, since: datetime, until: datetime) -> dict[int, int]: ...


class RelayState(Protocol):
    """What the refresher watches of the Redis relay (live_relay.RedisRelay)."""

    @property
    def healthy(self) -> bool: ...

    @property
    def subscriptions(self) -> int: ...

    @property
    def tick_messages(self) -> int: ...


class LiveRefresher:
    def __init__(
        self,
        store: LiveReads,
        hub: LiveHub,
        relay: RelayState | None,
        *,
        catalog: Callable[[], CatalogIndex],
        silence_seconds: float = TICK_SILENCE_SECONDS,
    ) -> None:
        self.store = store
        self.hub = hub
        self.relay = relay
        self._catalog = catalog
        self._caught_up_with = 0  # the relay's subscription this node last read storage for
        self._ticks_heard = 0
        self._heard_at: datetime | None = None  # when a tick (or a subscription) was last new
        self._silence = timedelta(seconds=silence_seconds)
        self._worried = False  # reading because no tick is heard (logged once each time)
        self._worried_read_at: datetime | None = None

    async def step(self, now: datetime) -> bool:
        """One turn; returns whether it read storage."""
        hub, relay = self.hub, self.relay
        if relay is None or not relay.healthy:
            if hub.viewers == 0:
                return False
            return await self._read(hub.watched_slugs(), hub.watches_everything, now, None)
        subscription = relay.subscriptions
        if self._heard_at is None or (relay.tick_messages, subscription) != (
            self._ticks_heard,
            self._caught_up_with,
        ):
            self._ticks_heard, self._heard_at = relay.tick_messages, now
            self._reassured()
        if subscription != self._caught_up_with:
            # What was published while this node was not listening: one read.
            if await self._read(hub.watched_slugs(), hub.watches_everything, now, relay):
                self._caught_up_with = subscription
            return True
        if now - self._heard_at > self._silence:
            last = self._worried_read_at
            if hub.viewers == 0 or (last is not None and now - last < UNHEARD_TICKS_REFRESH):
                return False
            self._worry()
            self._worried_read_at = now
            return await self._read(hub.watched_slugs(), hub.watches_everything, now, relay)
        known = self._catalog().by_slug
        unheard = {s for s in hub.watched_slugs() if hub.last(s) is None and s in known}
        if not unheard:
            return False
        await self._read(unheard, False, now, relay)
        return True

    def _worry(self) -> None:
        if not self._worried:
            self._worried = True
            log.warning(
                "live: no detection tick heard through Redis for %s; reading the database "
                "for live updates (does the worker reach Redis?)",
                self._silence,
            )

    def _reassured(self) -> None:
        if self._worried:
            self._worried = False
            log.info("live: detection ticks are heard through Redis again")

    async def _read(
        self, slugs: Iterable[str], everything: bool, now: datetime, relay: RelayState | None
    ) -> bool:
        """Read and publish; False (nothing published) if a tick's message arrived while
        reading: the read may predate that tick, and a later turn reads again."""
        before = relay.tick_messages if relay is not None else 0
        catalog = self._catalog()
        updates = await asyncio.to_thread(self._read_figures, catalog, set(slugs), everything, now)
        if relay is not None and relay.tick_messages != before:
            return False
        self.hub.publish(updates)
        return True

    def _read_figures(
        self, catalog: CatalogIndex, slugs: set[str], everything: bool, now: datetime
    ) -> list[ServiceUpdate]:
        """The named services, every service with a problem, and with `everything` every
        service reported in the last hour."""
        watched = {catalog.by_slug[slug].id or 0 for slug in slugs if slug in catalog.by_slug}
        if everything:
            hour_start, hour_end = last_hour_span(now)
            watched |= set(self.store.totals_by_service(since=hour_start, until=hour_end))
        return read_updates(self.store, catalog.by_id, watched=watched, now=now)
