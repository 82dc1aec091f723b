"""The incident page: live facts for open pages, times that can be shown in the reader's zone."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import start_outage
from tests.helpers import add_reports, service_id


def _open_incident(store: SqlStore, clock: FixedClock) -> int:
    start_outage(store, clock, "tiktok")
    incident = store.incidents_of(service_id(store, "tiktok"), limit=1)[0]
    assert incident.id is not None
    return incident.id


def test_the_live_part_of_an_incident_page_tells_the_new_peak(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    incident = _open_incident(loaded_store, clock)
    before = client.get(f"/incidents/{incident}/live").text
    clock.advance(timedelta(minutes=1))
    add_reports(loaded_store, "tiktok", [clock.now()] * 300, tag="later-")
    Monitor(loaded_store).tick(CatalogIndex(loaded_store.list_services()), now=clock.now())

    response = client.get(f"/incidents/{incident}/live")

    assert "399 reports in 15 minutes" in before
    assert "699 reports in 15 minutes" in response.text
    assert response.headers["cache-control"] == "no-cache"
    assert "<html" not in response.text  # a fragment, not a page


def test_an_open_incident_page_listens_and_its_times_carry_their_instant(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    incident = _open_incident(loaded_store, clock)

    page = client.get(f"/incidents/{incident}").text

    assert f'id="incident-live" data-incident="{incident}" data-slug="tiktok"' in page
    assert 'data-state="open"' in page
    assert '<script src="/static/live.js?v=' in page
    assert '<time datetime="2026-11-18T15:42:30+00:00" data-local="long">' in page
    assert "Times are in UTC." in page  # without JavaScript: UTC, and said so


def test_an_unknown_incident_and_its_live_part_are_404(client: TestClient) -> None:
    assert client.get("/incidents/999999").status_code == 404
    assert client.get("/incidents/999999/live").status_code == 404
