"""The report writer and desk, counted for /metrics: subclasses, so the intake's own code
stays free of instruments and the hot path pays a few increments per batch, not per layer."""

from __future__ import annotations

import time

from outagewatch.operations import metrics
from outagewatch.reports.service import RateLimitedError, ReportDesk, Sender
from outagewatch.reports.writer import (
    Acknowledgement,
    GroupCommitWriter,
    WriterUnavailableError,
)
from outagewatch.storage.records import NewReport


class MeteredWriter(GroupCommitWriter):
    def commit_batch(self, batch: list[NewReport]) -> list[Acknowledgement]:
        started = time.perf_counter()
        acknowledgements = super().commit_batch(batch)
        metrics.COMMIT_SECONDS.observe(time.perf_counter() - started)
        metrics.reports_stored(ack.uncounted_reason for ack in acknowledgements)
        return acknowledgements

    @property
    def queue_depth(self) -> int:
        return self._pending


class MeteredDesk(ReportDesk):
    async def check_rate(self, sender: Sender) -> None:
        try:
            await super().check_rate(sender)
        except RateLimitedError:
            metrics.REFUSED.labels(reason="rate_limited").inc()
            raise

    async def submit(self, report: NewReport) -> Acknowledgement:
        try:
            return await super().submit(report)
        except WriterUnavailableError:
            metrics.REFUSED.labels(reason="unavailable").inc()
            raise
