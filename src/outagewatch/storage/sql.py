"""The Store on SQLAlchemy Core: one implementation for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import fcntl
import secrets
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    bindparam,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from outagewatch.catalog.model import Category, Service
from outagewatch.storage import schema
from outagewatch.storage.records import (
    CatalogSync,
    Dimension,
    Incident,
    IncidentEvent,
    NewReport,
    RecentCounts,
    ServiceStatus,
    UncountedReason,
    WindowClaim,
)

HISTORY_STARTED_KEY = "history_started_at"
_TOTALS_COLUMN: dict[UncountedReason | None, str] = {
    None: "reports",
    "duplicate": "duplicates",
    "brigade": "discarded",
}
SECONDS_PER_MINUTE = 60
MINUTES_PER_HOUR = 60


def unix_minute(moment: datetime) -> int:
    return int(moment.timestamp()) // SECONDS_PER_MINUTE


def make_engine(url: str) -> Engine:
    """An engine tuned for its backend: SQLite gets WAL and full fsync on commit."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _tune_sqlite(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer. synchronous=FULL fsyncs each commit, so a
    # report acknowledged after its commit survives power loss, not only a process crash; the
    # group-commit writer pays that cost once per batch, not once per report.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class SqlStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._current: ContextVar[Connection | None] = ContextVar(
            f"outagewatch-connection-{id(self)}", default=None
        )
        self._upsert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        # Built once: constructing an upsert (its `excluded` columns above all) costs more
        # than executing it on the hot path of report intake.
        dialect = engine.dialect
        self._insert_reports = _Prepared(insert(schema.reports), _REPORT_COLUMNS, dialect)
        self._add_totals = _Prepared(
            self._adding_upsert(
                schema.minute_totals, ["service_id", "minute"], list(_TOTALS_COLUMN.values())
            ),
            ("service_id", "minute", *_TOTALS_COLUMN.values()),
            dialect,
        )
        breakdown_key = ("service_id", "minute", "problem", "country", "platform")
        self._add_breakdowns = _Prepared(
            self._adding_upsert(schema.minute_breakdowns, list(breakdown_key), ["reports"]),
            (*breakdown_key, "reports"),
            dialect,
        )
        self._claim_windows = self._conditional_claim()
        self._recent_counts = _recent_counts_query()
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        in_file = database not in (None, "", ":memory:")
        self._lock_path = Path(f"{database}.write-lock") if in_file else None
        self._lock_file: IO[str] | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._current.get() is not None:
            yield  # the outermost transaction owns the commit
            return
        with self.engine.begin() as connection:
            token = self._current.set(connection)
            try:
                yield
            finally:
                self._current.reset(token)

    @contextmanager
    def exclusive_writes(self) -> Iterator[None]:
        """Queue for the database's single write lock in the kernel, not by polling.

        Several processes writing one SQLite file otherwise wait in SQLite's busy handler,
        which sleeps in growing steps and so adds tens of milliseconds to the unlucky ones.
        A file lock wakes the next writer the moment the lock is free. Other engines have
        row locks and need nothing here.
        """
        if self._lock_path is None:
            yield
            return
        if self._lock_file is None:
            self._lock_file = self._lock_path.open("a")
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    @contextmanager
    def _connection(self, *, writes: bool = False) -> Iterator[Connection]:
        current = self._current.get()
        if current is not None:
            yield current
            return
        if writes:
            raise RuntimeError("writes need an open store.transaction()")
        with self.engine.connect() as connection:
            yield connection

    # -- catalog ---------------------------------------------------------------------------

    def sync_catalog(
        self, categories: Sequence[Category], services: Sequence[Service]
    ) -> CatalogSync:
        with self._connection(writes=True) as connection:
            for position, category in enumerate(categories):
                statement = self._upsert(schema.categories).values(
                    slug=category.slug, name=category.name, position=position
                )
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=["slug"],
                        set_={"name": category.name, "position": position},
                    )
                )
            existing = {
                row.slug: dict(row._mapping) for row in connection.execute(select(schema.services))
            }
            inserted = updated = 0
            for service in services:
                values = _service_values(service)
                stored = existing.get(service.slug)
                if stored is None:
                    connection.execute(insert(schema.services).values(values))
                    inserted += 1
                elif any(stored[key] != value for key, value in values.items()):
                    connection.execute(
                        update(schema.services)
                        .where(schema.services.c.slug == service.slug)
                        .values(values)
                    )
                    updated += 1
            return CatalogSync(inserted, updated, len(services) - inserted - updated)

    def list_services(self) -> list[Service]:
        with self._connection() as connection:
            rows = connection.execute(select(schema.services).order_by(schema.services.c.id))
            return [_service_from_row(row._mapping) for row in rows]

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
        table = schema.minute_totals
        hour = table.c.minute // MINUTES_PER_HOUR
        query = (
            select(table.c.service_id, hour.label("hour"), func.sum(table.c.reports))
            .where(table.c.minute >= unix_minute(since), table.c.minute < unix_minute(until))
            .group_by(table.c.service_id, hour)
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

    # -- incidents -------------------------------------------------------------------------

    def open_incidents(self) -> dict[int, Incident]:
        table = schema.incidents
        with self._connection() as connection:
            rows = connection.execute(select(table).where(table.c.state == "open"))
            return {row.service_id: _incident_from_row(row._mapping) for row in rows}

    def create_incident(self, incident: Incident) -> int:
        values = _incident_values(incident)
        with self._connection(writes=True) as connection:
            result = connection.execute(insert(schema.incidents).values(values))
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def update_incident(self, incident: Incident) -> None:
        table = schema.incidents
        with self._connection(writes=True) as connection:
            connection.execute(
                update(table).where(table.c.id == incident.id).values(_incident_values(incident))
            )

    def add_incident_event(self, incident_id: int, event: IncidentEvent) -> None:
        with self._connection(writes=True) as connection:
            connection.execute(
                insert(schema.incident_events).values(
                    incident_id=incident_id, at=event.at, kind=event.kind, message=event.message
                )
            )

    def incidents_of(self, service_id: int, *, limit: int) -> list[Incident]:
        table = schema.incidents
        query = (
            select(table)
            .where(table.c.service_id == service_id)
            .order_by(table.c.detected_at.desc())
            .limit(limit)
        )
        with self._connection() as connection:
            incidents = [_incident_from_row(row._mapping) for row in connection.execute(query)]
            return [self._with_events(connection, incident) for incident in incidents]

    def incident(self, incident_id: int) -> Incident | None:
        table = schema.incidents
        with self._connection() as connection:
            row = connection.execute(select(table).where(table.c.id == incident_id)).first()
            return (
                None
                if row is None
                else self._with_events(connection, _incident_from_row(row._mapping))
            )

    @staticmethod
    def _with_events(connection: Connection, incident: Incident) -> Incident:
        table = schema.incident_events
        rows = connection.execute(
            select(table.c.at, table.c.kind, table.c.message)
            .where(table.c.incident_id == incident.id)
            .order_by(table.c.at, table.c.id)
        )
        events = tuple(IncidentEvent(row.at, row.kind, row.message) for row in rows)
        return replace(incident, events=events)

    # -- status ----------------------------------------------------------------------------

    def statuses(self) -> dict[int, ServiceStatus]:
        with self._connection() as connection:
            rows = connection.execute(select(schema.service_status))
            return {
                row.service_id: ServiceStatus(
                    service_id=row.service_id,
                    status=row.status,
                    since=row.since,
                    evidence=dict(row.evidence),
                )
                for row in rows
            }

    def set_status(self, status: ServiceStatus) -> None:
        values = {"status": status.status, "since": status.since, "evidence": status.evidence}
        statement = self._upsert(schema.service_status).values(
            service_id=status.service_id, **values
        )
        with self._connection(writes=True) as connection:
            connection.execute(
                statement.on_conflict_do_update(index_elements=["service_id"], set_=values)
            )

    # -- installation ----------------------------------------------------------------------

    def history_started_at(self) -> datetime | None:
        query = select(schema.settings_table.c.value).where(
            schema.settings_table.c.key == HISTORY_STARTED_KEY
        )
        with self._connection() as connection:
            value = connection.execute(query).scalar_one_or_none()
        return None if value is None else datetime.fromisoformat(value)

    def mark_history_started(self, at: datetime) -> None:
        known = self.history_started_at()
        if known is not None and known <= at:
            return
        values = {"key": HISTORY_STARTED_KEY, "value": at.isoformat()}
        statement = self._upsert(schema.settings_table).values(**values)
        with self._connection(writes=True) as connection:
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["key"], set_={"value": values["value"]}
                )
            )


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


