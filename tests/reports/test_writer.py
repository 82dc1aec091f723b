"""The group-commit writer: decisions, durability and back-pressure."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from functools import cache

import pytest

from outagewatch.clock import FixedClock
from outagewatch.reports.brigade import NETWORK_FLOOR
from outagewatch.reports.writer import GroupCommitWriter, WriterUnavailableError
from outagewatch.storage.records import NewReport
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import service_id

WINDOW = timedelta(minutes=30)


@cache
def _tiktok_id(store: SqlStore) -> int:
    return service_id(store, "tiktok")


def _writer(store: SqlStore, clock: FixedClock, **options: object) -> GroupCommitWriter:
    return GroupCommitWriter(store, clock=clock, window=WINDOW, **options)  # type: ignore[arg-type]


def _report(store: SqlStore, reporter: str = "alice", network: str = "net-a") -> NewReport:
    return NewReport(
        service_id=_tiktok_id(store),
        received_at=NOW,
        problem="login",
        reporter_key=reporter,
        network_key=network,
        platform="ios",
        country="GB",
        comment=None,
    )


def test_a_batch_is_stored_and_answered_with_fresh_counts(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    writer = _writer(loaded_store, clock)

    acks = writer.commit_batch(
        [_report(loaded_store, "alice"), _report(loaded_store, "bob", "net-b")]
    )

    assert [ack.counted for ack in acks] == [True, True]
    assert acks[-1].counts.reports_this_hour == 2
    assert acks[-1].counts.reports_today == 2
    assert loaded_store.count_reports() == 2


def test_only_the_writer_decides_whether_a_report_counts(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    writer = _writer(loaded_store, clock)
    claims_uncounted = replace(_report(loaded_store, "carol", "net-c"), uncounted_reason="brigade")

    acks = writer.commit_batch([claims_uncounted])

    assert (acks[0].counted, acks[0].uncounted_reason) == (True, None)
    assert acks[0].counts.reports_this_hour == 1


def test_a_second_report_within_the_window_is_kept_but_not_counted(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    writer = _writer(loaded_store, clock)
    writer.commit_batch([_report(loaded_store)])

    clock.advance(timedelta(minutes=29))
    again = writer.commit_batch([replace(_report(loaded_store), received_at=clock.now())])
    clock.advance(timedelta(minutes=1))
    later = writer.commit_batch([replace(_report(loaded_store), received_at=clock.now())])

    assert (again[0].counted, again[0].uncounted_reason) == (False, "duplicate")
    assert later[0].counted
    assert loaded_store.count_reports() == 3


def test_duplicates_inside_one_batch_count_once(loaded_store: SqlStore, clock: FixedClock) -> None:
    acks = _writer(loaded_store, clock).commit_batch([_report(loaded_store)] * 3)

    assert [ack.counted for ack in acks] == [True, False, False]
    assert acks[0].counts.reports_this_hour == 1


def test_one_network_flooding_a_quiet_minute_counts_its_log_up_to_the_floor(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    flood = [_report(loaded_store, f"bot-{index}", "one-office") for index in range(50)]

    acks = _writer(loaded_store, clock).commit_batch(flood)

    # Its 1st, 2nd, 4th, 8th and 16th reporters; the 32nd would pass the network's log
    # but not its share of the minute.
    assert [place for place, ack in enumerate(acks, 1) if ack.counted] == [1, 2, 4, 8, 16]
    assert sum(ack.counted for ack in acks) == NETWORK_FLOOR
    assert {ack.uncounted_reason for ack in acks if not ack.counted} == {"brigade"}
    assert loaded_store.count_reports() == 50


def test_a_failed_commit_stores_nothing(loaded_store: SqlStore, clock: FixedClock) -> None:
    broken = replace(_report(loaded_store, "bob"), service_id=999_999)  # no such service

    with pytest.raises(Exception):  # noqa: B017 - whatever the engine raises
        _writer(loaded_store, clock).commit_batch([_report(loaded_store), broken])

    assert loaded_store.count_reports() == 0


def test_concurrent_submissions_are_all_acknowledged_after_commit(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    committed: list[dict[int, object]] = []

    async def scenario() -> list[bool]:
        writer = _writer(loaded_store, clock, on_committed=committed.append)
        writer.start()
        acks = await asyncio.gather(
            *(writer.submit(_report(loaded_store, f"r{i}", f"n{i}")) for i in range(200))
        )
        await writer.stop()
        return [ack.counted for ack in acks]

    counted = asyncio.run(scenario())

    assert counted == [True] * 200
    assert loaded_store.count_reports() == 200
    assert 1 <= len(committed) < 200  # batched: far fewer commits than reports


def test_a_full_queue_refuses_with_retry_advice(loaded_store: SqlStore, clock: FixedClock) -> None:
    async def scenario() -> tuple[int, int]:
        writer = _writer(loaded_store, clock, max_pending=5)
        writer.start()
        results = await asyncio.gather(
            *(writer.submit(_report(loaded_store, f"r{i}", f"n{i}")) for i in range(20)),
            return_exceptions=True,
        )
        await writer.stop()
        refused = [r for r in results if isinstance(r, WriterUnavailableError)]
        assert all(r.retry_after_seconds > 0 for r in refused)
        return len(results) - len(refused), len(refused)

    accepted, refused = asyncio.run(scenario())

    assert accepted == 5 and refused == 15
    assert loaded_store.count_reports() == accepted  # every acknowledged report, nothing else


def test_a_stopped_writer_refuses(loaded_store: SqlStore, clock: FixedClock) -> None:
    async def scenario() -> None:
        await _writer(loaded_store, clock).submit(_report(loaded_store))

    with pytest.raises(WriterUnavailableError):
        asyncio.run(scenario())
