"""The Store's part for official status pages: sources to poll and the statements read."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol

from outagewatch.basics.services import Service
from outagewatch.storage.records_official import (
    OfficialSource,
    OfficialStatement,
    OfficialStatus,
    OfficialSync,
    SourceKind,
)


class OfficialReader(Protocol):
    """What official status pages said, as pages and timelines show it."""

    def statements_of(
        self, service_id: int, *, since: datetime, until: datetime
    ) -> list[OfficialStatement]:
        """A service's statements published in [since, until), oldest first."""
        ...

    def official_status(self, service_id: int) -> OfficialStatus | None:
        """None if the service has no official source."""
        ...

    def official_statuses(self) -> dict[int, OfficialStatus]:
        """The official status of every service that has a source."""
        ...


class OfficialStore(OfficialReader, Protocol):
    """Official status sources (Statuspage, RSS/Atom) as pollers work them, and their statements."""

    def sync_official_sources(self, services: Sequence[Service], *, now: datetime) -> OfficialSync:
        """Make the sources of these services (which need their storage ids) match their
        status pages: new and changed ones are due at `now`; services without a page lose
        their source. Services not passed are left alone."""
        ...

    def claim_due_sources(
        self, *, now: datetime, lease: timedelta, limit: int
    ) -> list[OfficialSource]:
        """Atomically take sources due at `now` for one poller by moving their next check to
        now + lease, so pollers in other processes skip them; a poller that dies mid-round
        leaves them to be retried once the lease runs out."""
        ...

    def postpone_check(self, service_id: int, *, next_check_at: datetime) -> None:
        """Move a claimed source's next check without counting a check (host politeness)."""
        ...

    def unresolved_official_incidents(self, service_id: int, *, since: datetime) -> set[str]:
        """Keys of the service's official incidents with a statement since `since` whose
        latest statement is not `resolved` or `postmortem`."""
        ...

    def record_form(self, service_id: int, *, kind: SourceKind, feed_url: str | None) -> None:
        """What the source turned out to be: a feed (`feed_url`: one its HTML page links to)
        or a page without one. Forgets the validators of the document read before."""
        ...

    def record_check(
        self,
        service_id: int,
        *,
        checked_at: datetime,
        next_check_at: datetime,
        error: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        indicator: str | None = None,
        description: str | None = None,
    ) -> None:
        """Record a check. Without `error` it succeeded: failures reset, `etag` and
        `last_modified` replace the stored ones, and `indicator` with `description` replace
        the stored status unless `indicator` is None (a 304: nothing new). With `error` it
        failed: failures grow by one and everything else read before is kept."""
        ...

    def add_statements(self, statements: Sequence[OfficialStatement]) -> int:
        """Store statements not stored before (by service and update key); how many were new."""
        ...
