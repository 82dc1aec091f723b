"""Reads across services: the home page, the lists of services, the site-wide feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from outagewatch.basics.minutes import last_hour_span
from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.model import Service
from outagewatch.catalog.search import CatalogIndex
from outagewatch.status.reader import StatusReads
from outagewatch.status.summary import RegionShare, region_shares
from outagewatch.storage.records import Incident, ServiceStatus

HOME_RANKED = 12
HOME_POPULAR = 30
HOME_MAPPED = 200  # services whose reports the home map shows


@dataclass(frozen=True, slots=True)
class Overview:
    """Every judged service's status and every service's reports in the last hour: what a
    list of services (a category, a search) ranks and colours them by."""

    statuses: dict[int, ServiceStatus]  # absent: never judged, so "ok"
    last_hour: dict[int, int]  # counted reports in the last 60 minutes; absent: none


@dataclass(frozen=True, slots=True)
class HomeView:
    overview: Overview
    with_problems: list[tuple[Service, ServiceStatus]]  # outages first, then by reports
    most_reported: list[tuple[Service, int]]  # in the last hour
    popular: list[Service]  # household names and the most popular, in catalog order
    category_sizes: dict[str, int]  # services per category slug
    service_count: int
    countries: dict[str, int]  # the last hour's reports of the most reported, by country
    regions: list[RegionShare]
    updated_at: datetime


def read_overview(store: StatusReads, *, now: datetime) -> Overview:
    hour_start, hour_end = last_hour_span(now)
    return Overview(
        statuses=store.statuses(),
        last_hour=store.totals_by_service(since=hour_start, until=hour_end),
    )


def read_home(store: StatusReads, *, catalog: CatalogIndex, now: datetime) -> HomeView:
    overview = read_overview(store, now=now)
    last_hour = overview.last_hour
    by_id = catalog.by_id
    with_problems = sorted(
        (
            (by_id[service_id], status)
            for service_id, status in overview.statuses.items()
            if status.status != "ok" and service_id in by_id
        ),
        key=lambda pair: (pair[1].status != "major", -last_hour.get(pair[0].id or 0, 0)),
    )
    most_reported = sorted(
        ((by_id[service_id], n) for service_id, n in last_hour.items() if service_id in by_id),
        key=lambda pair: -pair[1],
    )[:HOME_RANKED]
    # The map: countries of the last hour's reports, over the most reported services.
    mapped = sorted(last_hour, key=lambda service_id: -last_hour[service_id])[:HOME_MAPPED]
    hour_start, hour_end = last_hour_span(now)
    countries = store.country_totals(mapped, since=hour_start, until=hour_end) if mapped else {}
    return HomeView(
        overview=overview,
        with_problems=with_problems,
        most_reported=most_reported,
        popular=catalog.popular(HOME_POPULAR),
        category_sizes={
            category.slug: len(catalog.in_category(category.slug)) for category in CATEGORIES
        },
        service_count=len(catalog.services),
        countries=countries,
        regions=region_shares(countries),
        updated_at=now,
    )


def read_latest_incidents(
    store: StatusReads, *, catalog: CatalogIndex, limit: int
) -> list[tuple[Incident, Service]]:
    """Open incidents first, then the most recently detected, of services still tracked."""
    by_id = catalog.by_id
    return [
        (incident, by_id[incident.service_id])
        for incident in store.recent_incidents(limit=limit)
        if incident.service_id in by_id
    ]
