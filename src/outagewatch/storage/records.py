"""Plain records that cross the Store seam (no SQLAlchemy types leak out of storage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from outagewatch.detection.status import StatusWord

Dimension = Literal["problem", "country", "platform"]


@dataclass(frozen=True, slots=True)
class NewReport:
    service_id: int
    received_at: datetime
    problem: str
    reporter_key: str
    counted: bool
    platform: str | None = None
    country: str | None = None
    comment: str | None = None


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
