"""POST /api/v1/services/{slug}/reports and the plain HTML form, end to end in-process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.sql import SqlStore

URL = "/api/v1/services/tiktok/reports"


def _client(store: SqlStore, clock: FixedClock, tmp_path: Path, **settings: object) -> TestClient:
    options: dict[str, object] = {
        "data_dir": tmp_path,
        "public_url": "http://testserver",
        "trusted_proxies": "127.0.0.1/32",
        "run_detection": False,
        **settings,
    }
    app = create_app(Settings(**options), store=store, clock=clock)  # type: ignore[arg-type]
    return TestClient(app, client=("127.0.0.1", 40000))


@pytest.fixture
def api(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    with _client(loaded_store, clock, tmp_path) as client:
        yield client


def _from(address: str, agent: str = "Mozilla/5.0 (iPhone)") -> dict[str, str]:
    return {"X-Forwarded-For": address, "User-Agent": agent}


def test_a_report_is_counted_and_answered_with_fresh_counts(
    api: TestClient, loaded_store: SqlStore
) -> None:
    response = api.post(URL, json={"problem": "login"}, headers=_from("81.2.69.160"))

    assert response.status_code == 201
    assert response.json() == {
        "service": "tiktok",
        "counted": True,
        "reason": None,
        "reports_this_hour": 1,
        "reports_today": 1,
    }
    assert loaded_store.count_reports() == 1


def test_platform_and_country_default_from_the_request(api: TestClient) -> None:
    api.post(URL, json={"problem": "login"}, headers=_from("81.2.69.160"))

    body = api.get("/api/v1/services/tiktok").json()

    assert body["regions"][0]["country"] == "GB"  # iptocc's registry data for 81.2.69.160


def test_the_same_person_counts_once_per_window(api: TestClient, loaded_store: SqlStore) -> None:
    first = api.post(URL, json={"problem": "login"}, headers=_from("203.0.113.9"))
    again = api.post(URL, json={"problem": "feed"}, headers=_from("203.0.113.77"))  # same /24
    other = api.post(URL, json={"problem": "feed"}, headers=_from("198.51.100.1"))

    assert first.json()["counted"] is True
    assert again.status_code == 200
    assert (again.json()["counted"], again.json()["reason"]) == (False, "duplicate")
    assert other.json()["reports_this_hour"] == 2
    assert loaded_store.count_reports() == 3


def test_forwarded_for_from_an_untrusted_peer_is_ignored(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    with _client(loaded_store, clock, tmp_path, trusted_proxies="") as client:
        first = client.post(URL, json={"problem": "login"}, headers=_from("203.0.113.1"))
        second = client.post(URL, json={"problem": "login"}, headers=_from("198.51.100.1"))

    assert first.json()["counted"] is True
    assert second.json()["counted"] is False  # both are really 127.0.0.1


@pytest.mark.parametrize(
    ("path", "body", "status", "words"),
    [
        ("/api/v1/services/nope/reports", b'{"problem": "login"}', 404, "nope"),
        (URL, b'{"problem": "card-payments"}', 422, "Unknown problem"),
        (URL, b'{"problem": "login", "platform": "fax"}', 422, "Unknown platform"),
        (URL, b'{"problem": "login", "country": "XX"}', 422, "Unknown country"),
        (URL, b"{oops", 400, "not valid JSON"),
        (URL, b'{"problem": ["login"]}', 422, "Expected `str`"),
        (URL, b'{"problem": "login", "pad": "' + b"x" * 5000 + b'"}', 413, "larger than"),
    ],
)
def test_bad_requests_get_a_clear_json_error(
    api: TestClient, loaded_store: SqlStore, path: str, body: bytes, status: int, words: str
) -> None:
    response = api.post(
        path, content=body, headers={**_from("203.0.113.9"), "Content-Type": "application/json"}
    )

    assert response.status_code == status
    assert words in response.json()["error"]["message"]
    assert loaded_store.count_reports() == 0


def test_a_network_over_its_rate_gets_429_with_retry_after(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    with _client(
        loaded_store, clock, tmp_path, rate_limit_burst=3, rate_limit_per_minute=6
    ) as client:
        answers = [
            client.post(URL, json={"problem": "login"}, headers=_from(f"203.0.113.{i}", f"UA{i}"))
            for i in range(4)
        ]

    # One network: its third reporter is stored but not counted (a network weighs the log
    # of its reporters), and its fourth report is over the rate.
    assert [a.status_code for a in answers] == [201, 201, 200, 429]
    assert answers[3].headers["retry-after"] == "10"
    assert "Too many reports" in answers[3].json()["error"]["message"]
    assert loaded_store.count_reports() == 3


def test_the_form_reports_without_javascript_and_redirects_back(
    api: TestClient, loaded_store: SqlStore
) -> None:
    response = api.post(
        "/services/tiktok/report",
        data={"problem": "feed", "platform": "", "country": "FR", "comment": "blank feed"},
        headers={**_from("203.0.113.9"), "Origin": "http://testserver"},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == "/services/tiktok?reported=counted#report"
    page = api.get(response.headers["location"]).text
    assert "Thanks: your report was counted." in page
    assert '<span data-count="hour">1</span>' in page
    assert "France" in page
    assert loaded_store.count_reports() == 1


def test_the_form_refuses_posts_from_other_sites(api: TestClient, loaded_store: SqlStore) -> None:
    forged = api.post(
        "/services/tiktok/report",
        data={"problem": "feed"},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    anonymous = api.post(
        "/services/tiktok/report", data={"problem": "feed"}, follow_redirects=False
    )

    assert forged.status_code == 403
    assert anonymous.status_code == 403
    assert loaded_store.count_reports() == 0


def test_the_form_explains_bad_choices(api: TestClient) -> None:
    response = api.post(
        "/services/tiktok/report",
        data={"problem": "nonsense"},
        headers={"Origin": "http://testserver"},
    )

    assert response.status_code == 422
    assert "Unknown problem" in response.text


def test_the_report_path_is_in_the_openapi_document(api: TestClient) -> None:
    document = api.get("/api/v1/openapi.json").json()

    operation = document["paths"]["/api/v1/services/{slug}/reports"]["post"]
    assert set(operation["responses"]) >= {"200", "201", "400", "404", "413", "422", "429", "503"}
    assert "ReportRequest" in document["components"]["schemas"]
    assert "/api/v1/services/{slug}/events" in document["paths"]
