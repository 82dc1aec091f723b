"""Plain records that cross the Store seam (no SQLAlchemy types leak out of storage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from outagewatch.basics.status import StatusWord

Dimension = Literal["problem", "country", "platform"]


UncountedReason = Literal["duplicate", "brigade"]


@dataclass(frozen=True, slots=True)
class NewReport:
    """A valid report from validation (reports.intake) to its row: the writer only adds its
    verdict, why the report is not counted (None: counted, or not judged yet)."""

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
class NetworkClaim:
    """A new reporter (first in their own window) from a network, for a service at a time."""

    service_id: int
    network_key: str
    at: datetime


@dataclass(frozen=True, slots=True)
class RecentCounts:
    reports_this_hour: int  # the last 60 minutes, the current one included
    reports_today: int  # since 00:00 UTC


@dataclass(frozen=True, slots=True)
class DetectionCounters:
    """What the detection state machine carries from one tick to the next, beside a status
    (detection.verdict.State without the status and its age, which `since` gives)."""

    calm_minutes: float = 0.0  # how long the problem has not been going on
    quiet_major_minutes: float = 0.0  # how long major evidence has been absent
    pending_minutes: float = 0.0  # how long opening evidence has held without a break
    stale: bool = False  # no recent data: the status is held, not judged
    stepped_down: bool = False  # "Possible problems" reached from "Major outage"
    checked_at: datetime | None = None  # when a tick last judged the service


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    service_id: int
    status: StatusWord
    since: datetime
    evidence: dict[str, Any] = field(default_factory=dict)
    counters: DetectionCounters = field(default_factory=DetectionCounters)


@dataclass(frozen=True, slots=True)
class CatalogSync:
    inserted: int
    updated: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class IncidentEvent:
    at: datetime
    kind: str  # started | detected | escalated | ... | update | review | official | probe
    message: str
    link: str | None = None  # where an official statement was published


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
    review: str | None = None  # an operator's verdict: confirmed | false_alarm


# -- Notify me -----------------------------------------------------------------------------

NotifyEvent = Literal["signin", "started", "escalated", "recovered", "update"]
OutboxState = Literal["pending", "sent", "failed"]


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    email: str
    created_at: datetime
    role: str | None = None  # "operator", or None


@dataclass(frozen=True, slots=True)
class Channel:
    id: int
    account_id: int
    kind: str  # email | webhook | apprise
    address: str
    secret: str | None
    created_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Follow:
    id: int
    account_id: int
    service_id: int
    on_start: bool
    on_recovery: bool
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FollowChoice:
    """What a follower wants to hear about one service."""

    service_id: int
    on_start: bool
    on_recovery: bool


@dataclass(frozen=True, slots=True)
class SigninRequest:
    """A sign-in link's server side: single use, expires, may carry a pending follow."""

    nonce: str
    email: str
    created_at: datetime
    expires_at: datetime
    follow: FollowChoice | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One message to send to one destination; `key` is its idempotency key."""

    id: int
    key: str
    event: NotifyEvent
    kind: str
    address: str
    created_at: datetime
    channel_id: int | None = None
    account_id: int | None = None
    service_id: int | None = None
    incident_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    state: OutboxState = "pending"
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = None
