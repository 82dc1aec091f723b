"""Connections made on a subscriber's behalf reach public addresses only, whoever makes them.

Apprise's plugins connect through requests/urllib3 or smtplib, each resolving the host itself,
so a check made beforehand could be answered differently a moment later (DNS rebinding), and a
redirect or a `?smtp=` parameter could name another host. Every one of those resolves through
`socket.getaddrinfo`, and connects to exactly the addresses it returns: checking them there is
checking what is connected to (the pin). The check applies only inside `public_only()`, a
context variable that Apprise copies into the threads it sends from; everywhere else the
function answers as before.
"""

from __future__ import annotations

import contextlib
import contextvars
import ipaddress
import socket
import threading
from collections.abc import Iterator
from typing import Any

from outagewatch.notify.webhook import is_public_address


class PrivateAddressError(OSError):
    """A connection to a private or reserved address was refused (an OSError, so libraries
    report it as the connection failure it is)."""


_public_only: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "outagewatch_public_only", default=False
)
_original_getaddrinfo = socket.getaddrinfo
_install_lock = threading.Lock()


def _checked_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    answers = _original_getaddrinfo(host, port, *args, **kwargs)
    if not _public_only.get():
        return answers
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


def install() -> None:
    """Route name resolution through the check (idempotent; inert outside public_only)."""
    with _install_lock:
        if socket.getaddrinfo is not _checked_getaddrinfo:
            socket.getaddrinfo = _checked_getaddrinfo


@contextlib.contextmanager
def public_only() -> Iterator[None]:
    """Within this block (and threads started with a copy of its context), every host that
    is resolved must resolve to public addresses only."""
    install()
    token = _public_only.set(True)
    try:
        yield
    finally:
        _public_only.reset(token)
