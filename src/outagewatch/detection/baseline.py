"""What is usual for a service at a given hour: the level detection compares with.

The median of the same hour on the past days of history: a median ignores a single past
outage, and "the same hour" follows the daily rhythm.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


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
