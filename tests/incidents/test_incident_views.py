"""Incidents as people and programs see them: the service page, its own page, the API."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.sql import SqlStore
from tests.helpers import add_reports


def _outage(store: SqlStore, clock: FixedClock) -> None:
    now = clock.now()
    add_reports(store, "discord", [now - timedelta(seconds=i) for i in range(300)])
    Monitor(store).tick(CatalogIndex(store.list_services()), now=now)


def test_the_service_page_explains_the_outage_and_shows_its_timeline(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    _outage(loaded_store, clock)

    page = client.get("/services/discord").text

    assert 'data-status="major" aria-live="polite">Major outage' in page
    assert "usual at this hour" in page
    assert "Ongoing incident" in page
    assert "Reports began to rise above the usual level." in page


def test_the_api_serves_incidents_with_their_timeline(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    _outage(loaded_store, clock)

    listed = client.get("/api/v1/services/discord/incidents").json()
    one = client.get(f"/api/v1/incidents/{listed[0]['id']}").json()

    assert listed[0]["state"] == "open"
    assert listed[0]["severity"] == "major"
    assert [event["kind"] for event in one["timeline"]] == ["started", "detected"]
    status = client.get("/api/v1/services/discord").json()["status"]
    assert status["word"] == "major"
    assert "usual at this hour" in status["explanation"]
    assert status["evidence"]["top_problems"] == [["messages", 300]]
    assert status["evidence"]["ratio"] > 10


def test_the_incident_page_and_unknown_incidents(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    _outage(loaded_store, clock)
    incident_id = client.get("/api/v1/services/discord/incidents").json()[0]["id"]

    page = client.get(f"/incidents/{incident_id}")

    assert page.status_code == 200
    assert "Began (estimated)" in page.text
    assert client.get("/incidents/999").status_code == 404
    assert client.get("/api/v1/incidents/999").json()["error"]["status"] == 404


def test_a_platform_coming_back_keeps_its_brand_spelling() -> None:
    from outagewatch.incidents.timeline import spread_change

    sentences = spread_change("platform", {"ios", "web"}, {"web"}, first=False)

    assert sentences == ["iPhone app back to normal; website still failing."]
    assert spread_change("platform", {"android"}, set(), first=False) == [
        "Android app back to normal."
    ]
