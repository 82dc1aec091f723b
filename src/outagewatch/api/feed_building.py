"""Atom and RSS documents of incidents, built with feedgen. Pure: no store, no clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import Literal

from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

from outagewatch import __version__
from outagewatch.api.statuspage_shape import incident_name, last_update
from outagewatch.catalog.model import Service
from outagewatch.storage.records import Incident

FeedKind = Literal["atom", "rss"]


@dataclass(frozen=True, slots=True)
class FeedSpec:
    title: str
    description: str
    feed_url: str  # this document's own address (Atom's rel="self")
    page_url: str  # the HTML page the feed follows
    site_name: str
    public_url: str  # no trailing slash
    # The feed's date when it has no entry yet (a feed must have one).
    quiet_since: datetime


def incident_url(public_url: str, incident: Incident) -> str:
    return f"{public_url}/incidents/{incident.id}"


def entry_title(incident: Incident, service: Service) -> str:
    """'TikTok: Major outage (resolved)'."""
    state = "ongoing" if incident.state == "open" else "resolved"
    return f"{incident_name(incident, service)} ({state})"


def render_feed(
    spec: FeedSpec, incidents: Sequence[tuple[Incident, Service]], *, kind: FeedKind
) -> bytes:
    """The feed as UTF-8 XML, entries most recently changed first."""
    ordered = sorted(incidents, key=lambda pair: last_update(pair[0]), reverse=True)
    feed = FeedGenerator()
    feed.id(spec.feed_url)
    feed.title(spec.title)
    feed.description(spec.description)
    feed.author({"name": spec.site_name, "uri": spec.public_url})
    feed.link(href=spec.feed_url, rel="self", type=_MEDIA_TYPES[kind])
    # Last: feedgen makes the last link RSS's <link>, which is the page, not the feed.
    feed.link(href=spec.page_url, rel="alternate", type="text/html")
    feed.language("en")
    feed.generator(spec.site_name, version=__version__, uri=spec.public_url)
    # feedgen stamps feeds and entries with the wall clock unless told otherwise.
    updated = max((last_update(incident) for incident, _ in ordered), default=spec.quiet_since)
    feed.updated(updated)
    feed.lastBuildDate(updated)
    for incident, service in reversed(ordered):  # feedgen prepends each new entry
        _add_entry(feed, spec, incident, service)
    document: bytes = feed.atom_str() if kind == "atom" else feed.rss_str()
    return document


_MEDIA_TYPES: dict[FeedKind, str] = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
}


def _add_entry(feed: FeedGenerator, spec: FeedSpec, incident: Incident, service: Service) -> None:
    link = incident_url(spec.public_url, incident)
    entry = feed.add_entry()
    # The incident's address is its identity: the same incident in the service's feed and
    # in the site-wide one is one item to a reader that follows both.
    entry.id(link)
    entry.guid(link, permalink=True)
    entry.title(entry_title(incident, service))
    entry.link(href=link, rel="alternate", type="text/html")
    entry.published(incident.detected_at)
    entry.updated(last_update(incident))
    latest = incident.events[-1].message if incident.events else entry_title(incident, service)
    entry.summary(latest)
    entry.content(_timeline_html(incident), type="html")


def _timeline_html(incident: Incident) -> str:
    """The incident's facts and timeline as a small HTML fragment (escaped by feedgen)."""
    ended = _when(incident.resolved_at) if incident.resolved_at else "not yet"
    facts = (
        f"<p>Began (estimated) {_when(incident.started_at)}; detected "
        f"{_when(incident.detected_at)}; ended {ended}. Peak: {incident.peak_reports:,} reports"
        f" in 15 minutes, at {_when(incident.peak_at)}.</p>"
    )
    lines = "".join(
        f'<li><time datetime="{event.at.isoformat()}">{_when(event.at)}</time> '
        f"{escape(event.message)}</li>"
        for event in incident.events
    )
    return f"{facts}<ol>{lines}</ol>" if lines else facts


def _when(moment: datetime) -> str:
    return moment.strftime("%d %b %Y %H:%M UTC")
