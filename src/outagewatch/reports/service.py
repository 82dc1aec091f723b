"""Submitting a report: who sent it, whether they may, and the wait for its commit."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from outagewatch.clock import Clock
from outagewatch.reports.client import TrustedProxies, client_address
from outagewatch.reports.geo import CountryResolver
from outagewatch.reports.identity import ReporterKeys, network_of
from outagewatch.reports.intake import Arrival, IntakeError
from outagewatch.reports.platforms import platform_from_user_agent
from outagewatch.reports.ratelimit import RateLimiter
from outagewatch.reports.writer import Acknowledgement, GroupCommitWriter
from outagewatch.storage.records import NewReport


class RateLimitedError(IntakeError):
    def __init__(self, retry_after_seconds: float) -> None:
        super().__init__(429, "Too many reports from your network; try again shortly.")
        self.retry_after_seconds = max(1, math.ceil(retry_after_seconds))


@dataclass(frozen=True, slots=True)
class Sender:
    """Where a request came from. Held only while the request is answered, never stored."""

    address: str
    network: str
    user_agent: str


@dataclass(slots=True)
class ReportDesk:
    """Everything between a validated report and its acknowledgement."""

    writer: GroupCommitWriter
    limiter: RateLimiter
    keys: ReporterKeys
    countries: CountryResolver
    clock: Clock
    trusted_proxies: TrustedProxies = field(default_factory=TrustedProxies)

    def sender(self, *, peer: str, forwarded_for: str | None, user_agent: str) -> Sender:
        address = client_address(peer, forwarded_for, self.trusted_proxies)
        return Sender(address=address, network=network_of(address), user_agent=user_agent)

    async def check_rate(self, sender: Sender) -> None:
        """Raise RateLimitedError when the sender's network has used up its reports."""
        now = self.clock.now()
        # Keyed like the stored reports: Redis then holds no network in the clear.
        network_key = self.keys.network_key(network=sender.network, now=now)
        wait = await self.limiter.acquire(network_key, now=now.timestamp())
        if wait > 0:
            raise RateLimitedError(wait)

    def arrival(self, sender: Sender) -> Arrival:
        """The report's arrival: now, the sender's keys for today, and what the User-Agent and
        the address say of platform and country (the report's own words win over these)."""
        now = self.clock.now()
        return Arrival(
            received_at=now,
            reporter_key=self.keys.reporter_key(
                network=sender.network, user_agent=sender.user_agent, now=now
            ),
            network_key=self.keys.network_key(network=sender.network, now=now),
            platform=platform_from_user_agent(sender.user_agent),
            country=self.countries.country_of(sender.address),
        )

    async def submit(self, report: NewReport) -> Acknowledgement:
        return await self.writer.submit(report)
