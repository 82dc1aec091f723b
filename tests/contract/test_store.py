"""One suite, every Store: SQLite (embedded) and PostgreSQL (scale-out) must behave alike."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.model import Service
from outagewatch.storage.records import (
    DetectionCounters,
    NewReport,
    RecentCounts,
    ServiceStatus,
    WindowClaim,
)
from outagewatch.storage.sql import SqlStore

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)

CHAT = Service(
    slug="chatapp",
    name="ChatApp",
    category="messaging",
    url="https://chat.example",
    description="A chat app.",
    popularity=4,
    owner="Chat Inc.",
    aliases=("chat app",),
    countries=("GB", "IE"),
    related=("bank",),
    status_page="https://status.chat.example",
    statuspage_io=True,
    icon="chatapp.svg",
)
BANK = Service(
    slug="bank",
    name="Bank",
    category="banking",
    url="https://bank.example",
    description="A bank.",
    popularity=2,
    icon="bank.svg",
)


def _ids(store: SqlStore) -> dict[str, int]:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT, BANK])
    return {service.slug: service.id for service in store.list_services() if service.id}


def _report(service_id: int, at: datetime, **changes: object) -> NewReport:
    report = NewReport(
        service_id=service_id,
        received_at=at,
        problem="messages",
        reporter_key="k" * 32,
        network_key="n" * 32,
        platform="ios",
        country="GB",
    )
    return replace(report, **changes)  # type: ignore[arg-type]


def test_catalog_round_trips_every_field(store: SqlStore) -> None:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT, BANK])

    loaded = {service.slug: service for service in store.list_services()}

    assert loaded["chatapp"] == CHAT
    assert loaded["bank"] == BANK
    assert loaded["chatapp"].id is not None


def test_catalog_sync_counts_inserted_updated_and_unchanged(store: SqlStore) -> None:
    with store.transaction():
        first = store.sync_catalog(CATEGORIES, [CHAT])
    with store.transaction():
        second = store.sync_catalog(CATEGORIES, [replace(CHAT, name="ChatApp 2"), BANK])

    assert (first.inserted, first.updated, first.unchanged) == (1, 0, 0)
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 0)
    assert {s.name for s in store.list_services()} == {"ChatApp 2", "Bank"}


def test_only_counted_reports_reach_the_minute_totals(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]

    with store.transaction():
        store.record_reports(
            [
                _report(chat, T0 + timedelta(seconds=5)),
                _report(chat, T0 + timedelta(seconds=50), uncounted_reason="duplicate"),
                _report(chat, T0 + timedelta(minutes=1, seconds=1)),
            ]
        )

    assert store.count_reports(service_id=chat) == 3
    assert store.minute_totals(chat, since=T0, until=T0 + timedelta(hours=1)) == {
        int(T0.timestamp()) // 60: 1,
        int(T0.timestamp()) // 60 + 1: 1,
    }


def test_the_hourly_totals_follow_counted_hidden_and_added_reports(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]
    hour = int(T0.timestamp()) // 3600
    with store.transaction():
        store.record_reports(
            [
                _report(chat, T0),
                _report(chat, T0 + timedelta(minutes=1)),
                _report(chat, T0 + timedelta(minutes=2), uncounted_reason="brigade"),
                _report(chat, T0 + timedelta(hours=1)),
            ]
        )
        store.add_counts([(chat, (hour + 2) * 60 + 5, 9)], [])
    (hidden, *_) = store.recent_reports(chat, limit=10)
    with store.transaction():
        store.hide_report(hidden.id, now=T0 + timedelta(hours=3))

    totals = store.hourly_totals_all(since=T0, until=T0 + timedelta(hours=3))

    later_hour = int(hidden.received_at.timestamp()) // 3600
    expected = {(chat, hour): 2, (chat, hour + 1): 1, (chat, hour + 2): 9}
    expected[(chat, later_hour)] -= 1  # the hidden one no longer counts
    assert totals == {key: n for key, n in expected.items() if n}
    # Bounds inside an hour take the whole hour: hourly counts have no minutes.
    within = store.hourly_totals(
        chat, since=T0 + timedelta(minutes=10), until=T0 + timedelta(minutes=20)
    )
    assert within == {hour: 2}


def test_batches_add_up_in_the_same_minute(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]

    for _ in range(3):
        with store.transaction():
            store.record_reports([_report(chat, T0), _report(chat, T0 + timedelta(seconds=30))])

    totals = store.minute_totals(chat, since=T0, until=T0 + timedelta(minutes=1))
    assert totals == {int(T0.timestamp()) // 60: 6}


def test_windows_include_since_and_exclude_until(store: SqlStore) -> None:
    ids = _ids(store)
    chat, bank = ids["chatapp"], ids["bank"]
    with store.transaction():
        store.record_reports(
            [
                _report(chat, T0 - timedelta(seconds=1)),
                _report(chat, T0),
                _report(bank, T0 + timedelta(minutes=59, seconds=59)),
                _report(bank, T0 + timedelta(hours=1)),
            ]
        )

    totals = store.totals_by_service(since=T0, until=T0 + timedelta(hours=1))

    assert totals == {chat: 1, bank: 1}


def test_breakdowns_group_by_dimension_with_empty_for_unknown(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]
    with store.transaction():
        store.record_reports(
            [
                _report(chat, T0, problem="login", country="US", platform="web"),
                _report(chat, T0, problem="login", country=None, platform=None),
                _report(chat, T0 + timedelta(minutes=3), problem="messages", country="US"),
            ]
        )
    window = {"since": T0, "until": T0 + timedelta(hours=1)}

    assert store.breakdown(chat, dimension="problem", **window) == {"login": 2, "messages": 1}
    assert store.breakdown(chat, dimension="country", **window) == {"US": 2, "": 1}
    assert store.breakdown(chat, dimension="platform", **window) == {"web": 1, "": 1, "ios": 1}


def test_hourly_totals_sum_the_minutes_of_each_hour(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]
    with store.transaction():
        store.record_reports(
            [
                _report(chat, T0 + timedelta(minutes=1)),
                _report(chat, T0 + timedelta(minutes=59)),
                _report(chat, T0 + timedelta(hours=2, minutes=30)),
            ]
        )

    hourly = store.hourly_totals(chat, since=T0, until=T0 + timedelta(hours=3))

    first_hour = int(T0.timestamp()) // 3600
    assert hourly == {first_hour: 2, first_hour + 2: 1}


def test_a_failed_transaction_leaves_nothing_behind(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]

    with pytest.raises(RuntimeError, match="boom"), store.transaction():
        store.record_reports([_report(chat, T0)])
        raise RuntimeError("boom")

    assert store.count_reports() == 0
    assert store.minute_totals(chat, since=T0, until=T0 + timedelta(hours=1)) == {}


def test_writes_need_an_open_transaction(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]

    with pytest.raises(RuntimeError, match="transaction"):
        store.record_reports([_report(chat, T0)])


def test_naive_datetimes_are_refused(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]

    with pytest.raises(Exception, match="naive"), store.transaction():
        store.record_reports([_report(chat, T0.replace(tzinfo=None))])

    assert store.count_reports() == 0


def test_status_is_replaced_and_read_back_in_utc(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]
    with store.transaction():
        store.set_status(ServiceStatus(chat, "possible", T0, {"observed": 40}))
    with store.transaction():
        store.set_status(ServiceStatus(chat, "major", T0 + timedelta(minutes=5), {"ratio": 46.0}))

    status = store.statuses()[chat]

    assert status.status == "major"
    assert status.since == T0 + timedelta(minutes=5)
    assert status.since.tzinfo is not None
    assert status.evidence == {"ratio": 46.0}


def test_the_detection_counters_are_kept_as_columns_beside_the_status(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]
    counters = DetectionCounters(
        calm_minutes=1.5,
        quiet_major_minutes=4.0,
        pending_minutes=0.25,
        stale=True,
        stepped_down=True,
        checked_at=T0 + timedelta(seconds=59),
    )
    with store.transaction():
        store.set_status(ServiceStatus(chat, "possible", T0, {"observed": 40}, counters))

    status = store.statuses()[chat]

    assert status.counters == counters
    assert status.evidence == {"observed": 40}  # the evidence holds figures, not state


def test_history_start_only_moves_earlier(store: SqlStore) -> None:
    assert store.history_started_at() is None

    with store.transaction():
        store.mark_history_started(T0)
    with store.transaction():
        store.mark_history_started(T0 + timedelta(days=3))
    later_call_kept = store.history_started_at()
    with store.transaction():
        store.mark_history_started(T0 - timedelta(days=14))  # backfilled history

    assert later_call_kept == T0
    assert store.history_started_at() == T0 - timedelta(days=14)


WINDOW = timedelta(minutes=30)


def test_one_claim_per_reporter_wins_within_the_window(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]

    def claim(key: str, at: datetime) -> WindowClaim:
        return WindowClaim(service_id=chat, reporter_key=key, at=at)

    with store.transaction():
        first = store.claim_reporter_windows(
            [claim("alice", T0), claim("alice", T0), claim("bob", T0)], window=WINDOW
        )
    with store.transaction():
        later = store.claim_reporter_windows(
            [claim("alice", T0 + timedelta(minutes=29)), claim("bob", T0 + WINDOW)],
            window=WINDOW,
        )

    assert first == [True, False, True]
    assert later == [False, True]


def test_claims_are_per_service(store: SqlStore) -> None:
    ids = _ids(store)

    with store.transaction():
        won = store.claim_reporter_windows(
            [WindowClaim(ids["chatapp"], "alice", T0), WindowClaim(ids["bank"], "alice", T0)],
            window=WINDOW,
        )

    assert won == [True, True]


def test_pruned_windows_no_longer_block(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]
    with store.transaction():
        store.claim_reporter_windows([WindowClaim(chat, "alice", T0)], window=WINDOW)

    with store.transaction():
        pruned = store.prune_reporter_windows(before=T0 + timedelta(seconds=1))

    assert pruned == 1


def test_recent_counts_cover_the_last_hour_and_the_utc_day(store: SqlStore) -> None:
    ids = _ids(store)
    now = T0 + timedelta(minutes=30)  # 15:30 UTC
    with store.transaction():
        store.record_reports(
            [
                _report(ids["chatapp"], now),
                _report(ids["chatapp"], now - timedelta(minutes=59)),
                _report(ids["chatapp"], now - timedelta(minutes=61)),
                _report(ids["chatapp"], now - timedelta(hours=16)),  # yesterday
                _report(ids["chatapp"], now, uncounted_reason="duplicate"),
            ]
        )

    counts = store.recent_counts([ids["chatapp"], ids["bank"]], now=now)

    assert counts[ids["chatapp"]] == RecentCounts(reports_this_hour=2, reports_today=3)
    assert counts[ids["bank"]] == RecentCounts(0, 0)


def test_uncounted_reports_are_totalled_by_reason(store: SqlStore) -> None:
    chat = _ids(store)["chatapp"]
    with store.transaction():
        store.record_reports(
            [
                _report(chat, T0, uncounted_reason="duplicate"),
                _report(chat, T0, uncounted_reason="brigade"),
                _report(chat, T0, uncounted_reason="brigade"),
                _report(chat, T0),
            ]
        )

    totals = store.uncounted_totals(chat, since=T0, until=T0 + timedelta(minutes=1))

    assert totals == {"duplicate": 1, "brigade": 2}
    assert store.minute_totals(chat, since=T0, until=T0 + timedelta(minutes=1)) == {
        int(T0.timestamp()) // 60: 1
    }


def test_concurrent_writers_count_a_reporter_once(store: SqlStore) -> None:
    """Two transactions racing for the same reporter: exactly one wins, on every engine."""
    chat = _ids(store)["chatapp"]
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def claim() -> None:
        barrier.wait()
        with store.transaction():
            results.extend(
                store.claim_reporter_windows([WindowClaim(chat, "alice", T0)], window=WINDOW)
            )

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False, True]


def test_light_network_reports_leave_out_networks_that_flooded_the_window(
    store: SqlStore,
) -> None:
    chat = _ids(store)["chatapp"]
    flood = [_report(chat, T0, network_key="office", reporter_key=f"o{i}") for i in range(9)]
    people = [_report(chat, T0, network_key=f"home-{i}", reporter_key=f"p{i}") for i in range(4)]
    pair = [_report(chat, T0, network_key="flat", reporter_key=f"f{i}") for i in range(2)]
    with store.transaction():
        store.record_reports([*flood, *people, *pair])

    light = store.light_network_reports(
        [chat], since=T0, until=T0 + timedelta(minutes=1), max_per_network=3
    )

    assert light == {chat: (6, 5)}
