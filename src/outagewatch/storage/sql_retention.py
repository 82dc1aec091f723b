"""Deleting what is past keeping, a little at a time, and keeping SQLite's log small."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, union_all

from outagewatch.storage import schema
from outagewatch.storage.sql_base import SqlBase, unix_minute

HOURS_PER_DAY = 24
MINUTES_PER_DAY = 24 * 60

# Tables keyed (service_id, minute, ...): deleting one service's old minutes walks the primary
# key's prefix, so no index on the minute alone is needed (minute_breakdowns has none).
_MINUTE_TABLES = (schema.minute_totals, schema.minute_breakdowns, schema.mention_counts)


class SqlRetention(SqlBase):
    def prune_counts(
        self,
        service_ids: Sequence[int],
        *,
        minutes_before: int,
        hours_before: int,
        days_before: int,
    ) -> int:
        """For these services: delete per-minute rows before `minutes_before` (a Unix
        minute); fold hourly totals before `hours_before` (a Unix hour that starts a UTC day)
        into daily totals; delete daily totals before `days_before` (a Unix day). Returns how
        many rows went (an hour folded into a day counts as one)."""
        if hours_before % HOURS_PER_DAY:
            # A day folded in part would be added to again by its later hours: right, but
            # the day row would change after it was read as final by an export.
            raise ValueError("hours are folded by whole UTC days")
        ids = list(service_ids)
        deleted = 0
        with self._connection(writes=True) as connection:
            for table in _MINUTE_TABLES:
                result = connection.execute(
                    delete(table).where(
                        table.c.service_id.in_(ids), table.c.minute < minutes_before
                    )
                )
                deleted += int(result.rowcount)
            deleted += self._fold_hours(connection, ids, before=hours_before)
            days = schema.day_totals
            result = connection.execute(
                delete(days).where(days.c.service_id.in_(ids), days.c.day < days_before)
            )
            return deleted + int(result.rowcount)

    def _fold_hours(self, connection: Connection, service_ids: list[int], *, before: int) -> int:
        """Add the hours before `before` to their days, then delete them, in the caller's
        transaction: an hour is in exactly one of the two tables at any commit, so a reader
        that sums both never counts it twice."""
        hours, days = schema.hour_totals, schema.day_totals
        expired = (hours.c.service_id.in_(service_ids), hours.c.hour < before)
        day = (hours.c.hour // HOURS_PER_DAY).label("day")
        sums = (
            select(hours.c.service_id, day, func.sum(hours.c.reports))
            .where(*expired)
            .group_by(hours.c.service_id, day)
        )
        upsert = self._upsert(days).from_select(["service_id", "day", "reports"], sums)
        connection.execute(
            upsert.on_conflict_do_update(
                index_elements=["service_id", "day"],
                set_={"reports": days.c.reports + upsert.excluded.reports},
            )
        )
        return int(connection.execute(delete(hours).where(*expired)).rowcount)

    def daily_totals_all(self, *, since: datetime, until: datetime) -> dict[tuple[int, int], int]:
        """Counted reports per (service id, Unix day) of the UTC days overlapping [since,
        until), from the days already folded and the hours not yet folded."""
        first = unix_minute(since) // MINUTES_PER_DAY
        last = (unix_minute(until) - 1) // MINUTES_PER_DAY
        hours, days = schema.hour_totals, schema.day_totals
        hour_day = hours.c.hour // HOURS_PER_DAY
        both = union_all(
            select(days.c.service_id, days.c.day, days.c.reports).where(
                days.c.day >= first, days.c.day <= last
            ),
            select(hours.c.service_id, hour_day, hours.c.reports).where(
                hours.c.hour >= first * HOURS_PER_DAY, hours.c.hour < (last + 1) * HOURS_PER_DAY
            ),
        ).subquery()
        query = (
            select(both.c.service_id, both.c.day, func.sum(both.c.reports).label("reports"))
            .group_by(both.c.service_id, both.c.day)
            .having(func.sum(both.c.reports) > 0)
        )
        with self._connection() as connection:
            return {(int(row[0]), int(row[1])): int(row[2]) for row in connection.execute(query)}

    def prune_reports(self, *, before: datetime, limit: int) -> int:
        """Delete up to `limit` of the oldest report rows received before `before`.

        Reports are numbered in the order they were stored, so the oldest are the lowest
        ids: reading them by primary key is cheap, where a search by time would scan a table
        that has no index on it."""
        table = schema.reports
        with self._connection(writes=True) as connection:
            oldest = connection.execute(
                select(table.c.id, table.c.received_at).order_by(table.c.id).limit(limit)
            ).all()
            expired = [row.id for row in oldest if row.received_at < before]
            if expired:
                connection.execute(delete(table).where(table.c.id.in_(expired)))
            return len(expired)

    def prune_messages(self, *, before: datetime, limit: int) -> int:
        """Delete up to `limit` sent or failed messages created before `before`: they hold
        addresses, and a message's fate is of no use once weeks old."""
        table = schema.outbox
        with self._connection(writes=True) as connection:
            expired = (
                select(table.c.id)
                .where(table.c.state.in_(("sent", "failed")), table.c.created_at < before)
                .order_by(table.c.id)
                .limit(limit)
            )
            ids = [row.id for row in connection.execute(expired)]
            if ids:
                connection.execute(delete(table).where(table.c.id.in_(ids)))
            return len(ids)

    def checkpoint_log(self, *, busy_milliseconds: int) -> tuple[int, int] | None:
        """SQLite: copy the write-ahead log into the database and truncate it to nothing.
        Returns (pages in the log, pages copied), or None when readers kept it busy (it is
        tried again later) or the engine keeps no such log."""
        if self.engine.dialect.name != "sqlite":
            return None
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            # A short wait: the checkpoint holds off writers while it waits for readers, and
            # reports must not wait behind it; the next attempt comes soon enough.
            cursor.execute(f"PRAGMA busy_timeout={int(busy_milliseconds)}")
            busy, log_pages, copied = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.execute("PRAGMA busy_timeout=30000")  # as make_engine set it, for the pool
            cursor.close()
        finally:
            raw.close()
        return None if busy else (int(log_pages), int(copied))
