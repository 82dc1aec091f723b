"""What an official status source says, read from its answer. Pure: bytes and dicts in,
plain records out; no I/O and no clock."""

from __future__ import annotations

import calendar
import json
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser  # type: ignore[import-untyped]

from outagewatch.signals.official_platforms import (
    PlatformFormatError,
    betterstack_index_url,
    parse_betterstack_index,
)
from outagewatch.storage.records_official import OfficialSource, OfficialStatement

KNOWN_INDICATORS = frozenset({"none", "minor", "major", "critical", "maintenance"})
# Checked in this order: an update saying "resolved, we keep monitoring" is resolved.
STATUS_WORDS = ("resolved", "monitoring", "identified", "investigating")
_STATUS_PATTERNS = tuple((word, re.compile(rf"\b{word}\b", re.IGNORECASE)) for word in STATUS_WORDS)


class SourceFormatError(ValueError):
    """The answer is not what this kind of source publishes; the message says what was off."""


@dataclass(frozen=True, slots=True)
class OfficialUpdate:
    """One update of an official incident, before we know whose it is or when we read it."""

    update_key: str
    incident_key: str
    incident_name: str
    status: str
    body: str
    at: datetime
    link: str | None = None
    impact: str | None = None

    def statement(self, *, service_id: int, fetched_at: datetime) -> OfficialStatement:
        return OfficialStatement(
            service_id=service_id,
            update_key=self.update_key,
            incident_key=self.incident_key,
            incident_name=self.incident_name,
            status=self.status,
            body=self.body,
            at=self.at,
            fetched_at=fetched_at,
            impact=self.impact,
            link=self.link,
        )


@dataclass(frozen=True, slots=True)
class ParsedOfficial:
    indicator: str  # none | minor | major | critical | maintenance | unknown
    description: str | None
    updates: tuple[OfficialUpdate, ...]  # oldest first


# -- Which document a source is read from, and what it says ---------------------------------


def request_url(source: OfficialSource) -> str:
    if source.kind == "statuspage":
        return statuspage_summary_url(source.url)
    if source.kind == "betterstack":
        return betterstack_index_url(source.url)
    return source.feed_url or source.url


def parse_answer(source: OfficialSource, body: bytes, *, fetched_at: datetime) -> ParsedOfficial:
    """What a source's answer says; SourceFormatError if it is not what its kind publishes."""
    if source.kind not in ("statuspage", "betterstack"):
        return parse_feed(body, fetched_at=fetched_at)
    what = "Statuspage summary" if source.kind == "statuspage" else "Better Stack status page"
    try:
        data = json.loads(body)
    except ValueError:
        raise SourceFormatError(f"not a {what}: not JSON") from None
    if source.kind == "statuspage":
        return parse_statuspage_summary(data, base_url=source.url)
    try:
        indicator, description = parse_betterstack_index(data)
    except PlatformFormatError as error:
        raise SourceFormatError(str(error)) from None
    return ParsedOfficial(indicator=indicator, description=description, updates=())


# -- HTML status pages: the feed they link to --------------------------------------------------

_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})
_XML_STARTS = (b"<?xml", b"<rss", b"<feed", b"<rdf:rdf")
_HTML_STARTS = (b"<!doctype html", b"<html")


def is_web_page(body: bytes, content_type: str | None) -> bool:
    """An HTML page rather than a feed: by what the body starts with, else by its type (some
    servers call their feeds text/html, and some pages come without a type)."""
    start = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith(_XML_STARTS):
        return False
    if start.startswith(_HTML_STARTS):
        return True
    return content_type is not None and "html" in content_type.lower()


