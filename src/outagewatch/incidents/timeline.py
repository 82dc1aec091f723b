"""The words of an incident's timeline, from numbers the monitor computed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from outagewatch.basics.status import StatusWord
from outagewatch.catalog.countries import country_name
from outagewatch.storage.records import Incident, IncidentEvent
from outagewatch.storage.records_official import OfficialStatement

MINUTES_PER_HOUR = 60
PLATFORM_NAMES = {
    "ios": "iPhone app",
    "android": "Android app",
    "web": "website",
    "desktop": "desktop app",
}


def _name(dimension: str, value: str) -> str:
    return PLATFORM_NAMES.get(value, value) if dimension == "platform" else country_name(value)


def spread_change(dimension: str, before: set[str], after: set[str], *, first: bool) -> list[str]:
    """Sentences for the timeline: who is affected, who is back, who still is."""
    names = {value: _name(dimension, value) for value in before | after}
    listed = ", ".join(names[v] for v in sorted(after))
    if first:
        if not after:
            return []
        where = "Affected:" if dimension == "platform" else "Most reports from"
        return [f"{where} {listed}."]
    back = sorted(before - after)
    new = sorted(after - before)
    sentences = []
    if back:
        gone = ", ".join(names[v] for v in back)
        if dimension == "platform":
            still = f"; {listed} still failing" if after else ""
            sentences.append(f"{_sentence_start(gone)} back to normal{still}.")
        else:
            still = f"; still affected in {listed}" if after else ""
            sentences.append(f"Back to normal in {gone}{still}.")
    if new:
        joined = ", ".join(names[v] for v in new)
        sentences.append(f"Now also affected: {joined}.")
    return sentences


def _sentence_start(text: str) -> str:
    """Capitalise a sentence's first word, but never a brand's (iPhone stays iPhone)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].upper() + text[1:]


NO_RECENT_DATA = (
    "No recent data: reports could not be received just now, so the last status is held "
    "(marked stale) until they can."
)


def explain(observed: float, expected: float, window: timedelta) -> str:
    minutes = int(window.total_seconds() // 60)
    span = "hour" if minutes == MINUTES_PER_HOUR else f"{minutes} minutes"
    usual = max(1, round(expected))
    ratio = observed / max(expected, 1e-9)
    verb = "is" if usual == 1 else "are"
    return (
        f"{observed:,.0f} reports in the last {span}; about {usual:,} {verb} usual at this hour"
        f" ({ratio:,.0f}x)."
    )


def transition(
    before: StatusWord, after: StatusWord, explanation: str, incident: Incident, now: datetime
) -> tuple[str, str]:
    if after == "major":
        return "escalated", f"Escalated to a major outage: {explanation}"
    if after == "possible":
        return (
            "easing",
            f"Partial recovery: no longer a major outage, problems remain: {explanation}",
        )
    duration = _duration(now - incident.started_at)
    return "resolved", f"Back to normal: reports returned to the usual level ({duration} in all)."


def _duration(span: timedelta) -> str:
    minutes = int(span.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


# Official statements published this long before an incident's start or after its end still
# belong to it: services often post a little after the crowd notices, or once all is fixed.
STATEMENT_MARGIN = timedelta(hours=1)
STATUS_WORDS = {
    "investigating": "Investigating",
    "identified": "Identified",
    "monitoring": "Monitoring",
    "resolved": "Resolved",
    "postmortem": "Postmortem",
}


def with_statements(
    incident: Incident, statements: Sequence[OfficialStatement], *, now: datetime
) -> Incident:
    """The incident's timeline with the official statements published while it lasted,
    in time order (a statement and our own line at the same minute keep that order)."""
    first = incident.started_at - STATEMENT_MARGIN
    last = (incident.resolved_at or now) + STATEMENT_MARGIN
    lines = [
        IncidentEvent(
            statement.at,
            "official",
            f"{statement.incident_name} — {STATUS_WORDS.get(statement.status, 'Update')}: "
            f"{statement.body}",
            statement.link,
        )
        for statement in statements
        if first <= statement.at <= last
    ]
    if not lines:
        return incident
    return replace(incident, events=tuple(sorted((*incident.events, *lines), key=_at)))


def _at(event: IncidentEvent) -> datetime:
    return event.at


def official_disagreement(our_status: str, indicator: str | None) -> str | None:
    """A sentence when what people report and what the service says do not match."""
    if indicator is None or indicator in ("unknown", "maintenance"):
        return None
    if our_status != "ok" and indicator == "none":
        return "Many people report problems, but the official status page says all is well."
    if our_status == "ok" and indicator in ("major", "critical"):
        return (
            "The official status page reports an outage, but reports here are at the usual level."
        )
    return None
