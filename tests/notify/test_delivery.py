"""The deliverer against a real local SMTP server and webhook receiver, on both engines."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError

from outagewatch.notify import webhook
from outagewatch.notify.accounts import InvalidLinkError
from outagewatch.notify.deliverer import LEASE, Deliverer, DeliveryRound, retry_delay
from outagewatch.notify.protocol import Destination, Notification, Notifier
from outagewatch.storage.records import FollowChoice, Incident, IncidentEvent, OutboxItem
from outagewatch.storage.sql import SqlStore
from tests.contract.test_store import _ids
from tests.local_http import LocalHttpServer
from tests.mailserver import MailServer
from tests.notify.delivering import accounts_for, deliverer_to
from tests.proxy import CuttableProxy, run_on_proxy_loop

T0 = datetime(2026, 11, 18, 16, 0, tzinfo=UTC)


def _follower(store: SqlStore, email: str, service_id: int, *, on_start: bool = False) -> int:
    with store.transaction():
        account = store.account_for_email(email, now=T0)
        store.add_channel(account.id, kind="email", address=email, secret=None, now=T0)
        store.follow(account.id, FollowChoice(service_id, on_start, True), now=T0)
    return account.id


def _recovered_incident(store: SqlStore, service_id: int) -> int:
    """An incident as the monitor leaves it on recovery: resolved, with its messages queued."""
    started = T0 - timedelta(minutes=50)
    with store.transaction():
        incident_id = store.create_incident(
            Incident(0, service_id, "open", "major", started, started, started, 412, None)
        )
        store.add_incident_event(incident_id, IncidentEvent(started, "started", "Reports rose."))
        store.add_incident_event(incident_id, IncidentEvent(T0, "resolved", "Back to normal."))
        store.update_incident(
            Incident(
                incident_id, service_id, "resolved", "major", started, started, started, 412, T0
            )
        )
        store.enqueue_incident_messages(
            incident_id=incident_id, service_id=service_id, event="recovered", now=T0
        )
    return incident_id


def _deliver(deliverer: Deliverer, now: datetime) -> DeliveryRound:
    return asyncio.run(deliverer.deliver_due(now=now))


def test_a_recovery_message_tells_the_story_and_can_be_unsubscribed_in_one_click(
    store: SqlStore, mail_server: MailServer
) -> None:
    chat = _ids(store)["chatapp"]
    ada = _follower(store, "ada@example.org", chat)
    _recovered_incident(store, chat)

    round_ = _deliver(deliverer_to(store, mail_server), T0)

    assert round_ == DeliveryRound(sent=1)
    (mail,) = mail_server.messages
    assert mail["To"] == "ada@example.org"
    assert mail["Subject"] == "ChatApp is back online"
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    html = mail.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
    assert "lasted about 50 minutes" in text and "Back to normal." in text
    assert "ChatApp is back online" in html
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<(.+)>", str(mail["List-Unsubscribe"]).strip())
    assert unsubscribe is not None
    token = unsubscribe.group(1).rsplit("/", 1)[1]
    assert accounts_for(store).unsubscribe(token) == (ada, chat)
    assert store.follows_of(ada) == []
    assert [m.state for m in store.messages()] == ["sent"]


def test_every_message_arrives_exactly_once_after_smtp_fails_for_a_while(
    store: SqlStore, mail_server: MailServer
) -> None:
    chat = _ids(store)["chatapp"]
    followers = 12
    for index in range(followers):
        _follower(store, f"person{index}@example.org", chat)
    _recovered_incident(store, chat)
    first, second = deliverer_to(store, mail_server, "a"), deliverer_to(store, mail_server, "b")

    async def both_deliver(now: datetime) -> list[DeliveryRound]:
        return list(await asyncio.gather(first.deliver_due(now=now), second.deliver_due(now=now)))

    mail_server.fail_temporarily(True)
    now = T0
    failing_rounds = [asyncio.run(both_deliver(now))]
    for _ in range(3):  # a few minutes of SMTP refusing everything
        now += timedelta(minutes=3)
        failing_rounds.append(asyncio.run(both_deliver(now)))
    mail_server.fail_temporarily(False)
    now += timedelta(minutes=10)
    asyncio.run(both_deliver(now))

    assert all(r.sent == 0 for rounds in failing_rounds for r in rounds)
    assert sum(r.retrying for r in failing_rounds[0]) == followers  # each claimed by one only
    assert len(mail_server.messages) == followers
    assert len({m["Message-ID"] for m in mail_server.messages}) == followers
    assert sorted(str(m["To"]) for m in mail_server.messages) == sorted(
        f"person{index}@example.org" for index in range(followers)
    )
    assert {m.state for m in store.messages()} == {"sent"}


def test_a_deliverer_that_dies_mid_send_leaves_its_messages_to_another(
    store: SqlStore, mail_server: MailServer
) -> None:
    chat = _ids(store)["chatapp"]
    _follower(store, "ada@example.org", chat)
    _recovered_incident(store, chat)
    with store.transaction():  # deliverer "crashed" claims, then is never heard of again
        assert len(store.claim_messages(worker="crashed", now=T0, lease=LEASE, limit=10)) == 1
    survivor = deliverer_to(store, mail_server, "survivor")

    during_lease = _deliver(survivor, T0 + LEASE / 2)
    after_lease = _deliver(survivor, T0 + LEASE)
    later = _deliver(survivor, T0 + 3 * LEASE)

    assert during_lease.handled == 0
    assert after_lease.sent == 1 and later.handled == 0
    assert len(mail_server.messages) == 1


def test_a_mailbox_that_does_not_exist_stops_its_channel_and_says_why(
    store: SqlStore, mail_server: MailServer
) -> None:
    chat = _ids(store)["chatapp"]
    ghost = _follower(store, "ghost@example.org", chat)
    _follower(store, "ada@example.org", chat)
    mail_server.reject_recipient("ghost@example.org")
    _recovered_incident(store, chat)

    round_ = _deliver(deliverer_to(store, mail_server), T0)

    assert round_ == DeliveryRound(sent=1, failed=1)
    (channel,) = store.channels_of(ghost)
    assert channel.disabled_at == T0
    assert channel.disabled_reason is not None and "550" in channel.disabled_reason


def test_retries_back_off_exponentially() -> None:
    waits = [retry_delay(attempt, "key").total_seconds() for attempt in range(1, 10)]

    assert waits == sorted(waits)
    assert 30 <= waits[0] <= 36 and waits[1] >= 60
    assert waits[-1] <= 3600 * 1.2


def test_a_webhook_gets_signed_json_and_gone_switches_it_off(
    store: SqlStore, mail_server: MailServer, webhook_receiver: LocalHttpServer
) -> None:
    chat = _ids(store)["chatapp"]
    ada = _follower(store, "ada@example.org", chat)
    with store.transaction():
        hook = store.add_channel(
            ada, kind="webhook", address=webhook_receiver.url + "/hook", secret="s3cret", now=T0
        )
    incident = _recovered_incident(store, chat)

    _deliver(deliverer_to(store, mail_server), T0)

    (request,) = webhook_receiver.requests
    assert webhook.verify("s3cret", request.headers, request.body, now=datetime.now(UTC))
    body = json.loads(request.body)
    assert body["event"] == "service.recovered"
    assert body["service"]["slug"] == "chatapp"
    assert body["incident"]["id"] == incident and body["status"] == "ok"
    assert request.headers["X-OutageWatch-Delivery"] == body["id"]

    webhook_receiver.respond_with(410, times=1)
    with store.transaction():
        store.follow(ada, FollowChoice(chat, True, True), now=T0)
        store.enqueue_incident_messages(
            incident_id=incident, service_id=chat, event="started", now=T0
        )
    _deliver(deliverer_to(store, mail_server), T0)
    channel = store.channel(hook)
    assert channel is not None and channel.disabled_at is not None


def test_a_signin_mail_carries_a_link_that_signs_in_once(
    store: SqlStore, mail_server: MailServer
) -> None:
    accounts = accounts_for(store)
    accounts.request_signin("Ada@Example.org", now=T0)

    _deliver(deliverer_to(store, mail_server), T0)

    (mail,) = mail_server.messages
    assert mail["To"] == "ada@example.org"
    assert mail["List-Unsubscribe"] is None  # a transactional mail, not a subscription
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"token=(\S+)", text)
    assert link is not None
    signed_in = accounts.confirm(link.group(1), now=T0 + timedelta(minutes=14))
    assert signed_in.account.email == "ada@example.org"
    assert [c.kind for c in store.channels_of(signed_in.account.id)] == ["email"]
    with pytest.raises(InvalidLinkError):
        accounts.confirm(link.group(1), now=T0 + timedelta(minutes=14))


def test_old_sign_in_links_and_expired_sessions_are_forgotten(
    store: SqlStore, mail_server: MailServer
) -> None:
    accounts = accounts_for(store)
    accounts.request_signin("ada@example.org", now=T0)
    ada = _follower(store, "ada@example.org", _ids(store)["chatapp"])
    with store.transaction():
        store.create_session("s" * 64, ada, now=T0, expires_at=T0 + timedelta(days=1))
    deliverer = deliverer_to(store, mail_server)

    _deliver(deliverer, T0)
    kept = store.signin_requests_since("ada@example.org", since=T0)
    session_kept = store.session_account("s" * 64, now=T0)
    _deliver(deliverer, T0 + timedelta(days=1, minutes=16))

    assert kept == 1 and session_kept is not None
    assert store.signin_requests_since("ada@example.org", since=T0) == 0
    assert store.session_account("s" * 64, now=T0) is None


class _DatabaseGoesAwayAfterSending:
    """The SMTP notifier, with the database cut the moment a message has gone out: the
    worst time, between the send and its record."""

    def __init__(self, inner: Notifier, proxy: CuttableProxy, store: SqlStore) -> None:
        self.inner, self.proxy, self.store = inner, proxy, store

    async def send(self, destination: Destination, notification: Notification) -> None:
        await self.inner.send(destination, notification)
        run_on_proxy_loop(self.proxy, "sever")
        self.store.engine.dispose()  # pooled connections died with the proxy's


def test_a_message_sent_while_the_database_goes_away_is_recorded_later_not_sent_again(
    postgres_through_proxy: tuple[SqlStore, CuttableProxy], mail_server: MailServer
) -> None:
    store, proxy = postgres_through_proxy
    chat = _ids(store)["chatapp"]
    _follower(store, "ada@example.org", chat)
    _recovered_incident(store, chat)
    deliverer = deliverer_to(store, mail_server, "a")
    deliverer.notifiers = {
        "email": _DatabaseGoesAwayAfterSending(deliverer.notifiers["email"], proxy, store)
    }

    first = _deliver(deliverer, T0)
    with pytest.raises(OperationalError):  # the database is still away: the round stops
        _deliver(deliverer, T0 + timedelta(seconds=2))
    run_on_proxy_loop(proxy, "restore")
    back = _deliver(deliverer, T0 + timedelta(seconds=4))
    other = _deliver(deliverer_to(store, mail_server, "b"), T0 + 3 * LEASE)

    assert first.sent == 1
    assert back.handled == 0 and other.handled == 0
    assert len(mail_server.messages) == 1
    assert [message.state for message in store.messages()] == ["sent"]


def test_messages_claimed_as_the_database_goes_away_are_sent_when_it_returns_not_a_lease_later(
    postgres_through_proxy: tuple[SqlStore, CuttableProxy], mail_server: MailServer
) -> None:
    store, proxy = postgres_through_proxy
    chat = _ids(store)["chatapp"]
    for number in range(3):
        _follower(store, f"person{number}@example.org", chat)
    _recovered_incident(store, chat)
    deliverer = deliverer_to(store, mail_server, "a")
    compose = deliverer.composer.compose

    def database_gone_after_the_claim(item: OutboxItem) -> Notification:
        run_on_proxy_loop(proxy, "sever")
        store.engine.dispose()
        return compose(item)  # reads the incident: the database is not there

    deliverer.composer.compose = database_gone_after_the_claim  # type: ignore[method-assign]
    cut = _deliver(deliverer, T0)
    deliverer.composer.compose = compose  # type: ignore[method-assign]
    run_on_proxy_loop(proxy, "restore")
    back = _deliver(deliverer, T0 + timedelta(seconds=5))  # well within the 90 s lease

    assert (cut.sent, cut.retrying) == (0, 3)
    assert back.sent == 3
    assert len(mail_server.messages) == 3
    assert {message.state for message in store.messages()} == {"sent"}
