"""A year of data, bounded: what is past its keeping is deleted in small steps by the node
that leads detection, between report commits, and SQLite's log is checkpointed so it stays
small under constant readers (the step that runs them: worker/housekeeping.py).

What is kept, by default: raw report rows 30 days (moderation looks back that far), the
per-minute totals, breakdowns and mentions 14 days (detection reads the last hour and a
week of mentions, pages the last 24 hours), hourly totals 35 days (the usual level is
learned from the past 28 days of hours, and the 24-hour chart draws it a day back), daily
totals 3 years (hours are folded into them, whole UTC days at a time, before they go), sent
or failed messages 30 days. Incidents and their timelines are kept.

Hourly totals kept for years grew a year-long replay by 12 MB a month (bench/growth.py);
a day's totals take a twenty-fourth of the rows, in a table without a second index.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from outagewatch.config import Settings
from outagewatch.detection import baseline

SERVICES_PER_STEP = 25  # one short transaction each: intake commits slip in between steps
ROWS_PER_STEP = 5_000
PRUNE_EVERY = timedelta(minutes=10)
CHECKPOINT_EVERY_SECONDS = 60.0
CHECKPOINT_BUSY_MILLISECONDS = 200
SECONDS_PER_DAY = 86_400


class Pruning(Protocol):
    def transaction(self) -> AbstractContextManager[None]: ...

    def exclusive_writes(self) -> AbstractContextManager[None]: ...

    def prune_counts(
        self,
        service_ids: Sequence[int],
        *,
        minutes_before: int,
        hours_before: int,
        days_before: int,
    ) -> int: ...

    def prune_reports(self, *, before: datetime, limit: int) -> int: ...

    def prune_messages(self, *, before: datetime, limit: int) -> int: ...

    def checkpoint_log(self, *, busy_milliseconds: int) -> tuple[int, int] | None: ...


# What reads hours furthest back: the usual level of the 24-hour chart's first bar, learned
# from the 28 days before it (status/summary.py, detection/baseline.py).
HOURS_NEEDED = timedelta(hours=baseline.HISTORY_HOURS + 24)


@dataclass(frozen=True, slots=True)
class Retention:
    reports: timedelta = timedelta(days=30)
    minutes: timedelta = timedelta(days=14)
    hours: timedelta = timedelta(days=35)
    days: timedelta = timedelta(days=3 * 365)
    messages: timedelta = timedelta(days=30)

    @classmethod
    def of(cls, settings: Settings) -> Retention:
        return cls(
            reports=timedelta(days=settings.keep_reports_days),
            minutes=timedelta(days=settings.keep_minutes_days),
            hours=timedelta(days=settings.keep_hours_days),
            days=timedelta(days=settings.keep_daily_days),
            messages=timedelta(days=settings.keep_messages_days),
        )


def prune_services(
    store: Pruning, retention: Retention, service_ids: Sequence[int], *, now: datetime
) -> int:
    """One step: the counts of a few services, in one short transaction."""
    minutes_before = int((now - retention.minutes).timestamp()) // 60
    # Hours go by whole UTC days (a day's total is final once written), never while
    # detection or the chart still reads them, whatever was configured.
    hours_horizon = now - max(retention.hours, HOURS_NEEDED)
    days_before = int(hours_horizon.timestamp()) // SECONDS_PER_DAY
    with store.exclusive_writes(), store.transaction():
        return store.prune_counts(
            service_ids,
            minutes_before=minutes_before,
            hours_before=days_before * 24,
            days_before=int((now - retention.days).timestamp()) // SECONDS_PER_DAY,
        )


def prune_rows(store: Pruning, retention: Retention, *, now: datetime) -> int:
    """One step: up to ROWS_PER_STEP old reports and as many old messages."""
    with store.exclusive_writes(), store.transaction():
        reports = store.prune_reports(before=now - retention.reports, limit=ROWS_PER_STEP)
        messages = store.prune_messages(before=now - retention.messages, limit=ROWS_PER_STEP)
    return reports + messages


async def prune_round(
    store: Pruning, retention: Retention, service_ids: Sequence[int], *, now: datetime
) -> int:
    """Every step once over all services, then old rows until none is left; each step in a
    thread of its own, so the event loop (and intake) runs between them."""
    deleted = 0
    for start in range(0, len(service_ids), SERVICES_PER_STEP):
        chunk = service_ids[start : start + SERVICES_PER_STEP]
        deleted += await asyncio.to_thread(prune_services, store, retention, chunk, now=now)
    while True:
        step = await asyncio.to_thread(prune_rows, store, retention, now=now)
        deleted += step
        if step < ROWS_PER_STEP:
            return deleted
