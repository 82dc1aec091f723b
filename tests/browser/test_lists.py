"""Lists read in full on a desktop and a phone, and the live ranking stays a ranking."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import DESKTOP, PHONE, PageOpener
from tests.helpers import add_reports


@pytest.mark.browser
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("category", ["banking", "social-media"])
def test_category_pages_show_every_name_in_full(
    site: str, new_page: PageOpener, size: dict[str, int], category: str
) -> None:

    page = new_page(viewport=size)
    page.goto(f"{site}/categories/{category}")

    cut = page.eval_on_selector_all(
        ".service-name",
        "names => names.filter(n => n.scrollWidth > n.clientWidth + 1"
        " || n.getBoundingClientRect().width < 40).map(n => n.textContent)",
    )

    assert cut == []


@pytest.mark.browser
def test_most_reported_reorders_itself_as_counts_change_live(
    site: str, loaded_store: SqlStore, clock: FixedClock, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    now = clock.now()
    add_reports(loaded_store, "signal", [now - timedelta(minutes=3)] * 5)
    add_reports(loaded_store, "telegram", [now - timedelta(minutes=3)] * 4, tag="t")
    page = new_page(viewport=DESKTOP)
    page.goto(site)
    ranked = page.locator("#most-reported-section li")
    expect(ranked.first).to_contain_text("Signal")

    add_reports(loaded_store, "telegram", [now - timedelta(seconds=5)] * 3, tag="u")
    Monitor(loaded_store).tick(CatalogIndex(loaded_store.list_services()), now=now)

    expect(ranked.first).to_contain_text("Telegram")
    expect(ranked.nth(1)).to_contain_text("Signal")
