"""Accounts, follows and the outbox behave alike on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from outagewatch.storage.records import FollowChoice, Incident, OutboxItem, SigninRequest
from outagewatch.storage.sql import SqlStore
from tests.contract.test_store import _ids

T0 = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
LEASE = timedelta(seconds=90)


def _account_with_channel(store: SqlStore, email: str = "ada@example.org") -> tuple[int, int]:
    with store.transaction():
        account = store.account_for_email(email, now=T0)
        channel = store.add_channel(account.id, kind="email", address=email, secret=None, now=T0)
    return account.id, channel


def _incident(store: SqlStore, service_id: int) -> int:
    with store.transaction():
        return store.create_incident(
            Incident(0, service_id, "open", "major", T0, T0, T0, 100, None)
        )


def _queue(store: SqlStore, key: str, *, at: datetime = T0) -> None:
    with store.transaction():
        store.enqueue_message(
            OutboxItem(0, key, "signin", "email", "x@example.org", at, payload={"link": "L"})
        )


def test_an_address_has_one_account_however_often_it_signs_in(store: SqlStore) -> None:
    with store.transaction():
        first = store.account_for_email("ada@example.org", now=T0)
        again = store.account_for_email("ada@example.org", now=T0 + timedelta(days=1))

    assert first == again
    assert first.created_at == T0


def test_a_session_lasts_until_it_expires_or_ends(store: SqlStore) -> None:
    account_id, _ = _account_with_channel(store)
    with store.transaction():
        store.create_session("h" * 64, account_id, now=T0, expires_at=T0 + timedelta(days=30))

    assert store.session_account("h" * 64, now=T0 + timedelta(days=29)) is not None
    assert store.session_account("h" * 64, now=T0 + timedelta(days=31)) is None
    assert store.session_account("x" * 64, now=T0) is None
    with store.transaction():
        store.end_session("h" * 64)
    assert store.session_account("h" * 64, now=T0) is None


def test_pruning_forgets_only_the_sessions_expired_by_then(store: SqlStore) -> None:
    account_id, _ = _account_with_channel(store)
    with store.transaction():
        store.create_session("a" * 64, account_id, now=T0, expires_at=T0 + timedelta(days=1))
        store.create_session("b" * 64, account_id, now=T0, expires_at=T0 + timedelta(days=30))
        pruned = store.prune_sessions(before=T0 + timedelta(days=2))

    assert pruned == 1
    assert store.session_account("a" * 64, now=T0) is None  # gone, not merely expired
    assert store.session_account("b" * 64, now=T0) is not None


def test_a_signin_link_works_once_and_only_before_it_expires(store: SqlStore) -> None:
    ids = _ids(store)
    follow = FollowChoice(ids["chatapp"], on_start=False, on_recovery=True)
    with store.transaction():
        store.add_signin_request(
            SigninRequest("once", "ada@example.org", T0, T0 + timedelta(minutes=15), follow)
        )
        store.add_signin_request(
            SigninRequest("late", "ada@example.org", T0, T0 + timedelta(minutes=15))
        )

    with store.transaction():
        used = store.use_signin_request("once", now=T0 + timedelta(minutes=1))
        again = store.use_signin_request("once", now=T0 + timedelta(minutes=2))
        expired = store.use_signin_request("late", now=T0 + timedelta(minutes=16))

    assert used is not None and used.follow == follow and used.email == "ada@example.org"
    assert again is None
    assert expired is None
    assert store.signin_requests_since("ada@example.org", since=T0) == 2


def test_following_again_changes_the_choice_instead_of_adding_a_follow(store: SqlStore) -> None:
    ids = _ids(store)
    account_id, _ = _account_with_channel(store)
    with store.transaction():
        store.follow(account_id, FollowChoice(ids["chatapp"], False, True), now=T0)
        changed = store.follow(account_id, FollowChoice(ids["chatapp"], True, True), now=T0)

    assert store.follows_of(account_id) == [changed]
    assert changed.on_start and changed.on_recovery
    with store.transaction():
        assert store.unfollow(account_id, ids["chatapp"])
    assert store.follows_of(account_id) == []


def test_an_incident_event_queues_one_message_per_working_channel_of_each_follower(
    store: SqlStore,
) -> None:
    ids = _ids(store)
    ada, ada_mail = _account_with_channel(store, "ada@example.org")
    bob, _ = _account_with_channel(store, "bob@example.org")
    cy, cy_mail = _account_with_channel(store, "cy@example.org")
    with store.transaction():
        hook = store.add_channel(
            ada, kind="webhook", address="https://h.example/", secret="s", now=T0
        )
        store.follow(ada, FollowChoice(ids["chatapp"], False, True), now=T0)
        store.follow(bob, FollowChoice(ids["chatapp"], True, False), now=T0)  # start only
        store.follow(cy, FollowChoice(ids["bank"], True, True), now=T0)  # another service
    incident = _incident(store, ids["chatapp"])

    with store.transaction():
        queued = store.enqueue_incident_messages(
            incident_id=incident, service_id=ids["chatapp"], event="recovered", now=T0
        )
        repeated = store.enqueue_incident_messages(
            incident_id=incident, service_id=ids["chatapp"], event="recovered", now=T0
        )

    assert (queued, repeated) == (2, 0)
    messages = store.messages()
    assert {(m.channel_id, m.account_id, m.event) for m in messages} == {
        (ada_mail, ada, "recovered"),
        (hook, ada, "recovered"),
    }
    assert all(m.state == "pending" and m.incident_id == incident for m in messages)
    assert cy_mail not in {m.channel_id for m in messages}


def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(
    store: SqlStore,
) -> None:
    _queue(store, "m1")
    with store.transaction():
        first = store.claim_messages(worker="a", now=T0, lease=LEASE, limit=10)
    with store.transaction():
        meanwhile = store.claim_messages(
            worker="b", now=T0 + timedelta(seconds=30), lease=LEASE, limit=10
        )
    with store.transaction():
        after_crash = store.claim_messages(worker="b", now=T0 + LEASE, lease=LEASE, limit=10)

    assert [m.key for m in first] == ["m1"] and first[0].attempts == 1
    assert meanwhile == []
    assert [m.key for m in after_crash] == ["m1"] and after_crash[0].attempts == 2
    with store.transaction():
        assert not store.mark_sent(first[0].id, worker="a", now=T0)  # "a" lost its lease
        assert store.mark_sent(first[0].id, worker="b", now=T0 + LEASE)
    assert store.messages()[0].state == "sent"


def test_a_message_waits_for_its_retry_time(store: SqlStore) -> None:
    _queue(store, "m1")
    with store.transaction():
        (item,) = store.claim_messages(worker="a", now=T0, lease=LEASE, limit=10)
        store.mark_retry(
            item.id, worker="a", next_attempt_at=T0 + timedelta(minutes=1), error="451"
        )

    with store.transaction():
        early = store.claim_messages(
            worker="a", now=T0 + timedelta(seconds=59), lease=LEASE, limit=10
        )
        due = store.claim_messages(worker="a", now=T0 + timedelta(minutes=1), lease=LEASE, limit=10)

    assert early == []
    assert [m.last_error for m in due] == ["451"]


def test_a_permanent_failure_disables_the_channel_and_its_queued_messages(
    store: SqlStore,
) -> None:
    ids = _ids(store)
    ada, mail = _account_with_channel(store)
    with store.transaction():
        store.follow(ada, FollowChoice(ids["chatapp"], True, True), now=T0)
    incident = _incident(store, ids["chatapp"])
    with store.transaction():
        store.enqueue_incident_messages(
            incident_id=incident, service_id=ids["chatapp"], event="started", now=T0
        )
        store.enqueue_incident_messages(
            incident_id=incident, service_id=ids["chatapp"], event="recovered", now=T0
        )
        started = store.claim_messages(worker="a", now=T0, lease=LEASE, limit=1)[0]
        store.mark_failed(
            started.id, worker="a", error="550 no such mailbox", now=T0, disable_channel=True
        )

    channel = store.channel(mail)
    assert channel is not None and channel.disabled_at == T0
    assert channel.disabled_reason == "550 no such mailbox"
    assert [m.state for m in store.messages()] == ["failed", "failed"]
    with store.transaction():
        later = store.enqueue_incident_messages(
            incident_id=incident + 0, service_id=ids["chatapp"], event="started", now=T0
        )
    assert later == 0  # nothing is queued for a disabled channel


def test_deleting_an_account_removes_every_personal_record(store: SqlStore) -> None:
    ids = _ids(store)
    ada, _ = _account_with_channel(store)
    other, _ = _account_with_channel(store, "bob@example.org")
    with store.transaction():
        store.create_session("h" * 64, ada, now=T0, expires_at=T0 + timedelta(days=1))
        store.follow(ada, FollowChoice(ids["chatapp"], True, True), now=T0)
        store.follow(other, FollowChoice(ids["chatapp"], True, True), now=T0)
        store.add_signin_request(
            SigninRequest("n", "ada@example.org", T0, T0 + timedelta(minutes=15))
        )
    incident = _incident(store, ids["chatapp"])
    with store.transaction():
        store.enqueue_incident_messages(
            incident_id=incident, service_id=ids["chatapp"], event="started", now=T0
        )

    with store.transaction():
        store.delete_account(ada)

    assert store.account(ada) is None
    assert store.session_account("h" * 64, now=T0) is None
    assert store.follows_of(ada) == [] and store.channels_of(ada) == []
    assert store.signin_requests_since("ada@example.org", since=T0) == 0
    assert {m.account_id for m in store.messages()} == {other}


def test_concurrent_deliverers_never_claim_the_same_message(store: SqlStore) -> None:
    for index in range(60):
        _queue(store, f"m{index}")
    claimed: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    start = threading.Barrier(len(claimed))

    def deliverer(name: str) -> None:
        start.wait()
        while True:
            with store.transaction():
                batch = store.claim_messages(worker=name, now=T0, lease=LEASE, limit=7)
            if not batch:
                return
            claimed[name] += [item.key for item in batch]

    threads = [threading.Thread(target=deliverer, args=(name,)) for name in claimed]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    everything = [key for keys in claimed.values() for key in keys]
    assert sorted(everything) == sorted(f"m{index}" for index in range(60))
