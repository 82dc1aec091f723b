"""Notify me through the pages: sign in by link, follow, /account, unsubscribe, delete."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.notify.accounts import Accounts
from outagewatch.storage.records import FollowChoice
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import SAME_SITE, link_token, service_id, sign_in


def test_signing_in_by_link_opens_a_session_with_a_safe_cookie(
    client: TestClient, loaded_store: SqlStore
) -> None:
    client.post("/signin", data={"email": "Ada@Example.org"}, headers=SAME_SITE)
    token = link_token(loaded_store, "ada@example.org")

    landing = client.get(f"/signin/confirm?token={token}")
    confirmed = client.post(
        "/signin/confirm", data={"token": token}, headers=SAME_SITE, follow_redirects=False
    )

    assert "Sign in" in landing.text  # a button: a mail scanner opening the link uses nothing
    cookie = confirmed.headers["set-cookie"]
    assert "ow_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    account = client.get("/account")
    assert account.status_code == 200 and "ada@example.org" in account.text


def test_a_link_works_once_and_for_fifteen_minutes(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    client.post("/signin", data={"email": "ada@example.org"}, headers=SAME_SITE)
    client.post("/signin", data={"email": "bob@example.org"}, headers=SAME_SITE)
    used = link_token(loaded_store, "ada@example.org")
    client.post("/signin/confirm", data={"token": used}, headers=SAME_SITE)
    clock.advance(timedelta(minutes=16))

    again = client.post("/signin/confirm", data={"token": used}, headers=SAME_SITE)
    late = client.post(
        "/signin/confirm",
        data={"token": link_token(loaded_store, "bob@example.org")},
        headers=SAME_SITE,
    )
    forged = client.post("/signin/confirm", data={"token": "abc.def"}, headers=SAME_SITE)

    assert again.status_code == late.status_code == forged.status_code == 400
    assert "already used or has expired" in late.text
    assert "not valid" in forged.text


def test_the_answer_is_the_same_whether_or_not_an_address_has_an_account(
    client: TestClient, loaded_store: SqlStore
) -> None:
    sign_in(client, loaded_store, "ada@example.org")
    client.cookies.clear()

    known = client.post("/signin", data={"email": "ada@example.org"}, headers=SAME_SITE)
    unknown = client.post("/signin", data={"email": "nobody@example.org"}, headers=SAME_SITE)

    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("ada@example.org", "X") == unknown.text.replace(
        "nobody@example.org", "X"
    )


def test_sign_in_mails_are_limited_per_address_and_per_network(
    client: TestClient, loaded_store: SqlStore
) -> None:
    answers = [
        client.post("/signin", data={"email": "ada@example.org"}, headers=SAME_SITE).status_code
        for _ in range(4)
    ]
    network = [
        client.post("/signin", data={"email": f"p{i}@example.org"}, headers=SAME_SITE).status_code
        for i in range(3)
    ]

    assert answers == [200, 200, 200, 429]  # three links an hour per address
    assert network == [200, 429, 429]  # five asks in a burst per network, whatever the address
    limited = client.post("/signin", data={"email": "q@example.org"}, headers=SAME_SITE)
    assert int(limited.headers["retry-after"]) > 0
    assert len([m for m in loaded_store.messages() if m.event == "signin"]) == 4


def test_a_bad_address_is_refused_with_a_message(client: TestClient) -> None:
    response = client.post("/signin", data={"email": "not an address"}, headers=SAME_SITE)

    assert response.status_code == 422
    assert "form-error" in response.text


def test_forms_from_other_sites_are_refused(client: TestClient, loaded_store: SqlStore) -> None:
    response = client.post(
        "/services/tiktok/follow",
        data={"email": "ada@example.org"},
        headers={"Origin": "https://evil.example"},
    )

    assert response.status_code == 403
    assert loaded_store.messages() == []


def test_following_before_signing_in_waits_for_the_confirmation(
    client: TestClient, loaded_store: SqlStore
) -> None:
    sent = client.post(
        "/services/tiktok/follow",
        data={"email": "ada@example.org", "notify": "both"},
        headers=SAME_SITE,
    )

    assert "Check your inbox" in sent.text
    assert loaded_store.follows_of(1) == []  # no account, nothing followed yet
    (queued,) = loaded_store.messages()
    assert queued.event == "signin"  # the only mail an unconfirmed address gets

    confirmed = client.post(
        "/signin/confirm",
        data={"token": link_token(loaded_store, "ada@example.org")},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert confirmed.headers["location"] == "/services/tiktok?followed=1#notify"
    page = client.get("/services/tiktok")
    assert "You follow TikTok (both)" in page.text
    assert "TikTok" in client.get("/account").text


def test_a_signed_in_person_follows_changes_and_stops_in_one_click(
    client: TestClient, loaded_store: SqlStore
) -> None:
    sign_in(client, loaded_store)
    tiktok = service_id(loaded_store, "tiktok")

    client.post("/services/tiktok/follow", data={"notify": "recovery"}, headers=SAME_SITE)
    (follow,) = loaded_store.follows_of(1)
    client.post(
        "/services/tiktok/follow", data={"notify": "start", "next": "account"}, headers=SAME_SITE
    )
    (changed,) = loaded_store.follows_of(1)
    client.post("/services/tiktok/follow", data={"notify": "stop"}, headers=SAME_SITE)

    assert (follow.service_id, follow.on_start, follow.on_recovery) == (tiktok, False, True)
    assert (changed.on_start, changed.on_recovery) == (True, False)
    assert loaded_store.follows_of(1) == []


def test_channels_are_added_validated_and_removed(
    client: TestClient, loaded_store: SqlStore
) -> None:
    sign_in(client, loaded_store)

    bad = client.post(
        "/account/channels",
        data={"kind": "webhook", "address": "ftp://example.org"},
        headers=SAME_SITE,
    )
    client.post(
        "/account/channels",
        data={"kind": "webhook", "address": "https://hooks.example.org/ow"},
        headers=SAME_SITE,
    )
    client.post(
        "/account/channels",
        data={"kind": "apprise", "address": "ntfy://outagewatch-alerts"},
        headers=SAME_SITE,
    )

    assert "A webhook needs an http" in bad.text
    kinds = {c.kind: c for c in loaded_store.channels_of(1)}
    assert set(kinds) == {"email", "webhook", "apprise"}
    assert kinds["webhook"].secret and kinds["webhook"].secret in client.get("/account").text
    client.post(f"/account/channels/{kinds['webhook'].id}/remove", headers=SAME_SITE)
    assert {c.kind for c in loaded_store.channels_of(1)} == {"email", "apprise"}


def test_the_unsubscribe_link_stops_a_follow_without_signing_in(
    client: TestClient, loaded_store: SqlStore, tmp_path: Path
) -> None:
    sign_in(client, loaded_store)
    client.post("/services/tiktok/follow", data={"notify": "both"}, headers=SAME_SITE)
    client.cookies.clear()
    accounts = Accounts(
        loaded_store,
        secret=Settings(data_dir=tmp_path).resolved_secret(),  # the client app's secret
        public_url="http://testserver",
    )
    url = accounts.unsubscribe_url(1, service_id(loaded_store, "tiktok"))
    path = url.removeprefix("http://testserver")

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", with no Origin of ours.
    stopped = client.post(path, content=b"List-Unsubscribe=One-Click")
    forged = client.post("/unsubscribe/WzEsMV0.forged")

    assert stopped.status_code == 200 and "Alerts stopped" in stopped.text
    assert loaded_store.follows_of(1) == []
    assert forged.status_code == 400


def test_an_old_unsubscribe_link_does_nothing_to_a_new_account_that_reuses_the_id(
    client: TestClient, loaded_store: SqlStore, tmp_path: Path
) -> None:
    sign_in(client, loaded_store)
    accounts = Accounts(
        loaded_store,
        secret=Settings(data_dir=tmp_path).resolved_secret(),
        public_url="http://testserver",
    )
    tiktok = service_id(loaded_store, "tiktok")
    old_link = accounts.unsubscribe_url(1, tiktok).removeprefix("http://testserver")
    with loaded_store.transaction():
        loaded_store.delete_account(1)
        newcomer = loaded_store.account_for_email("newcomer@example.org", now=NOW)
        loaded_store.follow(newcomer.id, FollowChoice(tiktok, True, True), now=NOW)

    answer = client.post(old_link, content=b"List-Unsubscribe=One-Click")

    assert newcomer.id == 1  # SQLite gave the deleted account's id to the next one
    assert answer.status_code == 400
    assert [follow.service_id for follow in loaded_store.follows_of(1)] == [tiktok]


def test_deleting_the_account_forgets_everything_and_signs_out(
    client: TestClient, loaded_store: SqlStore
) -> None:
    sign_in(client, loaded_store)
    client.post("/services/tiktok/follow", data={"notify": "both"}, headers=SAME_SITE)

    unconfirmed = client.post("/account/delete", data={}, headers=SAME_SITE)
    deleted = client.post("/account/delete", data={"confirm": "yes"}, headers=SAME_SITE)

    assert loaded_store.account(1) is None and loaded_store.follows_of(1) == []
    assert "Tick the box" in unconfirmed.text
    assert "Your account is deleted" in deleted.text
    assert client.get("/account", follow_redirects=False).headers["location"] == "/signin"


def test_signing_out_ends_the_session(client: TestClient, loaded_store: SqlStore) -> None:
    sign_in(client, loaded_store)
    cookie = client.cookies.get("ow_session")

    client.post("/signout", headers=SAME_SITE)
    client.cookies.set("ow_session", cookie or "")

    assert client.get("/account", follow_redirects=False).status_code == 303


def test_personal_pages_and_pages_with_a_token_are_never_stored_by_caches(
    client: TestClient, loaded_store: SqlStore
) -> None:
    sign_in(client, loaded_store)

    answers = [
        client.get("/account"),
        client.get("/signin"),
        client.get("/signin/confirm?token=abc"),
        client.get("/unsubscribe/abc"),
    ]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 200]
    assert {answer.headers.get("cache-control") for answer in answers} == {"no-store"}


def test_the_local_mailbox_page_is_only_for_operators(
    client: TestClient, loaded_store: SqlStore
) -> None:
    # The test client is not a loopback address: it is treated as a visitor from outside.
    assert client.get("/operator/mail").status_code == 404
    sign_in(client, loaded_store, "ada@example.org")
    assert client.get("/operator/mail").status_code == 404


def test_what_a_signed_in_person_sees_is_kept_by_no_cache(
    client: TestClient, loaded_store: SqlStore
) -> None:
    anonymous = client.get("/services/tiktok")
    client.post("/signin", data={"email": "ada@example.org"}, headers=SAME_SITE)
    signing_in = client.post(
        "/signin/confirm",
        data={"token": link_token(loaded_store, "ada@example.org")},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    own_page = client.get("/services/tiktok")  # with the follow button in their state
    home = client.get("/")

    assert "private" not in anonymous.headers.get("cache-control", "")
    assert signing_in.headers["cache-control"] == "private, no-store"  # it sets the cookie
    assert own_page.headers["cache-control"] == "private, no-store"
    assert home.headers["cache-control"] == "private, no-store"
