"""The country a page request comes from: used for that answer only, never stored."""

from __future__ import annotations

from outagewatch.reports.client import UNKNOWN_PEER, client_address
from outagewatch.reports.service import ReportDesk


def visitor_country(
    desk: ReportDesk | None, *, peer: str | None, forwarded_for: str | None
) -> str | None:
    """ISO alpha-2 of the visitor's address, as reports are placed (the same trusted
    proxies, the same registry data); None while the site is not taking requests yet."""
    if desk is None:
        return None
    address = client_address(peer or UNKNOWN_PEER, forwarded_for, desk.trusted_proxies)
    return desk.countries.country_of(address)
