"""Retention on both engines: old rows go in small steps, recent ones stay, and SQLite's
write-ahead log is emptied."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.model import Service
from outagewatch.operations import retention
from outagewatch.operations.retention import Retention
from outagewatch.storage import migrate
from outagewatch.storage.records import NewReport, OutboxItem
from outagewatch.storage.sql import SqlStore, make_engine
from tests.helpers import service_id

NOW = datetime(2027, 6, 1, 12, 0, tzinfo=UTC)
CHAT = Service(
    slug="chat", name="Chat", category="messaging", url="https://chat.example",
    description="A chat app.", popularity=4, icon="chat.svg",
)  # fmt: skip
BANK = Service(
    slug="bank", name="Bank", category="banking", url="https://bank.example",
    description="A bank.", popularity=2, icon="bank.svg",
)  # fmt: skip


def _reports(store: SqlStore, slug: str, times: list[datetime], *, tag: str) -> None:
    target = service_id(store, slug)
    with store.transaction():
        store.record_reports(
            [
                NewReport(
                    service_id=target,
                    received_at=at,
                    problem="login",
                    reporter_key=f"{tag}-{n}",
                    network_key=f"{tag}-net-{n}",
                    uncounted_reason=None,
                    platform="ios",
                    country="GB",
                )
                for n, at in enumerate(times)
            ]
        )


def _counts(store: SqlStore) -> dict[str, int]:
    from sqlalchemy import func, select

    from outagewatch.storage import schema

    tables = {
        "reports": schema.reports,
        "minutes": schema.minute_totals,
        "breakdowns": schema.minute_breakdowns,
        "hours": schema.hour_totals,
        "days": schema.day_totals,
        "messages": schema.outbox,
    }
    with store.engine.connect() as connection:
        return {
            name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in tables.items()
        }


def test_a_round_keeps_recent_rows_and_deletes_old_ones_on_every_engine(
    store: SqlStore,
) -> None:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT, BANK])
    old, recent = NOW - timedelta(days=40), NOW - timedelta(days=2)
    for slug in ("chat", "bank"):
        _reports(store, slug, [old, old + timedelta(minutes=1)], tag=f"{slug}-old")
        _reports(store, slug, [recent], tag=f"{slug}-new")
    ancient = NOW - timedelta(days=4 * 365)
    _reports(store, "chat", [ancient], tag="ancient")
    with store.transaction():
        for key, at, state in (("sent-old", old, "sent"), ("pending-old", old, "pending")):
            store.enqueue_message(OutboxItem(0, key, "signin", "email", "a@example.org", at))
            if state == "sent":
                [item] = store.claim_messages(
                    worker="w", now=at, limit=1, lease=timedelta(minutes=1)
                )
                store.mark_sent(item.id, worker="w", now=at)
    before = _counts(store)
    ids = sorted(service_id(store, slug) for slug in ("chat", "bank"))

    deleted = asyncio.run(retention.prune_round(store, Retention(), ids, now=NOW))
    after = _counts(store)

    assert before == {
        "reports": 7, "minutes": 7, "breakdowns": 7, "hours": 5, "days": 0, "messages": 2,
    }  # fmt: skip
    # Reports and minutes older than 30 and 14 days go; hours older than five weeks become
    # their day's total, kept three years; a message never sent stays whatever its age.
    assert after == {
        "reports": 2, "minutes": 2, "breakdowns": 2, "hours": 2, "days": 2, "messages": 1,
    }  # fmt: skip
    # Reports, minutes, breakdowns, the folded hours, the ancient hour's day, a message.
    assert deleted == 5 + 5 + 5 + 3 + 1 + 1
    assert asyncio.run(retention.prune_round(store, Retention(), ids, now=NOW)) == 0


def _hour_totals(store: SqlStore, slug: str, counts: dict[datetime, int]) -> None:
    target = service_id(store, slug)
    with store.transaction():
        store.add_counts([(target, int(at.timestamp()) // 60, n) for at, n in counts.items()], [])


def test_hours_older_than_five_weeks_become_their_days_total(store: SqlStore) -> None:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT, BANK])
    midnight = datetime(2027, 4, 1, tzinfo=UTC)  # 61 days before NOW
    _hour_totals(store, "chat", {midnight: 3, midnight + timedelta(hours=5): 4})
    _hour_totals(store, "bank", {midnight + timedelta(hours=23): 2})
    _hour_totals(store, "chat", {NOW - timedelta(days=3): 9})
    whole_span = {"since": midnight, "until": NOW + timedelta(hours=1)}
    by_day = store.daily_totals_all(**whole_span)
    ids = sorted(service_id(store, slug) for slug in ("chat", "bank"))

    asyncio.run(retention.prune_round(store, Retention(), ids, now=NOW))

    day = int(midnight.timestamp()) // 86_400
    chat, bank = service_id(store, "chat"), service_id(store, "bank")
    assert _counts(store)["hours"] == 1  # three days ago: detection still reads it
    assert store.daily_totals_all(**whole_span) == by_day
    assert by_day == {(chat, day): 7, (bank, day): 2, (chat, day + 58): 9}


def test_a_day_that_straddles_the_horizon_stays_in_hours_until_all_of_it_is_past(
    store: SqlStore,
) -> None:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT])
    horizon = NOW - Retention().hours  # 12:00, 35 days ago
    _hour_totals(store, "chat", {horizon - timedelta(hours=2): 5, horizon + timedelta(hours=2): 6})
    ids = [service_id(store, "chat")]

    asyncio.run(retention.prune_round(store, Retention(), ids, now=NOW))
    kept_the_day = _counts(store)
    asyncio.run(retention.prune_round(store, Retention(), ids, now=NOW + timedelta(hours=12)))
    folded = _counts(store)

    assert (kept_the_day["hours"], kept_the_day["days"]) == (2, 0)
    assert (folded["hours"], folded["days"]) == (0, 1)


def test_hours_detection_reads_are_kept_whatever_is_configured(store: SqlStore) -> None:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT])
    _hour_totals(store, "chat", {NOW - timedelta(days=28, hours=12): 1})
    too_short = Retention(hours=timedelta(days=2))

    asyncio.run(retention.prune_round(store, too_short, [service_id(store, "chat")], now=NOW))

    assert _counts(store)["hours"] == 1


def test_old_reports_go_in_steps_of_bounded_size(store: SqlStore) -> None:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT])
    old = NOW - timedelta(days=60)
    _reports(store, "chat", [old] * (retention.ROWS_PER_STEP + 10), tag="old")
    _reports(store, "chat", [NOW], tag="new")

    first = retention.prune_rows(store, Retention(), now=NOW)
    second = retention.prune_rows(store, Retention(), now=NOW)

    assert (first, second) == (retention.ROWS_PER_STEP, 10)
    assert store.count_reports() == 1


def test_the_checkpoint_empties_the_write_ahead_log(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ow.db'}")
    migrate.upgrade(engine)
    store = SqlStore(engine)
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT])
    _reports(store, "chat", [NOW - timedelta(seconds=n) for n in range(3000)], tag="load")
    log = tmp_path / "ow.db-wal"
    grown = log.stat().st_size

    result = store.checkpoint_log(busy_milliseconds=200)

    assert grown > 100_000
    assert result is not None and result[0] == result[1]  # every page copied
    assert log.stat().st_size == 0
    assert store.count_reports() == 3000


def test_a_checkpoint_gives_way_to_a_reader_and_succeeds_later(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'ow.db'}")
    migrate.upgrade(engine)
    store = SqlStore(engine)
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT])
    reader = engine.raw_connection()
    cursor = reader.cursor()
    cursor.execute("BEGIN")
    cursor.execute("SELECT count(*) FROM services").fetchone()  # holds a snapshot
    _reports(store, "chat", [NOW] * 50, tag="x")

    while_read = store.checkpoint_log(busy_milliseconds=10)
    reader.rollback()
    reader.close()
    after = store.checkpoint_log(busy_milliseconds=10)

    assert while_read is None
    assert after is not None
