"""Charts read on a phone: labels at the page's size, the hour in progress marked."""

from __future__ import annotations

import pytest

from tests.browser.outage_site import PHONE, PageOpener


@pytest.mark.browser
def test_chart_labels_are_legible_on_a_phone(outage_site: str, new_page: PageOpener) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE)
    page.goto(f"{outage_site}/services/tiktok")
    expect(page.locator(".chart-frame")).to_have_count(2)

    heights = page.eval_on_selector_all(
        ".chart-y span, .chart-x span",
        "labels => labels.map(label => label.getBoundingClientRect().height)",
    )
    projected = page.locator(".chart .projected").bounding_box()

    assert heights and min(heights) >= 12, heights
    assert projected is not None and projected["height"] > 10
