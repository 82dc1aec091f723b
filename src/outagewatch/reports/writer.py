"""Group commit: every report is acknowledged only after the transaction holding it commits.

Requests queue their report and wait. One writer task takes everything queued, commits it in
one transaction (in a thread, so the event loop keeps serving), answers every waiting
request, and goes again: whatever arrived during a commit forms the next batch. There is no
fixed wait, so a lone report commits at once and a flood commits in large batches.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from outagewatch.basics.minutes import unix_minute
from outagewatch.clock import Clock
from outagewatch.reports.brigade import NetworkShareGuard, counts_for_network
from outagewatch.storage.records import (
    NetworkClaim,
    NewReport,
    RecentCounts,
    UncountedReason,
    WindowClaim,
)
from outagewatch.storage.seams import ReportWriterStore

log = logging.getLogger(__name__)

MAX_PENDING_REPORTS = 20_000  # beyond this the answer is 503: better than unbounded latency
PRUNE_EVERY = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    counted: bool
    uncounted_reason: UncountedReason | None
    counts: RecentCounts


class WriterUnavailableError(Exception):
    """The report was not stored; the caller should answer 503 and the client retry."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


CommittedListener = Callable[[dict[int, RecentCounts]], None]


class GroupCommitWriter:
    def __init__(
        self,
        store: ReportWriterStore,
        *,
        clock: Clock,
        window: timedelta,
        max_pending: int = MAX_PENDING_REPORTS,
        on_committed: CommittedListener | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._window = window
        self._max_pending = max_pending
        self._on_committed = on_committed
        self._guard = NetworkShareGuard()
        self._queue: asyncio.Queue[tuple[NewReport, asyncio.Future[Acknowledgement]] | None]
        self._queue = asyncio.Queue()
        self._pending = 0
        self._task: asyncio.Task[None] | None = None
        self._next_prune: datetime | None = None
        # Since when reports could not be stored: once they can again, the span is recorded
        # as a data gap, so detection does not take the missing minutes for calm ones.
        self._failing_since: datetime | None = None

    # -- the synchronous step: testable without an event loop ------------------------------

    def commit_batch(self, batch: list[NewReport]) -> list[Acknowledgement]:
        """Decide which reports count, store them all and the counts, in one transaction."""
        now = self._clock.now()
        claims = [
            WindowClaim(service_id=c.service_id, reporter_key=c.reporter_key, at=c.received_at)
            for c in batch
        ]
        with self._store.exclusive_writes(), self._store.transaction():
            first_in_window = self._store.claim_reporter_windows(claims, window=self._window)
            new_reporters = [c for c, first in zip(batch, first_in_window, strict=True) if first]
            places = iter(
                self._store.number_network_reporters(
                    [
                        NetworkClaim(c.service_id, c.network_key, c.received_at)
                        for c in new_reporters
                    ],
                    window=self._window,
                )
            )
            reasons = [
                self._uncounted_reason(report, next(places) if first else 0)
                for report, first in zip(batch, first_in_window, strict=True)
            ]
            self._store.record_reports(
                [_judged(report, reason) for report, reason in zip(batch, reasons, strict=True)]
            )
            counts = self._store.recent_counts(
                sorted({report.service_id for report in batch}), now=now
            )
            self._prune_if_due(now)
            if self._failing_since is not None:
                self._store.record_data_gap(started_at=self._failing_since, ended_at=now)
        return [
            Acknowledgement(
                counted=reason is None, uncounted_reason=reason, counts=counts[c.service_id]
            )
            for c, reason in zip(batch, reasons, strict=True)
        ]

    def _uncounted_reason(self, report: NewReport, place: int) -> UncountedReason | None:
        """`place`: the reporter's place among its network's new reporters (0: a repeat)."""
        if place == 0:
            return "duplicate"  # checked first, so a repeat does not use up its network's share
        if not counts_for_network(place):
            return "brigade"  # another User-Agent from a network already weighed
        admitted = self._guard.admit(
            service_id=report.service_id,
            network_key=report.network_key,
            minute=unix_minute(report.received_at),
        )
        return None if admitted else "brigade"

    def _prune_if_due(self, now: datetime) -> None:
        if self._next_prune is not None and now < self._next_prune:
            return
        self._next_prune = now + PRUNE_EVERY
        self._store.prune_reporter_windows(before=now - self._window)

    # -- the asynchronous side: queueing, batching, answering ------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="report-writer")

    async def stop(self) -> None:
        """Commit what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None

    async def submit(self, report: NewReport) -> Acknowledgement:
        if self._task is None:
            raise WriterUnavailableError("the report writer is not running", retry_after_seconds=5)
        if self._pending >= self._max_pending:
            raise WriterUnavailableError("too many reports are waiting", retry_after_seconds=2)
        future: asyncio.Future[Acknowledgement] = asyncio.get_running_loop().create_future()
        self._pending += 1
        await self._queue.put((report, future))
        return await future

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            batch: list[tuple[NewReport, asyncio.Future[Acknowledgement]]] = []
            item = await self._queue.get()
            while True:
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
                if self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if batch:
                await self._write(batch)

    async def _write(self, batch: list[tuple[NewReport, asyncio.Future[Acknowledgement]]]) -> None:
        reports = [report for report, _ in batch]
        try:
            acknowledgements = await asyncio.to_thread(self.commit_batch, reports)
        except Exception as error:
            log.exception("a batch of %d reports could not be stored", len(batch))
            if self._failing_since is None:
                self._failing_since = min(report.received_at for report in reports)
            failure = WriterUnavailableError(
                f"reports cannot be stored right now ({type(error).__name__})",
                retry_after_seconds=5,
            )
            for _, future in batch:
                if not future.done():
                    future.set_exception(failure)
        else:
            self._failing_since = None
            for (_, future), acknowledgement in zip(batch, acknowledgements, strict=True):
                if not future.done():  # the client may have gone; the report is stored anyway
                    future.set_result(acknowledgement)
            if self._on_committed is not None:
                self._on_committed(
                    {
                        report.service_id: acknowledgement.counts
                        for report, acknowledgement in zip(reports, acknowledgements, strict=True)
                    }
                )
        finally:
            self._pending -= len(batch)


def _judged(report: NewReport, reason: UncountedReason | None) -> NewReport:
    """The report with the writer's verdict; most are counted and pass through untouched."""
    return report if report.uncounted_reason == reason else replace(report, uncounted_reason=reason)
