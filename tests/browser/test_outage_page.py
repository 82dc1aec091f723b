"""The service page as a person opens it in the middle of an outage, on a desktop and a phone."""

from __future__ import annotations

import pytest

from tests.browser.outage_site import ARTIFACTS, DESKTOP, PHONE, PageOpener

SIZES = {"desktop": DESKTOP, "phone": PHONE}


@pytest.mark.browser
@pytest.mark.parametrize("size_name", ["desktop", "phone"])
def test_report_and_notify_are_beside_the_status_above_the_fold(
    outage_site: str, new_page: PageOpener, size_name: str
) -> None:
    from playwright.sync_api import expect

    size = SIZES[size_name]
    page = new_page(viewport=size)
    page.goto(f"{outage_site}/services/tiktok")
    expect(page.locator(".status-word")).to_have_text("Major outage")

    report = page.locator(".service-head").get_by_role("link", name="Report a problem")
    notify = page.locator(".service-head").get_by_role("link", name="Notify me when it’s back")
    for link in (report, notify):
        box = link.bounding_box()
        assert box is not None and box["y"] + box["height"] <= size["height"], box
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"service-outage-{size['width']}x{size['height']}.png"))
    page.screenshot(
        path=str(ARTIFACTS / f"service-outage-{size['width']}x{size['height']}-full.png"),
        full_page=True,
    )

    report.click()

    focused = page.locator(":focus")
    expect(focused).to_have_class("problem-button")
    expect(focused).to_be_in_viewport()


@pytest.mark.browser
def test_a_phone_keeps_a_report_button_in_reach_while_reading_the_page(
    outage_site: str, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE)
    page.goto(f"{outage_site}/services/tiktok")
    page.get_by_role("heading", name="Frequently asked questions").scroll_into_view_if_needed()

    dock = page.locator(".report-dock").get_by_role("link", name="Report a problem")
    expect(dock).to_be_in_viewport()
    dock.click()

    expect(page.locator(":focus")).to_have_class("problem-button")


@pytest.mark.browser
def test_the_dock_stays_away_while_there_are_no_issues(
    outage_site: str, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE)
    page.goto(f"{outage_site}/services/whatsapp")

    expect(page.locator(".status-word")).to_have_text("No issues")
    expect(page.locator(".report-dock")).to_be_hidden()


@pytest.mark.browser
def test_after_reporting_the_focus_is_on_the_answer_not_the_page(
    outage_site: str, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=DESKTOP)
    page.goto(f"{outage_site}/services/tiktok")

    page.locator(".problem-button").first.click()

    answer = page.locator(".report-result")
    expect(answer).to_contain_text("Thanks")
    expect(answer).to_be_focused()
