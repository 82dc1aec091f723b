"""The Store's parts for reports and their counts: the intake's writes, and the reads of pages,
the API and detection. Counts are kept per Unix minute (outagewatch.basics.minutes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from outagewatch.storage.records import (
    Dimension,
    NetworkClaim,
    NewReport,
    RecentCounts,
    WindowClaim,
)


class RecentCountsReader(Protocol):
    """The figures a report's acknowledgement carries."""

    def recent_counts(
        self, service_ids: Sequence[int], *, now: datetime
    ) -> dict[int, RecentCounts]:
        """Counted reports in the last 60 minutes and since 00:00 UTC, for each service."""
        ...


class CountsReader(RecentCountsReader, Protocol):
    """Counted (and uncounted) reports as pages, the API and detection read them."""

    def uncounted_totals(
        self, service_id: int, *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Reports kept but not counted in [since, until), by reason (duplicate, brigade)."""
        ...

    def count_reports(self, *, service_id: int | None = None) -> int:
        """How many report rows are stored (counted or not)."""
        ...

    def minute_totals(self, service_id: int, *, since: datetime, until: datetime) -> dict[int, int]:
        """Counted reports per minute in [since, until), keyed by Unix minute."""
        ...

    def hourly_totals(self, service_id: int, *, since: datetime, until: datetime) -> dict[int, int]:
        """Counted reports per whole hour that overlaps [since, until), keyed by Unix hour."""
        ...

    def breakdown(
        self, service_id: int, *, dimension: Dimension, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Counted reports in [since, until) by problem, country or platform ('' = unknown)."""
        ...

    def country_totals(
        self, service_ids: Sequence[int], *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Counted reports of these services in [since, until) by country (known ones)."""
        ...

    def totals_by_service(self, *, since: datetime, until: datetime) -> dict[int, int]:
        """Counted reports in [since, until) for every service that has any."""
        ...

    def minute_totals_all(self, *, since: datetime, until: datetime) -> list[tuple[int, int, int]]:
        """(service id, Unix minute, counted reports) of every non-empty minute in range."""
        ...

    def hourly_totals_all(self, *, since: datetime, until: datetime) -> dict[tuple[int, int], int]:
        """Counted reports per (service id, Unix hour), whole hours overlapping [since, until)."""
        ...

    def daily_totals_all(self, *, since: datetime, until: datetime) -> dict[tuple[int, int], int]:
        """Counted reports per (service id, Unix day), whole UTC days overlapping [since,
        until): hourly totals are kept five weeks (KEEP_HOURS_DAYS), days for years."""
        ...

    def data_gaps(self, *, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        """Periods without data that overlap [since, until), oldest first."""
        ...

    def light_network_reports(
        self,
        service_ids: Sequence[int],
        *,
        since: datetime,
        until: datetime,
        max_per_network: int,
    ) -> dict[int, tuple[int, int]]:
        """Per service: (counted reports, networks) in [since, until), from networks that sent
        at most `max_per_network` of them (absent: none)."""
        ...

    def history_started_at(self) -> datetime | None:
        """When this installation began counting: no usual level exists before it."""
        ...


class ReportRecorder(Protocol):
    """The intake's writes: reports, their counts, and who may be counted."""

    def record_reports(self, reports: Sequence[NewReport]) -> None:
        """Store reports and add the counted ones to the per-minute counts."""
        ...

    def claim_reporter_windows(
        self, claims: Sequence[WindowClaim], *, window: timedelta
    ) -> list[bool]:
        """For each claim, whether its reporter may be counted (none counted within `window`).

        Atomic across processes and hosts; within one call, earlier claims win.
        """
        ...

    def prune_reporter_windows(self, *, before: datetime) -> int:
        """Forget reporters whose last counted report is older than `before`."""
        ...

    def number_network_reporters(
        self, claims: Sequence[NetworkClaim], *, window: timedelta
    ) -> list[int]:
        """For each claim, its place (1, 2, 3 ...) among the new reporters its network has
        sent the service in the fixed window holding `at`; atomic across processes and hosts,
        in order within one call. Windows older than the prune horizon are forgotten with
        prune_reporter_windows."""
        ...

    def record_data_gap(self, *, started_at: datetime, ended_at: datetime) -> None:
        """Reports could not be received in [started_at, ended_at)."""
        ...


class CountsBackfill(Protocol):
    """History made without report rows (simulated, or the catalog's first load)."""

    def add_counts(
        self,
        totals: Sequence[tuple[int, int, int]],
        breakdowns: Sequence[tuple[int, int, str, str, str, int]],
    ) -> None:
        """Add counted reports without report rows: (service, minute, reports) and
        (service, minute, problem, country, platform, reports). For simulated history."""
        ...

    def mark_history_started(self, at: datetime) -> None:
        """Record when counting started; only an earlier time (backfilled history) moves it."""
        ...
