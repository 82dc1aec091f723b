"""A network's weight has diminishing returns: one client rotating its User-Agent, or a
brigade of a few dozen networks each sending hundreds of reports, is counted as the logarithm
of its reporters, and what is left out is kept and said. Real outages, many networks with a
person or two each, count in full. On SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.model import Service
from outagewatch.clock import FixedClock
from outagewatch.reports.identity import ReporterKeys, network_of
from outagewatch.reports.writer import GroupCommitWriter
from outagewatch.storage.records import NewReport
from outagewatch.storage.sql import SqlStore

WINDOW = timedelta(minutes=30)
START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)  # a window starts here
KEYS = ReporterKeys(b"security-test-secret-0123456789")
CHAT = Service(
    slug="chatapp",
    name="ChatApp",
    category="messaging",
    url="https://chat.example",
    description="A chat app.",
    popularity=4,
    icon="chatapp.svg",
)


@pytest.fixture
def chat_id(store: SqlStore) -> int:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT])
    return next(service.id for service in store.list_services() if service.id is not None)


def _report(service_id: int, *, address: str, user_agent: str, at: datetime) -> NewReport:
    network = network_of(address)
    return NewReport(
        service_id=service_id,
        received_at=at,
        problem="messages",
        reporter_key=KEYS.reporter_key(network=network, user_agent=user_agent, now=at),
        network_key=KEYS.network_key(network=network, now=at),
        platform=None,
        country=None,
        comment=None,
    )


def _counted(writer: GroupCommitWriter, batches: list[list[NewReport]]) -> int:
    return sum(ack.counted for batch in batches for ack in writer.commit_batch(batch))


def test_one_client_rotating_its_user_agent_counts_as_the_log_of_its_agents(
    store: SqlStore, chat_id: int
) -> None:
    clock = FixedClock(START)
    writer = GroupCommitWriter(store, clock=clock, window=WINDOW)
    every_30_seconds = [START + timedelta(seconds=30 * n) for n in range(60)]

    counted = _counted(
        writer,
        [
            [_report(chat_id, address="198.51.100.7", user_agent=f"Agent/{n}", at=at)]
            for n, at in enumerate(every_30_seconds)
        ],
    )

    # 60 reporters of one network in one window: the 1st, 2nd, 4th, 8th, 16th and 32nd.
    assert counted == 6
    clock.set(every_30_seconds[-1])
    assert store.recent_counts([chat_id], now=clock.now())[chat_id].reports_this_hour == 6


def test_a_volume_brigade_from_fifty_networks_is_mostly_left_out_and_said(
    store: SqlStore, chat_id: int
) -> None:
    clock = FixedClock(START + timedelta(minutes=59))
    writer = GroupCommitWriter(store, clock=clock, window=WINDOW)
    # 5,000 reports in an hour from 50 /24 networks, each with a fresh User-Agent.
    batches = [
        [
            _report(
                chat_id,
                address=f"203.0.{network}.9",
                user_agent=f"Brigade/{minute}-{n}",
                at=START + timedelta(minutes=minute, seconds=n),
            )
            for network in range(50)
            for n in range(2)
        ]
        for minute in range(50)
    ]

    counted = _counted(writer, batches)

    # Each network: 50 reporters in each of the hour's two windows, 6 counted per window.
    assert counted == 600
    assert store.recent_counts([chat_id], now=clock.now())[chat_id].reports_this_hour == 600
    left_out = store.uncounted_totals(chat_id, since=START, until=clock.now() + WINDOW)
    assert left_out["brigade"] == 4_400


def test_a_real_outage_from_hundreds_of_networks_counts_in_full(
    store: SqlStore, chat_id: int
) -> None:
    clock = FixedClock(START + timedelta(minutes=5))
    writer = GroupCommitWriter(store, clock=clock, window=WINDOW)
    # 400 networks, two people each (a household, a carrier's shared address).
    people = [
        _report(
            chat_id,
            address=f"{11 + network // 200}.{network % 200}.3.{person + 1}",
            user_agent=f"Phone/{person}",
            at=START + timedelta(seconds=network % 240),
        )
        for network in range(400)
        for person in range(2)
    ]

    counted = _counted(writer, [people[index : index + 100] for index in range(0, 800, 100)])

    assert counted == 800
