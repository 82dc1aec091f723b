"""What is usual for a service at a given hour of the week.

The usual level of an hour is the median of the same hour of the week in the past weeks for
which we have history. A median ignores a single past outage, and "same hour of the week"
captures both the daily rhythm and the weekday/weekend difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import median

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
