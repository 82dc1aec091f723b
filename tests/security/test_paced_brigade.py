"""A paced brigade cannot make a "Major outage"; a real one from many networks flips fast.

The attack from the security review: 20 /24 networks, each sending a report every 40
seconds with a fresh User-Agent (so each report is a new reporter), went to "Major outage"
in two minutes. "Major outage" now needs reports from 25+ distinct networks, and networks
that flood a window are left out of it. On SQLite and on PostgreSQL, with a fixed clock.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.model import Service
from outagewatch.catalog.search import CatalogIndex
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.records import NewReport
from outagewatch.storage.sql import SqlStore

START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
FORUM = Service(
    slug="forumapp",
    name="ForumApp",
    category="social-media",
    url="https://forum.example",
    description="A forum.",
    popularity=3,
    icon="forumapp.svg",
)


@pytest.fixture
def forum(store: SqlStore) -> tuple[SqlStore, CatalogIndex, int]:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [FORUM])
        store.mark_history_started(START - timedelta(days=2))  # quiet so far: floor level
    services = store.list_services()
    return store, CatalogIndex(services), next(s.id for s in services if s.id is not None)


def _report(service_id: int, at: datetime, *, network: int, reporter: str) -> NewReport:
    return NewReport(
        service_id=service_id,
        received_at=at,
        problem="login",
        reporter_key=reporter,
        network_key=f"network-{network}",
        uncounted_reason=None,
        platform=None,
        country=None,
    )


def test_twenty_networks_reporting_every_forty_seconds_never_make_a_major_outage(
    forum: tuple[SqlStore, CatalogIndex, int],
) -> None:
    store, catalog, service_id = forum
    monitor = Monitor(store)
    statuses = []
    for second in range(0, 15 * 60, 40):  # a report from each network every 40 s
        at = START + timedelta(seconds=second)
        with store.transaction():
            store.record_reports(
                [
                    _report(service_id, at, network=n, reporter=f"agent-{second}-{n}")
                    for n in range(20)
                ]
            )
        monitor.tick(catalog, now=at + timedelta(seconds=39))
        status = store.statuses().get(service_id)
        statuses.append(status.status if status else "ok")

    assert "major" not in statuses


def test_a_real_outage_from_hundreds_of_networks_flips_within_two_minutes(
    forum: tuple[SqlStore, CatalogIndex, int],
) -> None:
    store, catalog, service_id = forum
    monitor = Monitor(store)
    flipped_at = None
    for minute in range(3):
        at = START + timedelta(minutes=minute)
        with store.transaction():
            store.record_reports(
                [
                    _report(
                        service_id,
                        at + timedelta(seconds=n % 60),
                        network=minute * 150 + n,
                        reporter=f"person-{minute}-{n}",
                    )
                    for n in range(150)
                ]
            )
        monitor.tick(catalog, now=at + timedelta(seconds=59))
        status = store.statuses().get(service_id)
        if status and status.status != "ok" and flipped_at is None:
            flipped_at = minute + 1

    assert flipped_at is not None and flipped_at <= 2
    assert store.statuses()[service_id].status == "major"
