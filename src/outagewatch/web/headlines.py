"""An incident page's title and description, so it stands as a permalink in search results
and shared links: "TikTok outage on 6 July 2021: 4 h 40 min, worst in United Kingdom"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from outagewatch.catalog.countries import country_name
from outagewatch.catalog.model import Service
from outagewatch.storage.protocol import Store
from outagewatch.storage.records import Incident

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class Headline:
    title: str
    description: str


def duration(span: timedelta) -> str:
    """'4 h 40 min', '35 min', '2 d 3 h': what a person would say, to the minute."""
    minutes = max(int(span.total_seconds() // 60), 1)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


def _day(at: datetime) -> str:
    return f"{at.day} {at:%B %Y}"


def incident_headline(
    incident: Incident, service: Service, *, countries: dict[str, int], now: datetime
) -> Headline:
    kind = "outage" if incident.severity == "major" else "problems"
    lead = f"{service.name} {kind}"
    total = sum(countries.values())
    worst = max(countries, key=lambda code: (countries[code], code)) if total else None
    where = f", worst in {country_name(worst)}" if worst else ""
    peak = (
        f"At its peak, {incident.peak_reports:,} reports in 15 minutes "
        f"at {incident.peak_at:%H:%M} UTC."
    )
    if incident.resolved_at is None:
        lasting = duration(now - incident.started_at)
        title = f"{lead} since {incident.started_at:%H:%M} UTC on {_day(incident.started_at)}"
        title += f" (ongoing{where})"
        opening = f"{lead}, ongoing since {incident.started_at:%H:%M} UTC ({lasting} so far)."
    else:
        lasting = duration(incident.resolved_at - incident.started_at)
        title = f"{lead} on {_day(incident.started_at)}: {lasting}{where}"
        opening = (
            f"{lead} on {_day(incident.started_at)}, {incident.started_at:%H:%M}–"
            f"{incident.resolved_at:%H:%M} UTC ({lasting})."
        )
    share = (
        f" Worst in {country_name(worst)} ({countries[worst] / total:.0%} of reports)."
        if worst
        else ""
    )
    return Headline(
        title=title,
        description=f"{opening}{share} {peak} Timeline with updates and official statements.",
    )


def for_incident(store: Store, incident: Incident, service: Service, *, now: datetime) -> Headline:
    """The headline from the reports of the incident's own span."""
    countries = store.country_totals(
        [incident.service_id],
        since=incident.started_at,
        until=(incident.resolved_at or now) + MINUTE,
    )
    return incident_headline(incident, service, countries=countries, now=now)
