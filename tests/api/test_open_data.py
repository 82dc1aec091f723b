"""Open data: counted reports per service and hour of one UTC day, as CSV and JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports

YESTERDAY = datetime(2026, 11, 17, tzinfo=UTC)


@pytest.fixture
def reports_on_the_seventeenth(loaded_store: SqlStore) -> None:
    """Three counted TikTok reports and two Discord ones on the 17th, and three that must not
    count for that day: an uncounted one, one on the 16th and one today."""
    at = YESTERDAY.replace
    add_reports(loaded_store, "tiktok", [at(hour=9, minute=10), at(hour=9, minute=50)])
    add_reports(loaded_store, "tiktok", [at(hour=14, minute=5)], tag="b")
    add_reports(loaded_store, "discord", [at(hour=23, minute=59)] * 2)
    add_reports(loaded_store, "discord", [at(hour=8)], counted=False, tag="c")
    add_reports(loaded_store, "discord", [YESTERDAY - timedelta(minutes=1), NOW], tag="d")


@pytest.mark.usefixtures("reports_on_the_seventeenth")
def test_the_hourly_csv_counts_yesterdays_reports_by_default(client: TestClient) -> None:
    response = client.get("/api/v1/data/hourly.csv")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["cache-control"] == "public, max-age=3600"  # a finished day
    assert response.headers["content-disposition"] == (
        "attachment; filename=outagewatch-hourly-2026-11-17.csv"
    )
    assert response.text.splitlines() == [
        "service,hour,reports",
        "discord,2026-11-17T23:00:00Z,2",
        "tiktok,2026-11-17T09:00:00Z,2",
        "tiktok,2026-11-17T14:00:00Z,1",
    ]


@pytest.mark.usefixtures("reports_on_the_seventeenth")
def test_the_hourly_json_gives_the_same_numbers_for_a_chosen_day(client: TestClient) -> None:
    body = client.get("/api/v1/data/hourly.json", params={"date": "2026-11-17"}).json()

    assert body == {
        "date": "2026-11-17",
        "rows": [
            {"service": "discord", "hour": "2026-11-17T23:00:00Z", "reports": 2},
            {"service": "tiktok", "hour": "2026-11-17T09:00:00Z", "reports": 2},
            {"service": "tiktok", "hour": "2026-11-17T14:00:00Z", "reports": 1},
        ],
    }


@pytest.mark.usefixtures("reports_on_the_seventeenth")
def test_today_so_far_can_be_downloaded(client: TestClient) -> None:
    response = client.get("/api/v1/data/hourly.json", params={"date": "2026-11-18"})

    assert response.headers["cache-control"] == "public, max-age=60"
    assert response.json()["rows"] == [
        {"service": "discord", "hour": "2026-11-18T15:00:00Z", "reports": 1}
    ]


@pytest.mark.parametrize(
    ("day", "complaint"),
    [
        ("2026-11-19", "has not happened yet"),
        ("2026-02-30", "is not a day of the calendar"),
        ("20261117", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
    ],
)
def test_a_future_or_malformed_day_is_a_clear_422(
    client: TestClient, day: str, complaint: str
) -> None:
    response = client.get("/api/v1/data/hourly.csv", params={"date": day})

    assert response.status_code == 422
    assert complaint in response.json()["error"]["message"]


def test_a_day_whose_hours_retention_folded_is_refused_as_gone_not_served_empty(
    client: TestClient,
) -> None:
    kept = client.get("/api/v1/data/hourly.csv", params={"date": "2026-10-14"})  # 35 days back
    folded = client.get("/api/v1/data/hourly.json", params={"date": "2026-10-13"})

    assert kept.status_code == 200
    assert folded.status_code == 410
    assert "Hourly figures are kept for 35 days" in folded.json()["error"]["message"]
    assert "2026-10-14" in folded.json()["error"]["message"]
