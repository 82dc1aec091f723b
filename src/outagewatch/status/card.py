"""A service's status as every face shows it, however small: the status JSON, a badge, a
live stream's first frame, a Statuspage-compatible answer, a feed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from outagewatch.basics.status import StatusWord, status_label
from outagewatch.catalog.model import Service
from outagewatch.status.reader import StatusReads
from outagewatch.storage.records import Incident, ServiceStatus

# What of a verdict's evidence the faces show (the rest is the detector's bookkeeping).
PUBLIC_EVIDENCE = frozenset(
    {
        "observed",
        "expected",
        "ratio",
        "probability",
        "window_minutes",
        "top_problems",
        "top_regions",
        "top_platforms",
    }
)


@dataclass(frozen=True, slots=True)
class StatusCard:
    service: Service
    status: ServiceStatus  # the judged one, or "ok" since tracked_since for a service never judged
    reports_this_hour: int  # the last 60 minutes, so the figure never drops to 0 at :00
    reports_today: int  # since 00:00 UTC
    timeline_mark: int  # changes whenever one of the service's timelines gets a line
    tracked_since: datetime  # when this installation began counting
    generated_at: datetime
    # Newest first, as many as the caller asked for (feeds and Statuspage answers list them).
    incidents: list[Incident] = field(default_factory=list)

    @property
    def word(self) -> StatusWord:
        return self.status.status

    @property
    def label(self) -> str:
        return status_label(self.status.status)

    @property
    def explanation(self) -> str | None:
        explanation: str | None = self.status.evidence.get("explanation")
        return explanation

    @property
    def stale(self) -> bool:
        """No recent data (reports could not be received): the status is held, not judged."""
        return self.status.counters.stale

    @property
    def public_evidence(self) -> dict[str, Any]:
        return {k: v for k, v in self.status.evidence.items() if k in PUBLIC_EVIDENCE}


def judged_status(
    stored: ServiceStatus | None, *, service_id: int, tracked_since: datetime
) -> ServiceStatus:
    """The status to show: a service never judged has been fine since counting began."""
    return stored or ServiceStatus(service_id=service_id, status="ok", since=tracked_since)


def read_card(
    store: StatusReads,
    *,
    service: Service,
    now: datetime,
    incidents: int = 0,
    statuses: Mapping[int, ServiceStatus] | None = None,
) -> StatusCard:
    """The card of one service with its `incidents` newest incidents: four small queries
    (five with incidents; three when the caller has read every status already), as a flash
    crowd's status snapshot reads them once a second."""
    assert service.id is not None, "services from storage carry their id"
    service_id = service.id
    stored = (store.statuses() if statuses is None else statuses).get(service_id)
    tracked_since = store.history_started_at() or now
    counts = store.recent_counts([service_id], now=now)[service_id]
    return StatusCard(
        service=service,
        status=judged_status(stored, service_id=service_id, tracked_since=tracked_since),
        reports_this_hour=counts.reports_this_hour,
        reports_today=counts.reports_today,
        timeline_mark=store.timeline_marks([service_id]).get(service_id, 0),
        tracked_since=tracked_since,
        generated_at=now,
        incidents=store.incidents_of(service_id, limit=incidents) if incidents else [],
    )
