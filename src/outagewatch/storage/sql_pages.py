"""When public pages last changed, for sitemaps: one small query per kind of page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from outagewatch.storage import schema
from outagewatch.storage.schema import UtcDateTime
from outagewatch.storage.sql_base import SqlBase


class SqlPageDates(SqlBase):
    def incident_dates(self) -> list[tuple[int, int, datetime]]:
        """(incident id, service id, when its page last changed) for every incident, oldest
        first: the newest of its detection, its timeline's events and its end."""
        incidents, events = schema.incidents, schema.incident_events
        newest_event = (
            select(events.c.incident_id, func.max(events.c.at, type_=UtcDateTime).label("at"))
            .group_by(events.c.incident_id)
            .subquery()
        )
        query = (
            select(
                incidents.c.id,
                incidents.c.service_id,
                incidents.c.detected_at,
                incidents.c.resolved_at,
                newest_event.c.at,
            )
            .outerjoin(newest_event, newest_event.c.incident_id == incidents.c.id)
            .order_by(incidents.c.id)
        )
        with self._connection() as connection:
            return [
                (
                    row.id,
                    row.service_id,
                    max(at for at in (row.detected_at, row.resolved_at, row.at) if at is not None),
                )
                for row in connection.execute(query)
            ]
