"""The usual level on hand-made hourly histories (absolute hours since the Unix epoch)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from outagewatch.detection import baseline

# Monday 2026-03-02 00:00 UTC, as an hour since the epoch
MONDAY = int(datetime(2026, 3, 2, tzinfo=UTC).timestamp()) // 3600
FLOOR = 2.0


def _usual_per_hour(rows: list[list[float]], *, first_hour: int, hour: int) -> list[float]:
    hourly = np.array(rows, dtype=float)
    traits = baseline.daily_traits(hourly, first_hour=first_hour, day=baseline.day_of(hour))
    usual = baseline.usual_at(
        hourly, first_hour=first_hour, hour=hour, traits=traits, floor_per_hour=FLOOR
    )
    return [round(level * 60, 2) for level in usual.per_minute]


def _weeks(weekday: float, weekend: float, weeks: int, *, noon_boost: float = 1.0) -> list[float]:
    """Hourly counts from MONDAY: a flat day at `weekday` an hour (noon x noon_boost),
    Saturdays and Sundays at `weekend`."""
    row = []
    for day in range(weeks * 7):
        level = weekend if day % 7 >= 5 else weekday
        row += [level * (noon_boost if hour == 12 else 1.0) for hour in range(24)]
    return row


def test_the_usual_level_follows_the_time_of_day() -> None:
    row = _weeks(10, 10, 2, noon_boost=4.0)

    noon = _usual_per_hour([row], first_hour=MONDAY, hour=MONDAY + 14 * 24 + 12)
    night = _usual_per_hour([row], first_hour=MONDAY, hour=MONDAY + 14 * 24 + 3)

    assert noon == [40.0]
    assert night == [10.0]


def test_weekends_twice_as_busy_are_expected_on_weekends_not_on_weekdays() -> None:
    row = _weeks(60, 120, 3)
    saturday = MONDAY + 3 * 7 * 24 - 2 * 24 + 10  # Saturday of the third week, 10:00
    row = row[: saturday - MONDAY]

    on_saturday = _usual_per_hour([row], first_hour=MONDAY, hour=saturday)
    on_friday = _usual_per_hour(
        [row[: saturday - 24 - MONDAY]], first_hour=MONDAY, hour=saturday - 24
    )

    assert 100 <= on_saturday[0] <= 125
    assert 55 <= on_friday[0] <= 65


def test_one_past_outage_does_not_raise_the_usual_level() -> None:
    row = _weeks(10, 10, 2)
    row[7 * 24 + 12] = 500  # an outage at noon a week ago

    assert _usual_per_hour([row], first_hour=MONDAY, hour=MONDAY + 14 * 24 + 12) == [10.0]


def test_a_holiday_at_twice_the_level_is_followed_within_hours() -> None:
    row = _weeks(40, 40, 2)
    holiday = MONDAY + 14 * 24
    row += [80.0] * 4  # the first four hours of a holiday at 2x

    before = _usual_per_hour([row[: holiday - MONDAY]], first_hour=MONDAY, hour=holiday)
    after = _usual_per_hour([row], first_hour=MONDAY, hour=holiday + 4)

    assert before == [40.0]
    assert after[0] >= 70


def test_hours_that_look_like_an_outage_do_not_become_the_usual_level() -> None:
    row = _weeks(40, 40, 2) + [800.0] * 3  # three hours of a 20x outage so far

    assert _usual_per_hour([row], first_hour=MONDAY, hour=MONDAY + 14 * 24 + 3) == [40.0]


def test_hours_without_data_are_not_taken_for_silence() -> None:
    row = _weeks(30, 30, 2)
    for day in range(1, 8):
        row[-day * 24 + 12] = np.nan  # the noon hours of the last week had no data
    row[-6 * 24 + 12] = 30.0  # but two of them did
    row[-5 * 24 + 12] = 30.0

    assert _usual_per_hour([row], first_hour=MONDAY, hour=MONDAY + 14 * 24 + 12) == [30.0]


def test_the_floor_keeps_quiet_services_from_flipping_on_one_report() -> None:
    assert _usual_per_hour([[0.0] * 24 * 8], first_hour=MONDAY, hour=MONDAY + 8 * 24) == [FLOOR]


def test_each_service_learns_its_own_spread() -> None:
    rng = np.random.default_rng(3)
    steady = rng.poisson(200, size=24 * 14).astype(float)
    bursty = rng.poisson(200 * rng.gamma(4, 1 / 4, size=24 * 14)).astype(float)
    hourly = np.array([steady, bursty])

    traits = baseline.daily_traits(hourly, first_hour=MONDAY, day=baseline.day_of(MONDAY) + 14)

    assert traits.noise[0] < 0.03
    assert 0.1 < traits.noise[1] < 0.6


def test_before_six_hours_of_data_nothing_is_judged() -> None:
    hourly = np.array([[np.nan] * 20 + [5.0] * 4])
    traits = baseline.daily_traits(hourly, first_hour=MONDAY, day=baseline.day_of(MONDAY))

    usual = baseline.usual_at(
        hourly, first_hour=MONDAY, hour=MONDAY + 24, traits=traits, floor_per_hour=FLOOR
    )

    assert not usual.learned[0]
