from __future__ import annotations

import numpy as np

from outagewatch.detection.baseline import seasonal_usual_per_minute

DAYS = 7


def _usual(hourly: list[list[float]], hour: int, first_hour: int = 0) -> list[float]:
    levels = seasonal_usual_per_minute(
        np.array(hourly, dtype=float),
        hour=hour,
        first_hour=first_hour,
        days=DAYS,
        cold_start_quantile=0.9,
        floor_per_hour=2.0,
    )
    return [round(level * 60, 3) for level in levels]


def _days_of(values_at_noon: list[float], other_hours: float = 1.0) -> list[float]:
    """One row of hourly counts: days of 24 hours, noon set per day, then today's noon."""
    row: list[float] = []
    for value in values_at_noon:
        day = [other_hours] * 24
        day[12] = value
        row += day
    return [*row, *([other_hours] * 12)]  # today up to noon


def test_the_usual_level_is_the_median_of_the_same_hour_on_past_days() -> None:
    row = _days_of([10, 12, 8, 11, 9, 10, 14])

    assert _usual([row], hour=len(row)) == [10.0]


def test_one_past_outage_does_not_raise_the_usual_level() -> None:
    row = _days_of([10, 12, 5000, 11, 9, 10, 14])

    assert _usual([row], hour=len(row)) == [11.0]


def test_with_under_two_days_a_busy_hour_of_the_last_day_is_usual() -> None:
    row = [1.0] * 20 + [30.0] * 4  # the last day: quiet, then a busy evening

    assert _usual([row], hour=24) == [30.0]


def test_history_before_it_began_is_not_taken_for_silence() -> None:
    row = _days_of([0, 0, 0, 0, 0, 40, 44])

    assert _usual([row], hour=len(row), first_hour=5 * 24) == [42.0]


def test_the_floor_keeps_quiet_services_from_flipping_on_one_report() -> None:
    assert _usual([_days_of([0] * 7, other_hours=0)], hour=7 * 24 + 12) == [2.0]


def test_many_services_at_once() -> None:
    rows = [_days_of([10] * 7), _days_of([100] * 7)]

    assert _usual(rows, hour=len(rows[0])) == [10.0, 100.0]
