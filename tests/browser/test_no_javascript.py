"""Without JavaScript: nothing reloads the page under someone's typing; a refresh is offered."""

from __future__ import annotations

import pytest

from tests.browser.outage_site import PHONE, PageOpener


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/services/tiktok", "/"])
def test_a_page_without_javascript_never_reloads_itself_and_offers_a_refresh(
    outage_site: str, new_page: PageOpener, path: str
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE, java_script_enabled=False)
    page.goto(f"{outage_site}{path}")
    typed = page.locator('input[name="email"], #hero-search').first
    typed.fill("me@example.com")

    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    expect(typed).to_have_value("me@example.com")
    offer = page.locator(".refresh-offer")
    expect(offer).to_be_visible()
    if path != "/":
        expect(offer).to_contain_text("Figures as of 15:42 UTC.")

    offer.get_by_role("link", name="Refresh").click()

    expect(page).to_have_url(f"{outage_site}{path}")
