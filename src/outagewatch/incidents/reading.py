"""Incidents as people read them: our timeline with the official statements woven in."""

from __future__ import annotations

from datetime import datetime, timedelta

from outagewatch.incidents.timeline import STATEMENT_MARGIN, with_statements
from outagewatch.storage.records import Incident
from outagewatch.storage.seams import IncidentReadingStore


def incidents_of(
    store: IncidentReadingStore, service_id: int, *, limit: int, now: datetime
) -> list[Incident]:
    """A service's latest incidents, newest first, each with its official statements."""
    incidents = store.incidents_of(service_id, limit=limit)
    if not incidents:
        return []
    statements = store.statements_of(
        service_id,
        since=min(i.started_at for i in incidents) - STATEMENT_MARGIN,
        until=now + timedelta(minutes=1),
    )
    return [with_statements(incident, statements, now=now) for incident in incidents]


def incident(store: IncidentReadingStore, incident_id: int, *, now: datetime) -> Incident | None:
    found = store.incident(incident_id)
    if found is None:
        return None
    last = (found.resolved_at or now) + STATEMENT_MARGIN
    statements = store.statements_of(
        found.service_id, since=found.started_at - STATEMENT_MARGIN, until=last
    )
    return with_statements(found, statements, now=now)
