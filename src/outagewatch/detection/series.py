"""Replaying one series of counts through the production rules: the backtest.

A row's status depends only on that row and the rows before it: the interval, the usual
level and the state are all computed from what has been seen so far, so truncating the
input never changes an earlier line.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from statistics import median

import numpy as np

from outagewatch.detection.rules import DEFAULT_RULES, Rules
from outagewatch.detection.verdict import OK, STATE_WORDS, decide

MINUTES_PER_DAY = 1440
MIN_INTERVAL_MINUTES = 1.0
MAX_INTERVAL_MINUTES = 60.0
INTERVAL_SAMPLE = 50  # recent gaps looked at to infer the interval
MIN_HISTORY_MINUTES = 360  # before six hours of history nothing is usual: all "ok"
RECENT_HOURS = 24
USUAL_REFRESH_MINUTES = 5.0


@dataclass(frozen=True, slots=True)
class RowVerdict:
    timestamp: datetime
    value: float
    status: str
    observed: float
    expected: float
    ratio: float
    probability: float
    window_minutes: float


class SeriesDetector:
    """Feed rows one at a time; each answer uses only what was fed before."""

    def __init__(self, rules: Rules = DEFAULT_RULES) -> None:
        self.rules = rules
        self._minutes: list[float] = []  # sorted timestamps, in minutes
        self._values: list[float] = []
        self._masked: list[bool] = []  # rows seen during a problem: not "usual"
        self._gaps: list[float] = []
        self._state = np.array([OK])
        self._calm = np.zeros(1)
        self._quiet_major = np.zeros(1)
        self._since_recovery = np.full(1, np.inf)
        self._pending = np.zeros(1)
        self._now: float | None = None
        self._usual_bucket: int | None = None
        self._usual = 0.0

    def feed(self, timestamp: datetime, value: float) -> RowVerdict:
        minute = timestamp.timestamp() / 60
        self._remember(minute, value)
        now = minute if self._now is None else max(self._now, minute)
        step = 0.0 if self._now is None else now - self._now
        self._now = now
        interval = self._interval()
        if interval is None or now - self._minutes[0] < MIN_HISTORY_MINUTES:
            return RowVerdict(timestamp, value, "ok", value, float("nan"), float("nan"), 1.0, 0)
        usual_per_minute = self._usual_cached(now, interval)
        windows = [max(w.total_seconds() / 60, interval) for w in self.rules.windows]
        observed = np.array([[self._sum_since(now - w) for w in windows]])
        expected = np.array([[usual_per_minute * w for w in windows]])
        decision = decide(
            observed,
            expected,
            previous=self._state,
            calm_minutes=self._calm,
            quiet_major_minutes=self._quiet_major,
            minutes_since_recovery=self._since_recovery,
            pending_minutes=self._pending,
            step_minutes=step,
            light_reports=None,
            rules=self.rules,
            window_minutes=windows,
        )
        self._state, self._calm = decision.state, decision.calm_minutes
        self._quiet_major = decision.strong_minutes
        self._since_recovery = decision.minutes_since_recovery
        self._pending = decision.pending_minutes
        status = STATE_WORDS[int(decision.state[0])]
        if status != "ok" and value / interval > self.rules.calm_ratio * usual_per_minute:
            # Only the unusual rows of a problem are kept out of what is "usual": masking
            # every row of a false alarm would lower the usual level and feed more alarms.
            self._mask(minute)
        evidence = decision.evidence
        return RowVerdict(
            timestamp=timestamp,
            value=value,
            status=status,
            observed=float(evidence.observed[0]),
            expected=float(evidence.expected[0]),
            ratio=float(evidence.ratio[0]),
            probability=float(evidence.probability[0]),
            window_minutes=windows[int(evidence.window[0])],
        )

    # -- history ---------------------------------------------------------------------------

    def _remember(self, minute: float, value: float) -> None:
        index = bisect.bisect_left(self._minutes, minute)
        if index < len(self._minutes) and self._minutes[index] == minute:
            self._values[index] = value  # a repeated timestamp corrects the earlier row
            return
        if index > 0:
            self._gaps.append(minute - self._minutes[index - 1])
        self._minutes.insert(index, minute)
        self._values.insert(index, value)
        self._masked.insert(index, False)

    def _mask(self, minute: float) -> None:
        index = bisect.bisect_left(self._minutes, minute)
        if index < len(self._minutes) and self._minutes[index] == minute:
            self._masked[index] = True

    def _interval(self) -> float | None:
        """Minutes per row: the median of recent gaps, within 1 minute to 1 hour."""
        gaps = [gap for gap in self._gaps[-INTERVAL_SAMPLE:] if gap > 0]
        if not gaps:
            return None
        return min(max(median(gaps), MIN_INTERVAL_MINUTES), MAX_INTERVAL_MINUTES)

    def _sum_since(self, start: float) -> float:
        """Sum of rows in (start, now]."""
        low = bisect.bisect_right(self._minutes, start)
        high = bisect.bisect_right(self._minutes, self._now or start)
        return float(sum(self._values[low:high]))

    def _rates(self, start: float, end: float, interval: float) -> list[float]:
        """Per-minute rates of the unmasked rows in [start, end)."""
        low = bisect.bisect_left(self._minutes, start)
        high = bisect.bisect_left(self._minutes, end)
        return [self._values[i] / interval for i in range(low, high) if not self._masked[i]]

    def _usual_cached(self, now: float, interval: float) -> float:
        """The usual level, learned again once per bucket of time: it moves slowly, and
        learning it is most of a row's cost. Depends only on rows already fed."""
        bucket = int(now // max(USUAL_REFRESH_MINUTES, interval))
        if self._usual_bucket != bucket:
            self._usual_bucket = bucket
            self._usual = self._usual_per_minute(now, interval)
        return self._usual

    def _usual_per_minute(self, now: float, interval: float) -> float:
        """Median of the same time of day on past days; else recent busy level; floored."""
        rules = self.rules
        halfwidth = max(rules.seasonal_halfwidth.total_seconds() / 60, interval / 2)
        daily_levels = []
        for day in range(1, rules.seasonal_days + 1):
            centre = now - day * MINUTES_PER_DAY
            rates = self._rates(centre - halfwidth, centre + halfwidth, interval)
            if rates:
                daily_levels.append(sum(rates) / len(rates))
        longest_window = max(w.total_seconds() / 60 for w in rules.windows)
        recent = self._rates(now - RECENT_HOURS * 60, now - longest_window, interval)
        if not recent:  # very short history: everything before the current row
            recent = self._rates(float("-inf"), now - interval / 2, interval)
        # Until two past days show the time of day, the busy hours of the last day set the
        # usual level (a high quantile, not the median): a daily peak is not an outage.
        recent_level = float(np.quantile(recent, rules.cold_start_quantile)) if recent else 0.0
        level = median(daily_levels) if len(daily_levels) >= 2 else recent_level
        return max(level, rules.floor_per_hour / 60)


def replay(
    rows: Iterable[tuple[datetime, float]], rules: Rules = DEFAULT_RULES
) -> Iterator[RowVerdict]:
    detector = SeriesDetector(rules)
    for timestamp, value in rows:
        yield detector.feed(timestamp, value)
