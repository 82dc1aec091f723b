"""Report counts as pages, the API and detection read them (sql_intake.py writes them)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Engine,
    bindparam,
    case,
    func,
    select,
)

from outagewatch.basics.minutes import MINUTES_PER_HOUR, unix_minute
from outagewatch.storage import schema
from outagewatch.storage.records import (
    Dimension,
    RecentCounts,
)
from outagewatch.storage.sql_base import SqlBase


class SqlCounts(SqlBase):
    """What pages, the API and detection read: counts by minute, hour, service and kind."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self._recent_counts = _recent_counts_query()

    # -- reports and counts ----------------------------------------------------------------

    def recent_counts(
        self, service_ids: Sequence[int], *, now: datetime
    ) -> dict[int, RecentCounts]:
        if not service_ids:
            return {}
        current = unix_minute(now)
        day_start = unix_minute(now.astimezone(UTC).replace(hour=0, minute=0, second=0))
        parameters = {
            "ids": list(service_ids),
            "hour_start": current - (MINUTES_PER_HOUR - 1),
            "day_start": day_start,
            "since": min(current - (MINUTES_PER_HOUR - 1), day_start),
            "current": current,
        }
        counts = {service_id: RecentCounts(0, 0) for service_id in service_ids}
        with self._connection() as connection:
            for row in connection.execute(self._recent_counts, parameters):
                counts[row.service_id] = RecentCounts(int(row.hour or 0), int(row.day or 0))
        return counts

    def uncounted_totals(
        self, service_id: int, *, since: datetime, until: datetime
    ) -> dict[str, int]:
        table = schema.minute_totals
        query = select(
            func.coalesce(func.sum(table.c.duplicates), 0).label("duplicate"),
            func.coalesce(func.sum(table.c.discarded), 0).label("brigade"),
        ).where(
            table.c.service_id == service_id,
            table.c.minute >= unix_minute(since),
            table.c.minute < unix_minute(until),
        )
        with self._connection() as connection:
            row = connection.execute(query).one()
        return {"duplicate": int(row.duplicate), "brigade": int(row.brigade)}

    def count_reports(self, *, service_id: int | None = None) -> int:
        query = select(func.count()).select_from(schema.reports)
        if service_id is not None:
            query = query.where(schema.reports.c.service_id == service_id)
        with self._connection() as connection:
            return int(connection.execute(query).scalar_one())

    def minute_totals(self, service_id: int, *, since: datetime, until: datetime) -> dict[int, int]:
        table = schema.minute_totals
        query = select(table.c.minute, table.c.reports).where(
            table.c.service_id == service_id,
            table.c.minute >= unix_minute(since),
            table.c.minute < unix_minute(until),
        )
        with self._connection() as connection:
            return {row.minute: row.reports for row in connection.execute(query)}

    def hourly_totals(self, service_id: int, *, since: datetime, until: datetime) -> dict[int, int]:
        table = schema.hour_totals
        first, last = _hours_overlapping(since, until)
        query = select(table.c.hour, table.c.reports).where(
            table.c.service_id == service_id,
            table.c.hour >= first,
            table.c.hour <= last,
            table.c.reports > 0,
        )
        with self._connection() as connection:
            return {int(row.hour): int(row.reports) for row in connection.execute(query)}

    def breakdown(
        self, service_id: int, *, dimension: Dimension, since: datetime, until: datetime
    ) -> dict[str, int]:
        table = schema.minute_breakdowns
        column = table.c[dimension]
        query = (
            select(column.label("key"), func.sum(table.c.reports).label("reports"))
            .where(
                table.c.service_id == service_id,
                table.c.minute >= unix_minute(since),
                table.c.minute < unix_minute(until),
            )
            .group_by(column)
        )
        with self._connection() as connection:
            return {row.key: int(row.reports) for row in connection.execute(query)}

    def country_totals(
        self, service_ids: Sequence[int], *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Counted reports of these services in [since, until) by country (known ones)."""
        table = schema.minute_breakdowns
        query = (
            select(table.c.country, func.sum(table.c.reports).label("reports"))
            .where(
                table.c.service_id.in_(list(service_ids)),
                table.c.minute >= unix_minute(since),
                table.c.minute < unix_minute(until),
                table.c.country != "",
            )
            .group_by(table.c.country)
        )
        with self._connection() as connection:
            return {row.country: int(row.reports) for row in connection.execute(query)}

    def totals_by_service(self, *, since: datetime, until: datetime) -> dict[int, int]:
        table = schema.minute_totals
        query = (
            select(table.c.service_id, func.sum(table.c.reports).label("reports"))
            .where(table.c.minute >= unix_minute(since), table.c.minute < unix_minute(until))
            .group_by(table.c.service_id)
        )
        with self._connection() as connection:
            return {row.service_id: int(row.reports) for row in connection.execute(query)}

    def minute_totals_all(self, *, since: datetime, until: datetime) -> list[tuple[int, int, int]]:
        table = schema.minute_totals
        query = select(table.c.service_id, table.c.minute, table.c.reports).where(
            table.c.minute >= unix_minute(since),
            table.c.minute < unix_minute(until),
            table.c.reports > 0,
        )
        with self._connection() as connection:
            return [(row[0], row[1], row[2]) for row in connection.execute(query)]

    def hourly_totals_all(self, *, since: datetime, until: datetime) -> dict[tuple[int, int], int]:
        table = schema.hour_totals
        first, last = _hours_overlapping(since, until)
        query = select(table.c.service_id, table.c.hour, table.c.reports).where(
            table.c.hour >= first, table.c.hour <= last, table.c.reports > 0
        )
        with self._connection() as connection:
            return {(row[0], int(row[1])): int(row[2]) for row in connection.execute(query)}

    def record_data_gap(self, *, started_at: datetime, ended_at: datetime) -> None:
        statement = schema.data_gaps.insert().values(started_at=started_at, ended_at=ended_at)
        with self._connection(writes=True) as connection:
            connection.execute(statement)

    def data_gaps(self, *, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        table = schema.data_gaps
        query = (
            select(table.c.started_at, table.c.ended_at)
            .where(table.c.ended_at > since, table.c.started_at < until)
            .order_by(table.c.started_at)
        )
        with self._connection() as connection:
            return [(row[0], row[1]) for row in connection.execute(query)]

    def light_network_reports(
        self,
        service_ids: Sequence[int],
        *,
        since: datetime,
        until: datetime,
        max_per_network: int,
    ) -> dict[int, tuple[int, int]]:
        if not service_ids:
            return {}
        table = schema.reports
        per_network = (
            select(
                table.c.service_id,
                table.c.network_key,
                func.count().label("reports"),
            )
            .where(
                table.c.service_id.in_(list(service_ids)),
                table.c.received_at >= since,
                table.c.received_at < until,
                table.c.counted.is_(True),
            )
            .group_by(table.c.service_id, table.c.network_key)
            .subquery()
        )
        query = (
            select(per_network.c.service_id, func.sum(per_network.c.reports), func.count())
            .where(per_network.c.reports <= max_per_network)
            .group_by(per_network.c.service_id)
        )
        with self._connection() as connection:
            return {row[0]: (int(row[1]), int(row[2])) for row in connection.execute(query)}


def _hours_overlapping(since: datetime, until: datetime) -> tuple[int, int]:
    """The first and last hour (Unix minute // 60) with a minute in [since, until): hourly
    counts are whole hours, so bounds inside an hour take all of it."""
    return (
        unix_minute(since) // MINUTES_PER_HOUR,
        (unix_minute(until) - 1) // MINUTES_PER_HOUR,
    )


def _recent_counts_query() -> Any:
    """Counted reports of some services in the last hour and the UTC day, in one pass."""
    table = schema.minute_totals
    in_hour = case((table.c.minute >= bindparam("hour_start"), table.c.reports), else_=0)
    in_day = case((table.c.minute >= bindparam("day_start"), table.c.reports), else_=0)
    return (
        select(table.c.service_id, func.sum(in_hour).label("hour"), func.sum(in_day).label("day"))
        .where(
            table.c.service_id.in_(bindparam("ids", expanding=True)),
            table.c.minute >= bindparam("since"),
            table.c.minute <= bindparam("current"),
        )
        .group_by(table.c.service_id)
    )