class _Prepared:
    """A Core statement compiled once, run through the driver's own executemany.

    For the per-report writes only: SQLAlchemy's per-row parameter handling cost more than
    the database work itself there (bench/ingest.py, profiled). The SQL is still generated
    by SQLAlchemy for each engine, and values still pass through each column type's own
    bind processor, so what is stored is exactly what Core would store.
    """

    def __init__(self, statement: Any, columns: tuple[str, ...], dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        self._sql = str(compiled)
        table = statement.table
        processors = [table.c[name].type._cached_bind_processor(dialect) for name in columns]
        self._processors = [(index, p) for index, p in enumerate(processors) if p is not None]
        self._columns = columns
        # qmark drivers (sqlite3) want values in the order the SQL names them; None: by name
        self._order = (
            [columns.index(name) for name in compiled.positiontup or ()]
            if compiled.positional
            else None
        )

    def _shape(self, row: tuple[Any, ...]) -> tuple[Any, ...] | dict[str, Any]:
        if self._order is None:
            return dict(zip(self._columns, row, strict=True))
        return tuple(row[index] for index in self._order)

    def execute_many(self, connection: Connection, rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        if self._processors:
            converted = []
            for row in rows:
                values = list(row)
                for index, process in self._processors:
                    values[index] = process(values[index])
                converted.append(values)
            rows = [tuple(values) for values in converted]
        connection.exec_driver_sql(self._sql, [self._shape(row) for row in rows])


def _incident_values(incident: Incident) -> dict[str, Any]:
    return {
        "service_id": incident.service_id,
        "state": incident.state,
        "severity": incident.severity,
        "started_at": incident.started_at,
        "detected_at": incident.detected_at,
        "peak_at": incident.peak_at,
        "peak_reports": incident.peak_reports,
        "resolved_at": incident.resolved_at,
    }


def _incident_from_row(row: Any) -> Incident:
    return Incident(
        id=row["id"],
        service_id=row["service_id"],
        state=row["state"],
        severity=row["severity"],
        started_at=row["started_at"],
        detected_at=row["detected_at"],
        peak_at=row["peak_at"],
        peak_reports=row["peak_reports"],
        resolved_at=row["resolved_at"],
    )


def _service_values(service: Service) -> dict[str, Any]:
    return {
        "slug": service.slug,
        "name": service.name,
        "category": service.category,
        "url": service.url,
        "description": service.description,
        "popularity": service.popularity,
        "owner": service.owner,
        "aliases": list(service.aliases),
        "countries": list(service.countries),
        "related": list(service.related),
        "status_page": service.status_page,
        "statuspage_io": service.statuspage_io,
        "icon": service.icon,
    }


def _service_from_row(row: Any) -> Service:
    return Service(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        category=row["category"],
        url=row["url"],
        description=row["description"],
        popularity=row["popularity"],
        owner=row["owner"],
        aliases=tuple(row["aliases"]),
        countries=tuple(row["countries"]),
        related=tuple(row["related"]),
        status_page=row["status_page"],
        statuspage_io=bool(row["statuspage_io"]),
        icon=row["icon"],
    )
