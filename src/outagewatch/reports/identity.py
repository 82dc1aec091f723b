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
_NAT64_PREFIX = b"\x00\x64\xff\x9b" + bytes(8)  # 64:ff9b::/96, the well-known prefix
_SIX_TO_FOUR_PREFIX = b"\x20\x02"  # 2002::/16
_TEREDO_PREFIX = b"\x20\x01\x00\x00"  # 2001::/32


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
        embedded = _embedded_ipv4(packed)
        if embedded is None:
            return str(ipaddress.IPv6Network((packed[:6] + bytes(10), IPV6_NETWORK_PREFIX)))
        packed = embedded
    return f"{packed[0]}.{packed[1]}.{packed[2]}.0/{IPV4_NETWORK_PREFIX}"


def _embedded_ipv4(packed: bytes) -> bytes | None:
    """The IPv4 address an IPv6 transition form carries, or None for a native IPv6 address.

    Each form reaches the same IPv4 host, so each must count as that host's /24: otherwise
    one machine could report as itself, as its 6to4 address, its NAT64 address and so on.
    """
    if packed.startswith(_IPV4_MAPPED_PREFIX) or packed.startswith(_NAT64_PREFIX):
        return packed[12:]
    if packed.startswith(_SIX_TO_FOUR_PREFIX):  # 2002:AABB:CCDD::/48 carries A.B.C.D
        return packed[2:6]
    if packed.startswith(_TEREDO_PREFIX):  # the client's address, inverted, at the end
        return bytes(byte ^ 0xFF for byte in packed[12:])
    if packed.startswith(bytes(12)) and int.from_bytes(packed[12:]) > 1:  # ::a.b.c.d
        return packed[12:]
    return None


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
