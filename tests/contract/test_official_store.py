"""Official sources and statements behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.storage.records_official import OfficialSource, OfficialStatement
from outagewatch.storage.sql import SqlStore
from tests.contract.test_store import BANK, CHAT, _ids

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
LEASE = timedelta(minutes=10)


def _synced(store: SqlStore) -> dict[str, int]:
    ids = _ids(store)
    with store.transaction():
        store.sync_official_sources(store.list_services(), now=T0)
    return ids


def _statement(service_id: int, key: str, at: datetime, **changes: object) -> OfficialStatement:
    statement = OfficialStatement(
        service_id=service_id,
        update_key=key,
        incident_key="p31zjtct2jer",
        incident_name="Messages delayed",
        status="investigating",
        body="We are investigating.",
        at=at,
        fetched_at=T0,
        impact="major",
        link="https://stspg.io/chat4812",
    )
    return replace(statement, **changes)  # type: ignore[arg-type]


def _claim(store: SqlStore, at: datetime, limit: int = 10) -> list[OfficialSource]:
    with store.transaction():
        return store.claim_due_sources(now=at, lease=LEASE, limit=limit)


def test_services_with_a_status_page_get_a_source_due_at_once(store: SqlStore) -> None:
    ids = _ids(store)

    with store.transaction():
        result = store.sync_official_sources(store.list_services(), now=T0)

    assert (result.added, result.changed, result.removed) == (1, 0, 0)
    status = store.official_status(ids["chatapp"])
    assert status is not None
    assert (status.kind, status.url, status.next_check_at) == (
        "statuspage",
        "https://status.chat.example",
        T0,
    )
    assert status.indicator is None and status.checked_at is None and status.failures == 0
    assert store.official_status(ids["bank"]) is None
    assert set(store.official_statuses()) == {ids["chatapp"]}


def test_sources_follow_new_changed_and_removed_status_pages(store: SqlStore) -> None:
    ids = _synced(store)
    chat = ids["chatapp"]
    feed_chat = replace(
        CHAT, id=chat, status_page="https://chat.example/status.rss", statuspage_io=False
    )
    bank_with_page = replace(BANK, id=ids["bank"], status_page="https://bank.example/feed")

    with store.transaction():
        unchanged = store.sync_official_sources(store.list_services(), now=T0)
        changed = store.sync_official_sources(
            [feed_chat, bank_with_page], now=T0 + timedelta(hours=1)
        )
        removed = store.sync_official_sources([replace(CHAT, id=chat, status_page=None)], now=T0)

    assert (unchanged.added, unchanged.changed, unchanged.removed) == (0, 0, 0)
    assert (changed.added, changed.changed, changed.removed) == (1, 1, 0)
    assert (removed.added, removed.changed, removed.removed) == (0, 0, 1)
    assert store.official_status(chat) is None
    bank = store.official_status(ids["bank"])
    # Not flagged as Statuspage: its first check finds out what it is.
    assert bank is not None and bank.kind == "unknown" and bank.url == "https://bank.example/feed"


def test_a_changed_page_forgets_the_validators_of_the_old_one(store: SqlStore) -> None:
    chat = _synced(store)["chatapp"]
    with store.transaction():
        store.record_check(
            chat, checked_at=T0, next_check_at=T0 + timedelta(minutes=2), etag='"v1"'
        )
    moved = replace(CHAT, id=chat, status_page="https://status.chat.example/new")

    with store.transaction():
        store.sync_official_sources([moved], now=T0 + timedelta(minutes=1))

    (source,) = _claim(store, T0 + timedelta(minutes=1))
    assert source.url == "https://status.chat.example/new"
    assert source.etag is None


def test_syncing_needs_services_with_storage_ids(store: SqlStore) -> None:
    with store.transaction(), pytest.raises(ValueError, match="chatapp"):
        store.sync_official_sources([CHAT], now=T0)


def test_a_claimed_source_is_not_claimed_again_until_its_lease_runs_out(store: SqlStore) -> None:
    chat = _synced(store)["chatapp"]

    first = _claim(store, T0)
    again = _claim(store, T0 + LEASE - timedelta(seconds=1))
    after_lease = _claim(store, T0 + LEASE)

    assert [source.service_id for source in first] == [chat]
    assert first[0].kind == "statuspage" and first[0].failures == 0
    assert again == []
    assert [source.service_id for source in after_lease] == [chat]


def test_claiming_takes_at_most_the_limit_and_nothing_before_it_is_due(store: SqlStore) -> None:
    ids = _ids(store)
    services = [
        replace(service, status_page=f"https://status.{service.slug}.example")
        for service in store.list_services()
    ]
    with store.transaction():
        store.sync_catalog(CATEGORIES, services)
        store.sync_official_sources(store.list_services(), now=T0)

    early = _claim(store, T0 - timedelta(seconds=1))
    one = _claim(store, T0, limit=1)
    other = _claim(store, T0, limit=5)

    assert early == []
    assert len(one) == 1 and len(other) == 1
    assert {one[0].service_id, other[0].service_id} == set(ids.values())


def test_a_postponed_source_is_due_at_its_new_time(store: SqlStore) -> None:
    chat = _synced(store)["chatapp"]
    _claim(store, T0)

    with store.transaction():
        store.postpone_check(chat, next_check_at=T0 + timedelta(seconds=5))

    assert _claim(store, T0 + timedelta(seconds=4)) == []
    assert len(_claim(store, T0 + timedelta(seconds=5))) == 1
    status = store.official_status(chat)
    assert status is not None and status.checked_at is None


def test_failures_count_up_and_keep_what_was_read_until_a_success(store: SqlStore) -> None:
    chat = _synced(store)["chatapp"]
    with store.transaction():
        store.record_check(
            chat,
            checked_at=T0,
            next_check_at=T0 + timedelta(minutes=2),
            etag='"v1"',
            last_modified="Wed, 18 Nov 2026 15:00:00 GMT",
            indicator="major",
            description="Partial System Outage",
        )
    for minutes, error in ((2, "HTTP 503"), (3, "x" * 900)):
        with store.transaction():
            store.record_check(
                chat,
                checked_at=T0 + timedelta(minutes=minutes),
                next_check_at=T0 + timedelta(minutes=minutes * 2),
                error=error,
            )

    failing = store.official_status(chat)
    (source,) = _claim(store, T0 + timedelta(minutes=6))

    assert failing is not None and failing.failing
    assert failing.failures == 2
    assert failing.last_error is not None and len(failing.last_error) == 500
    assert (failing.ok_at, failing.checked_at) == (T0, T0 + timedelta(minutes=3))
    assert failing.next_check_at == T0 + timedelta(minutes=6)
    assert (failing.indicator, failing.description) == ("major", "Partial System Outage")
    assert (source.etag, source.failures) == ('"v1"', 2)


def test_a_success_resets_failures_and_an_unchanged_answer_keeps_the_status(
    store: SqlStore,
) -> None:
    chat = _synced(store)["chatapp"]
    later = T0 + timedelta(minutes=5)
    with store.transaction():
        store.record_check(
            chat, checked_at=T0, next_check_at=T0, indicator="minor", description="Minor"
        )
        store.record_check(chat, checked_at=T0, next_check_at=T0, error="timed out after 10 s")
        store.record_check(chat, checked_at=later, next_check_at=later, etag='"v2"')

    status = store.official_status(chat)

    assert status is not None and not status.failing
    assert (status.failures, status.last_error, status.ok_at) == (0, None, later)
    assert (status.indicator, status.description) == ("minor", "Minor")


def test_statements_are_stored_once_per_update_and_read_in_time_order(store: SqlStore) -> None:
    ids = _synced(store)
    chat, bank = ids["chatapp"], ids["bank"]
    first = [
        _statement(chat, "statuspage:p:2", T0 + timedelta(minutes=20), status="identified"),
        _statement(chat, "statuspage:p:1", T0),
    ]

    with store.transaction():
        added = store.add_statements(first)
        again = store.add_statements(
            [*first, _statement(chat, "statuspage:p:3", T0 + timedelta(minutes=40))]
        )
        twice_in_one_batch = store.add_statements([_statement(bank, "statuspage:p:1", T0)] * 2)
        nothing = store.add_statements([])

    assert (added, again, twice_in_one_batch, nothing) == (2, 1, 1, 0)
    read = store.statements_of(chat, since=T0, until=T0 + timedelta(minutes=40))
    assert [statement.update_key for statement in read] == ["statuspage:p:1", "statuspage:p:2"]
    assert read[0] == first[1]
    assert read[0].id is not None


def test_long_keys_and_texts_fit_their_columns_and_stay_distinct(store: SqlStore) -> None:
    chat = _synced(store)["chatapp"]
    long_id = "feed:https://status.chat.example/incidents/" + "x" * 300
    statements = [
        _statement(chat, f"{long_id}:1", T0, incident_name="N" * 400, status="s" * 40),
        _statement(chat, f"{long_id}:2", T0 + timedelta(minutes=1), link="https://l/" + "y" * 600),
    ]

    with store.transaction():
        added = store.add_statements(statements)

    read = store.statements_of(chat, since=T0, until=T0 + timedelta(hours=1))
    assert added == 2
    assert len({statement.update_key for statement in read}) == 2
    assert all(len(statement.update_key) <= 200 for statement in read)
    assert len(read[0].incident_name) == 300 and len(read[0].status) == 32
    assert read[1].link is None