class _FeedLinks(HTMLParser):
    """<link rel="alternate" type="application/rss+xml|atom+xml" href=...> in a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name: (value or "") for name, value in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in _FEED_TYPES and values.get("href"):
            self.hrefs.append(values["href"].strip())


def discover_feed(page: bytes, *, base_url: str) -> str | None:
    """The first RSS or Atom feed an HTML page announces (feed autodiscovery), as an
    absolute http(s) URL; None if it announces none."""
    links = _FeedLinks()
    links.feed(page.decode("utf-8", errors="replace"))
    links.close()
    for href in links.hrefs:
        absolute = urljoin(base_url, href)
        if urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


# -- Atlassian Statuspage ---------------------------------------------------------------------


def statuspage_summary_url(base_url: str) -> str:
    """Where a Statuspage site publishes its summary; a URL of a JSON document is kept."""
    if base_url.endswith(".json"):
        return base_url
    return base_url.rstrip("/") + "/api/v2/summary.json"


def statuspage_incidents_url(base_url: str) -> str:
    """Where a Statuspage site lists its recent incidents, resolved ones included."""
    if base_url.endswith("/summary.json"):
        return base_url.removesuffix("summary.json") + "incidents.json"
    return base_url.rstrip("/") + "/api/v2/incidents.json"


def parse_statuspage_incidents(
    data: Any, *, base_url: str, wanted: set[str]
) -> tuple[OfficialUpdate, ...]:
    """Every update of the `wanted` incidents in an incidents.json answer (where an incident
    still is once resolved, unlike in the summary). Raises SourceFormatError."""
    answer = _mapping(data, "the answer")
    incidents = _sequence(_field(answer, "incidents"), "'incidents'")
    updates = [
        update
        for incident in incidents
        if _mapping(incident, "an incident").get("id") in wanted
        for update in _incident_updates(incident, base_url)
    ]
    return tuple(sorted(updates, key=lambda update: (update.at, update.update_key)))


def parse_statuspage_summary(data: Any, *, base_url: str) -> ParsedOfficial:
    """The page's status and every update of its unresolved incidents (summary.json lists no
    resolved ones). Raises SourceFormatError when the shape is not Statuspage's."""
    summary = _mapping(data, "the answer")
    _mapping(_field(summary, "page"), "'page'")
    status = _mapping(_field(summary, "status"), "'status'")
    _sequence(_field(summary, "components"), "'components'")
    incidents = _sequence(_field(summary, "incidents"), "'incidents'")
    indicator = _text(_field(status, "indicator"), "'status.indicator'")
    description = _text(_field(status, "description"), "'status.description'")
    updates = [
        update
        for incident in incidents
        for update in _incident_updates(_mapping(incident, "an incident"), base_url)
    ]
    return ParsedOfficial(
        indicator=indicator if indicator in KNOWN_INDICATORS else "unknown",
        description=description,
        updates=tuple(sorted(updates, key=lambda update: (update.at, update.update_key))),
    )


def _incident_updates(incident: Mapping[str, Any], base_url: str) -> list[OfficialUpdate]:
    incident_id = _text(_field(incident, "id"), "an incident's 'id'")
    where = f"incident {incident_id}"
    name = _text(_field(incident, "name"), f"{where}: 'name'")
    incident_status = _optional_text(incident.get("status")) or "update"
    link = _optional_text(incident.get("shortlink")) or (
        f"{base_url.rstrip('/')}/incidents/{incident_id}"
    )
    updates = []
    for raw in _sequence(
        _field(incident, "incident_updates", where), f"{where}: 'incident_updates'"
    ):
        update = _mapping(raw, f"{where}: an update")
        at_text = next(
            (update[key] for key in ("display_at", "created_at", "updated_at") if update.get(key)),
            None,
        )
        if at_text is None:
            raise SourceFormatError(
                f"not a Statuspage summary: {where} has an update without a time"
            )
        at = _statuspage_time(at_text, where)
        status = _optional_text(update.get("status")) or incident_status
        update_id = _optional_text(update.get("id")) or f"{at.isoformat()}:{status}"
        updates.append(
            OfficialUpdate(
                update_key=f"statuspage:{incident_id}:{update_id}",
                incident_key=incident_id,
                incident_name=name,
                status=status,
                body=(_optional_text(update.get("body")) or "").strip(),
                at=at,
                link=link,
                impact=_optional_text(incident.get("impact")),
            )
        )
    return updates


