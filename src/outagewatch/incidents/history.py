"""Storage's counts as detection reads them: hours and minutes with "no data" marked.

A minute holds data once history has begun and while reports could be received (outside
every recorded data gap). An hour holds data when at least half its minutes do; otherwise it
is NaN, which detection.baseline leaves out rather than taking for a calm hour. The replay
of a series (detection.series) marks its own minutes by the same rules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from outagewatch.basics.minutes import MINUTES_PER_HOUR, SECONDS_PER_MINUTE, at_minute, unix_minute
from outagewatch.detection.series import MIN_COVERED_MINUTES_PER_HOUR
from outagewatch.storage.protocol_counts import CountsReader


def covered_minutes(store: CountsReader, *, first_minute: int, end_minute: int) -> np.ndarray:
    """Whether each minute of [first_minute, end_minute) holds data."""
    covered = np.ones(max(0, end_minute - first_minute), dtype=bool)
    started = store.history_started_at()
    if started is None:
        covered[:] = False
        return covered
    covered[: max(0, min(len(covered), unix_minute(started) - first_minute))] = False
    for gap_start, gap_end in store.data_gaps(
        since=at_minute(first_minute), until=at_minute(end_minute)
    ):
        low = max(0, unix_minute(gap_start) - first_minute)
        high = min(len(covered), -(-int(gap_end.timestamp()) // SECONDS_PER_MINUTE) - first_minute)
        covered[low:high] = False
    return covered


def hour_matrix(
    totals: Mapping[tuple[int, int], int],
    service_ids: Sequence[int],
    *,
    first_hour: int,
    end_hour: int,
    covered: np.ndarray,
) -> np.ndarray:
    """(services, hours) of [first_hour, end_hour): counted reports, NaN without data.

    covered: per minute of the same span (see covered_minutes)."""
    hours = end_hour - first_hour
    row = {service_id: index for index, service_id in enumerate(service_ids)}
    matrix = np.zeros((len(service_ids), hours))
    for (service_id, hour), count in totals.items():
        if service_id in row and first_hour <= hour < end_hour:
            matrix[row[service_id], hour - first_hour] = count
    seen = covered[: hours * MINUTES_PER_HOUR].reshape(hours, MINUTES_PER_HOUR).sum(axis=1)
    matrix[:, seen < MIN_COVERED_MINUTES_PER_HOUR] = np.nan
    return matrix
