"""Few networks cannot speak for many: a network's weight grows with the logarithm of its
reporters, and its share of a service's minute is capped.

Within one report window (REPORT_WINDOW_MINUTES, fixed and aligned), the n-th new reporter of a
network counts only when n is a power of two: 1, 2, 4, 8 ... reporters weigh 1, 2, 3, 4. A
reporter is a network and a User-Agent, so one client rotating its User-Agent adds reporters
but barely weight: 1,000 fresh User-Agents in half an hour count 10, not 1,000. The price is
paid by the many real people behind one address (a mobile carrier's CGNAT, an office): their
network weighs the same. A real outage reaches a carrier's customers through many of its
addresses (CGNAT pools span many /24s, and IPv6 gives each phone its own prefix), so it still
shows as many networks, which is what detection asks for.

Within one minute and one service, a network's reports count only while it has sent fewer
than max(NETWORK_FLOOR, NETWORK_SHARE x all reports of that minute). Reports beyond that are
kept (marked "brigade") but not counted. A brigade that is the whole minute's traffic still
passes this rule; detection answers that case by also requiring many distinct networks.
"""

from __future__ import annotations

from collections import Counter


def counts_for_network(place: int) -> bool:
    """Whether the `place`-th new reporter of a network in a window counts (1, 2, 4, 8 ...)."""
    return place >= 1 and place & (place - 1) == 0


NETWORK_FLOOR = 5  # reports per network per service per minute that always count
NETWORK_SHARE = 0.05  # beyond the floor, a network may send this share of the minute


class NetworkShareGuard:
    """State for the current minutes of one writer; older minutes are dropped as time moves."""

    def __init__(self) -> None:
        self._minute = -1
        self._totals: Counter[int] = Counter()  # service -> reports this minute
        self._by_network: Counter[tuple[int, str]] = Counter()

    def admit(self, *, service_id: int, network_key: str, minute: int) -> bool:
        """Record one report; True if it may count, False if its network is over its share."""
        if minute > self._minute:
            self._minute = minute
            self._totals.clear()
            self._by_network.clear()
        elif minute < self._minute:
            return True  # a late report from a past minute: no state left to judge it by
        self._totals[service_id] += 1
        sent = self._by_network[service_id, network_key]
        allowance = max(NETWORK_FLOOR, NETWORK_SHARE * self._totals[service_id])
        self._by_network[service_id, network_key] = sent + 1
        return sent < allowance
