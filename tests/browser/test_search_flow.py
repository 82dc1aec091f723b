"""A person's first visit, in real headless Chromium against the real server process."""

from __future__ import annotations

import pytest

from tests.browser.outage_site import ARTIFACTS, PageOpener
from tests.serving import ServerProcess as LiveServer


@pytest.mark.browser
def test_a_visitor_searches_for_a_service_and_reaches_its_page(
    live_server: LiveServer, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(live_server.url)
    expect(page.get_by_role("heading", name="Is it down, or is it just me?")).to_be_visible()

    page.get_by_label("Search a service").fill("TikTok")
    page.get_by_role("button", name="Check").click()

    expect(page).to_have_url(f"{live_server.url}/services/tiktok")
    expect(page.get_by_role("heading", name="TikTok", exact=True)).to_be_visible()
    expect(page.locator(".status-word")).to_have_text("No issues")
    expect(page.get_by_text("reports this hour")).to_be_visible()
    expect(page.get_by_role("heading", name="Common TikTok problems")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "tiktok-service-page.png"), full_page=True)


@pytest.mark.browser
def test_a_visitor_on_a_phone_browses_a_category(
    live_server: LiveServer, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/categories/banking")

    expect(page.get_by_role("heading", name="Banking")).to_be_visible()
    page.locator(".service-row a").first.click()

    expect(page.locator(".status-word")).to_be_visible()
    has_horizontal_scroll = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not has_horizontal_scroll
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-service-page.png"), full_page=True)


@pytest.mark.browser
def test_an_open_page_shows_a_new_report_without_reloading(
    live_server: LiveServer, new_page: PageOpener
) -> None:
    """The count arrives over Server-Sent Events, whichever worker took the report."""
    import httpx
    from playwright.sync_api import expect

    page = new_page()
    page.goto(f"{live_server.url}/services/discord")
    hour = page.locator('[data-count="hour"]')
    before = int(hour.inner_text().replace(",", ""))

    answer = httpx.post(
        f"{live_server.url}/api/v1/services/discord/reports",
        json={"problem": "messages"},
        headers={"User-Agent": "another-person"},
    )

    assert answer.status_code == 201
    # A generous bound, not a measurement: bench/ingest.py measures how fast updates arrive.
    expect(hour).to_have_text(str(before + 1), timeout=10_000)


@pytest.mark.browser
def test_one_click_reporting_counts_and_thanks_the_reporter(
    live_server: LiveServer, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(f"{live_server.url}/services/spotify")
    before = int(page.locator('[data-count="hour"]').inner_text().replace(",", ""))

    page.get_by_role("button", name="Video or audio not playing").click()

    expect(page.locator(".report-result")).to_have_text("Thanks: your report was counted.")
    expect(page.locator('[data-count="hour"]')).to_have_text(str(before + 1))
    assert "reported=" not in page.url  # JavaScript sent it; no page load happened


@pytest.mark.browser
def test_an_open_page_flips_to_major_outage_when_many_people_report(
    live_server: LiveServer, new_page: PageOpener
) -> None:
    """Reports from 300 different people; the detection tick runs inside the server."""
    import httpx
    from playwright.sync_api import expect

    page = new_page()
    page.goto(f"{live_server.url}/services/netflix")
    expect(page.locator(".status-word")).to_have_text("No issues")

    with httpx.Client(base_url=live_server.url) as client:
        for person in range(300):
            answer = client.post(
                "/api/v1/services/netflix/reports",
                json={"problem": "playback"},
                headers={
                    "User-Agent": f"viewer-{person}",
                    "X-Forwarded-For": f"100.{64 + person // 256}.{person % 256}.9",
                },
            )
            assert answer.status_code == 201

    # A bound, not a measurement: detection ticks every 5 s, the page updates within 1 s.
    expect(page.locator(".status-word")).to_have_text("Major outage", timeout=20_000)
    page.reload()
    expect(page.get_by_role("heading", name="Ongoing incident")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "netflix-major-outage.png"), full_page=True)
