"""Without JavaScript: nothing reloads the page under someone's typing; a refresh is offered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from outagewatch.clock import FixedClock
from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import PHONE, serving, start_outage


@pytest.fixture
def site(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[str]:
    start_outage(loaded_store, clock, "tiktok")
    with serving(loaded_store, clock, tmp_path) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/services/tiktok", "/"])
def test_a_page_without_javascript_never_reloads_itself_and_offers_a_refresh(
    site: str, chromium: object, path: str
) -> None:
    from playwright.sync_api import Page, expect

    context = chromium.new_context(viewport=PHONE, java_script_enabled=False)  # type: ignore[attr-defined]
    page: Page = context.new_page()
    page.goto(f"{site}{path}")
    typed = page.locator('input[name="email"], #hero-search').first
    typed.fill("me@example.com")

    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(typed).to_have_value("me@example.com")
    offer = page.locator(".refresh-offer")
    expect(offer).to_be_visible()
    if path != "/":
        expect(offer).to_contain_text("Figures as of 15:42 UTC.")

    offer.get_by_role("link", name="Refresh").click()

    expect(page).to_have_url(f"{site}{path}")
    context.close()
