"""Deleting what is past keeping, a little at a time, and keeping SQLite's log small."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select

from outagewatch.storage import schema
from outagewatch.storage.sql_base import SqlBase

# Tables keyed (service_id, minute, ...): deleting one service's old minutes walks the primary
# key's prefix, so no index on the minute alone is needed (minute_breakdowns has none).
_MINUTE_TABLES = (schema.minute_totals, schema.minute_breakdowns, schema.mention_counts)


class SqlRetention(SqlBase):
    def prune_counts(
        self, service_ids: Sequence[int], *, minutes_before: int, hours_before: int
    ) -> int:
        """Delete these services' per-minute rows before `minutes_before` (a Unix minute)
        and hourly rows before `hours_before` (a Unix hour); returns how many went."""
        deleted = 0
        with self._connection(writes=True) as connection:
            for table in _MINUTE_TABLES:
                result = connection.execute(
                    delete(table).where(
                        table.c.service_id.in_(list(service_ids)),
                        table.c.minute < minutes_before,
                    )
                )
                deleted += int(result.rowcount)
            hours = schema.hour_totals
            result = connection.execute(
                delete(hours).where(
                    hours.c.service_id.in_(list(service_ids)), hours.c.hour < hours_before
                )
            )
            return deleted + int(result.rowcount)

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
