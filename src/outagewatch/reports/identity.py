"""Who reported, without keeping who they are.

A reporter is a keyed hash of their network (/24 for IPv4, /48 for IPv6) and user agent. The
key is derived from the installation secret and the UTC date, so keys rotate daily and nobody,
not even we, can map a key back to an address a day later. Raw addresses are never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from datetime import date, datetime
from functools import lru_cache

IPV4_NETWORK_PREFIX = 24
IPV6_NETWORK_PREFIX = 48
KEY_HEX_CHARS = 32  # 128 bits: collisions between reporters are not a practical concern


_IPV4_MAPPED_PREFIX = bytes(10) + b"\xff\xff"


def network_of(address: str) -> str:
    """The network an address belongs to, e.g. '203.0.113.7' -> '203.0.113.0/24'.

    On every report, so it uses the C parser (inet_pton) rather than the ipaddress module,
    which costs about twenty times more; ValueError for anything that is not an address.
    """
    try:
        packed = socket.inet_pton(socket.AF_INET, address)
    except OSError:
        try:
            packed = socket.inet_pton(socket.AF_INET6, address)
        except OSError:
            raise ValueError(f"not an IP address: {address!r}") from None
        if not packed.startswith(_IPV4_MAPPED_PREFIX):
            return str(ipaddress.IPv6Network((packed[:6] + bytes(10), IPV6_NETWORK_PREFIX)))
        packed = packed[12:]
    return f"{packed[0]}.{packed[1]}.{packed[2]}.0/{IPV4_NETWORK_PREFIX}"


class ReporterKeys:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the reporter secret must be at least 16 bytes")
        self._secret = secret

    @lru_cache(maxsize=4)  # noqa: B019 - a handful of days per process; instances live as long
    def _daily_key(self, day: date) -> bytes:
        return hmac.new(self._secret, f"reporters:{day.isoformat()}".encode(), "sha256").digest()

    def _digest(self, message: str, now: datetime) -> str:
        key = self._daily_key(now.date())
        return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]

    def reporter_key(self, *, network: str, user_agent: str, now: datetime) -> str:
        return self._digest(f"r\x00{network}\x00{user_agent}", now)

    def network_key(self, *, network: str, now: datetime) -> str:
        return self._digest(f"n\x00{network}", now)
