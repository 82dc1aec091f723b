"""Incidents through a tick: open one when a status leaves "No issues" (its start found by
walking back to where the rise began), follow its peak, severity and spread over platforms
and countries, queue its messages, and close it on recovery."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np

from outagewatch.basics.minutes import at_minute, unix_minute
from outagewatch.basics.status import StatusWord
from outagewatch.detection import spread
from outagewatch.detection.rules import Rules
from outagewatch.incidents import timeline
from outagewatch.storage.records import Dimension, Incident, IncidentEvent
from outagewatch.storage.seams import IncidentTrackerStore

RISE_FACTOR = 2.0  # a minute above this x usual belongs to the rise...
RISE_SHARE = 0.25  # ...if it also has a quarter of the current minutes' reports
RECENT_MINUTES = 3
MIN_RISE_REPORTS = 2.0
RISE_GAP_MINUTES = 1
SPREAD_DIMENSIONS: tuple[Dimension, ...] = ("platform", "country")


class IncidentTracker:
    def __init__(self, store: IncidentTrackerStore, rules: Rules) -> None:
        self.store = store
        self.rules = rules

    def follow(
        self,
        service_id: int,
        incident: Incident | None,
        *,
        before: StatusWord,
        after: StatusWord,
        reports_15_minutes: int,
        usual_per_minute: float,
        minute_counts: np.ndarray,
        explanation: str,
        now: datetime,
    ) -> None:
        store = self.store
        if incident is None and after != "ok":
            started = _rise_began(minute_counts, usual_per_minute, now)
            incident = Incident(
                id=0,
                service_id=service_id,
                state="open",
                severity=after,
                started_at=started,
                detected_at=now,
                peak_at=now,
                peak_reports=reports_15_minutes,
                resolved_at=None,
            )
            incident_id = store.create_incident(incident)
            incident = replace(incident, id=incident_id)
            store.add_incident_event(
                incident_id,
                IncidentEvent(started, "started", "Reports began to rise above the usual level."),
            )
            label = "Major outage" if after == "major" else "Possible problems"
            store.add_incident_event(
                incident_id, IncidentEvent(now, "detected", f"{label} detected: {explanation}")
            )
            spread = self._follow_spread(incident, usual_per_minute=usual_per_minute, now=now)
            if spread != incident:
                store.update_incident(spread)
            # In the tick's transaction: the event and its messages commit together.
            store.enqueue_incident_messages(
                incident_id=incident_id, service_id=service_id, event="started", now=now
            )
            return
        if incident is None:
            return
        updated = self._follow_spread(incident, usual_per_minute=usual_per_minute, now=now)
        if reports_15_minutes > incident.peak_reports:
            updated = replace(updated, peak_reports=reports_15_minutes, peak_at=now)
        if after == "major" and incident.severity != "major":
            updated = replace(updated, severity="major")
        if before != after:
            kind, message = timeline.transition(before, after, explanation, incident, now)
            store.add_incident_event(incident.id, IncidentEvent(now, kind, message))
            if after == "ok":
                updated = replace(updated, state="resolved", resolved_at=now)
                store.enqueue_incident_messages(
                    incident_id=incident.id, service_id=service_id, event="recovered", now=now
                )
            elif after == "major" and incident.severity != "major":
                store.enqueue_incident_messages(
                    incident_id=incident.id, service_id=service_id, event="escalated", now=now
                )
        if updated != incident:
            store.update_incident(updated)

    def _follow_spread(
        self, incident: Incident, *, usual_per_minute: float, now: datetime
    ) -> Incident:
        """Which platforms and countries are affected now; a timeline line when that changes."""
        window = self.rules.calm_window
        affected_now: dict[str, list[str]] = {}
        changes: list[str] = []
        for dimension in SPREAD_DIMENSIONS:
            before_start = self.store.breakdown(
                incident.service_id,
                dimension=dimension,
                since=incident.started_at - timedelta(days=1),
                until=incident.started_at,
            )
            recent = self.store.breakdown(
                incident.service_id,
                dimension=dimension,
                since=now - window,
                until=now + timedelta(minutes=1),
            )
            previous = set(incident.affected.get(dimension, []))
            current = spread.affected(
                previous,
                recent,
                spread.usual_shares(before_start),
                usual_in_window=usual_per_minute * window.total_seconds() / 60,
                rules=self.rules,
            )
            affected_now[dimension] = sorted(current)
            changes += timeline.spread_change(
                dimension, previous, current, first=not incident.affected.get(dimension)
            )
        if changes and incident.state == "open":
            self.store.add_incident_event(
                incident.id, IncidentEvent(now, "spread", " ".join(changes))
            )
        return replace(incident, affected=affected_now)


def _rise_began(minute_counts: np.ndarray, usual_per_minute: float, now: datetime) -> datetime:
    """Walk back from now while minutes stay well above normal: where the rise began.

    "Well above" is relative to both the usual level and the current flood, so ordinary
    noise just before the rise is not taken for its start.
    """
    recent = float(np.median(minute_counts[-RECENT_MINUTES:]))
    threshold = max(MIN_RISE_REPORTS, RISE_FACTOR * usual_per_minute, RISE_SHARE * recent)
    current = unix_minute(now)
    start_index = len(minute_counts) - 1
    gap = 0
    for index in range(len(minute_counts) - 1, -1, -1):
        if minute_counts[index] >= threshold:
            start_index, gap = index, 0
        else:
            gap += 1
            if gap > RISE_GAP_MINUTES:
                break
    offset = len(minute_counts) - 1 - start_index
    return at_minute(current - offset)
