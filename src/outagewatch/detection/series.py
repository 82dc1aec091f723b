"""Replaying one series of counts through the production detector: the backtest.

The series becomes what the live monitor reads from storage — reports per minute, which
minutes hold data, and hourly totals — and then goes through the very same steps: the usual
level of detection.baseline learned once an hour (its daily traits once a day), the
windows' measurement and the state machine of detection.verdict, one decision per minute as
a monitor ticking at the end of every minute would make.

Rows every `interval` minutes (inferred from the file: the common spacing of its rows) spread
their count evenly over their minutes; minutes no row covers hold zero reports; a row without
a value (an empty cell, or NaN) means "no data" for its minutes, which is not calm.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import numpy as np

from outagewatch.detection import baseline
from outagewatch.detection.baseline import Usual
from outagewatch.detection.rules import DEFAULT_RULES, Rules
from outagewatch.detection.verdict import (
    DESCRIBED_WINDOW,
    NO_WINDOW,
    OK,
    STATE_WORDS,
    State,
    advance,
)
from outagewatch.detection.windows import Measurement, measure

MINUTES_PER_HOUR = 60
MAX_INTERVAL_MINUTES = 60
INTERVAL_QUANTILE = 10  # percentile of the gaps between rows taken as the file's spacing
MIN_COVERED_MINUTES_PER_HOUR = 30


@dataclass(frozen=True, slots=True)
class SeriesRow:
    timestamp: datetime
    value: float  # NaN: no data for this row's minutes
    networks: float = math.nan  # distinct networks in the row; NaN: unknown


@dataclass(frozen=True, slots=True)
class RowVerdict:
    timestamp: datetime
    value: float
    status: str
    stale: bool  # no recent data: the status is held, not judged
    observed: float  # the deciding window's reports (NaN: no window decided)
    expected: float
    ratio: float
    probability: float
    window_minutes: float


@dataclass(frozen=True, slots=True)
class MinuteSeries:
    """A series as the monitor sees storage: minute by minute from `first_minute`."""

    first_minute: int  # minutes since the Unix epoch
    counts: np.ndarray  # reports per minute (0 where no data)
    covered: np.ndarray  # whether the minute holds data
    networks: np.ndarray | None  # distinct networks per minute, None: unknown everywhere
    interval: int  # minutes per row of the source


def infer_interval(minutes: list[int]) -> int:
    """The file's spacing: a low percentile of the gaps between distinct rows, so a file
    that leaves out its zero minutes is still read at its own resolution."""
    distinct = sorted(set(minutes))
    gaps = np.diff(distinct)
    if not len(gaps):
        return 1
    spacing = round(float(np.percentile(gaps, INTERVAL_QUANTILE)))
    return min(max(spacing, 1), MAX_INTERVAL_MINUTES)


def to_minutes(rows: list[SeriesRow]) -> MinuteSeries:
    by_minute: dict[int, SeriesRow] = {}
    for row in rows:  # a repeated timestamp corrects the earlier row
        by_minute[int(row.timestamp.timestamp() // 60)] = row
    interval = infer_interval(list(by_minute))
    first = min(by_minute)
    length = max(by_minute) - first + interval
    counts = np.zeros(length)
    covered = np.ones(length, dtype=bool)
    networks = np.zeros(length)
    known_networks = False
    for minute, row in sorted(by_minute.items()):
        span = slice(minute - first, minute - first + interval)
        if math.isnan(row.value):
            covered[span] = False
            counts[span] = 0.0
            continue
        counts[span] = row.value / interval
        if not math.isnan(row.networks):
            known_networks = True
            networks[span] = row.networks / interval
        else:
            networks[span] = row.value / interval
    return MinuteSeries(first, counts, covered, networks if known_networks else None, interval)


def hourly_totals(series: MinuteSeries) -> tuple[int, np.ndarray]:
    """(first hour, totals): an hour holds data when half its minutes do, as in storage."""
    first_hour = series.first_minute // MINUTES_PER_HOUR
    offset = series.first_minute - first_hour * MINUTES_PER_HOUR
    hours = -(-(offset + len(series.counts)) // MINUTES_PER_HOUR)
    counts = np.zeros(hours * MINUTES_PER_HOUR)
    covered = np.zeros(hours * MINUTES_PER_HOUR, dtype=bool)
    counts[offset : offset + len(series.counts)] = series.counts
    covered[offset : offset + len(series.covered)] = series.covered
    totals = counts.reshape(hours, MINUTES_PER_HOUR).sum(axis=1)
    seen = covered.reshape(hours, MINUTES_PER_HOUR).sum(axis=1)
    return first_hour, np.where(seen >= MIN_COVERED_MINUTES_PER_HOUR, totals, np.nan)


def usual_by_minute(series: MinuteSeries, rules: Rules) -> Usual:
    """The usual level at every minute, learned hour by hour exactly as the monitor does."""
    first_hour, totals = hourly_totals(series)
    learned = baseline.usual_by_hour(
        totals[None, :],
        first_hour=first_hour,
        hours=range(first_hour, first_hour + len(totals)),
        floor_per_hour=rules.floor_per_hour,
    )
    per_minute = np.array([usual.per_minute[0] for usual in learned])
    noise = np.array([usual.noise[0] for usual in learned])
    known = np.array([usual.learned[0] for usual in learned], dtype=bool)
    start = series.first_minute - first_hour * MINUTES_PER_HOUR
    pick = (start + np.arange(len(series.counts))) // MINUTES_PER_HOUR
    return Usual(per_minute=per_minute[pick], noise=noise[pick], learned=known[pick])


def window_sums(values: np.ndarray, lengths: list[int]) -> np.ndarray:
    """Per minute, the sum over the last `length` minutes including it, per window."""
    cumulative = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    index = np.arange(1, len(values) + 1)
    return np.stack(
        [cumulative[index] - cumulative[np.maximum(index - n, 0)] for n in lengths], axis=1
    )


def _light(
    counts: np.ndarray,
    networks: np.ndarray,
    covered: np.ndarray,
    lengths: list[int],
    rules: Rules,
) -> tuple[np.ndarray, np.ndarray]:
    """What a file's `networks` column tells, as near to the live brigade rule as it can.

    A row says how many networks sent its reports, not which. So within a row, a network
    counts for at most Rules.heavy_network_reports reports. Across rows, networks that send
    several reports each (a brigade's profile) are taken to be the same networks again —
    their window holds as many networks as its largest such row — while rows of about one
    report per network (people, each reporting once) add their networks up.
    """
    networks = np.where(covered, networks, 0.0)
    light = np.minimum(counts, networks * rules.heavy_network_reports)
    crowded = light > rules.instant_reports_per_network * np.maximum(networks, 1e-9)
    spread_out = window_sums(np.where(crowded, 0.0, networks), lengths)
    repeated = np.stack([_rolling_max(np.where(crowded, networks, 0.0), n) for n in lengths], 1)
    return light, spread_out + repeated


def _rolling_max(values: np.ndarray, length: int) -> np.ndarray:
    """Per minute, the largest value of the last `length` minutes including it."""
    result = values.copy()
    for back in range(1, min(length, len(values))):
        np.maximum(result[back:], values[:-back], out=result[back:])
    return result


def replay(
    rows: Iterable[SeriesRow] | Iterable[tuple[datetime, float]], rules: Rules = DEFAULT_RULES
) -> list[RowVerdict]:
    """One verdict per row, in input order: the state at the end of the row's minutes."""
    given = [row if isinstance(row, SeriesRow) else SeriesRow(row[0], row[1]) for row in rows]
    if not given:
        return []
    series = to_minutes(given)
    lengths = [max(round(w), series.interval) for w in rules.window_minutes()]
    data = np.where(series.covered, series.counts, 0.0)
    observed = window_sums(data, lengths)
    covered = window_sums(series.covered.astype(np.float64), lengths)
    networks = None
    if series.networks is not None:
        data, networks = _light(data, series.networks, series.covered, lengths, rules)
        observed = window_sums(data, lengths)
    usual = usual_by_minute(series, rules)
    m = measure(
        observed,
        covered,
        usual,
        rules=rules,
        window_minutes=[float(n) for n in lengths],
        networks=networks,
    )
    statuses, windows, stale = _run(m, lengths, rules)
    verdicts = []
    for row in given:
        minute = int(row.timestamp.timestamp() // 60) - series.first_minute + series.interval - 1
        window = int(windows[minute])
        evidence = (
            (math.nan, math.nan, math.nan, 1.0, 0.0)
            if window == NO_WINDOW
            else (
                float(m.observed[minute, window]),
                float(m.expected[minute, window]),
                float(m.ratio[minute, window]),
                float(m.probability[minute, window]),
                float(lengths[window]),
            )
        )
        status = STATE_WORDS[statuses[minute]]
        verdicts.append(RowVerdict(row.timestamp, row.value, status, stale[minute], *evidence))
    return verdicts


def _run(
    m: Measurement, lengths: list[int], rules: Rules
) -> tuple[list[int], list[int], list[bool]]:
    """The state machine minute by minute (plain lists: this loop is the replay's cost)."""
    window_minutes = [float(n) for n in lengths]
    opens_possible: list[list[bool]] = m.opens_possible.tolist()
    opens_major: list[list[bool]] = m.opens_major.tolist()
    concentrated: list[list[bool]] = m.concentrated.tolist()
    still: list[bool] = m.still.tolist()
    still_major: list[bool] = m.still_major.tolist()
    watch: list[int] = m.watch_window.tolist()
    has_data: list[bool] = m.has_data.tolist()
    any_opening = cast(list[bool], (m.opens_possible | m.opens_major).any(axis=1).tolist())
    described = DESCRIBED_WINDOW if len(lengths) > DESCRIBED_WINDOW else 0
    state = State()
    statuses: list[int] = []
    windows: list[int] = []
    stale: list[bool] = []
    for minute in range(len(has_data)):
        if (
            state.status == OK
            and has_data[minute]
            and not any_opening[minute]
            and not state.pending_minutes
            and not state.stale
        ):
            # Nothing going on: what `advance` would give, as `decide` does for a tick.
            state = State(
                minutes_in_status=state.minutes_in_status + 1.0,
                calm_minutes=0.0 if still[minute] else state.calm_minutes + 1.0,
                quiet_major_minutes=0.0 if still_major[minute] else state.quiet_major_minutes + 1,
            )
            statuses.append(OK)
            windows.append(described)
            stale.append(False)
            continue
        state, window = advance(
            state,
            opens_possible=opens_possible[minute],
            opens_major=opens_major[minute],
            concentrated=concentrated[minute],
            still=still[minute],
            still_major=still_major[minute],
            watch_window=watch[minute],
            has_data=has_data[minute],
            step_minutes=1.0,
            window_minutes=window_minutes,
            rules=rules,
        )
        statuses.append(state.status)
        windows.append(window)
        stale.append(state.stale)
    return statuses, windows, stale
