"""What a queued message says: subject, text and HTML parts, and the webhook's JSON."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from outagewatch.basics.services import Service
from outagewatch.basics.status import status_label
from outagewatch.notify.protocol import Notification
from outagewatch.storage.records import Incident, OutboxItem

TEMPLATES = Path(__file__).parent / "templates"
WEBHOOK_EVENTS = {
    "started": "service.problems_started",
    "escalated": "service.major_outage",
    "recovered": "service.recovered",
    "signin": "account.signin",
    "update": "incident.update",
}


def _clock_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%H:%M UTC")


def _duration(start: datetime, end: datetime | None) -> str:
    if end is None:
        return ""
    minutes = max(1, round((end - start).total_seconds() / 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{minutes // 60} h {minutes % 60:02d} min"


class Composer:
    """Renders outbox items. Message text comes from the incident as stored when it is sent,
    so a retry after a long SMTP outage still tells the story up to that point."""

    def __init__(
        self,
        *,
        site_name: str,
        public_url: str,
        service_of: Callable[[int], Service | None],
        incident_of: Callable[[int], Incident | None],
        unsubscribe_url: Callable[[int, int], str],
    ) -> None:
        self.site_name = site_name
        self.public_url = public_url.rstrip("/")
        self._service_of = service_of
        self._incident_of = incident_of
        self._unsubscribe_url = unsubscribe_url
        self._text = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=False,  # noqa: S701 - plain-text mail parts, never HTML  # nosec B701
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self._html = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(default=True),
            undefined=StrictUndefined,
        )
        for environment in (self._text, self._html):
            environment.filters["clock"] = _clock_time
            environment.globals["status_label"] = status_label

    def compose(self, item: OutboxItem) -> Notification:
        service = self._service_of(item.service_id) if item.service_id is not None else None
        incident = self._incident_of(item.incident_id) if item.incident_id is not None else None
        values: dict[str, Any] = {
            "site_name": self.site_name,
            "public_url": self.public_url,
            "service": service,
            "service_url": f"{self.public_url}/services/{service.slug}" if service else None,
            "incident": incident,
            "incident_url": f"{self.public_url}/incidents/{incident.id}" if incident else None,
            "duration": _duration(incident.started_at, incident.resolved_at) if incident else "",
            "payload": item.payload,
            "account_url": f"{self.public_url}/account",
        }
        unsubscribe = (
            self._unsubscribe_url(item.account_id, item.service_id)
            if item.account_id is not None
            and item.service_id is not None
            and item.event != "signin"
            else None
        )
        values["unsubscribe_url"] = unsubscribe
        template = item.event
        return Notification(
            key=item.key,
            subject=self._subject(item, service, incident),
            text=self._text.get_template(f"{template}.txt").render(values),
            html=self._html.get_template(f"{template}.html").render(values),
            unsubscribe_url=unsubscribe,
            data=self._data(item, service, incident),
        )

    def _subject(self, item: OutboxItem, service: Service | None, incident: Incident | None) -> str:
        if item.event == "signin":
            follow = f" and follow {service.name}" if service else ""
            return f"Your link to sign in to {self.site_name}{follow}"
        name = service.name if service else "A service you follow"
        if item.event == "recovered":
            return f"{name} is back online"
        if item.event == "update":
            return f"{name}: an update on the incident"
        if item.event == "escalated":
            return f"{name}: now a major outage"
        severity = status_label(incident.severity) if incident else "Problems"
        since = f" since {_clock_time(incident.started_at)}" if incident else ""
        return f"{name}: {severity}{since}"

    def _data(
        self, item: OutboxItem, service: Service | None, incident: Incident | None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": item.key,
            "event": WEBHOOK_EVENTS[item.event],
            "created_at": item.created_at.isoformat(),
        }
        if service is not None:
            data["service"] = {
                "slug": service.slug,
                "name": service.name,
                "url": f"{self.public_url}/services/{service.slug}",
            }
        if incident is not None:
            data["incident"] = {
                "id": incident.id,
                "severity": incident.severity,
                "state": incident.state,
                "started_at": incident.started_at.isoformat(),
                "detected_at": incident.detected_at.isoformat(),
                "peak_at": incident.peak_at.isoformat(),
                "peak_reports_15_minutes": incident.peak_reports,
                "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
                "url": f"{self.public_url}/incidents/{incident.id}",
                "timeline": [
                    {"at": event.at.isoformat(), "kind": event.kind, "message": event.message}
                    for event in incident.events
                ],
            }
            data["status"] = "ok" if incident.state == "resolved" else incident.severity
        if item.event == "update":
            data["message"] = item.payload.get("message", "")
        return data
