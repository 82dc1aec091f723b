"""The detector on single series, as `outagewatch backtest` replays them."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

from outagewatch.detection.series import replay

START = datetime(2026, 3, 2, tzinfo=UTC)


def _daily_series(
    days: int, *, step_minutes: int = 5, level: float = 20.0, seed: int = 7
) -> list[tuple[datetime, float]]:
    """Counts with a strong daily rhythm (x9 from night to peak) and Poisson-like noise."""
    rng = random.Random(seed)
    rows = []
    for index in range(days * 1440 // step_minutes):
        moment = START + timedelta(minutes=step_minutes * index)
        hour = moment.hour + moment.minute / 60
        mean = level * (1 + 0.8 * math.sin((hour - 6) / 24 * 2 * math.pi))
        rows.append((moment, float(max(0, round(rng.gauss(mean, math.sqrt(mean) + 1))))))
    return rows


def _with_outage(
    rows: list[tuple[datetime, float]], start: int, length: int, factor: float
) -> list[tuple[datetime, float]]:
    return [
        (moment, value * factor if start <= index < start + length else value)
        for index, (moment, value) in enumerate(rows)
    ]


def _statuses(rows: list[tuple[datetime, float]]) -> list[str]:
    return [verdict.status for verdict in replay(rows)]


def test_a_normal_fortnight_with_a_daily_rhythm_never_flips() -> None:
    statuses = _statuses(_daily_series(14))

    assert set(statuses) == {"ok"}


def test_a_sixfold_hour_is_flagged_at_once_and_recovers_after_it_ends() -> None:
    start = 10 * 288 + 100
    statuses = _statuses(_with_outage(_daily_series(12), start, 12, 6.0))

    assert statuses[start] != "ok"  # the first outage row (5 minutes of data) flips it
    assert all(status != "ok" for status in statuses[start : start + 12])
    assert statuses[start + 12 + 8] == "ok"  # back within 40 minutes of the end
    assert statuses[:start] == ["ok"] * start


def test_a_fiftyfold_spike_is_a_major_outage() -> None:
    start = 8 * 288 + 150
    statuses = _statuses(_with_outage(_daily_series(9), start, 6, 50.0))

    assert "major" in statuses[start : start + 6]


def test_one_person_on_a_silent_series_never_flips() -> None:
    rows = [(START + timedelta(minutes=index), 0.0) for index in range(3 * 1440)]
    rows[2 * 1440 + 30] = (rows[2 * 1440 + 30][0], 1.0)
    rows[2 * 1440 + 31] = (rows[2 * 1440 + 31][0], 1.0)

    assert set(_statuses(rows)) == {"ok"}


def test_hourly_data_is_understood_as_hourly() -> None:
    hourly = _daily_series(10, step_minutes=60, level=300.0)
    spike_at = 9 * 24 + 12

    statuses = _statuses(_with_outage(hourly, spike_at, 2, 8.0))

    assert statuses[spike_at] != "ok"
    assert statuses[:spike_at] == ["ok"] * spike_at


def test_truncating_the_input_never_changes_earlier_verdicts() -> None:
    rows = _with_outage(_daily_series(4), 3 * 288 + 40, 10, 7.0)
    full = [repr(verdict) for verdict in replay(rows)]  # repr: NaN evidence compares equal

    for cut in (3 * 288 + 30, 3 * 288 + 45, len(rows) - 1):
        assert [repr(verdict) for verdict in replay(rows[:cut])] == full[:cut]
    assert any("possible" in line or "major" in line for line in full)


def test_duplicate_and_out_of_order_rows_each_get_a_verdict() -> None:
    rows = _daily_series(2)
    shuffled = [*rows[:300], rows[150], rows[299], *rows[300:]]

    verdicts = list(replay(shuffled))

    assert len(verdicts) == len(shuffled)
    assert verdicts[300].timestamp == rows[150][0]
