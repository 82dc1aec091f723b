"""Records of operators' work and of the signals beside reports (probes, mentions)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServiceOverride:
    """An operator's edit of a catalog entry and its detection thresholds."""

    service_id: int
    fields: dict[str, Any] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StoredReport:
    """A report as moderators see it (no reporter key: moderation needs none)."""

    id: int
    service_id: int
    received_at: datetime
    problem: str
    platform: str | None
    country: str | None
    comment: str | None
    counted: bool
    hidden_at: datetime | None


@dataclass(frozen=True, slots=True)
class Comment:
    """A report's comment, not hidden by an operator, for the public "what people say".
    The reporter key is there only to spot one person's flood: it is never shown."""

    report_id: int
    received_at: datetime
    text: str
    problem: str
    country: str | None
    platform: str | None
    reporter_key: str


@dataclass(frozen=True, slots=True)
class ProbeResult:
    service_id: int
    checked_at: datetime
    ok: bool
    status_code: int | None = None
    elapsed_ms: int | None = None
    tls_valid: bool | None = None
    tls_expires_at: datetime | None = None
    error: str | None = None
    changed_at: datetime | None = None  # when `ok` last flipped (set by storage)
