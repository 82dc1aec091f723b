"""PostgreSQL goes away and comes back: clear 503s with Retry-After meanwhile, no 500, no
acknowledged report lost, and everything works again by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.sql import SqlStore
from tests.proxy import CuttableProxy, run_on_proxy_loop

REPORT = {"problem": "login", "platform": "ios"}


def test_while_the_database_is_away_answers_are_503_and_then_all_recovers(
    through_proxy: tuple[SqlStore, CuttableProxy], clock: FixedClock, tmp_path: Path
) -> None:
    store, proxy = through_proxy
    settings = Settings(
        data_dir=tmp_path, public_url="http://testserver", run_detection=False, run_delivery=False
    )
    with TestClient(create_app(settings, store=store, clock=clock)) as client:
        assert client.post("/api/v1/services/tiktok/reports", json=REPORT).status_code == 201

        run_on_proxy_loop(proxy, "sever")
        store.engine.dispose()  # pooled connections died with the proxy's
        report = client.post(
            "/api/v1/services/tiktok/reports",
            json=REPORT,
            headers={"User-Agent": "another phone"},
        )
        status = client.get("/api/v1/services/tiktok")
        page = client.get("/services/tiktok")

        run_on_proxy_loop(proxy, "restore")
        again = client.post(
            "/api/v1/services/tiktok/reports",
            json=REPORT,
            headers={"User-Agent": "a third phone"},
        )
        back = client.get("/api/v1/services/tiktok")

    assert report.status_code == 503 and int(report.headers["retry-after"]) > 0
    assert "cannot be stored right now" in report.json()["error"]["message"]
    assert status.status_code == 503 and int(status.headers["retry-after"]) > 0
    assert status.json()["error"]["message"].startswith("The database is unavailable")
    assert page.status_code == 503 and int(page.headers["retry-after"]) > 0
    assert again.status_code == 201
    assert back.status_code == 200 and back.json()["reports_this_hour"] == 2
    assert store.count_reports() == 2  # the two acknowledged, not the refused one


def test_the_minutes_in_which_reports_could_not_be_stored_are_recorded_as_a_data_gap(
    through_proxy: tuple[SqlStore, CuttableProxy], tmp_path: Path
) -> None:
    store, proxy = through_proxy
    clock = FixedClock(datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    settings = Settings(
        data_dir=tmp_path, public_url="http://testserver", run_detection=False, run_delivery=False
    )
    with TestClient(create_app(settings, store=store, clock=clock)) as client:
        run_on_proxy_loop(proxy, "sever")
        store.engine.dispose()
        refused = client.post("/api/v1/services/tiktok/reports", json=REPORT)
        run_on_proxy_loop(proxy, "restore")
        clock.advance(timedelta(minutes=7))
        stored = client.post(
            "/api/v1/services/tiktok/reports", json=REPORT, headers={"User-Agent": "later"}
        )

    assert refused.status_code == 503 and stored.status_code == 201
    gaps = store.data_gaps(
        since=datetime(2026, 11, 18, 14, 0, tzinfo=UTC),
        until=datetime(2026, 11, 18, 16, 0, tzinfo=UTC),
    )
    assert gaps == [
        (datetime(2026, 11, 18, 15, 0, tzinfo=UTC), datetime(2026, 11, 18, 15, 7, tzinfo=UTC))
    ]
