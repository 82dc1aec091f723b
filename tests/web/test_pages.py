from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from outagewatch.storage.records import ServiceStatus
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports, service_id


def test_home_lists_search_categories_and_popular_services(client: TestClient) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert 'role="search"' in response.text
    assert "No service has unusual problems right now." in response.text
    assert 'href="/categories/banking"' in response.text
    popular = response.text[response.text.index('id="popular"') :]
    assert popular.count('href="/services/') >= 25


def test_home_ranks_services_with_problems_and_recent_reports(
    client: TestClient, loaded_store: SqlStore
) -> None:
    add_reports(loaded_store, "whatsapp", [NOW - timedelta(minutes=2)] * 7)
    with loaded_store.transaction():
        loaded_store.set_status(ServiceStatus(service_id(loaded_store, "whatsapp"), "major", NOW))

    page = client.get("/").text

    problems = page[page.index("Problems right now") : page.index("Most reported")]
    assert "WhatsApp" in problems and "Major outage" in problems
    assert "7 reports" in page


def test_home_counts_reports_of_the_minute_that_is_still_filling(
    client: TestClient, loaded_store: SqlStore
) -> None:
    add_reports(loaded_store, "signal", [NOW - timedelta(seconds=5)] * 4, country="BR")

    page = client.get("/").text

    ranked = page[page.index("Most reported") : page.index("Where reports come from")]
    assert "Signal" in ranked and "4 reports" in ranked
    assert 'data-country="BR"' in page  # on the map of the last hour


def test_service_page_has_every_section_of_the_seed(client: TestClient) -> None:
    page = client.get("/services/tiktok").text

    for section in (
        "TikTok",
        "Social Media",
        "No issues",
        '<span data-count="hour">0</span> reports this hour · <span data-count="today">0</span>',
        "Reports in the last 24 hours",
        '<svg class="chart"',
        "Common TikTok problems",
        "Messages not sending",
        "Login &amp; authentication",
        "Feed &amp; content not loading",
        "App &amp; website errors",
        "Most affected regions",
        "Report an issue",
        "Notify me",
        "What is TikTok?",
        "Frequently asked questions",
        "Official links",
        "https://www.tiktok.com",
        "Related services",
    ):
        assert section in page, section


def test_service_page_shows_real_counts_and_regions(
    client: TestClient, loaded_store: SqlStore
) -> None:
    add_reports(loaded_store, "tiktok", [NOW - timedelta(minutes=5)] * 12, country="GB")

    page = client.get("/services/tiktok").text

    assert '<span data-count="hour">12</span> reports this hour' in page
    assert "United Kingdom" in page


def test_unknown_service_gets_the_404_page(client: TestClient) -> None:
    response = client.get("/services/no-such-thing")

    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "We do not track a service called" in response.text


def test_unknown_address_gets_the_404_page(client: TestClient) -> None:
    response = client.get("/nowhere/at/all")

    assert response.status_code == 404
    assert "Page not found" in response.text


def test_search_goes_straight_to_an_exact_match(client: TestClient) -> None:
    response = client.get("/search", params={"q": "tiktok"}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/services/tiktok"


def test_search_lists_partial_matches(client: TestClient) -> None:
    page = client.get("/search", params={"q": "bank"}).text

    assert "match “bank”" in page
    assert page.count('class="service-row"') >= 5


def test_search_says_so_when_nothing_matches(client: TestClient) -> None:
    page = client.get("/search", params={"q": "qqqzzzxxx"}).text

    assert "No service matches" in page


def test_category_page_lists_its_services(client: TestClient) -> None:
    page = client.get("/categories/messaging").text

    assert "<h1>Messaging</h1>" in page
    assert 'href="/services/whatsapp"' in page
    assert 'href="/services/tiktok"' not in page


def test_unknown_category_is_404(client: TestClient) -> None:
    assert client.get("/categories/toys").status_code == 404


def test_about_and_credits_pages_render(client: TestClient) -> None:
    assert "How it works" in client.get("/about").text
    credits_page = client.get("/credits").text
    assert "Simple Icons" in credits_page
    assert "identification only" in credits_page


def test_pages_forbid_third_party_resources(client: TestClient) -> None:
    response = client.get("/services/tiktok")

    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "http" not in _resource_urls(response.text)


def _resource_urls(page: str) -> str:
    """Every src= and stylesheet href= of the page: links to other sites are fine, loads not."""
    import re

    sources = re.findall(r'src="([^"]+)"', page)
    # A canonical or alternate link names an address and loads nothing; other links load.
    loading = [
        tag
        for tag in re.findall(r"<link[^>]+>", page)
        if not re.search(r'rel="(canonical|alternate)"', tag)
    ]
    sheets = [href for tag in loading for href in re.findall(r'href="([^"]+)"', tag)]
    return " ".join(sources + sheets)


def test_static_icons_are_served(client: TestClient) -> None:
    response = client.get("/static/icons/tiktok.svg")

    assert response.status_code == 200
    assert "<svg" in response.text


def test_who_runs_a_service_is_said_in_one_sentence_whatever_its_name_ends_with(
    client: TestClient,
) -> None:
    discord = client.get("/services/discord").text  # run by "Discord Inc."
    whatsapp = client.get("/services/whatsapp").text  # run by "Meta"

    assert "Discord is run by Discord Inc.</p>" in discord
    assert "WhatsApp is run by Meta.</p>" in whatsapp
