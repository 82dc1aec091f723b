"""A proxy in the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) would take subscribers'
notifications to wherever it reaches, unchecked: deliveries ignore it and go direct, and a
local listener standing in for that proxy never sees a connection. Only the proxy the
operator names in NOTIFY_PROXY is used, and a private target is still refused by name."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator

import pytest
import requests

from outagewatch.notify import outbound_guard
from outagewatch.notify.apprise_channel import AppriseNotifier
from outagewatch.notify.protocol import DeliveryError, Destination, Notification, Notifier
from outagewatch.notify.webhook import WebhookNotifier
from tests.local_http import LocalHttpServer
from tests.security.listener import Listener

NOTIFICATION = Notification(
    key="proxy-test",
    subject="Discord: Major outage",
    text="Problems.",
    html="<p>Problems.</p>",
    data={"status": "major"},
)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
PUBLIC_ADDRESS = "93.184.215.14"


@pytest.fixture
def proxy() -> Iterator[Listener]:
    opened = Listener()
    yield opened
    opened.close()


@pytest.fixture
def proxy_in_environment(proxy: Listener, monkeypatch: pytest.MonkeyPatch) -> Listener:
    for name in PROXY_VARIABLES:
        monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        monkeypatch.setenv(name.lower(), f"http://127.0.0.1:{proxy.port}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    return proxy


def _send(notifier: Notifier, destination: Destination) -> DeliveryError | None:
    try:
        asyncio.run(notifier.send(destination, NOTIFICATION))
    except DeliveryError as error:
        return error
    return None


def _webhook(url: str) -> Destination:
    return Destination("webhook", url, secret="s3cret")


def _apprise(url: str) -> Destination:
    return Destination("apprise", url.replace("http://", "json://"))


@pytest.mark.parametrize(
    ("notifier", "destination"),
    [
        (WebhookNotifier(allow_private=True), _webhook),
        (AppriseNotifier(allow_private=True), _apprise),
    ],
    ids=["webhook", "apprise"],
)
def test_a_delivery_goes_direct_whatever_proxy_the_environment_names(
    proxy_in_environment: Listener,
    webhook_receiver: LocalHttpServer,
    notifier: Notifier,
    destination: Callable[[str], Destination],
) -> None:
    error = _send(notifier, destination(f"{webhook_receiver.url}/hook"))

    assert error is None
    assert len(webhook_receiver.requests) == 1
    assert proxy_in_environment.connections == 0


@pytest.mark.parametrize(
    ("notifier", "destination"),
    [(WebhookNotifier(), _webhook), (AppriseNotifier(), _apprise)],
    ids=["webhook", "apprise"],
)
def test_a_private_target_is_refused_and_the_environment_proxy_never_contacted(
    proxy_in_environment: Listener,
    webhook_receiver: LocalHttpServer,
    notifier: Notifier,
    destination: Callable[[str], Destination],
) -> None:
    error = _send(notifier, destination(f"{webhook_receiver.url}/hook"))

    assert error is not None and error.permanent
    assert webhook_receiver.requests == []
    assert proxy_in_environment.connections == 0


def test_what_a_plugin_connects_to_is_checked_not_the_environment_proxy(
    proxy_in_environment: Listener, webhook_receiver: LocalHttpServer
) -> None:
    # As a plugin's own requests.post() would, past the check by name before sending.
    with (
        outbound_guard.bypassing_the_environment(),
        outbound_guard.public_only(),
        pytest.raises(requests.ConnectionError, match="localhost resolves to"),
    ):
        requests.get(f"http://localhost:{webhook_receiver.port}/", timeout=5)

    assert webhook_receiver.requests == []
    assert proxy_in_environment.connections == 0


def test_outside_deliveries_requests_still_reads_the_environment(
    proxy_in_environment: Listener,
) -> None:
    outbound_guard.install()

    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://{PUBLIC_ADDRESS}/", timeout=5)

    assert proxy_in_environment.connections == 1


async def _public_address(host: str) -> list[str]:
    return [PUBLIC_ADDRESS]


@pytest.mark.parametrize(
    ("notifier", "destination"),
    [
        (lambda proxy: WebhookNotifier(proxy=proxy, resolve=_public_address), _webhook),
        (lambda proxy: AppriseNotifier(proxy=proxy), _apprise),
    ],
    ids=["webhook", "apprise"],
)
def test_the_proxy_the_operator_names_is_used_even_on_a_private_address(
    proxy: Listener,
    notifier: Callable[[str], Notifier],
    destination: Callable[[str], Destination],
) -> None:
    error = _send(
        notifier(f"http://127.0.0.1:{proxy.port}"), destination(f"http://{PUBLIC_ADDRESS}/hook")
    )

    # The listener hangs up at once: a failed send, after the proxy was reached.
    assert error is not None and not error.permanent
    assert proxy.connections >= 1


@pytest.mark.parametrize(
    ("notifier", "destination"),
    [
        (lambda proxy: WebhookNotifier(proxy=proxy), _webhook),
        (lambda proxy: AppriseNotifier(proxy=proxy), _apprise),
    ],
    ids=["webhook", "apprise"],
)
def test_through_the_operators_proxy_a_private_target_is_refused_by_name(
    proxy: Listener,
    webhook_receiver: LocalHttpServer,
    notifier: Callable[[str], Notifier],
    destination: Callable[[str], Destination],
) -> None:
    error = _send(
        notifier(f"http://127.0.0.1:{proxy.port}"), destination(f"{webhook_receiver.url}/hook")
    )

    assert error is not None and error.permanent
    assert "private or reserved address" in str(error)
    assert proxy.connections == 0
