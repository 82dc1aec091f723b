"""An incident page left open follows the incident, in the reader's own time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import DESKTOP, PHONE, PageOpener
from tests.helpers import add_reports, service_id

REFRESH_GAP_MS = 10_000  # live.js: an open incident page refetches at most this often


@pytest.fixture
def incident_url(outage_site: str, loaded_store: SqlStore) -> str:
    incident = loaded_store.incidents_of(service_id(loaded_store, "tiktok"), limit=1)[0]
    return f"{outage_site}/incidents/{incident.id}"


@pytest.mark.browser
def test_an_open_incident_page_shows_the_new_peak_without_reloading(
    incident_url: str, loaded_store: SqlStore, clock: FixedClock, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=DESKTOP)
    page.clock.install()
    page.goto(incident_url)
    facts = page.locator(".facts")
    expect(facts).to_contain_text("399 reports in 15 minutes")

    clock.advance(timedelta(minutes=1))
    add_reports(loaded_store, "tiktok", [clock.now()] * 300, tag="later-")
    Monitor(loaded_store).tick(CatalogIndex(loaded_store.list_services()), now=clock.now())
    expect(page.locator('[data-count="hour"]')).to_have_text("699")  # the stream's update came
    page.clock.run_for(REFRESH_GAP_MS)

    expect(facts).to_contain_text("699 reports in 15 minutes")


@pytest.mark.browser
def test_incident_times_are_in_the_readers_zone_with_the_offset_said(
    incident_url: str, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE, timezone_id="Asia/Kolkata")
    page.goto(incident_url)

    expect(page.locator("[data-zone-note]")).to_have_text("Times are in your time zone (UTC+5:30).")
    began = page.locator(".facts time").first
    expect(began).to_have_text("18 Nov 2026 21:08")  # 15:38 UTC


@pytest.mark.browser
def test_without_javascript_incident_times_stay_in_utc_and_say_so(
    incident_url: str, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE, timezone_id="Asia/Kolkata", java_script_enabled=False)
    page.goto(incident_url)

    expect(page.locator("[data-zone-note]")).to_have_text("Times are in UTC.")
    expect(page.locator(".facts time").first).to_have_text("18 Nov 2026 15:38 UTC")
