"""Submitting a report: who sent it, whether they may, and the wait for its commit."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from outagewatch.basics.services import Service
from outagewatch.clock import Clock
from outagewatch.reports.client import TrustedProxies, client_address
from outagewatch.reports.geo import CountryResolver
from outagewatch.reports.identity import ReporterKeys, network_of
from outagewatch.reports.intake import IntakeError, ValidReport
from outagewatch.reports.platforms import platform_from_user_agent
from outagewatch.reports.ratelimit import RateLimiter
from outagewatch.reports.writer import Acknowledgement, Candidate, GroupCommitWriter


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

    async def submit(
        self, *, service: Service, report: ValidReport, sender: Sender
    ) -> Acknowledgement:
        assert service.id is not None, "services from storage carry their id"
        now = self.clock.now()
        candidate = Candidate(
            service_id=service.id,
            received_at=now,
            problem=report.problem,
            reporter_key=self.keys.reporter_key(
                network=sender.network, user_agent=sender.user_agent, now=now
            ),
            network_key=self.keys.network_key(network=sender.network, now=now),
            platform=report.platform or platform_from_user_agent(sender.user_agent),
            country=report.country or self.countries.country_of(sender.address),
            comment=report.comment,
        )
        return await self.writer.submit(candidate)
