"""Connections made on a subscriber's behalf reach public addresses only, whoever makes them.

Apprise's plugins connect through requests/urllib3 or smtplib, each resolving the host itself,
so a check made beforehand could be answered differently a moment later (DNS rebinding), and a
redirect or a `?smtp=` parameter could name another host. Every one of those resolves through
`socket.getaddrinfo`, and connects to exactly the addresses it returns: checking them there is
checking what is connected to (the pin). The check applies only inside `public_only()`, a
context variable that Apprise copies into the threads it sends from; everywhere else the
function answers as before.

A proxy would undo the pin: requests reads HTTP_PROXY, HTTPS_PROXY and ALL_PROXY from the
environment, connects to the proxy (so the check sees the proxy's address) and leaves the
subscriber's host to the proxy to resolve. So inside `bypassing_the_environment()`, requests
sessions ignore the environment, which is the operator's and not for hosts a subscriber names
(its proxy variables, and its .netrc, whose passwords would go to a host that matches), and
go direct, or through the one proxy the operator named for notifications.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from outagewatch.notify.webhook import is_public_address

DEFAULT_PROXY_PORTS = {"http": 80, "https": 443}


class PrivateAddressError(OSError):
    """A connection to a private or reserved address was refused (an OSError, so libraries
    report it as the connection failure it is)."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    host: str
    port: int


def proxy_endpoint(proxy: str) -> Endpoint:
    """The host and port a proxy URL (http://proxy.internal:3128) connects to."""
    parts = urlsplit(proxy)
    if not parts.hostname:
        raise ValueError(f"a proxy URL needs a host: {proxy!r}")
    port = parts.port or DEFAULT_PROXY_PORTS.get(parts.scheme.lower(), 80)
    return Endpoint(parts.hostname.lower(), port)


@dataclass(frozen=True, slots=True)
class _PublicOnly:
    proxy: Endpoint | None  # the one private endpoint a delivery may connect to


_public_only: contextvars.ContextVar[_PublicOnly | None] = contextvars.ContextVar(
    "outagewatch_public_only", default=None
)
# Inside bypassing_the_environment(): the proxies requests may use ({} for none).
_delivery_proxies: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "outagewatch_delivery_proxies", default=None
)
_original_getaddrinfo = socket.getaddrinfo
_original_session_request = requests.Session.request
_install_lock = threading.Lock()


def _checked_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    answers = _original_getaddrinfo(host, port, *args, **kwargs)
    rule = _public_only.get()
    if rule is None:
        return answers
    if rule.proxy is not None and _is_endpoint(rule.proxy, host, port):
        return answers  # the operator's proxy, usually on a private network
    for *_, sockaddr in answers:
        text = str(sockaddr[0]).partition("%")[0]  # an IPv6 scope id is not part of it
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise PrivateAddressError(f"{host} resolves to {text!r}, not an address") from None
        if not is_public_address(address):
            raise PrivateAddressError(
                f"{host} resolves to {address}, a private or reserved address"
            )
    return answers


def _is_endpoint(endpoint: Endpoint, host: Any, port: Any) -> bool:
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        number = int(port)
    except (TypeError, ValueError):
        return False
    return name.lower().strip("[]") == endpoint.host and number == endpoint.port


def _request_bypassing_the_environment(
    session: requests.Session, method: str, url: Any, *args: Any, **kwargs: Any
) -> requests.Response:
    proxies = _delivery_proxies.get()
    if proxies is not None:
        # requests.post() makes a session per call, so this changes that call only. Set
        # before the request is prepared, which is when .netrc would be read.
        session.trust_env = False
        session.proxies = dict(proxies)
        kwargs.pop("proxies", None)
    return _original_session_request(session, method, url, *args, **kwargs)


def install() -> None:
    """Route name resolution through the check, and requests sessions through the choice of
    proxy (idempotent; inert outside public_only and bypassing_the_environment)."""
    with _install_lock:
        if socket.getaddrinfo is not _checked_getaddrinfo:
            socket.getaddrinfo = _checked_getaddrinfo
        # Apprise's plugins call requests.post() and friends, which take no session of ours.
        if requests.Session.request is not _request_bypassing_the_environment:
            requests.Session.request = _request_bypassing_the_environment  # type: ignore[assignment]


@contextlib.contextmanager
def public_only(*, proxy: str | None = None) -> Iterator[None]:
    """Within this block (and threads started with a copy of its context), every host that
    is resolved must resolve to public addresses only; but for `proxy`'s host and port."""
    install()
    token = _public_only.set(_PublicOnly(proxy_endpoint(proxy) if proxy else None))
    try:
        yield
    finally:
        _public_only.reset(token)


@contextlib.contextmanager
def bypassing_the_environment(*, proxy: str | None = None) -> Iterator[None]:
    """Within this block (and threads started with a copy of its context), requests ignores
    proxy settings and .netrc from the environment: it connects direct, or through `proxy`."""
    install()
    token = _delivery_proxies.set({"http": proxy, "https": proxy} if proxy else {})
    try:
        yield
    finally:
        _delivery_proxies.reset(token)
