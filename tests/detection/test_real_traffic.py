"""The detector on the situations real traffic is full of, replayed minute by minute.

Each test is one row of the table in the detection issue: what the status did then, and
what it must do now. Series are per minute, start on a Monday, carry three weeks of history
and noise wider than Poisson; every figure comes from a fixed seed.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np

from outagewatch.detection.series import RowVerdict, SeriesRow, replay

START = datetime(2026, 2, 2, tzinfo=UTC)  # a Monday
DAY = 1440
HISTORY_DAYS = 21


def _usual(days: int, per_hour: float, *, weekend: float = 1.0, holidays: tuple[int, ...] = ()):  # type: ignore[no-untyped-def]
    """Expected reports per minute: a daily rhythm (peak 15:00), weekends and holidays."""
    minute = np.arange(days * DAY)
    hour = (minute % DAY) / 60
    daily = 1 + 0.6 * np.cos((hour - 15) / 24 * 2 * math.pi)
    day = minute // DAY
    factor = np.where(day % 7 >= 5, weekend, 1.0)
    factor = np.where(np.isin(day, holidays), 2.0, factor)
    return per_hour / 60 * daily * factor


def _counts(rates: np.ndarray, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    result: np.ndarray = rng.poisson(rates * rng.gamma(10, 1 / 10, size=rates.shape))
    return result


def _rows(counts: np.ndarray) -> list[tuple[datetime, float]]:
    return [(START + timedelta(minutes=i), float(c)) for i, c in enumerate(counts.tolist())]


def _statuses(verdicts: list[RowVerdict]) -> list[str]:
    return [verdict.status for verdict in verdicts]


def _flips(statuses: list[str], since: int = 0) -> int:
    return sum(
        1 for before, after in pairwise(statuses[since:]) if before == "ok" and after != "ok"
    )


def _first_ok_from(statuses: list[str], minute: int) -> int:
    return next(i for i in range(minute, len(statuses)) if statuses[i] == "ok") - minute


def test_weekends_and_holidays_at_twice_the_weekday_level_raise_at_most_one_short_alarm() -> None:
    """Weekends are learned; a holiday's first hour at 2x, before the level has followed it,
    may show "Possible problems" once, briefly, never "Major outage"."""
    for per_hour in (60.0, 400.0):
        rates = _usual(35, per_hour, weekend=2.0, holidays=(24, 31))

        statuses = _statuses(replay(_rows(_counts(rates))))

        measured = statuses[HISTORY_DAYS * DAY :]
        assert _flips(measured) <= 1, per_hour
        assert "major" not in measured
        assert sum(status != "ok" for status in measured) <= 30


def test_a_big_outage_is_back_to_no_issues_within_minutes_of_reports_returning() -> None:
    """The TikTok shape of 6 July 2021: up to 50x in ten minutes, two hours, a slow fall."""
    rates = _usual(HISTORY_DAYS + 1, 400.0)
    onset = HISTORY_DAYS * DAY + 6 * 60
    rise, plateau, fall = 10, 120, 30
    shape = np.concatenate(
        [np.linspace(1, 50, rise), np.full(plateau, 50.0), np.linspace(50, 1, fall)]
    )
    rates[onset : onset + len(shape)] *= shape
    back = onset + len(shape)

    statuses = _statuses(replay(_rows(_counts(rates))))

    assert "major" in statuses[onset : onset + 5]
    assert _first_ok_from(statuses, back) <= 10
    assert _flips(statuses, since=back) == 0


def test_a_fourteen_hour_outage_steps_down_once_and_ends_on_time() -> None:
    rates = _usual(HISTORY_DAYS + 1, 60.0)
    onset = HISTORY_DAYS * DAY + 2 * 60
    length = 14 * 60
    decay = np.geomspace(30, 1.5, length)  # reports decaying from 30x to 1.5x
    rates[onset : onset + length] *= decay
    end = onset + length
    above_four = onset + int(np.flatnonzero(decay < 4)[0])

    statuses = _statuses(replay(_rows(_counts(rates))))

    during = statuses[onset:end]
    changes = [b + ">" + a for b, a in pairwise(during) if a != b]
    assert changes[:2] == ["possible>major", "major>possible"]  # up, then down once
    assert "possible>major" not in changes[1:]
    assert "ok" not in statuses[onset + 5 : above_four]
    assert _first_ok_from(statuses, end) <= 10


def test_a_small_service_with_sixty_reports_in_twenty_minutes_is_a_major_outage() -> None:
    counts = _counts(_usual(HISTORY_DAYS + 1, 0.5))
    onset = HISTORY_DAYS * DAY + 14 * 60
    counts[onset : onset + 20] += 3

    statuses = _statuses(replay(_rows(counts)))

    assert "major" in statuses[onset : onset + 25]


def test_a_slow_rise_is_flagged_before_it_reaches_four_times_the_usual_level() -> None:
    rates = _usual(HISTORY_DAYS + 1, 60.0)
    onset = HISTORY_DAYS * DAY + 12 * 60
    rates[onset : onset + 180] *= np.linspace(1, 8, 180)
    reaches_four = onset + int(180 * 3 / 7)

    statuses = _statuses(replay(_rows(_counts(rates))))

    first_flag = next(i for i in range(onset, onset + 180) if statuses[i] != "ok")
    assert first_flag < reaches_four


def test_a_data_gap_during_an_outage_holds_the_status_as_stale() -> None:
    counts = _counts(_usual(HISTORY_DAYS + 1, 400.0))
    onset = HISTORY_DAYS * DAY + 6 * 60
    counts[onset : onset + 8 * 60] *= 20  # an outage of eight hours...
    gap = slice(onset + 60, onset + 7 * 60)  # ...of which six without data
    rows = [
        SeriesRow(moment, math.nan if gap.start <= i < gap.stop else value)
        for i, (moment, value) in enumerate(_rows(counts))
    ]

    verdicts = replay(rows)

    in_gap = verdicts[gap.start + 5 : gap.stop]
    assert {v.status for v in in_gap} == {"major"}
    assert all(v.stale for v in in_gap)
    after = verdicts[gap.stop : onset + 8 * 60]
    assert {v.status for v in after} == {"major"}
    assert not any(v.stale for v in after[5:])


def test_an_outage_that_ends_in_a_gap_is_over_minutes_after_data_returns() -> None:
    counts = _counts(_usual(HISTORY_DAYS + 1, 400.0))
    onset = HISTORY_DAYS * DAY + 6 * 60
    counts[onset : onset + 2 * 60] *= 20
    gap = slice(onset + 60, onset + 4 * 60)
    rows = [
        SeriesRow(moment, math.nan if gap.start <= i < gap.stop else value)
        for i, (moment, value) in enumerate(_rows(counts))
    ]

    statuses = _statuses(replay(rows))

    assert statuses[gap.stop - 1] == "major"  # never "No issues" through the gap
    assert _first_ok_from(statuses, gap.stop) <= 10


def test_zero_minutes_left_out_of_the_file_are_read_as_zero_reports() -> None:
    counts = _counts(_usual(HISTORY_DAYS + 1, 12.0))
    onset = HISTORY_DAYS * DAY + 12 * 60
    counts[onset : onset + 30] += 6
    every_minute = _rows(counts)
    sparse = [row for row in every_minute if row[1] > 0]  # a file that omits quiet minutes

    full = replay(every_minute)
    thinned = replay(sparse)

    by_time = {verdict.timestamp: verdict.status for verdict in full}
    assert [v.status for v in thinned] == [by_time[v.timestamp] for v in thinned]
    statuses = _statuses(full)
    assert "major" in statuses[onset : onset + 30]
    assert _first_ok_from(statuses, onset + 30) <= 10


def test_a_short_burst_may_show_possible_problems_but_never_a_major_outage() -> None:
    rates = _usual(HISTORY_DAYS + 1, 5000.0)
    onset = HISTORY_DAYS * DAY + 15 * 60
    rates[onset : onset + 8] *= 5  # news: 5x for eight minutes

    statuses = _statuses(replay(_rows(_counts(rates))))

    assert "major" not in statuses[onset : onset + 40]
    assert _first_ok_from(statuses, onset + 8) <= 10


def test_the_explanation_is_the_window_that_decided() -> None:
    counts = _counts(_usual(HISTORY_DAYS + 1, 60.0))
    onset = HISTORY_DAYS * DAY + 15 * 60
    counts[onset : onset + 20] += 50

    verdicts = replay(_rows(counts))

    opened = next(v for v in verdicts[onset:] if v.status != "ok")
    assert opened.ratio >= 3 and opened.probability <= 1e-6
    back = next(v for v in verdicts[onset + 20 :] if v.status == "ok")
    assert back.window_minutes <= 5  # recovery is judged on the watch window
    assert back.ratio < 2  # not the hour that still holds the outage (the old "49x")
    quiet_later = verdicts[onset + 30]
    assert quiet_later.status == "ok" and quiet_later.window_minutes == 15
