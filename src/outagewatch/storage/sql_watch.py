"""What an operator watches that the database knows for every node: a handful of counts,
read once per scrape."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from outagewatch.storage import schema
from outagewatch.storage.schema import UtcDateTime
from outagewatch.storage.sql_base import SqlBase


@dataclass(frozen=True, slots=True)
class WatchFigures:
    statuses: dict[str, int]  # services by status; services never flagged count as "ok"
    incidents: int
    outbox_pending: int
    outbox_oldest_age_seconds: float
    official_pages: dict[str, int]  # by last poll: ok | failing | unread


class SqlWatch(SqlBase):
    def watch_figures(self, *, services: int, now: datetime) -> WatchFigures:
        status, outbox, official = schema.service_status, schema.outbox, schema.official_sources
        with self._connection() as connection:
            flagged = {
                row.status: int(row.n)
                for row in connection.execute(
                    select(status.c.status, func.count().label("n")).group_by(status.c.status)
                )
            }
            incidents = connection.execute(select(func.count()).select_from(schema.incidents))
            incident_count = int(incidents.scalar_one())
            pending = connection.execute(
                select(func.count(), func.min(outbox.c.created_at, type_=UtcDateTime)).where(
                    outbox.c.state == "pending"
                )
            ).one()
            result = case(
                (official.c.failures > 0, "failing"),
                (official.c.ok_at.is_not(None), "ok"),
                else_="unread",
            )
            pages = {
                row.result: int(row.n)
                for row in connection.execute(
                    select(result.label("result"), func.count().label("n")).group_by(result)
                )
            }
        ok = max(services - sum(n for word, n in flagged.items() if word != "ok"), 0)
        oldest: datetime | None = pending[1]
        return WatchFigures(
            statuses={"ok": ok, **{word: n for word, n in flagged.items() if word != "ok"}},
            incidents=incident_count,
            outbox_pending=int(pending[0]),
            outbox_oldest_age_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
            official_pages=pages,
        )
