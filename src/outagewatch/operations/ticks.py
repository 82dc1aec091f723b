"""What this process's detection step did last: read by /readyz and /metrics.

Kept outside the monitor on purpose: the step that calls the tick (worker/detection.py)
records it, so the tick itself stays a pure step that knows nothing about being watched.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from outagewatch.operations import metrics

log = logging.getLogger(__name__)


@dataclass(slots=True)
class TickRecord:
    leading_since: datetime | None = None  # None: this process does not run the ticks now
    last_completed_at: datetime | None = None
    last_duration_seconds: float | None = None
    last_error: str | None = None  # the newest failure since the last tick that worked

    def lead(self, held: bool, *, now: datetime) -> None:
        if not held:
            self.leading_since = None
        elif self.leading_since is None:
            self.leading_since = now

    def completed(self, *, now: datetime, duration_seconds: float) -> None:
        self.last_completed_at = now
        self.last_duration_seconds = duration_seconds
        self.last_error = None
        metrics.tick_completed(at=now, duration_seconds=duration_seconds)
        log.info(
            "detection tick",
            extra={"step": "detection", "duration_ms": round(duration_seconds * 1000, 1)},
        )

    def failed(self, error: BaseException) -> None:
        self.last_error = f"{type(error).__name__}: {error}"[:200]
        metrics.TICK_FAILURES.inc()

    def age(self, *, now: datetime) -> timedelta | None:
        """How long since a tick last worked while this process leads; None if it does not.

        A leader that has not completed one yet counts from when it began to lead, so a
        first tick that never finishes shows as a stall too.
        """
        if self.leading_since is None:
            return None
        since = self.leading_since
        if self.last_completed_at is not None:
            since = max(since, self.last_completed_at)
        return now - since
