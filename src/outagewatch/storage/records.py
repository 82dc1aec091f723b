"""Plain records that cross the Store seam (no SQLAlchemy types leak out of storage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from outagewatch.detection.status import StatusWord

Dimension = Literal["problem", "country", "platform"]


UncountedReason = Literal["duplicate", "brigade"]


@dataclass(frozen=True, slots=True)
class NewReport:
    service_id: int
    received_at: datetime
    problem: str
    reporter_key: str
    network_key: str
    uncounted_reason: UncountedReason | None = None
    platform: str | None = None
    country: str | None = None
    comment: str | None = None

    @property
    def counted(self) -> bool:
        return self.uncounted_reason is None


@dataclass(frozen=True, slots=True)
class WindowClaim:
    """A reporter asks to be counted for a service at a time; one wins per window."""

    service_id: int
    reporter_key: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RecentCounts:
    reports_this_hour: int  # the last 60 minutes, the current one included
    reports_today: int  # since 00:00 UTC


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    service_id: int
    status: StatusWord
    since: datetime
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CatalogSync:
    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class IncidentEvent:
    at: datetime
    kind: str
    message: str


@dataclass(frozen=True, slots=True)
class Incident:
    id: int
    service_id: int
    state: Literal["open", "resolved"]
    severity: StatusWord
    started_at: datetime
    detected_at: datetime
    peak_at: datetime
    peak_reports: int
    resolved_at: datetime | None
    events: tuple[IncidentEvent, ...] = ()
    affected: dict[str, list[str]] = field(default_factory=dict)  # platform/country -> values
