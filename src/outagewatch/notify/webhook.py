"""The webhook channel: a signed JSON POST, and the guard that keeps it off private networks.

The guard resolves the webhook's host and refuses private addresses; the POST then goes to
the very address it checked (the Host header and TLS name stay the host's), so a DNS server
that answers a public address to the check and a private one a moment later (rebinding)
gets nowhere. Proxies in the environment are ignored (they would receive the request instead
and reach whatever they like); only a proxy the operator names for notifications is used.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

import httpx

from outagewatch.clock import Clock, SystemClock
from outagewatch.notify.protocol import DeliveryError, Destination, Notification

USER_AGENT = "OutageWatch-Webhook/1"
DELIVERY_HEADER = "X-OutageWatch-Delivery"
TIMESTAMP_HEADER = "X-OutageWatch-Timestamp"
SIGNATURE_HEADER = "X-OutageWatch-Signature"
RESOLVE_TIMEOUT_SECONDS = 5.0
# Request Timeout and Too Many Requests say "later", unlike the rest of the 4xx answers.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 429})


def sign(secret: str, timestamp: int, body: bytes | str) -> str:
    """The signature header's value. The timestamp is signed too, so a captured request
    cannot be replayed later with a fresh timestamp."""
    payload = body.encode() if isinstance(body, str) else body
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes | str,
    *,
    now: datetime,
    tolerance_seconds: float = 300,
) -> bool:
    """Whether a received request was signed with `secret` within `tolerance_seconds` of now."""
    by_name = {name.lower(): value for name, value in headers.items()}
    try:
        timestamp = int(by_name[TIMESTAMP_HEADER.lower()])
        signature = by_name[SIGNATURE_HEADER.lower()]
    except (KeyError, ValueError):
        return False
    if abs(now.timestamp() - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body).encode(), signature.encode())


def is_public_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:10.0.0.1 reaches 10.0.0.1
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        # Also shared address space (100.64.0.0/10), which is neither private nor global.
        or not address.is_global
    )


Resolver = Callable[[str], Awaitable[list[str]]]


async def system_resolve(host: str) -> list[str]:
    """The host's addresses, as the system resolver gives them (a literal address: itself)."""
    answers = await asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [str(socket_address[0]).partition("%")[0] for *_, socket_address in answers]


async def check_public_host(
    host: str, *, allow_private: bool, resolve: Resolver = system_resolve
) -> list[str]:
    """The host's addresses; a permanent DeliveryError if any is not public (unless
    `allow_private`), a transient one if the name cannot be resolved now."""
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT_SECONDS):
            addresses = await resolve(host)
    except OSError as error:  # also TimeoutError, and gaierror: DNS may be down for a while
        raise DeliveryError(f"cannot resolve {host}: {error}", permanent=False) from error
    if not addresses:
        raise DeliveryError(f"cannot resolve {host}: no address", permanent=False)
    for text in addresses:
        address = ipaddress.ip_address(text)
        if not allow_private and not is_public_address(address):
            raise DeliveryError(
                f"{host} resolves to {address}, a private or reserved address; "
                "only public hosts may receive notifications",
                permanent=True,
            )
    return addresses


@dataclass(frozen=True, slots=True)
class PinnedTarget:
    """Where to send: the checked address in the URL, the name in Host and in TLS."""

    url: httpx.URL
    host_header: str
    tls_name: str | None  # for https: the name the certificate must carry (and SNI)


def pin(url: httpx.URL, address: str) -> PinnedTarget:
    host = url.raw_host.decode("ascii")
    return PinnedTarget(
        url=url.copy_with(host=address),
        host_header=url.netloc.decode("ascii"),  # with the port when it is not the default
        tls_name=host if url.scheme == "https" else None,
    )


def by_name(url: str) -> PinnedTarget:
    """`url` as it is, for a proxy to resolve."""
    parsed = httpx.URL(url)
    return PinnedTarget(url=parsed, host_header=parsed.netloc.decode("ascii"), tls_name=None)


async def check_public_url(
    url: str, *, allow_private: bool, resolve: Resolver = system_resolve
) -> PinnedTarget:
    """Where to send a notification for `url`: a permanent DeliveryError unless `url` is
    http(s) and, unless `allow_private`, its host resolves only to public addresses."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise DeliveryError(f"not a valid URL: {error}", permanent=True) from error
    # Checked even when private addresses are allowed: no other scheme can be delivered.
    if parsed.scheme not in ("http", "https"):
        raise DeliveryError(f"only http and https URLs can be used, not {url!r}", permanent=True)
    if not parsed.raw_host:
        raise DeliveryError(f"the URL has no host: {url!r}", permanent=True)
    # raw_host is the IDNA form, the name DNS and the certificate know.
    host = parsed.raw_host.decode("ascii")
    addresses = await check_public_host(host, allow_private=allow_private, resolve=resolve)
    return pin(parsed, addresses[0])


class WebhookNotifier:
    def __init__(
        self,
        *,
        timeout_seconds: float = 10.0,
        allow_private: bool = False,
        clock: Clock | None = None,
        resolve: Resolver = system_resolve,
        ssl_context: ssl.SSLContext | None = None,
        proxy: str | None = None,
    ) -> None:
        """`proxy`: the operator's proxy for notifications. Proxies set in the environment
        are never used: the request would go wherever they lead, unchecked."""
        self._proxy = proxy
        self._timeout_seconds = timeout_seconds
        self._allow_private = allow_private
        self._clock = clock or SystemClock()
        self._resolve = resolve
        self._verify: ssl.SSLContext | bool = ssl_context or True

    async def send(self, destination: Destination, notification: Notification) -> None:
        target = await check_public_url(
            destination.address, allow_private=self._allow_private, resolve=self._resolve
        )
        if self._proxy is not None:
            # Through a proxy's tunnel the TLS name would be the pinned address, which no
            # certificate names; so the proxy gets the name checked above, and resolves it.
            target = by_name(destination.address)
        if not destination.secret:
            raise DeliveryError("the webhook has no signing secret", permanent=True)
        body = json.dumps(notification.data, separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(self._clock.now().timestamp())
        headers = {
            "Host": target.host_header,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            DELIVERY_HEADER: notification.key,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(destination.secret, timestamp, body),
        }
        try:
            # A client per send: sends are seconds apart at most, and a shared client would
            # be tied to one event loop and need closing by whoever owns the notifier.
            async with httpx.AsyncClient(
                timeout=self._timeout_seconds,
                follow_redirects=False,
                verify=self._verify,
                trust_env=False,
                proxy=self._proxy,
            ) as client:
                response = await client.post(
                    target.url,
                    content=body,
                    headers=headers,
                    extensions={"sni_hostname": target.tls_name} if target.tls_name else {},
                )
        except httpx.TimeoutException as error:
            raise DeliveryError(
                f"the webhook did not answer within {self._timeout_seconds:g} s", permanent=False
            ) from error
        except httpx.HTTPError as error:
            raise DeliveryError(
                f"the webhook is unreachable: {type(error).__name__}: {error}", permanent=False
            ) from error
        _raise_unless_accepted(response)


def _raise_unless_accepted(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    answer = f"the webhook answered {status} {response.reason_phrase}"
    if 300 <= status < 400:
        # A redirect is not followed: it could lead past the address check to a private host.
        location = response.headers.get("Location", "nowhere")
        raise DeliveryError(
            f"{answer}, redirecting to {location}; redirects are not followed, "
            "so the webhook URL needs updating",
            permanent=False,
        )
    permanent = 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS
    raise DeliveryError(answer, permanent=permanent)
