"""What operators can do, from /admin or the CLI: each action and its audit line commit
together, so the log never misses an action and never shows one that did not happen."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from outagewatch.basics.tokens import token_hash
from outagewatch.signals import collectors
from outagewatch.storage.records import Incident, IncidentEvent
from outagewatch.storage.records_operators import AuditEntry, ServiceOverride, StoredReport
from outagewatch.storage.seams import OperationsStore

OPERATOR = "operator"
Review = Literal["confirmed", "false_alarm"]
REVIEW_LINES = {
    "confirmed": "Confirmed by the OutageWatch team.",
    "false_alarm": "Marked as a false alarm by the OutageWatch team.",
}
# The catalog fields an operator may edit, and their longest allowed values.
EDITABLE_FIELDS = {"name": 120, "description": 1000, "url": 300, "status_page": 300}
# The detection bars an operator may set for one service (see detection.rules.Rules).
THRESHOLD_LIMITS: dict[str, tuple[float, float]] = {
    "possible_ratio": (1.5, 1000.0),
    "possible_min_reports": (3.0, 1_000_000.0),
    "major_ratio": (2.0, 10_000.0),
    "major_min_reports": (5.0, 10_000_000.0),
}
UPDATE_LENGTH = 2000


class OperatorError(ValueError):
    """A refused action, with a message fit for the operator."""


class Operations:
    def __init__(self, store: OperationsStore) -> None:
        self.store = store

    def _audit(self, actor: str, action: str, target: str, now: datetime, **details: Any) -> None:
        self.store.audit(AuditEntry(now, actor, action, target, details))

    # -- incidents ---------------------------------------------------------------------

    def post_update(
        self, incident_id: int, message: str, *, notify: bool, actor: str, now: datetime
    ) -> int:
        """A live update on an incident's timeline; with `notify`, also to its followers."""
        text = " ".join(message.split())
        if not text:
            raise OperatorError("An update needs a message.")
        if len(text) > UPDATE_LENGTH:
            raise OperatorError(f"An update is at most {UPDATE_LENGTH} characters.")
        store = self.store
        with store.transaction():
            incident = self._incident(incident_id)
            event_id = store.add_incident_event(incident_id, IncidentEvent(now, "update", text))
            queued = (
                store.enqueue_incident_messages(
                    incident_id=incident_id,
                    service_id=incident.service_id,
                    event="update",
                    now=now,
                    update_id=event_id,
                    payload={"message": text},
                )
                if notify
                else 0
            )
            self._audit(
                actor,
                "incident.update",
                f"incident:{incident_id}",
                now,
                message=text,
                notified=queued,
            )
        return queued

    def review(self, incident_id: int, review: Review, *, actor: str, now: datetime) -> None:
        if review not in REVIEW_LINES:
            raise OperatorError("A review is 'confirmed' or 'false_alarm'.")
        with self.store.transaction():
            self._incident(incident_id)
            self.store.set_incident_review(incident_id, review)
            self.store.add_incident_event(
                incident_id, IncidentEvent(now, "review", REVIEW_LINES[review])
            )
            self._audit(actor, "incident.review", f"incident:{incident_id}", now, review=review)

    def _incident(self, incident_id: int) -> Incident:
        incident = self.store.incident(incident_id)
        if incident is None:
            raise OperatorError(f"There is no incident {incident_id}.")
        return incident

    # -- moderation --------------------------------------------------------------------

    def hide_report(self, report_id: int, *, actor: str, now: datetime) -> StoredReport:
        with self.store.transaction():
            hidden = self.store.hide_report(report_id, now=now)
            if hidden is None:
                raise OperatorError(f"Report {report_id} does not exist or is hidden already.")
            self._audit(
                actor,
                "report.hide",
                f"report:{report_id}",
                now,
                service_id=hidden.service_id,
                was_counted=hidden.counted,
                comment=hidden.comment,
            )
        return hidden

    # -- the catalog and thresholds ----------------------------------------------------

    def edit_service(
        self, service_id: int, changes: dict[str, str], *, actor: str, now: datetime
    ) -> ServiceOverride:
        for field, value in changes.items():
            limit = EDITABLE_FIELDS.get(field)
            if limit is None:
                raise OperatorError(f"{field!r} cannot be edited here.")
            if len(value) > limit:
                raise OperatorError(f"{field} is at most {limit} characters.")
            if field in ("url", "status_page") and value and not value.startswith("https://"):
                raise OperatorError(f"{field} must be an https:// address.")
            if field == "name" and not value.strip():
                raise OperatorError("A service needs a name.")
        with self.store.transaction():
            current = self.store.overrides().get(service_id, ServiceOverride(service_id))
            updated = replace(current, fields={**current.fields, **changes})
            self.store.set_override(updated, now=now)
            self._audit(actor, "service.edit", f"service:{service_id}", now, changes=changes)
        return updated

    def set_thresholds(
        self, service_id: int, thresholds: dict[str, float | None], *, actor: str, now: datetime
    ) -> ServiceOverride:
        """Set (or, with None, clear) a service's own detection bars."""
        for name, value in thresholds.items():
            bounds = THRESHOLD_LIMITS.get(name)
            if bounds is None:
                raise OperatorError(f"{name!r} is not a threshold that can be set.")
            if value is not None and not bounds[0] <= value <= bounds[1]:
                raise OperatorError(f"{name} must be between {bounds[0]:g} and {bounds[1]:g}.")
        with self.store.transaction():
            current = self.store.overrides().get(service_id, ServiceOverride(service_id))
            merged = {**current.thresholds, **thresholds}
            kept = {name: float(value) for name, value in merged.items() if value is not None}
            updated = replace(current, thresholds=kept)
            self.store.set_override(updated, now=now)
            self._audit(
                actor, "service.thresholds", f"service:{service_id}", now, thresholds=thresholds
            )
        return updated

    # -- collectors --------------------------------------------------------------------

    def issue_collector_token(self, name: str, *, actor: str, now: datetime) -> str:
        """A new token for a mentions collector: returned once, only its hash is kept."""
        token = collectors.new_collector_token()
        scope = collectors.MENTIONS_SCOPE
        with self.store.transaction():
            self.store.create_api_token(token_hash(token), name=name, scope=scope, now=now)
            self._audit(actor, "token.create", name, now, scope=scope)
        return token

    # -- roles -------------------------------------------------------------------------

    def set_operator(self, email: str, enabled: bool, *, actor: str, now: datetime) -> None:
        with self.store.transaction():
            self.store.set_role(email, OPERATOR if enabled else None, now=now)
            self._audit(actor, "role.grant" if enabled else "role.revoke", email, now)