def _statuspage_time(value: Any, where: str) -> datetime:
    try:
        moment = datetime.fromisoformat(_text(value, f"{where}: a time"))
    except ValueError:
        raise SourceFormatError(
            f"not a Statuspage summary: {where} has a bad time {value!r}"
        ) from None
    # Statuspage writes offsets; a time without one is read as UTC rather than dropped.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _field(data: Mapping[str, Any], name: str, where: str | None = None) -> Any:
    if name not in data:
        place = f"{where} has no '{name}'" if where else f"missing '{name}'"
        raise SourceFormatError(f"not a Statuspage summary: {place}")
    return data[name]


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise SourceFormatError(f"not a Statuspage summary: {what} is not an object")
    return value


def _sequence(value: Any, what: str) -> Sequence[Any]:
    if not isinstance(value, list):
        raise SourceFormatError(f"not a Statuspage summary: {what} is not a list")
    return value


def _text(value: Any, what: str) -> str:
    # Statuspage ids are strings; a number is accepted as the same id written differently.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise SourceFormatError(f"not a Statuspage summary: {what} is not text")
    return str(value)


def _optional_text(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) and not isinstance(value, bool) else None


# -- RSS and Atom -----------------------------------------------------------------------------


def parse_feed(content: bytes, *, fetched_at: datetime) -> ParsedOfficial:
    """Each entry of an RSS or Atom feed as an update. An entry without a date is dated
    `fetched_at`, when we first saw it, as that is the earliest time we can vouch for.
    Raises SourceFormatError if `content` is not a feed."""
    # Bytes, never str: feedparser would take a str for a URL or a file name and open it.
    parsed = feedparser.parse(content)
    if not parsed.get("version"):
        raise SourceFormatError("not an RSS/Atom feed")
    updates = [
        update
        for entry in parsed.get("entries", [])
        if (update := _entry_update(entry, fetched_at))
    ]
    updates.sort(key=lambda update: (update.at, update.update_key))
    newest = updates[-1] if updates else None
    # A feed has no overall status: only an all-clear in its newest entry says anything.
    resolved = newest is not None and newest.status == "resolved"
    return ParsedOfficial(
        indicator="none" if resolved else "unknown",
        description=newest.incident_name if newest else None,
        updates=tuple(updates),
    )


def _entry_update(entry: Mapping[str, Any], fetched_at: datetime) -> OfficialUpdate | None:
    identity = entry.get("id") or entry.get("link")
    if not identity:
        return None  # nothing stable to know it again by
    # `in` first: feedparser's get("updated_parsed") falls back to published with a warning.
    latest = "updated_parsed" if "updated_parsed" in entry else "published_parsed"
    published = _feed_time(entry.get(latest))
    title = plain_text(entry.get("title") or "")
    body = plain_text(_entry_html(entry))
    return OfficialUpdate(
        update_key=f"feed:{identity}:{published.isoformat() if published else ''}",
        incident_key=str(identity),
        incident_name=title or "Status update",
        status=guess_status(f"{title}\n{body}"),
        body=body,
        at=published or fetched_at,
        link=entry.get("link"),
    )


def _entry_html(entry: Mapping[str, Any]) -> str:
    content = entry.get("content") or []
    if content and content[0].get("value"):
        return str(content[0]["value"])
    return str(entry.get("summary") or "")


def _feed_time(parsed: time.struct_time | None) -> datetime | None:
    # feedparser has already converted whatever the feed wrote to a UTC struct_time.
    return None if parsed is None else datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def guess_status(text: str) -> str:
    """The incident status a free text announces, or "update" if it names none."""
    return next((word for word, pattern in _STATUS_PATTERNS if pattern.search(text)), "update")


class _TextCollector(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(html: str) -> str:
    """Text of an HTML fragment (feedparser has sanitised it), one line per block."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    lines = (" ".join(line.split()) for line in "".join(collector.parts).splitlines())
    return "\n".join(line for line in lines if line)
