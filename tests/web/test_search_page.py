"""The search page and /api/v1/services?q= on the real catalog: one ranking, forgiving."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.records import ServiceStatus
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import service_id

SOUTH_AFRICA = "196.25.1.1"  # registered in ZA (iptocc)
NIGERIA = "105.112.0.1"  # registered in NG


@pytest.fixture
def behind_proxy(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    """The site behind a proxy it trusts (the test client's placeholder address), so a
    request's country comes from the X-Forwarded-For the test sends."""
    settings = Settings(
        data_dir=tmp_path,
        public_url="http://testserver",
        run_detection=False,
        run_delivery=False,
        trusted_proxies="0.0.0.0/32",
    )
    with TestClient(create_app(settings, store=loaded_store, clock=clock)) as client:
        yield client


def _page_slugs(client: TestClient, query: str, address: str | None = None) -> list[str]:
    headers = {"X-Forwarded-For": address} if address else {}
    page = client.get("/search", params={"q": query}, headers=headers).text
    return re.findall(r'data-row-slug="([^"]+)"', page)


def _api_slugs(client: TestClient, query: str, address: str | None = None) -> list[str]:
    headers = {"X-Forwarded-For": address} if address else {}
    body = client.get("/api/v1/services", params={"q": query}, headers=headers).json()
    return [item["slug"] for item in body["items"]]


def test_a_question_about_a_service_opens_its_page(client: TestClient) -> None:
    response = client.get("/search", params={"q": "is tiktok down"}, follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/services/tiktok"


def test_a_typo_lists_the_intended_service_first(client: TestClient) -> None:
    assert _page_slugs(client, "instagam")[0] == "instagram"
    assert _api_slugs(client, "youtbe")[0] == "youtube"


def test_a_device_name_finds_its_network(client: TestClient) -> None:
    assert _api_slugs(client, "ps5")[0] == "playstation-network"


def test_a_shared_brand_shows_the_choices_with_the_troubled_one_first(
    client: TestClient, loaded_store: SqlStore
) -> None:
    with loaded_store.transaction():
        loaded_store.set_status(ServiceStatus(service_id(loaded_store, "mtn-za"), "major", NOW))

    response = client.get("/search", params={"q": "MTN"}, follow_redirects=False)

    assert response.status_code == 200
    assert "Several services go by “MTN”" in response.text
    assert re.findall(r'data-row-slug="([^"]+)"', response.text)[:2] == ["mtn-za", "mtn-ng"]


def test_a_shared_brand_puts_the_visitors_country_first(behind_proxy: TestClient) -> None:
    assert _page_slugs(behind_proxy, "mtn", SOUTH_AFRICA)[0] == "mtn-za"
    assert _page_slugs(behind_proxy, "mtn", NIGERIA)[0] == "mtn-ng"
    assert _api_slugs(behind_proxy, "mtn", SOUTH_AFRICA)[0] == "mtn-za"
    assert _api_slugs(behind_proxy, "mtn", NIGERIA)[0] == "mtn-ng"


def test_the_page_and_the_api_rank_alike(behind_proxy: TestClient, loaded_store: SqlStore) -> None:
    with loaded_store.transaction():
        for slug in ("vodafone-de", "orange-eg"):
            status = ServiceStatus(service_id(loaded_store, slug), "possible", NOW)
            loaded_store.set_status(status)

    for query in ("vodafone", "orange", "bank", "netflx"):
        page = _page_slugs(behind_proxy, query, SOUTH_AFRICA)
        assert page == _api_slugs(behind_proxy, query, SOUTH_AFRICA)[: len(page)], query
    assert _api_slugs(behind_proxy, "vodafone", SOUTH_AFRICA)[0] == "vodafone-de"
