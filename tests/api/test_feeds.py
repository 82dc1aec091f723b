"""Atom and RSS feeds, status badges and the Statuspage-compatible API, over the real app."""

from __future__ import annotations

import calendar
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser  # type: ignore[import-untyped]
import pytest
from fastapi.testclient import TestClient

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.detection.status import StatusWord
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.records import Incident, ServiceStatus
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports, service_id
from tests.serving import site_in_thread

SVG = "{http://www.w3.org/2000/svg}"


def _outage(store: SqlStore, clock: FixedClock, slug: str) -> Incident:
    """A burst of 400 reports in the last minutes, and the tick that opens an incident."""
    now = clock.now()
    add_reports(store, slug, [now - timedelta(seconds=i) for i in range(400)], tag=slug)
    Monitor(store).tick(CatalogIndex(store.list_services()), now=now)
    return store.open_incidents()[service_id(store, slug)]


def _recover(store: SqlStore, clock: FixedClock) -> None:
    """Forty quiet minutes, a tick every five: every open incident resolves."""
    monitor, catalog = Monitor(store), CatalogIndex(store.list_services())
    for _ in range(8):
        clock.advance(timedelta(minutes=5))
        monitor.tick(catalog, now=clock.now())


def _latest_event(store: SqlStore, incident_id: int) -> datetime:
    incident = store.incident(incident_id)
    assert incident is not None
    return max(event.at for event in incident.events)


def _utc(parsed: time.struct_time) -> datetime:
    """feedparser's dates are UTC struct_times."""
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC)


def _set_status(store: SqlStore, slug: str, word: StatusWord) -> None:
    with store.transaction():
        store.set_status(ServiceStatus(service_id(store, slug), word, since=NOW))


# -- Atom and RSS ----------------------------------------------------------------------------


