"""/metrics on the real `serve` with two worker processes: a scrape reaching either worker
sees the whole node, parsed by prometheus-client's own parser."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx

from outagewatch.storage.records import OutboxItem
from outagewatch.storage.sql import SqlStore, make_engine
from tests.helpers import eventually
from tests.metrics_reading import value
from tests.serving import free_port, start_server

REPORTS = 12


def _scrape(url: str) -> str:
    # A new connection each time, so the kernel may hand it to either worker.
    response = httpx.get(f"{url}/metrics", timeout=10)
    assert response.status_code == 200
    return response.text


def test_counters_add_up_across_two_workers_and_move(tmp_path: Path) -> None:
    server = start_server(
        tmp_path,
        workers=2,
        OUTAGEWATCH_DETECTION_INTERVAL_SECONDS="0.2",
        OUTAGEWATCH_DELIVERY_INTERVAL_SECONDS="0.2",
    )
    try:
        counted = 0
        for phone in range(REPORTS):
            answer = httpx.post(
                f"{server.url}/api/v1/services/tiktok/reports",
                json={"problem": "login"},
                headers={"User-Agent": f"phone {phone}"},
                timeout=10,
            )
            assert answer.status_code in (200, 201)  # one network: most are not counted
            counted += answer.status_code == 201
        store = SqlStore(make_engine(f"sqlite:///{tmp_path / 'outagewatch.db'}"))
        with store.transaction():
            store.enqueue_message(
                OutboxItem(
                    0, "metrics-test", "signin", "email", "ada@example.org",
                    datetime.now(UTC), payload={"link": "http://127.0.0.1/signin/confirm?t=x"},
                )
            )  # fmt: skip
        scrapes = [_scrape(server.url) for _ in range(8)]
        ticks = value(scrapes[-1], "outagewatch_detection_tick_seconds_count")

        # The first tick over the whole catalog may still be running: wait for one more
        # (bounded), whatever the count was.
        ticks_moved = eventually(
            lambda: value(_scrape(server.url), "outagewatch_detection_tick_seconds_count") > ticks,
            timeout=60,
        )
        delivered = eventually(
            lambda: (
                value(
                    _scrape(server.url),
                    "outagewatch_deliveries_total",
                    channel="email",
                    result="sent",
                )
                == 1
            )
        )
        after_ticks = _scrape(server.url)
        writers = {path.stem.rsplit("_", 1)[1] for path in (tmp_path / "metrics").rglob("*.db")}
    finally:
        server.stop()

    for text in scrapes:
        outcomes = [
            value(text, "outagewatch_reports_total", outcome=outcome)
            for outcome in ("counted", "duplicate", "brigade")
        ]
        assert outcomes[0] == counted > 0 and sum(outcomes) == REPORTS
        assert value(text, "outagewatch_services", status="ok") > 2000
    assert ticks_moved
    assert value(after_ticks, "outagewatch_detection_last_tick_timestamp_seconds") > 1.7e9
    assert delivered
    assert len(writers) == 2  # both workers keep their figures in the shared folder


def test_a_separate_worker_serves_its_tick_metrics_on_loopback(tmp_path: Path) -> None:
    port = free_port()
    environment = {
        **os.environ,
        "OUTAGEWATCH_DATA_DIR": str(tmp_path),
        "OUTAGEWATCH_POLL_OFFICIAL_STATUS": "false",
    }
    environment.pop("OUTAGEWATCH_DATABASE_URL", None)
    command = [sys.executable, "-m", "outagewatch", "worker", "--interval", "0.2"]
    worker = subprocess.Popen([*command, "--metrics-port", str(port)], env=environment)

    def ticked() -> bool:
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
        except httpx.TransportError:
            return False
        return value(text, "outagewatch_detection_tick_seconds_count") >= 2

    try:
        assert eventually(ticked, timeout=60)
    finally:
        worker.terminate()
        worker.wait(timeout=15)
