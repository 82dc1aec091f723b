"""An open page through a whole outage: No issues -> Major outage -> back to No issues.

The server runs in this process with a fixed clock, and the test runs the detection tick
itself, so an hour of outage and recovery takes no waiting at all.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import ARTIFACTS, PageOpener
from tests.helpers import add_reports


@pytest.mark.browser
def test_an_open_page_follows_an_outage_from_start_to_recovery(
    site: str, loaded_store: SqlStore, clock: FixedClock, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    monitor = Monitor(loaded_store)
    catalog = CatalogIndex(loaded_store.list_services())
    page.goto(f"{site}/services/instagram")
    status = page.locator(".status-word")
    expect(status).to_have_text("No issues")

    now = clock.now()
    add_reports(loaded_store, "instagram", [now - timedelta(seconds=i) for i in range(400)])
    monitor.tick(catalog, now=clock.now())

    expect(status).to_have_text("Major outage")
    page.reload()
    expect(page.get_by_role("heading", name="Ongoing incident")).to_be_visible()
    expect(page.get_by_text("Major outage detected:")).to_be_visible()

    for _ in range(8):  # forty quiet minutes, a tick every five
        clock.advance(timedelta(minutes=5))
        monitor.tick(catalog, now=clock.now())

    expect(status).to_have_text("No issues")
    page.reload()
    expect(page.get_by_role("heading", name="Recent incidents")).to_be_visible()
    expect(page.get_by_text("Back to normal: reports returned to the usual level")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "instagram-recovered.png"), full_page=True)


@pytest.mark.browser
def test_the_home_page_lists_a_new_outage_without_reloading(
    site: str, loaded_store: SqlStore, clock: FixedClock, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(site)
    problems = page.locator("#problems-section")
    expect(problems).to_contain_text("No service has unusual problems right now.")

    now = clock.now()
    add_reports(loaded_store, "youtube", [now - timedelta(seconds=i) for i in range(400)])
    Monitor(loaded_store).tick(CatalogIndex(loaded_store.list_services()), now=clock.now())

    expect(problems.get_by_text("YouTube")).to_be_visible()
    expect(problems).to_contain_text("Major outage")
