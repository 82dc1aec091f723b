"""Operators' records (roles, audit log, overrides, reviews, moderation) and the signals
beside reports (website probes, mention counts, API tokens) on SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from outagewatch.basics.minutes import MINUTES_PER_HOUR, unix_minute
from outagewatch.storage import schema
from outagewatch.storage.records import Account
from outagewatch.storage.records_operators import (
    AuditEntry,
    Comment,
    ProbeResult,
    ServiceOverride,
    StoredReport,
)
from outagewatch.storage.sql_base import SqlBase


class SqlOperators(SqlBase):
    # -- roles and the audit log -----------------------------------------------------------

    def set_role(self, email: str, role: str | None, *, now: datetime) -> Account:
        accounts = schema.accounts
        with self._connection(writes=True) as connection:
            connection.execute(
                self._upsert(accounts)
                .values(email=email, created_at=now)
                .on_conflict_do_nothing(index_elements=["email"])
            )
            connection.execute(update(accounts).where(accounts.c.email == email).values(role=role))
            row = connection.execute(select(accounts).where(accounts.c.email == email)).one()
            return Account(row.id, row.email, row.created_at, row.role)

    def audit(self, entry: AuditEntry) -> None:
        with self._connection(writes=True) as connection:
            connection.execute(
                insert(schema.audit_log).values(
                    at=entry.at,
                    actor=entry.actor,
                    action=entry.action,
                    target=entry.target,
                    details=entry.details,
                )
            )

    def audit_log(self, *, limit: int) -> list[AuditEntry]:
        table = schema.audit_log
        query = select(table).order_by(table.c.at.desc(), table.c.id.desc()).limit(limit)
        with self._connection() as connection:
            return [
                AuditEntry(row.at, row.actor, row.action, row.target, dict(row.details))
                for row in connection.execute(query)
            ]

    # -- catalog edits and thresholds -------------------------------------------------------

    def overrides(self) -> dict[int, ServiceOverride]:
        table = schema.service_overrides
        with self._connection() as connection:
            return {
                row.service_id: ServiceOverride(
                    row.service_id, dict(row.fields), dict(row.thresholds)
                )
                for row in connection.execute(select(table))
            }

    def set_override(self, override: ServiceOverride, *, now: datetime) -> None:
        values = {
            "fields": override.fields,
            "thresholds": override.thresholds,
            "updated_at": now,
        }
        statement = self._upsert(schema.service_overrides).values(
            service_id=override.service_id, **values
        )
        with self._connection(writes=True) as connection:
            connection.execute(
                statement.on_conflict_do_update(index_elements=["service_id"], set_=values)
            )

    # -- incidents and reports --------------------------------------------------------------

    def set_incident_review(self, incident_id: int, review: str | None) -> bool:
        table = schema.incidents
        with self._connection(writes=True) as connection:
            result = connection.execute(
                update(table).where(table.c.id == incident_id).values(review=review)
            )
            return bool(result.rowcount)

    def recent_reports(
        self, service_id: int, *, limit: int, with_comment: bool = False
    ) -> list[StoredReport]:
        table = schema.reports
        query = select(table).where(table.c.service_id == service_id)
        if with_comment:
            query = query.where(table.c.comment.is_not(None), table.c.comment != "")
        query = query.order_by(table.c.received_at.desc(), table.c.id.desc()).limit(limit)
        with self._connection() as connection:
            return [_stored_report(row._mapping) for row in connection.execute(query)]

    def comments_of(
        self, service_id: int, *, since: datetime, until: datetime, limit: int
    ) -> list[Comment]:
        table = schema.reports
        query = (
            select(table)
            .where(
                table.c.service_id == service_id,
                table.c.received_at >= since,
                table.c.received_at < until,
                table.c.comment.is_not(None),
                table.c.comment != "",
                table.c.hidden_at.is_(None),
            )
            .order_by(table.c.received_at.desc(), table.c.id.desc())
            .limit(limit)
        )
        with self._connection() as connection:
            return [
                Comment(
                    report_id=row.id,
                    received_at=row.received_at,
                    text=row.comment,
                    problem=row.problem,
                    country=row.country,
                    platform=row.platform,
                    reporter_key=row.reporter_key,
                )
                for row in connection.execute(query)
            ]

    def hide_report(self, report_id: int, *, now: datetime) -> StoredReport | None:
        """Hide an abusive report; a counted one leaves the counts in the same transaction."""
        reports = schema.reports
        with self._connection(writes=True) as connection:
            row = connection.execute(
                update(reports)
                .where(reports.c.id == report_id, reports.c.hidden_at.is_(None))
                .values(hidden_at=now, counted=False)
                .returning(*reports.c)
            ).first()
            if row is None:
                return None
            hidden = _stored_report(row._mapping)
            if row.uncounted_reason is None:
                connection.execute(
                    update(reports)
                    .where(reports.c.id == report_id)
                    .values(uncounted_reason="hidden")
                )
                self._uncount(connection, hidden)
            return hidden

    @staticmethod
    def _uncount(connection: Any, report: StoredReport) -> None:
        minute = unix_minute(report.received_at)
        totals, breakdowns = schema.minute_totals, schema.minute_breakdowns
        connection.execute(
            update(totals)
            .where(
                totals.c.service_id == report.service_id,
                totals.c.minute == minute,
                totals.c.reports > 0,
            )
            .values(reports=totals.c.reports - 1)
        )
        hours = schema.hour_totals
        connection.execute(
            update(hours)
            .where(
                hours.c.service_id == report.service_id,
                hours.c.hour == minute // MINUTES_PER_HOUR,
                hours.c.reports > 0,
            )
            .values(reports=hours.c.reports - 1)
        )
        connection.execute(
            update(breakdowns)
            .where(
                breakdowns.c.service_id == report.service_id,
                breakdowns.c.minute == minute,
                breakdowns.c.problem == report.problem,
                breakdowns.c.country == (report.country or ""),
                breakdowns.c.platform == (report.platform or ""),
                breakdowns.c.reports > 0,
            )
            .values(reports=breakdowns.c.reports - 1)
        )

    # -- mentions and API tokens ------------------------------------------------------------

    def record_mentions(self, rows: Sequence[tuple[int, str, int, int]]) -> None:
        """(service id, source, Unix minute, mentions); a collector sending a bucket again
        replaces it, so retries never double-count."""
        table = schema.mention_counts
        with self._connection(writes=True) as connection:
            for service_id, source, minute, mentions in rows:
                statement = self._upsert(table).values(
                    service_id=service_id, source=source, minute=minute, mentions=mentions
                )
                connection.execute(
                    statement.on_conflict_do_update(
                        index_elements=["service_id", "source", "minute"],
                        set_={"mentions": mentions},
                    )
                )

    def mention_totals(
        self, service_ids: Sequence[int] | None, *, since: datetime, until: datetime
    ) -> dict[int, int]:
        table = schema.mention_counts
        query = (
            select(table.c.service_id, func.sum(table.c.mentions))
            .where(
                table.c.minute >= unix_minute(since),
                table.c.minute < unix_minute(until),
            )
            .group_by(table.c.service_id)
        )
        if service_ids is not None:
            query = query.where(table.c.service_id.in_(list(service_ids)))
        with self._connection() as connection:
            return {int(row[0]): int(row[1]) for row in connection.execute(query)}

    def mention_hours(
        self, service_ids: Sequence[int] | None, *, since: datetime, until: datetime
    ) -> dict[tuple[int, int], int]:
        """Mentions per (service, Unix hour): what is usual, for the ratio."""
        table = schema.mention_counts
        hour = table.c.minute // MINUTES_PER_HOUR
        query = (
            select(table.c.service_id, hour.label("hour"), func.sum(table.c.mentions))
            .where(
                table.c.minute >= unix_minute(since),
                table.c.minute < unix_minute(until),
            )
            .group_by(table.c.service_id, "hour")
        )
        if service_ids is not None:
            query = query.where(table.c.service_id.in_(list(service_ids)))
        with self._connection() as connection:
            return {(int(row[0]), int(row[1])): int(row[2]) for row in connection.execute(query)}

    def create_api_token(self, token_hash: str, *, name: str, scope: str, now: datetime) -> None:
        with self._connection(writes=True) as connection:
            connection.execute(
                insert(schema.api_tokens).values(
                    token_hash=token_hash, name=name, scope=scope, created_at=now
                )
            )

    def api_token_scope(self, token_hash: str) -> tuple[str, str] | None:
        """(name, scope) of a token that exists and is not revoked."""
        table = schema.api_tokens
        query = select(table.c.name, table.c.scope).where(
            table.c.token_hash == token_hash, table.c.revoked_at.is_(None)
        )
        with self._connection() as connection:
            row = connection.execute(query).first()
        return None if row is None else (row.name, row.scope)

    def revoke_api_token(self, name: str, *, now: datetime) -> int:
        table = schema.api_tokens
        with self._connection(writes=True) as connection:
            return connection.execute(
                update(table)
                .where(table.c.name == name, table.c.revoked_at.is_(None))
                .values(revoked_at=now)
            ).rowcount

    # -- website probes ---------------------------------------------------------------------

    def record_probe(self, result: ProbeResult) -> ProbeResult | None:
        """Keep the latest probe; returns the one before it (None: first probe)."""
        table = schema.probe_results
        with self._connection(writes=True) as connection:
            row = connection.execute(
                select(table).where(table.c.service_id == result.service_id)
            ).first()
            before = None if row is None else _probe(row._mapping)
            changed = before is None or before.ok != result.ok
            values = {
                "checked_at": result.checked_at,
                "ok": result.ok,
                "status_code": result.status_code,
                "elapsed_ms": result.elapsed_ms,
                "tls_valid": result.tls_valid,
                "tls_expires_at": result.tls_expires_at,
                "error": result.error,
                "changed_at": result.checked_at if changed else before.changed_at,  # type: ignore[union-attr]
            }
            statement = self._upsert(table).values(service_id=result.service_id, **values)
            connection.execute(
                statement.on_conflict_do_update(index_elements=["service_id"], set_=values)
            )
            return before

    def probe_results(self) -> dict[int, ProbeResult]:
        with self._connection() as connection:
            return {
                row.service_id: _probe(row._mapping)
                for row in connection.execute(select(schema.probe_results))
            }


def _stored_report(row: Any) -> StoredReport:
    return StoredReport(
        id=row["id"],
        service_id=row["service_id"],
        received_at=row["received_at"],
        problem=row["problem"],
        platform=row["platform"],
        country=row["country"],
        comment=row["comment"],
        counted=bool(row["counted"]),
        hidden_at=row["hidden_at"],
    )


def _probe(row: Any) -> ProbeResult:
    return ProbeResult(
        service_id=row["service_id"],
        checked_at=row["checked_at"],
        ok=bool(row["ok"]),
        status_code=row["status_code"],
        elapsed_ms=row["elapsed_ms"],
        tls_valid=row["tls_valid"],
        tls_expires_at=row["tls_expires_at"],
        error=row["error"],
        changed_at=row["changed_at"],
    )
