"""Incidents and their timelines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    insert,
    select,
    update,
)

from outagewatch.storage import schema
from outagewatch.storage.records import (
    Incident,
    IncidentEvent,
)
from outagewatch.storage.sql_base import SqlBase


class SqlIncidents(SqlBase):
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

    def add_incident_event(self, incident_id: int, event: IncidentEvent) -> int:
        with self._connection(writes=True) as connection:
            result = connection.execute(
                insert(schema.incident_events).values(
                    incident_id=incident_id, at=event.at, kind=event.kind, message=event.message
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def timeline_marks(self, service_ids: Sequence[int]) -> dict[int, int]:
        """A number per service that grows whenever its timelines get a new line (an event
        of one of its incidents, or an official statement): open pages compare it to know
        when to fetch the timeline again."""
        incidents, events = schema.incidents, schema.incident_events
        statements = schema.official_statements
        ids = list(service_ids)
        marks: dict[int, int] = {}
        with self._connection() as connection:
            for query in (
                select(incidents.c.service_id, func.max(events.c.id))
                .join(events, events.c.incident_id == incidents.c.id)
                .where(incidents.c.service_id.in_(ids))
                .group_by(incidents.c.service_id),
                select(statements.c.service_id, func.max(statements.c.id))
                .where(statements.c.service_id.in_(ids))
                .group_by(statements.c.service_id),
            ):
                for service_id, mark in connection.execute(query):
                    # Two id sequences: combine so that a growth of either shows.
                    marks[int(service_id)] = marks.get(int(service_id), 0) * 1_000_003 + int(mark)
        return marks

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

    def recent_incidents(self, *, limit: int) -> list[Incident]:
        """Open incidents first, then the most recently detected, across services."""
        table = schema.incidents
        query = (
            select(table)
            .order_by((table.c.state == "open").desc(), table.c.detected_at.desc())
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
        "affected": incident.affected,
        "review": incident.review,
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
        affected=dict(row["affected"] or {}),
        review=row["review"],
    )
