"""What is usual for a service at a given hour of the week.

The usual level of an hour is the median of the same hour of the week in the past weeks for
which we have history. A median ignores a single past outage, and "same hour of the week"
captures both the daily rhythm and the weekday/weekend difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import median

import numpy as np
from numpy.typing import NDArray

HOURS_PER_WEEK = 168
WEEKS_OF_HISTORY = 4


def usual_hourly_level(
    hourly_counts: Mapping[int, int],
    hours: Sequence[int],
    *,
    first_hour_with_history: int | None,
    weeks: int = WEEKS_OF_HISTORY,
) -> list[float | None]:
    """The usual number of reports for each of `hours` (Unix hours), or None while unknown.

    `hourly_counts` holds past hourly totals (missing hours are zero). Weeks before
    `first_hour_with_history` are not evidence of anything, so they are left out rather than
    counted as zero; with no usable week the level is unknown (None), never invented.
    """
    levels: list[float | None] = []
    for hour in hours:
        samples = [
            hourly_counts.get(hour - week * HOURS_PER_WEEK, 0)
            for week in range(1, weeks + 1)
            if first_hour_with_history is not None
            and hour - week * HOURS_PER_WEEK >= first_hour_with_history
        ]
        levels.append(float(median(samples)) if samples else None)
    return levels


def seasonal_usual_per_minute(
    hourly: NDArray[np.float64],
    *,
    hour: int,
    first_hour: int,
    days: int,
    cold_start_quantile: float,
    floor_per_hour: float,
) -> NDArray[np.float64]:
    """The usual reports per minute of many services at one hour, from their hourly counts.

    hourly: shape (services, hours), column j holding hour j (in any numbering shared with
    `hour` and `first_hour`); hours before `first_hour` are not history and are ignored.
    With two or more past days, the median of the same hour on those days (the time of
    day matters); before that, a high quantile of the last day (a daily peak is not an
    outage). Never below the floor, so one person cannot flip a status.
    """
    same_hour = [hour - day * 24 for day in range(1, days + 1)]
    usable = [h for h in same_hour if first_hour <= h < hourly.shape[1] and h >= 0]
    if len(usable) >= 2:
        level = np.median(hourly[:, usable], axis=1)
    else:
        recent = hourly[:, max(first_hour, hour - 24, 0) : max(hour, 0)]
        level = (
            np.quantile(recent, cold_start_quantile, axis=1)
            if recent.shape[1]
            else np.zeros(hourly.shape[0])
        )
    result: NDArray[np.float64] = np.maximum(level, floor_per_hour) / 60.0
    return result