def test_a_service_atom_feed_lists_an_ongoing_outage_with_link_and_dates(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    incident = _outage(loaded_store, clock, "tiktok")

    response = client.get("/services/tiktok/feed.atom")

    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=60"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0
    assert feed.version == "atom10"
    [entry] = feed.entries
    assert entry.title == "TikTok: Major outage (ongoing)"
    assert entry.link == f"http://testserver/incidents/{incident.id}"
    assert entry.id == f"http://testserver/incidents/{incident.id}"
    assert _utc(entry.updated_parsed) == _latest_event(loaded_store, incident.id)
    assert _utc(entry.published_parsed) == incident.detected_at
    assert "Major outage detected" in entry.content[0].value


def test_a_service_rss_feed_says_when_an_outage_is_resolved(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    incident = _outage(loaded_store, clock, "tiktok")
    _recover(loaded_store, clock)

    response = client.get("/services/tiktok/feed.rss")

    assert response.headers["content-type"] == "application/rss+xml; charset=utf-8"
    feed = feedparser.parse(response.content)
    assert feed.bozo == 0
    assert feed.version == "rss20"
    [entry] = feed.entries
    assert entry.title == "TikTok: Major outage (resolved)"
    assert entry.link == f"http://testserver/incidents/{incident.id}"
    assert _utc(entry.published_parsed) == incident.detected_at
    assert "Back to normal" in entry.content[0].value


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_the_site_feed_holds_the_incidents_of_every_service(
    kind: str, client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    _outage(loaded_store, clock, "tiktok")
    clock.advance(timedelta(minutes=1))
    _outage(loaded_store, clock, "discord")

    feed = feedparser.parse(client.get(f"/feed.{kind}").content)

    assert feed.bozo == 0
    assert [entry.title for entry in feed.entries] == [
        "Discord: Major outage (ongoing)",
        "TikTok: Major outage (ongoing)",
    ]
    assert feed.feed.link == "http://testserver/"


def test_a_quiet_service_has_a_valid_empty_feed_dated_by_the_clock(client: TestClient) -> None:
    feed = feedparser.parse(client.get("/services/tiktok/feed.atom").content)

    assert feed.bozo == 0
    assert feed.entries == []
    assert _utc(feed.feed.updated_parsed) == NOW


@pytest.mark.parametrize(
    "path",
    [
        "/services/no-such-thing/feed.atom",
        "/services/no-such-thing/feed.rss",
        "/services/no-such-thing/badge.svg",
        "/services/no-such-thing/api/v2/summary.json",
    ],
)
def test_an_unknown_service_is_a_404(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 404


# -- Badge -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "message", "colour"),
    [
        (None, "No issues", "#0b7a44"),
        ("possible", "Possible problems", "#8a5a00"),
        ("major", "Major outage", "#b3261e"),
    ],
)
def test_the_badge_shows_the_current_status_in_its_colour(
    client: TestClient,
    loaded_store: SqlStore,
    word: StatusWord | None,
    message: str,
    colour: str,
) -> None:
    if word is not None:
        _set_status(loaded_store, "discord", word)

    response = client.get("/services/discord/badge.svg")

    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.headers["cache-control"] == "public, max-age=60"
    svg = ElementTree.fromstring(response.content)
    assert svg.findtext(f"{SVG}title") == f"Discord: {message}"
    assert [text.text for text in svg.iter(f"{SVG}text")][-1] == message
    assert next(svg.iter(f"{SVG}rect")).get("fill") == colour  # the status box


# -- Statuspage v2 ---------------------------------------------------------------------------


def test_statuspage_summary_describes_an_ongoing_outage(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    incident = _outage(loaded_store, clock, "tiktok")

    response = client.get("/services/tiktok/api/v2/summary.json")

    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    assert body["page"]["id"] == "tiktok"
    assert body["page"]["url"] == "http://testserver/services/tiktok"
    assert body["page"]["time_zone"] == "Etc/UTC"
    assert body["status"] == {"indicator": "major", "description": "Major outage"}
    assert [(c["name"], c["status"]) for c in body["components"]] == [("TikTok", "major_outage")]
    assert body["scheduled_maintenances"] == []
    [open_incident] = body["incidents"]
    assert open_incident["id"] == str(incident.id)
    assert (open_incident["status"], open_incident["impact"]) == ("investigating", "major")
    assert open_incident["shortlink"] == f"http://testserver/incidents/{incident.id}"
    assert open_incident["resolved_at"] is None
    updates = open_incident["incident_updates"]
    assert updates[0]["updated_at"] >= updates[-1]["updated_at"]  # newest first
    assert "Major outage detected" in " ".join(update["body"] for update in updates)


def test_statuspage_endpoints_show_a_resolved_outage_as_history(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    _outage(loaded_store, clock, "tiktok")
    _recover(loaded_store, clock)

    base = "/services/tiktok/api/v2"
    status = client.get(f"{base}/status.json").json()["status"]
    components = client.get(f"{base}/components.json").json()["components"]
    unresolved = client.get(f"{base}/incidents/unresolved.json").json()["incidents"]
    [resolved] = client.get(f"{base}/incidents.json").json()["incidents"]

    assert status == {"indicator": "none", "description": "All Systems Operational"}
    assert components[0]["status"] == "operational"
    assert unresolved == []
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] == resolved["incident_updates"][0]["display_at"]
    assert resolved["incident_updates"][0]["status"] == "resolved"


def test_statuspage_calls_possible_problems_a_minor_partial_outage(
    client: TestClient, loaded_store: SqlStore
) -> None:
    _set_status(loaded_store, "discord", "possible")

    body = client.get("/services/discord/api/v2/summary.json").json()

    assert body["status"] == {"indicator": "minor", "description": "Possible problems"}
    assert body["components"][0]["status"] == "partial_outage"


@pytest.fixture
def served(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    # The exporter keeps its cache in the working directory: keep that in the test's folder.
    monkeypatch.chdir(tmp_path)
    with site_in_thread(loaded_store, clock, tmp_path) as site:
        yield site.url


def _read_with_exporter(summary_url: str) -> dict[str, Any]:
    """What statuspage-prometheus-exporter, a Statuspage reader from PyPI, makes of a page."""
    # Imported here: at import it looks for its services.json in the working directory.
    from statuspage_prometheus_exporter.service_checker import (  # type: ignore[import-untyped]
        check_status_page_service,
    )

    result: dict[str, Any] = check_status_page_service("page", {"url": summary_url})
    return result


def test_a_statuspage_client_reads_an_outage_over_http(
    served: str, loaded_store: SqlStore, clock: FixedClock
) -> None:
    incident = _outage(loaded_store, clock, "tiktok")

    result = _read_with_exporter(f"{served}/services/tiktok/api/v2/summary.json")

    assert result["success"] is True
    assert (result["status"], result["raw_status"]) == (0, "major")
    [reported] = result["incident_metadata"]
    assert reported["id"] == str(incident.id)
    assert reported["name"] == "TikTok: Major outage"
    assert (reported["status"], reported["impact"]) == ("investigating", "major")
    assert reported["shortlink"] == f"{served}/incidents/{incident.id}"
    assert reported["affected_components"] == ["TikTok"]
    assert result["component_metadata"] == [
        {"name": "TikTok", "status": "major_outage", "status_value": 0}
    ]


def test_a_statuspage_client_reads_a_quiet_service_as_operational(served: str) -> None:
    result = _read_with_exporter(f"{served}/services/discord/api/v2/summary.json")

    assert (result["status"], result["raw_status"]) == (1, "none")
    assert result["details"] == "All Systems Operational"
    assert result["incident_metadata"] == []
