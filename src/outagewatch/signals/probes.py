"""HTTP probes of services' websites, from the server, as evidence beside the reports.

A probe says whether the website answers (and how fast, and whether its certificate is
valid), so a timeline can say "website unreachable" or "website fine, app reports rising".
A 4xx answer still means the site is up (bot walls answer 403); only 5xx, timeouts,
connection and certificate failures count as down.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import httpx

from outagewatch.basics.services import Service
from outagewatch.storage.records import IncidentEvent
from outagewatch.storage.records_operators import ProbeResult
from outagewatch.storage.seams import ProberStore

PROBE_TIMEOUT_SECONDS = 10.0
CALM_INTERVAL = timedelta(minutes=10)  # per service while it has no problem
TROUBLE_INTERVAL = timedelta(minutes=1)  # while its status is not "ok"
USER_AGENT = "OutageWatch-Probe/1 (+https://github.com/outagewatch)"


def describe(result: ProbeResult) -> str:
    """The probe as a sentence for a timeline or a page."""
    if result.ok:
        timing = f" in {result.elapsed_ms} ms" if result.elapsed_ms is not None else ""
        return f"Website responds normally (HTTP {result.status_code}{timing})."
    return f"Website unreachable: {result.error or 'no answer'}."


@dataclass(frozen=True, slots=True)
class ProbeTarget:
    service_id: int
    url: str


class Prober:
    def __init__(
        self,
        store: ProberStore,
        *,
        timeout_seconds: float = PROBE_TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
        concurrency: int = 20,
    ) -> None:
        self.store = store
        self.timeout_seconds = timeout_seconds
        # Injected in tests (a local CA); the system's trust store otherwise.
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.concurrency = concurrency

    def due(self, services: Sequence[Service], *, now: datetime) -> list[ProbeTarget]:
        """Services whose last probe is older than their interval: often while in trouble."""
        last = self.store.probe_results()
        statuses = self.store.statuses()
        targets = []
        for service in services:
            if service.id is None:
                continue
            status = statuses.get(service.id)
            interval = TROUBLE_INTERVAL if status and status.status != "ok" else CALM_INTERVAL
            previous = last.get(service.id)
            if previous is None or now - previous.checked_at >= interval:
                targets.append(ProbeTarget(service.id, service.url))
        return targets

    async def probe_all(
        self, targets: Sequence[ProbeTarget], *, now: datetime
    ) -> list[ProbeResult]:
        """Probe concurrently (bounded), record each result, note flips on open incidents."""
        limit = asyncio.Semaphore(self.concurrency)

        async def one(target: ProbeTarget) -> ProbeResult:
            async with limit:
                return await self.probe(target, now=now)

        results = await asyncio.gather(*(one(target) for target in targets))
        await asyncio.to_thread(self._record, results)
        return list(results)

    async def probe(self, target: ProbeTarget, *, now: datetime) -> ProbeResult:
        started = time.monotonic()  # a duration, not a time of day: no clock to inject
        try:
            async with httpx.AsyncClient(
                verify=self.ssl_context,
                timeout=self.timeout_seconds,
                follow_redirects=True,
                headers={"User-Agent": USER_AGENT},
            ) as client:
                response = await client.get(target.url)
        except httpx.ConnectError as error:
            certificate_problem = _certificate_problem(error)
            return ProbeResult(
                target.service_id,
                now,
                ok=False,
                tls_valid=False if certificate_problem else None,
                error=certificate_problem or f"cannot connect ({_reason(error)})",
            )
        except httpx.TimeoutException:
            return ProbeResult(
                target.service_id,
                now,
                ok=False,
                error=f"timed out after {self.timeout_seconds:g} s",
            )
        except httpx.HTTPError as error:
            return ProbeResult(target.service_id, now, ok=False, error=_reason(error))
        elapsed = round((time.monotonic() - started) * 1000)
        secure = urlsplit(str(response.url)).scheme == "https"
        expires = await self._certificate_expiry(str(response.url)) if secure else None
        ok = response.status_code < 500
        return ProbeResult(
            target.service_id,
            now,
            ok=ok,
            status_code=response.status_code,
            elapsed_ms=elapsed,
            tls_valid=True if secure else None,
            tls_expires_at=expires,
            error=None if ok else f"HTTP {response.status_code}",
        )

    async def _certificate_expiry(self, url: str) -> datetime | None:
        """When the site's certificate ends: httpx does not expose the peer certificate,
        so one more TLS handshake reads it."""
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 443
        try:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection(host, port, ssl=self.ssl_context, server_hostname=host),
                self.timeout_seconds,
            )
        except (OSError, TimeoutError, ssl.SSLError):
            return None
        try:
            certificate = writer.get_extra_info("peercert") or {}
            not_after = certificate.get("notAfter")
            return (
                datetime.fromtimestamp(ssl.cert_time_to_seconds(not_after), UTC)
                if isinstance(not_after, str)
                else None
            )
        finally:
            writer.close()

    def _record(self, results: Sequence[ProbeResult]) -> None:
        store = self.store
        with store.transaction():
            open_incidents = store.open_incidents()
            for result in results:
                before = store.record_probe(result)
                incident = open_incidents.get(result.service_id)
                if incident is None:
                    continue
                full = store.incident(incident.id)
                noted = full is not None and any(e.kind == "probe" for e in full.events)
                # The first probe of an incident says how the site is; later, only changes.
                if not noted or (before is not None and before.ok != result.ok):
                    store.add_incident_event(
                        incident.id, IncidentEvent(result.checked_at, "probe", describe(result))
                    )


def _certificate_problem(error: httpx.ConnectError) -> str | None:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"TLS certificate not valid ({cause.verify_message})"
        cause = cause.__cause__ or cause.__context__
    return None


def _reason(error: Exception) -> str:
    text = str(error).strip()
    return (text or type(error).__name__)[:200]
