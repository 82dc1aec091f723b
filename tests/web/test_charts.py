"""Now, not just today: the hour still filling, the last 60 minutes, and what people report now."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from outagewatch.status.recent import recent_activity
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports


def _by_minute(store: SqlStore, slug: str, minutes: range, per_minute: int, **extra: str) -> None:
    times = [NOW - timedelta(minutes=m) for m in minutes for _ in range(per_minute)]
    add_reports(store, slug, times, tag=f"{slug}-{minutes.start}-", **extra)  # type: ignore[arg-type]


def test_the_hour_still_filling_is_projected_at_the_rate_of_the_last_15_minutes(
    client: TestClient, loaded_store: SqlStore
) -> None:
    _by_minute(loaded_store, "tiktok", range(0, 15), per_minute=10)  # 15:28..15:42, 150 reports

    page = client.get("/services/tiktok").text

    # 150 so far at 15:42:30, 10 a minute for the 17.5 minutes left: about 325.
    assert "150 so far, about 325 by the end of the hour" in page
    assert 'class="projected"' in page
    assert 'class="bar partial"' in page


def test_the_last_60_minutes_come_in_five_minute_slots_with_the_current_one_filling(
    loaded_store: SqlStore,
) -> None:
    _by_minute(loaded_store, "tiktok", range(0, 3), per_minute=2)  # 15:40..15:42
    _by_minute(loaded_store, "tiktok", range(50, 51), per_minute=7)  # 14:52
    tiktok = next(s for s in loaded_store.list_services() if s.slug == "tiktok")

    recent = recent_activity(loaded_store, service=tiktok, now=NOW, usual_per_hour=120.0)

    assert len(recent.slots) == 12
    assert [slot.start.strftime("%H:%M") for slot in recent.slots[::4]] == [
        "14:45",
        "15:05",
        "15:25",
    ]
    assert recent.slots[-1].filling and recent.slots[-1].reports == 6
    assert recent.slots[1].reports == 7
    assert recent.usual_per_slot == 10.0
    assert recent.reports == 13


def test_the_page_says_what_people_report_in_the_last_hour(
    client: TestClient, loaded_store: SqlStore
) -> None:
    _by_minute(loaded_store, "tiktok", range(0, 4), 5, problem="login", country="ZA")
    _by_minute(loaded_store, "tiktok", range(4, 5), 5, problem="feed", platform="web")

    page = client.get("/services/tiktok").text

    mix = page[page.index('class="recent-mix"') :]
    mix = mix[: mix.index("</ul>")]
    assert "Login &amp; authentication 80%" in mix
    assert "Feed &amp; content not loading 20%" in mix
    assert "South Africa 100%" in mix
    assert "Website 100%" in mix


def test_axis_labels_are_text_of_the_page_not_of_the_stretched_drawing(
    client: TestClient,
) -> None:
    page = client.get("/services/tiktok").text

    assert "<text " not in page  # SVG text shrinks with the drawing on a phone
    assert page.count('class="chart-frame"') == 2
    assert '<div class="chart-x chart-x-8" aria-hidden="true"><span>' in page
