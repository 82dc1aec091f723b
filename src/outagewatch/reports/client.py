"""The client's address, trusting X-Forwarded-For only from configured proxies."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxies:
    """The networks whose X-Forwarded-For we believe, checked with integer arithmetic."""

    def __init__(self, specs: Sequence[str] = ()) -> None:
        networks = [
            ipaddress.ip_network(spec.strip(), strict=False) for spec in specs if spec.strip()
        ]
        # (bits of the family, prefix length, network number), for a check without objects
        self._prefixes = tuple(
            (network.max_prefixlen, network.prefixlen, int(network.network_address))
            for network in networks
        )

    def __bool__(self) -> bool:
        return bool(self._prefixes)

    def __contains__(self, address: str) -> bool:
        if not self._prefixes:
            return False  # the common case: no proxy in front, nothing to parse
        packed = _packed(address)
        if packed is None:
            return False
        number, bits = int.from_bytes(packed), len(packed) * 8
        return any(
            family_bits == bits and number >> (bits - length) == network >> (bits - length)
            for family_bits, length, network in self._prefixes
        )


def _packed(text: str) -> bytes | None:
    """The address as bytes (4 or 16), or None: inet_pton is C, far cheaper than ipaddress."""
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            return socket.inet_pton(family, text)
        except OSError:
            continue
    return None


def _is_address(text: str) -> bool:
    return _packed(text) is not None


UNKNOWN_PEER = "0.0.0.0"  # noqa: S104 - a placeholder address, never bound to  # nosec B104


def client_address(peer: str, forwarded_for: str | None, proxies: TrustedProxies) -> str:
    """The first address, from the right, that is not one of our proxies.

    Each proxy appends the address it received from; anything left of the last untrusted
    hop was written by the client and cannot be believed. A peer that is not an IP address
    (a Unix socket, a test client) becomes UNKNOWN_PEER: all such peers share one network.
    """
    if not _is_address(peer):
        peer = UNKNOWN_PEER
    if not forwarded_for or peer not in proxies:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_address(hop):
            return peer  # a malformed chain: fall back to what we saw ourselves
        if hop not in proxies:
            return hop
    return hops[0] if hops else peer
