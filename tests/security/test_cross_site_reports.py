"""Reports come from people on this site or from apps, not from other sites' pages: any web
page could otherwise make its visitors file reports from their own networks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.sql import SqlStore

URL = "/api/v1/services/discord/reports"
JSON = {"Content-Type": "application/json"}
BODY = b'{"problem": "messages"}'


@pytest.fixture
def site(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path, public_url="https://outages.example", run_detection=False
    )
    with TestClient(create_app(settings, store=loaded_store, clock=clock)) as client:
        yield client


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "text/plain"}, 415),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({}, 415),
        ({**JSON, "Origin": "https://evil.example"}, 403),
        ({**JSON, "Origin": "null"}, 403),
        ({**JSON, "Origin": "http://outages.example"}, 403),  # not our scheme
        ({**JSON, "Sec-Fetch-Site": "cross-site"}, 403),
        ({**JSON, "Sec-Fetch-Site": "same-site"}, 403),
        (
            {
                "Content-Type": "text/plain",
                "Origin": "https://evil.example",
                "Sec-Fetch-Site": "cross-site",
            },
            415,
        ),
    ],
)
def test_a_cross_site_or_non_json_report_is_refused_and_not_stored(
    site: TestClient, loaded_store: SqlStore, headers: dict[str, str], status: int
) -> None:
    response = site.post(URL, content=BODY, headers=headers)

    assert response.status_code == status
    assert loaded_store.count_reports() == 0
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.parametrize(
    "headers",
    [
        JSON,  # an app or a script on a server: no browser headers at all
        {**JSON, "Origin": "https://outages.example", "Sec-Fetch-Site": "same-origin"},
        {**JSON, "Origin": "https://outages.example"},  # a browser without Sec-Fetch-Site
        {"Content-Type": "application/json; charset=utf-8", "Sec-Fetch-Site": "same-origin"},
    ],
)
def test_our_own_pages_and_apps_are_taken(site: TestClient, headers: dict[str, str]) -> None:
    response = site.post(URL, content=BODY, headers=headers)

    assert response.status_code == 201


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_get_405_with_allow_and_no_cors_grant(site: TestClient, method: str) -> None:
    response = site.request(
        method,
        URL,
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )

    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert "access-control-allow-origin" not in response.headers
