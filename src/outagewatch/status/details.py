"""Everything a service's page and the API's service answer show, in one read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from outagewatch.catalog.model import Service
from outagewatch.catalog.search import CatalogIndex
from outagewatch.incidents import reading, timeline
from outagewatch.reports.voices import Voice, publishable
from outagewatch.status.card import StatusCard
from outagewatch.status.reader import StatusReads
from outagewatch.status.recent import RecentActivity, recent_activity
from outagewatch.status.summary import ServiceSummary, summarise
from outagewatch.storage.records import Incident, ServiceStatus
from outagewatch.storage.records_official import OfficialStatus
from outagewatch.storage.records_operators import ProbeResult

INCIDENTS_SHOWN = 3
UNCOUNTED_WINDOW = timedelta(hours=24)
COMMENTS_WINDOW = timedelta(hours=24)
COMMENTS_READ_AT_MOST = 200  # comments read to judge floods and repeats among


@dataclass(frozen=True, slots=True)
class ServiceDetails:
    summary: ServiceSummary  # status, counts, the 24-hour series and usual level, shares
    recent: RecentActivity  # the last hour in five-minute slots, the hour still filling
    uncounted: dict[str, int]  # kept but not counted in the last 24 hours, by reason
    incidents: list[Incident]  # newest first, official statements woven in
    official: OfficialStatus | None  # what the service says of itself
    official_note: str | None  # when what people report and what it says do not match
    probe: ProbeResult | None  # our own check of the service's site
    related: list[Service]
    statuses: dict[int, ServiceStatus]  # every judged service's (the related ones' colours)
    voices: list[Voice] | None  # comments fit to show; None when not asked for

    @property
    def card(self) -> StatusCard:
        return self.summary.card

    @property
    def service(self) -> Service:
        return self.summary.card.service


def read_details(
    store: StatusReads,
    *,
    catalog: CatalogIndex,
    service: Service,
    now: datetime,
    incidents: int = INCIDENTS_SHOWN,
    with_voices: bool = False,
) -> ServiceDetails:
    assert service.id is not None, "services from storage carry their id"
    service_id = service.id
    until = now + timedelta(minutes=1)
    statuses = store.statuses()
    summary = summarise(store, service=service, now=now, statuses=statuses)
    official = store.official_status(service_id)
    return ServiceDetails(
        summary=summary,
        recent=recent_activity(
            store, service=service, now=now, usual_per_hour=summary.hours[-1].usual
        ),
        uncounted=store.uncounted_totals(service_id, since=now - UNCOUNTED_WINDOW, until=until),
        incidents=reading.incidents_of(store, service_id, limit=incidents, now=now),
        official=official,
        official_note=timeline.official_disagreement(
            summary.status.status, official.indicator if official and not official.failing else None
        ),
        probe=store.probe_results().get(service_id),
        related=catalog.related(service),
        statuses=statuses,
        voices=(
            read_voices(store, service=service, since=now - COMMENTS_WINDOW, until=until)
            if with_voices
            else None
        ),
    )


def read_voices(
    store: StatusReads, *, service: Service, since: datetime, until: datetime
) -> list[Voice]:
    """What people said of the service in [since, until) that passes the checks."""
    assert service.id is not None, "services from storage carry their id"
    comments = store.comments_of(service.id, since=since, until=until, limit=COMMENTS_READ_AT_MOST)
    return publishable(comments)
