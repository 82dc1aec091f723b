"""The Store's part for operators (roles, audit, overrides, moderation) and for the signals
beside reports (website probes, mention counts, collectors' API tokens)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from outagewatch.storage.records import Account
from outagewatch.storage.records_operators import (
    AuditEntry,
    Comment,
    ProbeResult,
    ServiceOverride,
    StoredReport,
)


class OverrideReader(Protocol):
    """Operators' edits of services, read wherever the catalog is served or judged."""

    def overrides(self) -> dict[int, ServiceOverride]: ...


class OperatorStore(OverrideReader, Protocol):
    """Roles, the audit log, overrides, reviews and moderation."""

    def set_role(self, email: str, role: str | None, *, now: datetime) -> Account:
        """Give an address (its account, created if needed) a role, or take it away."""
        ...

    def audit(self, entry: AuditEntry) -> None: ...

    def audit_log(self, *, limit: int) -> list[AuditEntry]:
        """The newest operator actions first."""
        ...

    def set_override(self, override: ServiceOverride, *, now: datetime) -> None: ...

    def set_incident_review(self, incident_id: int, review: str | None) -> bool: ...

    def recent_reports(
        self, service_id: int, *, limit: int, with_comment: bool = False
    ) -> list[StoredReport]: ...

    def comments_of(
        self, service_id: int, *, since: datetime, until: datetime, limit: int
    ) -> list[Comment]:
        """Comments of reports received in [since, until) that no operator hid, newest first."""
        ...

    def hide_report(self, report_id: int, *, now: datetime) -> StoredReport | None:
        """Hide a report (and take a counted one out of the counts); None if there was no
        such report or it was hidden already."""
        ...


class MentionReader(Protocol):
    """Social-mention counts, as detection weighs them."""

    def mention_totals(
        self, service_ids: Sequence[int] | None, *, since: datetime, until: datetime
    ) -> dict[int, int]: ...

    def mention_hours(
        self, service_ids: Sequence[int] | None, *, since: datetime, until: datetime
    ) -> dict[tuple[int, int], int]: ...


class MentionStore(MentionReader, Protocol):
    """Mention counts as collectors send them."""

    def record_mentions(self, rows: Sequence[tuple[int, str, int, int]]) -> None:
        """(service id, source, Unix minute, mentions), replacing a bucket sent again."""
        ...


class ApiTokenStore(Protocol):
    """Collectors' tokens, kept as hashes (outagewatch.basics.tokens)."""

    def create_api_token(
        self, token_hash: str, *, name: str, scope: str, now: datetime
    ) -> None: ...

    def api_token_scope(self, token_hash: str) -> tuple[str, str] | None: ...

    def revoke_api_token(self, name: str, *, now: datetime) -> int: ...


class ProbeStore(Protocol):
    """The latest website probe of each service."""

    def record_probe(self, result: ProbeResult) -> ProbeResult | None:
        """Keep the latest probe of a service; the previous one, if any."""
        ...

    def probe_results(self) -> dict[int, ProbeResult]: ...


class SignalStore(MentionStore, ApiTokenStore, ProbeStore, Protocol):
    """The signals beside reports: mentions, collectors' tokens and probes."""
