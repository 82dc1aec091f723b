"""Apprise channels reach public hosts only: every scheme whose host the subscriber names is
checked (or refused where no check can hold), and a local listener standing in for a private
service never sees a connection."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import Iterator

import apprise
import pytest
import requests
from fastapi.testclient import TestClient

from outagewatch.notify import outbound_guard
from outagewatch.notify.apprise_channel import (
    FIXED_HOST_SCHEMES,
    PINNED_USER_HOST_SCHEMES,
    AppriseNotifier,
)
from outagewatch.notify.protocol import DeliveryError, Destination, Notification
from outagewatch.storage.sql import SqlStore
from tests.helpers import SAME_SITE, sign_in
from tests.security.listener import Listener

# Connected some other way than through getaddrinfo-and-connect: refused unless allowed.
REFUSED_SCHEMES = frozenset(
    {
        "amqp",
        "amqps",
        "growl",
        "irc",
        "ircs",
        "mqtt",
        "mqtts",
        "rsyslog",
        "smpp",
        "smpps",
        "xmpp",
        "xmpps",
        "blink1",
        "dbus",
        "glib",
        "gnome",
        "kde",
        "macosx",
        "qt",
        "syslog",
        "windows",
    }
)
NOTIFICATION = Notification(
    key="security-test", subject="Discord: Major outage", text="Problems.", html="<p>Problems.</p>"
)


@pytest.fixture
def listener() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


def _user_host_urls(port: int) -> dict[str, str]:
    """One URL per scheme whose template names a host, built from Apprise's own templates and
    pointed at the listener, keeping those Apprise accepts as a valid URL."""
    urls: dict[str, str] = {}
    for schema in apprise.Apprise().details(show_disabled=True)["schemas"]:
        details = schema["details"]
        for scheme in details["tokens"].get("schema", {}).get("values", []):
            for template in details["templates"]:
                if "{host}" not in template:
                    continue
                url = template.replace("{schema}", scheme).replace("{host}", "127.0.0.1")
                url = url.replace("{port}", str(port)).replace("{user}", "user")
                url = url.replace("{password}", "secret")
                url = re.sub(r"\{[a-z_]+\}", "abcdef123456", url)
                if apprise.Apprise().add(url):
                    urls[scheme] = url
                    break
    return urls


def _send(notifier: AppriseNotifier, url: str) -> DeliveryError | None:
    try:
        asyncio.run(notifier.send(Destination("apprise", url), NOTIFICATION))
    except DeliveryError as error:
        return error
    return None


def test_every_scheme_apprise_knows_is_sorted() -> None:
    known = {
        scheme
        for schema in apprise.Apprise().details(show_disabled=True)["schemas"]
        for scheme in schema["details"]["tokens"].get("schema", {}).get("values", [])
    }

    sorted_schemes = FIXED_HOST_SCHEMES | PINNED_USER_HOST_SCHEMES | REFUSED_SCHEMES

    assert known - sorted_schemes == set()
    assert not FIXED_HOST_SCHEMES & PINNED_USER_HOST_SCHEMES


def test_no_fixed_host_scheme_lets_the_subscriber_name_a_host() -> None:
    named_host = {
        scheme
        for schema in apprise.Apprise().details(show_disabled=True)["schemas"]
        if any("{host}" in template for template in schema["details"]["templates"])
        for scheme in schema["details"]["tokens"]["schema"]["values"]
    }

    assert FIXED_HOST_SCHEMES & named_host == set()


def test_no_user_host_scheme_reaches_a_local_listener(listener: Listener) -> None:
    urls = _user_host_urls(listener.port)
    # The schemes of the issue are among those driven here, with most of the others.
    assert {"mmost", "rocket", "hassio", "ncloud", "kodi", "apprise", "json"} <= set(urls)
    assert len(urls) >= 60

    errors = {scheme: _send(AppriseNotifier(), url) for scheme, url in urls.items()}

    assert listener.connections == 0
    assert [scheme for scheme, error in errors.items() if error is None] == []
    assert all(error is not None and error.permanent for error in errors.values())


def test_the_listener_is_reached_when_private_hosts_are_allowed(listener: Listener) -> None:
    url = f"json://127.0.0.1:{listener.port}/notify"

    _send(AppriseNotifier(allow_private=True), url)

    assert listener.connections >= 1


def test_the_guard_pins_what_the_library_resolves_itself(listener: Listener) -> None:
    # As a redirect, a rebinding DNS answer or an ?smtp= parameter would: a name the check
    # before sending never saw, resolved by the library at connect time.
    with outbound_guard.public_only(), pytest.raises(requests.ConnectionError):
        requests.get(f"http://localhost:{listener.port}/", timeout=5)
    with outbound_guard.public_only(), pytest.raises(outbound_guard.PrivateAddressError):
        socket.create_connection(("localhost", listener.port), timeout=5)

    assert listener.connections == 0
    socket.create_connection(("localhost", listener.port), timeout=5).close()  # outside: as ever


def test_an_apprise_url_that_cannot_be_checked_is_refused_when_it_is_added(
    client: TestClient, loaded_store: SqlStore
) -> None:
    sign_in(client, loaded_store, "ada@example.org")

    refused = client.post(
        "/account/channels",
        data={"kind": "apprise", "address": "irc://127.0.0.1/#alerts"},
        headers=SAME_SITE,
    )
    taken = client.post(
        "/account/channels",
        data={"kind": "apprise", "address": "ntfy://outagewatch-alerts"},
        headers=SAME_SITE,
    )

    assert "does not send to that kind of Apprise URL" in refused.text
    assert taken.status_code == 200
    assert [
        channel.address for channel in loaded_store.channels_of(1) if channel.kind == "apprise"
    ] == ["ntfy://outagewatch-alerts"]
