"""Demo mode's simulated visitors: every second, the leader sends a second's worth of
reports through the real report writer, so de-duplication, counts, detection and live
pages all run for real (demo.py makes the reports)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from outagewatch import demo
from outagewatch.reports.writer import Acknowledgement
from outagewatch.storage.records import NewReport

log = logging.getLogger(__name__)

EVERY_SECONDS = 1.0  # LiveTraffic makes one second's reports per call


class DemoTraffic:
    def __init__(
        self,
        traffic: demo.LiveTraffic,
        *,
        submit: Callable[[NewReport], Awaitable[Acknowledgement]],
        truth: Path,
        leading: Callable[[], bool],
    ) -> None:
        self.traffic = traffic
        self._submit = submit
        self._truth = truth
        self._leading = leading

    async def send(self, now: datetime) -> bool:
        """One second's reports, from the leader only (one simulated crowd per site)."""
        if not self._leading():
            return False
        batch, injected = self.traffic.candidates(now)
        if injected is not None:
            log.info("demo: injecting an outage of %s", injected.slug)
            demo.record_truth(self._truth, [injected])
        results = await asyncio.gather(
            *(self._submit(candidate) for candidate in batch), return_exceptions=True
        )
        failures = [result for result in results if isinstance(result, Exception)]
        if failures:
            log.warning("demo: %d simulated reports were refused: %s", len(failures), failures[0])
        return bool(batch)
