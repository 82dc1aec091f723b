"""Sitemaps (sitemaps.org protocol 0.9): an index, and child files of at most 50,000 URLs,
each with the date its page last changed according to our data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from xml.sax.saxutils import escape  # writes, parses no XML  # nosec B406

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.model import Service
from outagewatch.storage.records import ServiceStatus

MAX_URLS_PER_FILE = 50_000  # the protocol's limit (and 50 MB, far off at ~150 bytes a URL)
NAMESPACE = "http://www.sitemaps.org/schemas/sitemap/0.9"
KINDS = ("pages", "categories", "services", "incidents")


class PageDates(Protocol):
    def statuses(self) -> dict[int, ServiceStatus]: ...

    def incident_dates(self) -> list[tuple[int, int, datetime]]: ...

    def history_started_at(self) -> datetime | None: ...


@dataclass(frozen=True, slots=True)
class Entry:
    path: str
    lastmod: datetime | None


@dataclass(frozen=True, slots=True)
class SiteEntries:
    by_kind: dict[str, list[Entry]]

    def files(self, limit: int = MAX_URLS_PER_FILE) -> dict[str, list[Entry]]:
        """Child sitemap name ("services-1") -> its entries; a kind with none has no file."""
        files: dict[str, list[Entry]] = {}
        for kind in KINDS:
            entries = self.by_kind.get(kind, [])
            for number, start in enumerate(range(0, len(entries), limit), start=1):
                files[f"{kind}-{number}"] = entries[start : start + limit]
        return files


def site_entries(dates: PageDates, services: Sequence[Service]) -> SiteEntries:
    """Every public page worth finding. A service page changes with its status and its
    incidents; a category's with its services'; the home page with any status."""
    statuses = dates.statuses()
    started = dates.history_started_at()
    incidents = dates.incident_dates()
    newest_incident: dict[int, datetime] = {}
    for _, service_id, at in incidents:
        newest_incident[service_id] = max(at, newest_incident.get(service_id, at))

    def service_date(service_id: int) -> datetime | None:
        candidates = [
            at
            for at in (
                statuses[service_id].since if service_id in statuses else None,
                newest_incident.get(service_id),
                started,
            )
            if at is not None
        ]
        return max(candidates, default=None)

    service_entries = [
        Entry(f"/services/{service.slug}", service_date(service.id or 0))
        for service in sorted(services, key=lambda s: s.slug)
    ]
    by_category: dict[str, list[datetime]] = {}
    for service, entry in zip(sorted(services, key=lambda s: s.slug), service_entries, strict=True):
        if entry.lastmod is not None:
            by_category.setdefault(service.category, []).append(entry.lastmod)
    categories = [
        Entry(f"/categories/{category.slug}", max(by_category.get(category.slug, []), default=None))
        for category in CATEGORIES
    ]
    newest = max((entry.lastmod for entry in service_entries if entry.lastmod), default=None)
    pages = [Entry("/", newest), Entry("/about", None), Entry("/credits", None)]
    return SiteEntries(
        {
            "pages": pages,
            "categories": categories,
            "services": service_entries,
            "incidents": [Entry(f"/incidents/{number}", at) for number, _, at in incidents],
        }
    )


def _lastmod(at: datetime | None) -> str:
    # W3C datetime, as the protocol asks; seconds are enough for crawlers.
    return f"<lastmod>{at.strftime('%Y-%m-%dT%H:%M:%S+00:00')}</lastmod>" if at else ""


def urlset(public_url: str, entries: Sequence[Entry]) -> bytes:
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NAMESPACE}">']
    lines += [
        f"<url><loc>{escape(public_url + entry.path)}</loc>{_lastmod(entry.lastmod)}</url>"
        for entry in entries
    ]
    lines.append("</urlset>\n")
    return "\n".join(lines).encode()


def index(public_url: str, files: dict[str, list[Entry]]) -> bytes:
    lines = [f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NAMESPACE}">']
    for name, entries in files.items():
        newest = max((entry.lastmod for entry in entries if entry.lastmod), default=None)
        loc = escape(f"{public_url}/sitemaps/{name}.xml")
        lines.append(f"<sitemap><loc>{loc}</loc>{_lastmod(newest)}</sitemap>")
    lines.append("</sitemapindex>\n")
    return "\n".join(lines).encode()
