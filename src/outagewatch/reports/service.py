"""Submitting a report: who sent it, whether they may, and the wait for its commit."""

from __future__ import annotations

import math
from dataclasses import dataclass

from outagewatch.catalog.model import Service
from outagewatch.clock import Clock
from outagewatch.reports.client import Network, client_address
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


@dataclass(slots=True)
class ReportDesk:
    """Everything between a validated report and its acknowledgement."""

    writer: GroupCommitWriter
    limiter: RateLimiter
    keys: ReporterKeys
    countries: CountryResolver
    clock: Clock
    trusted_proxies: tuple[Network, ...] = ()

    def address_of(self, peer: str, forwarded_for: str | None) -> str:
        return client_address(peer, forwarded_for, self.trusted_proxies)

    async def check_rate(self, address: str) -> None:
        """Raise RateLimitedError when the address's network has used up its reports."""
        network = network_of(address)
        wait = await self.limiter.acquire(network, now=self.clock.now().timestamp())
        if wait > 0:
            raise RateLimitedError(wait)

    async def submit(
        self, *, service: Service, report: ValidReport, address: str, user_agent: str
    ) -> Acknowledgement:
        assert service.id is not None, "services from storage carry their id"
        now = self.clock.now()
        network = network_of(address)
        candidate = Candidate(
            service_id=service.id,
            received_at=now,
            problem=report.problem,
            reporter_key=self.keys.reporter_key(network=network, user_agent=user_agent, now=now),
            network_key=self.keys.network_key(network=network, now=now),
            platform=report.platform or platform_from_user_agent(user_agent),
            country=report.country or self.countries.country_of(address),
            comment=report.comment,
        )
        return await self.writer.submit(candidate)
