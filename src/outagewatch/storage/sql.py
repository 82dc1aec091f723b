"""The Store on SQLAlchemy Core: one implementation for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from outagewatch.catalog.model import Category, Service
from outagewatch.storage import schema
from outagewatch.storage.records import CatalogSync, Dimension, NewReport, ServiceStatus

HISTORY_STARTED_KEY = "history_started_at"
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
        totals: Counter[tuple[int, int]] = Counter()
        breakdowns: Counter[tuple[int, int, str, str, str]] = Counter()
        for report in reports:
            if report.counted:
                minute = unix_minute(report.received_at)
                totals[report.service_id, minute] += 1
                key = (
                    report.service_id,
                    minute,
                    report.problem,
                    report.country or "",
                    report.platform or "",
                )
                breakdowns[key] += 1
        with self._connection(writes=True) as connection:
            connection.execute(
                insert(schema.reports),
                [
                    {
                        "service_id": report.service_id,
                        "received_at": report.received_at,
                        "problem": report.problem,
                        "platform": report.platform,
                        "country": report.country,
                        "reporter_key": report.reporter_key,
                        "counted": report.counted,
                        "comment": report.comment,
                    }
                    for report in reports
                ],
            )
            if totals:
                self._add_counts(
                    connection,
                    schema.minute_totals,
                    ["service_id", "minute"],
                    [
                        {"service_id": service_id, "minute": minute, "reports": n}
                        for (service_id, minute), n in totals.items()
                    ],
                )
                self._add_counts(
                    connection,
                    schema.minute_breakdowns,
                    ["service_id", "minute", "problem", "country", "platform"],
                    [
                        {
                            "service_id": service_id,
                            "minute": minute,
                            "problem": problem,
                            "country": country,
                            "platform": platform,
                            "reports": n,
                        }
                        for (service_id, minute, problem, country, platform), n in (
                            breakdowns.items()
                        )
                    ],
                )

    def _add_counts(
        self, connection: Connection, table: Any, key: list[str], rows: list[dict[str, Any]]
    ) -> None:
        statement = self._upsert(table)
        connection.execute(
            statement.on_conflict_do_update(
                index_elements=key,
                set_={"reports": table.c.reports + statement.excluded.reports},
            ),
            rows,
        )

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
        statement = self._upsert(schema.settings_table).values(
            key=HISTORY_STARTED_KEY, value=at.isoformat()
        )
        with self._connection(writes=True) as connection:
            connection.execute(statement.on_conflict_do_nothing(index_elements=["key"]))


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
