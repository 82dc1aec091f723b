from __future__ import annotations

from outagewatch.detection.baseline import HOURS_PER_WEEK, usual_hourly_level

HOUR = 500_000  # an arbitrary Unix hour


def test_usual_level_is_the_median_of_the_same_hour_in_past_weeks() -> None:
    history = {HOUR - week * HOURS_PER_WEEK: count for week, count in ((1, 10), (2, 12), (3, 8))}

    levels = usual_hourly_level(history, [HOUR], first_hour_with_history=0, weeks=3)

    assert levels == [10.0]


def test_one_past_outage_does_not_raise_the_usual_level() -> None:
    history = {
        HOUR - 1 * HOURS_PER_WEEK: 9,
        HOUR - 2 * HOURS_PER_WEEK: 5000,  # an outage that week
        HOUR - 3 * HOURS_PER_WEEK: 11,
    }

    levels = usual_hourly_level(history, [HOUR], first_hour_with_history=0, weeks=3)

    assert levels == [11.0]


def test_missing_hours_within_history_count_as_zero() -> None:
    levels = usual_hourly_level({}, [HOUR], first_hour_with_history=0, weeks=4)

    assert levels == [0.0]


def test_level_is_unknown_before_a_week_of_history() -> None:
    started = HOUR - HOURS_PER_WEEK + 1

    levels = usual_hourly_level({HOUR - 1: 40}, [HOUR], first_hour_with_history=started)

    assert levels == [None]


def test_only_weeks_inside_history_are_used() -> None:
    history = {HOUR - HOURS_PER_WEEK: 7}

    levels = usual_hourly_level(
        history, [HOUR], first_hour_with_history=HOUR - HOURS_PER_WEEK, weeks=4
    )

    assert levels == [7.0]
