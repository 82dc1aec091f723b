"""The client's address, trusting X-Forwarded-For only from configured proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(specs: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(spec.strip(), strict=False) for spec in specs if spec.strip())


def _is_trusted(address: str, proxies: Sequence[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in proxies)


UNKNOWN_PEER = "0.0.0.0"  # noqa: S104 - a placeholder address, never bound to


def client_address(peer: str, forwarded_for: str | None, proxies: Sequence[Network]) -> str:
    """The first address, from the right, that is not one of our proxies.

    Each proxy appends the address it received from; anything left of the last untrusted
    hop was written by the client and cannot be believed. A peer that is not an IP address
    (a Unix socket, a test client) becomes UNKNOWN_PEER: all such peers share one network.
    """
    try:
        ipaddress.ip_address(peer)
    except ValueError:
        peer = UNKNOWN_PEER
    if not forwarded_for or not _is_trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: fall back to what we saw ourselves
        if not _is_trusted(hop, proxies):
            return hop
    return hops[0] if hops else peer
