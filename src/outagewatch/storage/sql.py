"""The Store on SQLAlchemy Core: one implementation for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import (
    insert,
    select,
    update,
)

from outagewatch.basics.services import Category, Service
from outagewatch.storage import schema
from outagewatch.storage.records import (
    CatalogSync,
    DetectionCounters,
    ServiceStatus,
)
from outagewatch.storage.sql_base import make_engine
from outagewatch.storage.sql_counts import SqlCounts
from outagewatch.storage.sql_incidents import SqlIncidents
from outagewatch.storage.sql_intake import SqlIntake
from outagewatch.storage.sql_notify import SqlNotify
from outagewatch.storage.sql_official import SqlOfficial
from outagewatch.storage.sql_operators import SqlOperators
from outagewatch.storage.sql_outbox import SqlOutbox
from outagewatch.storage.sql_pages import SqlPageDates
from outagewatch.storage.sql_retention import SqlRetention
from outagewatch.storage.sql_watch import SqlWatch

__all__ = ["SqlStore", "make_engine"]

HISTORY_STARTED_KEY = "history_started_at"


class SqlStore(
    SqlIntake,
    SqlCounts,
    SqlIncidents,
    SqlNotify,
    SqlOutbox,
    SqlOfficial,
    SqlOperators,
    SqlPageDates,
    SqlRetention,
    SqlWatch,
):
    """Every Store method: each base above holds one subject's, in the sql_*.py module of its
    name (SqlIntake in sql_intake.py ...); here the catalog, statuses and installation facts."""

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
                    counters=DetectionCounters(
                        calm_minutes=row.calm_minutes,
                        quiet_major_minutes=row.quiet_major_minutes,
                        pending_minutes=row.pending_minutes,
                        stale=row.stale,
                        stepped_down=row.stepped_down,
                        checked_at=row.checked_at,
                    ),
                )
                for row in rows
            }

    def set_status(self, status: ServiceStatus) -> None:
        values = {
            "status": status.status,
            "since": status.since,
            "evidence": status.evidence,
            **asdict(status.counters),
        }
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
