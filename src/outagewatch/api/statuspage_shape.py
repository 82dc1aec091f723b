"""A service as an Atlassian Statuspage v2 page, so Statuspage clients can read OutageWatch.

Pure: facts in, the documented JSON shapes out (../shared/docs/DATA.md, "Official status
pages"). One page per service, one component per page, and our incidents as its incidents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from outagewatch.catalog.model import Service
from outagewatch.detection.status import StatusWord, status_label
from outagewatch.storage.records import Incident, IncidentEvent

INDICATORS: dict[str, tuple[str, str]] = {  # our status -> (indicator, description)
    "ok": ("none", "All Systems Operational"),
    "possible": ("minor", "Possible problems"),
    "major": ("major", "Major outage"),
}
COMPONENT_STATUSES = {"ok": "operational", "possible": "partial_outage", "major": "major_outage"}
IMPACTS = {"ok": "none", "possible": "minor", "major": "major"}


@dataclass(frozen=True, slots=True)
class PageFacts:
    service: Service
    status: StatusWord
    status_since: datetime  # when the current status began (or, if never changed, tracking)
    tracked_since: datetime  # when this installation began counting reports
    incidents: Sequence[Incident]  # newest first, each with its timeline
    public_url: str  # no trailing slash


def iso8601(moment: datetime) -> str:
    """UTC with a Z, as Statuspage writes its times."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def incident_name(incident: Incident, service: Service) -> str:
    return f"{service.name}: {status_label(incident.severity)}"


def last_update(incident: Incident) -> datetime:
    """When an incident last changed: its newest timeline line, or its detection."""
    return max((event.at for event in incident.events), default=incident.detected_at)


def summary(facts: PageFacts) -> dict[str, Any]:
    """`summary.json`: everything a status widget shows, with the unresolved incidents."""
    return {
        "page": _page(facts),
        "status": _status(facts.status),
        "components": [_component(facts)],
        "incidents": [_incident(incident, facts) for incident in _unresolved(facts)],
        "scheduled_maintenances": [],
    }


def status_only(facts: PageFacts) -> dict[str, Any]:
    """`status.json`."""
    return {"page": _page(facts), "status": _status(facts.status)}


def components_only(facts: PageFacts) -> dict[str, Any]:
    """`components.json`."""
    return {"page": _page(facts), "components": [_component(facts)]}


def incidents_only(facts: PageFacts, *, unresolved: bool) -> dict[str, Any]:
    """`incidents.json` (the recent ones) or `incidents/unresolved.json`."""
    chosen = _unresolved(facts) if unresolved else facts.incidents
    return {"page": _page(facts), "incidents": [_incident(i, facts) for i in chosen]}


def _unresolved(facts: PageFacts) -> list[Incident]:
    return [incident for incident in facts.incidents if incident.state == "open"]


def _page(facts: PageFacts) -> dict[str, Any]:
    service = facts.service
    changes = [facts.status_since, *(last_update(incident) for incident in facts.incidents)]
    return {
        "id": service.slug,
        "name": service.name,
        "url": f"{facts.public_url}/services/{service.slug}",
        "time_zone": "Etc/UTC",
        "updated_at": iso8601(max(changes)),
    }


def _status(word: str) -> dict[str, str]:
    indicator, description = INDICATORS[word]
    return {"indicator": indicator, "description": description}


def _component(facts: PageFacts) -> dict[str, Any]:
    # One component for the whole service. Not one per platform: reports say where people
    # see problems, and few reports from a platform do not show that it works.
    service = facts.service
    return {
        "id": service.slug,
        "name": service.name,
        "status": COMPONENT_STATUSES[facts.status],
        "created_at": iso8601(facts.tracked_since),
        "updated_at": iso8601(facts.status_since),
        "position": 1,
        "description": service.description or None,
        "showcase": True,
        "start_date": facts.tracked_since.date().isoformat(),
        "group_id": None,
        "page_id": service.slug,
        "group": False,
        "only_show_if_degraded": False,
    }


def _incident(incident: Incident, facts: PageFacts) -> dict[str, Any]:
    resolved = incident.state == "resolved"
    return {
        "id": str(incident.id),
        "name": incident_name(incident, facts.service),
        # We never know more than "investigating" until the reports return to normal.
        "status": "resolved" if resolved else "investigating",
        "impact": IMPACTS[incident.severity],
        "created_at": iso8601(incident.detected_at),
        "updated_at": iso8601(last_update(incident)),
        "started_at": iso8601(incident.started_at),
        "monitoring_at": None,
        "resolved_at": iso8601(incident.resolved_at) if incident.resolved_at else None,
        "shortlink": f"{facts.public_url}/incidents/{incident.id}",
        "page_id": facts.service.slug,
        "components": [_component(facts)],
        # Statuspage lists an incident's updates newest first.
        "incident_updates": [
            _update(incident, event, position)
            for position, event in reversed(list(enumerate(incident.events, start=1)))
        ],
    }


def _update(incident: Incident, event: IncidentEvent, position: int) -> dict[str, Any]:
    at = iso8601(event.at)
    return {
        "id": f"{incident.id}-{position}",
        "incident_id": str(incident.id),
        "status": "resolved" if event.kind == "resolved" else "investigating",
        "body": event.message,
        "created_at": at,
        "updated_at": at,
        "display_at": at,
        "affected_components": None,
        "deliver_notifications": False,
    }
