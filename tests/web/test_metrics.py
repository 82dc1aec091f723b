"""/metrics in one process: who may read it, and that its figures follow what happens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.records import OutboxItem, ServiceStatus
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import service_id
from tests.metrics_reading import samples, value

LOOPBACK = ("127.0.0.1", 40000)


def _app(store: SqlStore, clock: FixedClock, tmp_path: Path, **settings: str) -> object:
    return create_app(
        Settings(
            data_dir=tmp_path,
            public_url="http://testserver",
            run_detection=False,
            run_delivery=False,
            **settings,  # type: ignore[arg-type]
        ),
        store=store,
        clock=clock,
    )


@pytest.fixture
def local(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_app(loaded_store, clock, tmp_path), client=LOOPBACK) as client:  # type: ignore[arg-type]
        yield client


def test_only_listed_networks_may_read_metrics(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    app = _app(
        loaded_store,
        clock,
        tmp_path,
        metrics_networks="10.0.0.0/8",
        trusted_proxies="127.0.0.1/32",
    )
    with (
        TestClient(app, client=("10.1.2.3", 5000)) as listed,  # type: ignore[arg-type]
        TestClient(app, client=("192.0.2.7", 5000)) as outsider,  # type: ignore[arg-type]
        TestClient(app, client=LOOPBACK) as proxy,  # type: ignore[arg-type]
    ):
        allowed = listed.get("/metrics")
        refused = outsider.get("/metrics")
        through_proxy = proxy.get("/metrics", headers={"X-Forwarded-For": "192.0.2.7"})
        listed_through_proxy = proxy.get("/metrics", headers={"X-Forwarded-For": "10.9.9.9"})

    assert allowed.status_code == 200
    assert allowed.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert refused.status_code == 404
    assert through_proxy.status_code == 404  # loopback, but only as the proxy of an outsider
    assert listed_through_proxy.status_code == 200


def test_by_default_only_this_machine_may_read_metrics(
    local: TestClient, loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    with TestClient(_app(loaded_store, clock, tmp_path), client=("203.0.113.5", 1)) as far:  # type: ignore[arg-type]
        assert far.get("/metrics").status_code == 404
    assert local.get("/metrics").status_code == 200


def test_report_counters_and_commit_latency_move_with_reports(local: TestClient) -> None:
    before = local.get("/metrics").text

    answers = [
        local.post(
            "/api/v1/services/tiktok/reports",
            json={"problem": "login"},
            headers={"User-Agent": f"phone {phone}"},
        ).status_code
        for phone in ("a", "b", "c", "a")
    ]
    after = local.get("/metrics").text

    moved = {
        outcome: value(after, "outagewatch_reports_total", outcome=outcome)
        - value(before, "outagewatch_reports_total", outcome=outcome)
        for outcome in ("counted", "duplicate", "brigade")
    }
    assert answers[0] == 201 and answers[-1] == 200  # the first counts, a repeat does not
    assert moved["counted"] == answers.count(201)
    assert moved["duplicate"] >= 1
    assert sum(moved.values()) == 4
    commits = value(after, "outagewatch_intake_commit_seconds_count") - value(
        before, "outagewatch_intake_commit_seconds_count"
    )
    assert 1 <= commits <= 4


def test_shared_figures_come_from_the_database(
    local: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    services = len(loaded_store.list_services())
    with loaded_store.transaction():
        loaded_store.set_status(ServiceStatus(service_id(loaded_store, "whatsapp"), "major", NOW))
        loaded_store.set_status(ServiceStatus(service_id(loaded_store, "signal"), "possible", NOW))
        loaded_store.enqueue_message(
            OutboxItem(0, "k1", "signin", "email", "x@example.org", NOW, payload={"link": "L"})
        )
    clock.advance(timedelta(minutes=3))

    text = local.get("/metrics").text

    assert value(text, "outagewatch_services", status="major") == 1
    assert value(text, "outagewatch_services", status="possible") == 1
    assert value(text, "outagewatch_services", status="ok") == services - 2
    assert value(text, "outagewatch_outbox_pending") == 1
    assert value(text, "outagewatch_outbox_oldest_pending_age_seconds") == 180
    assert value(text, "outagewatch_incidents_opened_total") == 0
    assert "# TYPE outagewatch_official_pages gauge" in text  # no page polled here yet
    assert len(samples(text)) > 20  # the process's own figures are there too
