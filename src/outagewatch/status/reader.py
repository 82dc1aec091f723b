"""What the status read model reads, and nothing it could write: storage's read parts (counts,
statuses, incidents, official statements) and the two operator reads a page shows (our probe
of the service, and comments). Any Store will do, and so will a test double of these."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from outagewatch.storage.protocol import IncidentReader, StatusReader
from outagewatch.storage.protocol_counts import CountsReader
from outagewatch.storage.protocol_official import OfficialReader
from outagewatch.storage.records_operators import Comment, ProbeResult


class StatusReads(CountsReader, StatusReader, IncidentReader, OfficialReader, Protocol):
    def probe_results(self) -> dict[int, ProbeResult]: ...

    def comments_of(
        self, service_id: int, *, since: datetime, until: datetime, limit: int
    ) -> list[Comment]: ...
