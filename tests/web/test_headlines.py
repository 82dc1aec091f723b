"""Incident pages stand as permalinks: their own title and description, from the data."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from outagewatch.catalog.model import Service
from outagewatch.storage.records import Incident
from outagewatch.storage.sql import SqlStore
from outagewatch.web.headlines import duration, incident_headline
from tests.conftest import NOW
from tests.helpers import add_reports, service_id

JULY_6 = datetime(2021, 7, 6, 13, 5, tzinfo=UTC)


def _incident(*, resolved: datetime | None, severity: str = "major", sid: int = 1) -> Incident:
    return Incident(
        id=7,
        service_id=sid,
        state="open" if resolved is None else "resolved",
        severity=severity,  # type: ignore[arg-type]
        started_at=JULY_6,
        detected_at=JULY_6 + timedelta(minutes=4),
        peak_at=JULY_6 + timedelta(minutes=50),
        peak_reports=4120,
        resolved_at=resolved,
    )


def _tiktok() -> Service:
    return Service(
        id=1,
        slug="tiktok",
        name="TikTok",
        category="social-media",
        url="https://www.tiktok.com",
        description="Short videos.",
        popularity=90,
    )


def test_durations_read_as_a_person_says_them() -> None:
    assert duration(timedelta(hours=4, minutes=40)) == "4 h 40 min"
    assert duration(timedelta(minutes=35, seconds=59)) == "35 min"
    assert duration(timedelta(hours=2)) == "2 h"
    assert duration(timedelta(days=2, hours=3, minutes=10)) == "2 d 3 h"
    assert duration(timedelta(seconds=20)) == "1 min"


def test_a_resolved_outage_is_titled_by_day_length_and_worst_country() -> None:
    headline = incident_headline(
        _incident(resolved=JULY_6 + timedelta(hours=4, minutes=40)),
        _tiktok(),
        countries={"GB": 600, "US": 300, "DE": 100},
        now=JULY_6 + timedelta(days=30),
    )

    assert headline.title == "TikTok outage on 6 July 2021: 4 h 40 min, worst in United Kingdom"
    assert headline.description.startswith(
        "TikTok outage on 6 July 2021, 13:05–17:45 UTC (4 h 40 min). "
        "Worst in United Kingdom (60% of reports). At its peak, 4,120 reports in 15 minutes"
    )


def test_an_ongoing_problem_says_so_and_a_missing_region_is_left_out() -> None:
    headline = incident_headline(
        _incident(resolved=None, severity="possible"),
        _tiktok(),
        countries={},
        now=JULY_6 + timedelta(minutes=25),
    )

    assert headline.title == "TikTok problems since 13:05 UTC on 6 July 2021 (ongoing)"
    assert "Worst in" not in headline.description
    assert "(25 min so far)" in headline.description


def test_the_incident_page_carries_its_headline(client: TestClient, loaded_store: SqlStore) -> None:
    start = NOW - timedelta(hours=3)
    add_reports(loaded_store, "tiktok", [start + timedelta(minutes=5)] * 9, country="BR")
    add_reports(loaded_store, "tiktok", [start + timedelta(minutes=6)] * 3, country="PT", tag="b")
    incident = replace(
        _incident(resolved=start + timedelta(minutes=95)),
        service_id=service_id(loaded_store, "tiktok"),
        started_at=start,
        detected_at=start,
        peak_at=start,
    )
    with loaded_store.transaction():
        number = loaded_store.create_incident(incident)

    page = client.get(f"/incidents/{number}").text

    day = f"{start.day} {start:%B %Y}"
    title = f"TikTok outage on {day}: 1 h 35 min, worst in Brazil · OutageWatch"
    assert f"<title>{title}</title>" in page
    assert "Worst in Brazil (75% of reports)." in page
