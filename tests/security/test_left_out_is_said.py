"""What the brigade guard leaves out is neither counted nor shown as reports, and the page
says how much it was: a volume brigade from 50 networks is not "5,000 reports this hour"."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from outagewatch.clock import FixedClock
from outagewatch.reports.writer import GroupCommitWriter
from outagewatch.storage.sql import SqlStore
from tests.helpers import service_id
from tests.security.test_report_weight import WINDOW, _report


def _brigade(store: SqlStore, clock: FixedClock) -> None:
    """5,000 reports over the last 50 minutes from 50 /24 networks, a fresh User-Agent each."""
    discord = service_id(store, "discord")
    writer = GroupCommitWriter(store, clock=clock, window=WINDOW)
    start = clock.now() - timedelta(minutes=50)
    for minute in range(50):
        writer.commit_batch(
            [
                _report(
                    discord,
                    address=f"203.0.{network}.9",
                    user_agent=f"Brigade/{minute}-{n}",
                    at=start + timedelta(minutes=minute, seconds=n),
                )
                for network in range(50)
                for n in range(2)
            ]
        )


def test_the_page_and_the_api_show_counted_reports_and_say_what_was_left_out(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    _brigade(loaded_store, clock)

    status = client.get("/api/v1/services/discord").json()
    page = client.get("/services/discord").text

    assert status["reports_this_hour"] < 1_000  # not the 5,000 sent
    assert status["reports_this_hour"] + status["left_out_today"] == 5_000
    left_out = re.search(r"([\d,]+) reports? from a few networks", page)
    assert left_out is not None
    assert int(left_out.group(1).replace(",", "")) >= 4_000
