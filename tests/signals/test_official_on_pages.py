"""Official statements on our incident timelines and the official status on the page."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

from fastapi.testclient import TestClient

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.signals.official import OfficialPoller
from outagewatch.storage.sql import SqlStore
from tests.helpers import add_reports
from tests.local_http import closed_port_url
from tests.signals.status_server import StatusServer

STATUS_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel>
<title>Signal status</title><link>https://status.signal.org/</link><description>Incidents</description>
<item><title>Messages delayed</title><guid>incident-9#3</guid><link>https://status.signal.org/9</link>
<pubDate>Wed, 18 Nov 2026 15:40:00 +0000</pubDate>
<description>Monitoring: a fix is deployed.</description></item>
<item><title>Messages delayed</title><guid>incident-9#2</guid><link>https://status.signal.org/9</link>
<pubDate>Wed, 18 Nov 2026 15:30:00 +0000</pubDate>
<description>Identified: a database failover.</description></item>
<item><title>Messages delayed</title><guid>incident-9#1</guid><link>https://status.signal.org/9</link>
<pubDate>Wed, 18 Nov 2026 15:20:00 +0000</pubDate>
<description>Investigating: some messages are delayed.</description></item>
</channel></rss>
"""


def _watch(store: SqlStore, clock: FixedClock, slug: str, page: str, *, statuspage: bool) -> None:
    """Point a catalog service's status page at the local fixture server."""
    service = CatalogIndex(store.list_services()).by_slug[slug]
    with store.transaction():
        store.sync_official_sources(
            [replace(service, status_page=page, statuspage_io=statuspage)], now=clock.now()
        )


def _outage(store: SqlStore, clock: FixedClock, slug: str) -> None:
    add_reports(store, slug, [clock.now() - timedelta(seconds=i) for i in range(300)])
    Monitor(store).tick(CatalogIndex(store.list_services()), now=clock.now())


def _timeline(client: TestClient, slug: str) -> list[str]:
    incidents = client.get(f"/api/v1/services/{slug}/incidents").json()
    return [f"{e['kind']}: {e['message']}" for e in incidents[0]["timeline"]]


def test_a_statuspage_incident_with_three_updates_joins_our_timeline_in_order(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    with StatusServer() as server:
        server.serve_fixture("/api/v2/summary.json", "statuspage_summary.json")
        _watch(loaded_store, clock, "whatsapp", server.url, statuspage=True)
        _outage(loaded_store, clock, "whatsapp")
        asyncio.run(OfficialPoller(loaded_store).poll_due(now=clock.now()))

    lines = _timeline(client, "whatsapp")
    official = [line for line in lines if line.startswith("official:")]
    assert len(official) == 3
    assert [line.split(" — ")[1].split(":")[0] for line in official] == [
        "Investigating",
        "Identified",
        "Monitoring",
    ]
    # Woven in by time: the statements come between our own lines, not all at the end.
    kinds = [line.split(":")[0] for line in lines]
    assert kinds.index("official") < kinds.index("detected")
    page = client.get("/services/whatsapp").text
    assert "Official statement" in page
    assert "Official status page" in page


def test_an_rss_feed_joins_the_timeline_likewise(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    with StatusServer() as server:
        server.serve("/feed.rss", STATUS_RSS.encode(), content_type="application/rss+xml")
        _watch(loaded_store, clock, "signal", f"{server.url}/feed.rss", statuspage=False)
        _outage(loaded_store, clock, "signal")
        asyncio.run(OfficialPoller(loaded_store).poll_due(now=clock.now()))

    official = [line for line in _timeline(client, "signal") if line.startswith("official:")]
    assert [line.split(" — ")[1].split(":")[0] for line in official] == [
        "Investigating",
        "Identified",
        "Monitoring",
    ]
    times = client.get("/api/v1/services/signal/incidents").json()[0]["timeline"]
    stamps = [e["at"] for e in times if e["kind"] == "official"]
    assert stamps == sorted(stamps)
    assert all(e["link"] for e in times if e["kind"] == "official")


def test_an_unreachable_status_page_is_shown_as_such_and_retried_later(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    _watch(loaded_store, clock, "whatsapp", closed_port_url(), statuspage=True)
    poller = OfficialPoller(loaded_store, timeout_seconds=2)

    asyncio.run(poller.poll_due(now=clock.now()))
    first = loaded_store.official_status(_id(loaded_store, "whatsapp"))
    asyncio.run(poller.poll_due(now=clock.now() + timedelta(minutes=1)))
    second = loaded_store.official_status(_id(loaded_store, "whatsapp"))

    assert first is not None and second is not None
    assert first.failing and "cannot connect" in (first.last_error or "")
    assert first.next_check_at == clock.now() + timedelta(minutes=1)
    assert second.failures == 2
    assert second.next_check_at == clock.now() + timedelta(minutes=1) + timedelta(minutes=2)
    page = client.get("/services/whatsapp").text
    assert "could not be reached just now" in page and "we try again at" in page


def test_the_page_says_when_the_official_status_and_the_reports_disagree(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    with StatusServer() as server:
        server.serve_fixture("/api/v2/summary.json", "statuspage_resolved.json")
        _watch(loaded_store, clock, "whatsapp", server.url, statuspage=True)
        _outage(loaded_store, clock, "whatsapp")
        asyncio.run(OfficialPoller(loaded_store).poll_due(now=clock.now()))

    page = client.get("/services/whatsapp").text
    assert "the official status page says all is well" in page


def _id(store: SqlStore, slug: str) -> int:
    service_id = CatalogIndex(store.list_services()).by_slug[slug].id
    assert service_id is not None
    return service_id


def test_a_status_page_that_offers_no_feed_is_linked_without_a_false_alarm(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    with StatusServer() as server:
        server.serve("/status", b"<!doctype html><p>All good</p>", content_type="text/html")
        _watch(loaded_store, clock, "signal", f"{server.url}/status", statuspage=False)
        asyncio.run(OfficialPoller(loaded_store).poll_due(now=clock.now()))

    page = client.get("/services/signal").text

    assert "a web page without a feed, so we link to it rather than read it" in page
    assert f'href="{server.url}/status"' in page
    assert "could not be read" not in page
