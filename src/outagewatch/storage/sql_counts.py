"""Reports and their counts: the hot path of intake, and what pages and detection read."""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Engine,
    bindparam,
    case,
    delete,
    func,
    insert,
    select,
)

from outagewatch.storage import schema
from outagewatch.storage.prepared import Prepared
from outagewatch.storage.records import (
    Dimension,
    NewReport,
    RecentCounts,
    UncountedReason,
    WindowClaim,
)
from outagewatch.storage.sql_base import MINUTES_PER_HOUR, SqlBase, unix_minute

_TOTALS_COLUMN: dict[UncountedReason | None, str] = {
    None: "reports",
    "duplicate": "duplicates",
    "brigade": "discarded",
}


class SqlCounts(SqlBase):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        # Built once: constructing an upsert (its `excluded` columns above all) costs more
        # than executing it on the hot path of report intake.
        dialect = engine.dialect
        self._insert_reports = Prepared(insert(schema.reports), _REPORT_COLUMNS, dialect)
        self._add_totals = Prepared(
            self._adding_upsert(
                schema.minute_totals, ["service_id", "minute"], list(_TOTALS_COLUMN.values())
            ),
            ("service_id", "minute", *_TOTALS_COLUMN.values()),
            dialect,
        )
        self._add_hours = Prepared(
            self._adding_upsert(schema.hour_totals, ["service_id", "hour"], ["reports"]),
            ("service_id", "hour", "reports"),
            dialect,
        )
        breakdown_key = ("service_id", "minute", "problem", "country", "platform")
        self._add_breakdowns = Prepared(
            self._adding_upsert(schema.minute_breakdowns, list(breakdown_key), ["reports"]),
            (*breakdown_key, "reports"),
            dialect,
        )
        self._claim_windows = self._conditional_claim()
        self._recent_counts = _recent_counts_query()

    # -- reports and counts ----------------------------------------------------------------

    def record_reports(self, reports: Sequence[NewReport]) -> None:
        if not reports:
            return
        totals: dict[tuple[int, int], Counter[str]] = {}
        breakdowns: Counter[tuple[int, int, str, str, str]] = Counter()
        for report in reports:
            minute = unix_minute(report.received_at)
            column = _TOTALS_COLUMN[report.uncounted_reason]
            totals.setdefault((report.service_id, minute), Counter())[column] += 1
            if report.counted:
                key = (
                    report.service_id,
                    minute,
                    report.problem,
                    report.country or "",
                    report.platform or "",
                )
                breakdowns[key] += 1
        with self._connection(writes=True) as connection:
            self._insert_reports.execute_many(
                connection,
                [
                    (
                        report.service_id,
                        report.received_at,
                        report.problem,
                        report.platform,
                        report.country,
                        report.reporter_key,
                        report.network_key,
                        report.counted,
                        report.uncounted_reason,
                        report.comment,
                    )
                    for report in reports
                ],
            )
            self._add_totals.execute_many(
                connection,
                [
                    (service_id, minute, *(counts[name] for name in _TOTALS_COLUMN.values()))
                    for (service_id, minute), counts in totals.items()
                ],
            )
            if breakdowns:
                self._add_breakdowns.execute_many(
                    connection, [(*key, n) for key, n in breakdowns.items()]
                )
            hours = _by_hour(
                (service_id, minute, counts["reports"])
                for (service_id, minute), counts in totals.items()
            )
            if hours:
                self._add_hours.execute_many(connection, hours)

    def add_counts(
        self,
        totals: Sequence[tuple[int, int, int]],
        breakdowns: Sequence[tuple[int, int, str, str, str, int]],
    ) -> None:
        with self._connection(writes=True) as connection:
            self._add_totals.execute_many(
                connection, [(service_id, minute, n, 0, 0) for service_id, minute, n in totals]
            )
            self._add_breakdowns.execute_many(connection, list(breakdowns))
            hours = _by_hour(totals)
            if hours:
                self._add_hours.execute_many(connection, hours)

    def claim_reporter_windows(
        self, claims: Sequence[WindowClaim], *, window: timedelta
    ) -> list[bool]:
        if not claims:
            return []
        claim_ids = [secrets.randbits(62) for _ in claims]
        window_seconds = int(window.total_seconds())
        rows = [
            {
                "service_id": claim.service_id,
                "reporter_key": claim.reporter_key,
                "last_counted_at": int(claim.at.timestamp()),
                "claim": claim_id,
                "window_seconds": window_seconds,
            }
            for claim, claim_id in zip(claims, claim_ids, strict=True)
        ]
        # One statement may not touch a row twice (PostgreSQL refuses), so a reporter's
        # repeats within the batch go in later rounds, in order; usually there is one round.
        rounds: list[list[dict[str, Any]]] = []
        seen: Counter[tuple[int, str]] = Counter()
        for claim, row in zip(claims, rows, strict=True):
            key = (claim.service_id, claim.reporter_key)
            if seen[key] == len(rounds):
                rounds.append([])
            rounds[seen[key]].append(row)
            seen[key] += 1
        winners: set[int] = set()
        with self._connection(writes=True) as connection:
            for round_rows in rounds:
                # RETURNING yields a row only where the upsert inserted or updated: the winners.
                winners.update(connection.execute(self._claim_windows, round_rows).scalars())
        return [claim_id in winners for claim_id in claim_ids]

    def prune_reporter_windows(self, *, before: datetime) -> int:
        table = schema.reporter_windows
        with self._connection(writes=True) as connection:
            result = connection.execute(
                delete(table).where(table.c.last_counted_at < int(before.timestamp()))
            )
            return int(result.rowcount)

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

    def _adding_upsert(self, table: Any, key: list[str], added: list[str]) -> Any:
        """INSERT the counts, or add them to the row already there."""
        statement = self._upsert(table)
        return statement.on_conflict_do_update(
            index_elements=key,
            set_={name: table.c[name] + statement.excluded[name] for name in added},
        )

    def _conditional_claim(self) -> Any:
        table = schema.reporter_windows
        statement = self._upsert(table).values(
            service_id=bindparam("service_id"),
            reporter_key=bindparam("reporter_key"),
            last_counted_at=bindparam("last_counted_at"),
            claim=bindparam("claim"),
        )
        # The row changes only when the reporter's last counted report is a window old; the
        # engine evaluates that under its row lock, so two writers cannot both win.
        return statement.on_conflict_do_update(
            index_elements=["service_id", "reporter_key"],
            set_={
                "last_counted_at": statement.excluded.last_counted_at,
                "claim": statement.excluded.claim,
            },
            where=table.c.last_counted_at
            <= statement.excluded.last_counted_at - bindparam("window_seconds", type_=BigInteger),
        ).returning(table.c.claim)

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
        table = schema.minute_totals
        # Floor division of non-negative integers renders as integer division on both engines.
        hour = table.c.minute // MINUTES_PER_HOUR
        query = (
            select(hour.label("hour"), func.sum(table.c.reports).label("reports"))
            .where(
                table.c.service_id == service_id,
                table.c.minute >= unix_minute(since),
                table.c.minute < unix_minute(until),
            )
            .group_by(hour)
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
        """Whole hours: `since` and `until` are taken to the hours they fall in."""
        table = schema.hour_totals
        query = select(table.c.service_id, table.c.hour, table.c.reports).where(
            table.c.hour >= unix_minute(since) // MINUTES_PER_HOUR,
            table.c.hour < unix_minute(until) // MINUTES_PER_HOUR,
            table.c.reports > 0,
        )
        with self._connection() as connection:
            return {(row[0], int(row[1])): int(row[2]) for row in connection.execute(query)}

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


_REPORT_COLUMNS = (
    "service_id",
    "received_at",
    "problem",
    "platform",
    "country",
    "reporter_key",
    "network_key",
    "counted",
    "uncounted_reason",
    "comment",
)


def _by_hour(minutes: Iterable[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """(service, minute, reports) summed into (service, hour, reports), zeros left out."""
    hours: Counter[tuple[int, int]] = Counter()
    for service_id, minute, reports in minutes:
        if reports:
            hours[(service_id, minute // MINUTES_PER_HOUR)] += reports
    return [(service_id, hour, n) for (service_id, hour), n in hours.items()]


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
