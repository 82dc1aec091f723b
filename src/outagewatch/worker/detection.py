"""The detection steps: taking the lead, and the tick with what follows its commit.

Only one process runs the tick at a time (incidents/leader.py). Whichever leads ticks every
few seconds, records how it went (for /readyz and /metrics), and at once publishes the
figures of the services whose status changed, and of every service with a problem, to live
viewers here and on other nodes; then it wakes this process's deliverer for the messages
the tick queued.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from outagewatch.catalog.search import CatalogIndex
from outagewatch.incidents.leader import LeaderFlag, Leadership, try_to_lead
from outagewatch.incidents.monitor import Monitor, StatusChange
from outagewatch.live import FigureReads, read_updates
from outagewatch.live_publish import LivePublisher
from outagewatch.operations.ticks import TickRecord
from outagewatch.worker.scheduler import Step

log = logging.getLogger(__name__)

LEAD_EVERY_SECONDS = 0.5  # how soon a standby notices the leader is gone


class Detection:
    def __init__(
        self,
        *,
        monitor: Monitor,
        figures: FigureReads,
        leadership: Leadership,
        leader: LeaderFlag,
        ticks: TickRecord,
        catalog: Callable[[], CatalogIndex],
        publisher: LivePublisher | None,
        on_changes: Callable[[Sequence[StatusChange]], None] = lambda changes: None,
        on_lead: Callable[[], None] = lambda: None,
        timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.monitor = monitor
        self.figures = figures
        self.leadership = leadership
        self.leader = leader
        self.ticks = ticks
        self._catalog = catalog
        self.publisher = publisher
        self._on_changes = on_changes
        self._on_lead = on_lead
        self._timer = timer

    async def lead(self, now: datetime) -> bool:
        """Take (or keep) the lead if nobody else holds it; True when it was just taken."""
        held = await asyncio.to_thread(try_to_lead, self.leadership)
        taken = held and not self.leader.held
        self.leader.held = held
        self.ticks.lead(held, now=now)
        if taken:
            self._on_lead()  # tick at once rather than one interval later
        return taken

    async def tick(self, now: datetime) -> bool:
        """One tick if this process leads; returns whether it ticked."""
        if not self.leader.held:
            return False
        catalog = self._catalog()
        started = self._timer()
        try:
            changes = await asyncio.to_thread(self.monitor.tick, catalog, now=now)
        except Exception as error:  # the database away, or a bug: the next tick retries
            self.ticks.failed(error)
            log.exception("detection tick failed; retrying")
            return False
        self.ticks.completed(now=now, duration_seconds=self._timer() - started)
        if changes:
            self._on_changes(changes)
        if self.publisher is not None:
            await self._publish(catalog, changes, now)
        return True

    async def _publish(
        self, catalog: CatalogIndex, changes: Sequence[StatusChange], now: datetime
    ) -> None:
        # The tick is committed whatever happens here: a failure costs viewers the change
        # until the next tick publishes it again.
        publisher = self.publisher
        assert publisher is not None
        try:
            updates = await asyncio.to_thread(
                read_updates,
                self.figures,
                catalog.by_id,
                watched={change.service_id for change in changes},
                now=now,
            )
            await publisher.tick_committed(updates)
        except Exception:
            log.exception("publishing the tick's statuses failed; the next tick retries")

    def steps(self, *, interval_seconds: float) -> list[Step]:
        """Taking the lead, and the tick every `interval_seconds` while leading."""
        return [
            Step("lead", self.lead, LEAD_EVERY_SECONDS),
            Step("detection", self.tick, interval_seconds),
        ]

    def release(self) -> None:
        """Stop leading (at shutdown), so a standby takes over at its next try."""
        self.leader.held = False
        self.leadership.release()


async def release(detection: Detection) -> None:
    """Stop leading at shutdown. With the database away the lock is gone with our session
    (PostgreSQL) or goes with our process (the lock file): nothing more to do then."""
    try:
        await asyncio.to_thread(detection.release)
    except Exception:
        log.warning("releasing detection's lead failed; it ends with this process", exc_info=True)
