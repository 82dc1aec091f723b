"""Official status sources and statements on SQL."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, Table, delete, insert, select, update

from outagewatch.basics.services import Service
from outagewatch.storage import schema
from outagewatch.storage.records_official import (
    OfficialSource,
    OfficialStatement,
    OfficialStatus,
    OfficialSync,
    SourceKind,
)
from outagewatch.storage.sql_base import SqlBase

# A source is first checked as soon as it is known; until then it is due.
_FRESH_SOURCE = {
    "etag": None,
    "last_modified": None,
    "checked_at": None,
    "ok_at": None,
    "failures": 0,
    "last_error": None,
    "indicator": None,
    "description": None,
    "feed_url": None,
}


CLOSING_STATUSES = frozenset({"resolved", "postmortem"})


class SqlOfficial(SqlBase):
    def sync_official_sources(self, services: Sequence[Service], *, now: datetime) -> OfficialSync:
        table = schema.official_sources
        wanted: dict[int, tuple[SourceKind, str]] = {}
        unwanted: list[int] = []
        for service in services:
            if service.id is None:
                raise ValueError(
                    f"service {service.slug} has no storage id; sync the catalog first"
                )
            if service.status_page:
                # The flag is where the poller starts; what it finds there is what it keeps.
                kind: SourceKind = "statuspage" if service.statuspage_io else "unknown"
                wanted[service.id] = (kind, service.status_page)
            else:
                unwanted.append(service.id)
        added = changed = 0
        with self._connection(writes=True) as connection:
            # What the poller learnt of a page (Statuspage, a feed, a plain page) is kept
            # while the page's address stays the same.
            existing = {
                row.service_id: row.url
                for row in connection.execute(select(table.c.service_id, table.c.url))
            }
            for service_id, (kind, url) in wanted.items():
                values = {"kind": kind, "url": url, "next_check_at": now, **_FRESH_SOURCE}
                if service_id not in existing:
                    connection.execute(insert(table).values(service_id=service_id, **values))
                    added += 1
                elif existing[service_id] != url:
                    connection.execute(
                        update(table).where(table.c.service_id == service_id).values(values)
                    )
                    changed += 1
            gone = [service_id for service_id in unwanted if service_id in existing]
            if gone:
                connection.execute(delete(table).where(table.c.service_id.in_(gone)))
        return OfficialSync(added=added, changed=changed, removed=len(gone))

    def claim_due_sources(
        self, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OfficialSource]:
        """On PostgreSQL, SKIP LOCKED lets pollers claim side by side; SQLite runs one writer
        at a time, so the conditional update alone is atomic there."""
        table = schema.official_sources
        due = (
            select(table.c.service_id)
            .where(table.c.next_check_at <= now)
            .order_by(table.c.next_check_at, table.c.service_id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(table)
            .where(table.c.service_id.in_(due.scalar_subquery()), table.c.next_check_at <= now)
            .values(next_check_at=now + lease)
            .returning(*table.c)
        )
        with self._connection(writes=True) as connection:
            sources = [
                OfficialSource(
                    service_id=row.service_id,
                    kind=row.kind,
                    url=row.url,
                    etag=row.etag,
                    last_modified=row.last_modified,
                    failures=row.failures,
                    feed_url=row.feed_url,
                )
                for row in connection.execute(statement)
            ]
        return sorted(sources, key=lambda source: source.service_id)

    def postpone_check(self, service_id: int, *, next_check_at: datetime) -> None:
        table = schema.official_sources
        with self._connection(writes=True) as connection:
            connection.execute(
                update(table)
                .where(table.c.service_id == service_id)
                .values(next_check_at=next_check_at)
            )

    def record_check(
        self,
        service_id: int,
        *,
        checked_at: datetime,
        next_check_at: datetime,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        indicator: str | None = None,
        description: str | None = None,
    ) -> None:
        table = schema.official_sources
        values: dict[str, Any] = {"checked_at": checked_at, "next_check_at": next_check_at}
        if error is not None:
            values |= {
                "failures": table.c.failures + 1,
                "last_error": _fit(table, "last_error", error),
            }
        else:
            values |= {
                "ok_at": checked_at,
                "failures": 0,
                "last_error": None,
                # A header too long to keep is dropped, not cut: a cut validator never matches.
                "etag": _whole_or_none(table, "etag", etag),
                "last_modified": _whole_or_none(table, "last_modified", last_modified),
            }
            if indicator is not None:
                values |= {
                    "indicator": _fit(table, "indicator", indicator),
                    "description": _fit(table, "description", description),
                }
        with self._connection(writes=True) as connection:
            connection.execute(update(table).where(table.c.service_id == service_id).values(values))

    def unresolved_official_incidents(self, service_id: int, *, since: datetime) -> set[str]:
        table = schema.official_statements
        query = (
            select(table.c.incident_key, table.c.status)
            .where(table.c.service_id == service_id, table.c.at >= since)
            .order_by(table.c.at, table.c.id)
        )
        latest: dict[str, str] = {}
        with self._connection() as connection:
            for incident_key, status in connection.execute(query):
                latest[incident_key] = status
        return {key for key, status in latest.items() if status not in CLOSING_STATUSES}

    def record_form(self, service_id: int, *, kind: SourceKind, feed_url: str | None) -> None:
        table = schema.official_sources
        # Validators belong to the document they came with: a new one starts without.
        values = {"kind": kind, "feed_url": feed_url, "etag": None, "last_modified": None}
        with self._connection(writes=True) as connection:
            connection.execute(update(table).where(table.c.service_id == service_id).values(values))

    def add_statements(self, statements: Sequence[OfficialStatement]) -> int:
        if not statements:
            return 0
        table = schema.official_statements
        statement = (
            self._upsert(table)
            .values([_statement_values(each) for each in statements])
            .on_conflict_do_nothing(index_elements=["service_id", "update_key"])
            .returning(table.c.id)
        )
        with self._connection(writes=True) as connection:
            # RETURNING, not rowcount: psycopg reports no row count for INSERT .. ON CONFLICT.
            return len(connection.execute(statement).all())

    def statements_of(
        self, service_id: int, *, since: datetime, until: datetime
    ) -> list[OfficialStatement]:
        table = schema.official_statements
        query = (
            select(table)
            .where(table.c.service_id == service_id, table.c.at >= since, table.c.at < until)
            .order_by(table.c.at, table.c.id)
        )
        with self._connection() as connection:
            return [_statement(row._mapping) for row in connection.execute(query)]

    def official_status(self, service_id: int) -> OfficialStatus | None:
        table = schema.official_sources
        with self._connection() as connection:
            row = connection.execute(select(table).where(table.c.service_id == service_id)).first()
        return None if row is None else _status(row._mapping)

    def official_statuses(self) -> dict[int, OfficialStatus]:
        with self._connection() as connection:
            rows = connection.execute(select(schema.official_sources))
            return {row.service_id: _status(row._mapping) for row in rows}


def _length(table: Table, column: str) -> int | None:
    column_type = table.c[column].type
    return column_type.length if isinstance(column_type, String) else None


def _fit(table: Table, column: str, value: str | None) -> str | None:
    """Cut text to its column: PostgreSQL refuses longer values, and a source's wordy error
    or title must not cost the whole check."""
    length = _length(table, column)
    if value is None or length is None or len(value) <= length:
        return value
    return value[: length - 1] + "…"


def _whole_or_none(table: Table, column: str, value: str | None) -> str | None:
    length = _length(table, column)
    return None if value is None or (length is not None and len(value) > length) else value


def _key(table: Table, column: str, value: str) -> str:
    """A key that fits its column and stays unique: a long one keeps its start and gets a
    digest of the whole, so two long keys with the same start still differ."""
    length = _length(table, column)
    if length is None or len(value) <= length:
        return value
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"{value[: length - len(digest) - 1]}#{digest}"


def _statement_values(statement: OfficialStatement) -> dict[str, Any]:
    table = schema.official_statements
    return {
        "service_id": statement.service_id,
        "update_key": _key(table, "update_key", statement.update_key),
        "incident_key": _key(table, "incident_key", statement.incident_key),
        "incident_name": _fit(table, "incident_name", statement.incident_name),
        "status": _fit(table, "status", statement.status),
        "impact": _fit(table, "impact", statement.impact),
        "body": statement.body,
        "link": _whole_or_none(table, "link", statement.link),
        "at": statement.at,
        "fetched_at": statement.fetched_at,
    }


def _statement(row: Any) -> OfficialStatement:
    return OfficialStatement(
        id=row["id"],
        service_id=row["service_id"],
        update_key=row["update_key"],
        incident_key=row["incident_key"],
        incident_name=row["incident_name"],
        status=row["status"],
        impact=row["impact"],
        body=row["body"],
        link=row["link"],
        at=row["at"],
        fetched_at=row["fetched_at"],
    )


def _status(row: Any) -> OfficialStatus:
    return OfficialStatus(
        service_id=row["service_id"],
        kind=row["kind"],
        url=row["url"],
        indicator=row["indicator"],
        description=row["description"],
        checked_at=row["checked_at"],
        ok_at=row["ok_at"],
        next_check_at=row["next_check_at"],
        failures=row["failures"],
        last_error=row["last_error"],
        feed_url=row["feed_url"],
    )
