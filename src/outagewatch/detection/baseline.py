"""What is usual for a service at a given hour, and how much it varies: the level detection
compares with.

Learned from hourly totals alone, so the live monitor (hour rows in storage) and the replay
of a series (its minutes summed to hours) learn exactly the same thing. Three parts:

- **The time of day**: the median of the same hour on the past seven days. A median
  ignores a past outage, a holiday or one day's news, which a mean would not.
- **The day of the week**: each past day's value is first divided by its weekday's factor
  and the median multiplied by the target day's. A weekday's factor is the median of its
  days' levels (a day's median hour) over the past four weeks against the median day
  (shrunk towards 1 while there are few reports), so a service used twice as much on
  Saturdays expects Saturday's level.
- **The level now**: the last three complete hours against what this model said for them,
  shrunk towards 1 and bounded to [1/2, 5/2]. It follows a holiday, a launch or two weeks of
  growth within hours; hours that look like an outage themselves (far above their usual)
  are left out, so a long outage is not learned as the new normal.

The variation is each service's own: the relative spread (a robust MAD) of its past hours
around this model, beyond what Poisson counting explains, gives the negative binomial's
extra variance `noise x mean^2`. A bursty service needs stronger evidence than a steady one.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]

HOURS_PER_DAY = 24
DAYS_PER_WEEK = 7
SEASONAL_DAYS = 7  # past days whose same hour is looked at
WEEKDAY_WEEKS = 4  # past weeks that teach the weekday factors
HISTORY_HOURS = WEEKDAY_WEEKS * DAYS_PER_WEEK * HOURS_PER_DAY
WEEKDAY_PRIOR_PER_DAY = 24.0  # reports a day of doubt: quiet services keep factors near 1
WEEKDAY_FACTOR_BOUNDS = (1 / 3, 3.0)
LEVEL_HOURS = 3
LEVEL_PRIOR = 30.0  # reports of doubt added to both sides of the level's ratio
LEVEL_BOUNDS = (0.5, 2.5)
OUTAGE_LIKE_RATIO = 2.5  # an hour this far above its usual (and by more than...
OUTAGE_LIKE_EXCESS = 5.0  # ...this many reports) teaches nothing about the level
COLD_START_QUANTILE = 0.9  # until two past days exist: a busy hour of the last day is usual
NOISE_MIN_USUAL = 3.0  # hours expecting fewer reports are mostly Poisson: not used for noise
NOISE_MIN_HOURS = 24
NOISE_BOUNDS = (0.01, 1.0)
MIN_HISTORY_HOURS = 6  # before this many hours with data nothing is usual yet: no verdicts
DEFAULT_NOISE = 0.09  # relative variance assumed until a service has a day of busy hours
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True, slots=True)
class DailyTraits:
    """What changes only day by day: learned from whole past days, once a day."""

    weekday: Floats  # (services, 7): each weekday's usual day against the median day
    noise: Floats  # (services,): relative variance of the rate: var = mean + noise x mean^2


@dataclass(frozen=True, slots=True)
class Usual:
    """Per service, at one hour."""

    per_minute: Floats  # usual reports a minute, never below the floor
    noise: Floats  # relative variance of the rate: variance = mean + noise x mean^2
    learned: Bools  # enough history (MIN_HISTORY_HOURS with data) to judge at all


def day_of(hour: int) -> int:
    return hour // HOURS_PER_DAY


def daily_traits(hourly: Floats, *, first_hour: int, day: int) -> DailyTraits:
    """Weekday factors and noise from the hours before `day` began (days since the epoch).

    hourly: shape (services, hours), column j holding the reports of absolute hour
    `first_hour + j` (hours since the Unix epoch); NaN where there is no data (before
    history began, or while reports could not be received).
    """
    history = hourly[:, : max(0, day * HOURS_PER_DAY - first_hour)]
    weekday = _weekday_factors(history, first_hour)
    return DailyTraits(weekday=weekday, noise=_noise(history, weekday, first_hour))


def usual_at(
    hourly: Floats, *, first_hour: int, hour: int, traits: DailyTraits, floor_per_hour: float
) -> Usual:
    """The usual level of many services at absolute `hour`, from the hours before it."""
    history = hourly[:, : max(0, hour - first_hour)]
    index = hour - first_hour
    seasonal = _seasonal(history, traits.weekday, first_hour, [index])[:, 0]
    level = seasonal * _level(history, traits.weekday, first_hour, index)
    level = np.where(np.isnan(level), 0.0, level)
    learned = (~np.isnan(history[:, -HOURS_PER_DAY:])).sum(axis=1) >= MIN_HISTORY_HOURS
    return Usual(
        per_minute=np.maximum(level, floor_per_hour) / 60.0, noise=traits.noise, learned=learned
    )


def usual_by_hour(
    hourly: Floats, *, first_hour: int, hours: Sequence[int], floor_per_hour: float
) -> list[Usual]:
    """usual_at for each of `hours`, learning the daily traits once per day as the monitor
    does (they depend only on the days before)."""
    traits: dict[int, DailyTraits] = {}
    result = []
    for hour in hours:
        day = day_of(hour)
        if day not in traits:
            traits[day] = daily_traits(hourly, first_hour=first_hour, day=day)
        result.append(
            usual_at(
                hourly,
                first_hour=first_hour,
                hour=hour,
                traits=traits[day],
                floor_per_hour=floor_per_hour,
            )
        )
    return result


def _nanmedian(values: Floats, axis: int) -> Floats:
    """np.nanmedian along `axis` without its masked-array detour (slow on small rows)."""
    moved = np.moveaxis(values, axis, -1)
    ordered = np.sort(moved, axis=-1)  # NaN sorts last
    count = (~np.isnan(ordered)).sum(axis=-1, keepdims=True)
    low = np.take_along_axis(ordered, np.maximum((count - 1) // 2, 0), axis=-1)
    high = np.take_along_axis(ordered, np.maximum(count // 2, 0), axis=-1)
    result: Floats = np.where(count > 0, (low + high) / 2, np.nan)[..., 0]
    return result


def _weekday_of(absolute_hour: int | NDArray[np.int64]) -> NDArray[np.int64]:
    # 1970-01-01 was a Thursday: day 0 -> weekday 3 (Monday = 0)
    return np.asarray((np.asarray(absolute_hour) // HOURS_PER_DAY + 3) % DAYS_PER_WEEK)


def _weekday_factors(hourly: Floats, first_hour: int) -> Floats:
    """Shape (services, 7): each weekday's usual day against the median day."""
    services, hours = hourly.shape
    first_day = -(-first_hour // HOURS_PER_DAY)  # the first whole day in the data
    last_day = (first_hour + hours) // HOURS_PER_DAY
    first_day = max(first_day, last_day - WEEKDAY_WEEKS * DAYS_PER_WEEK)
    if last_day - first_day < 1:
        return np.ones((services, DAYS_PER_WEEK))
    start = first_day * HOURS_PER_DAY - first_hour
    days = hourly[:, start : start + (last_day - first_day) * HOURS_PER_DAY]
    by_day = days.reshape(services, last_day - first_day, HOURS_PER_DAY)
    covered = (~np.isnan(by_day)).sum(axis=2)
    # A day's level is its median hour (x 24): an outage of a few hours leaves it alone,
    # where it would swell the day's total.
    totals = np.where(
        covered >= HOURS_PER_DAY // 2, _nanmedian(by_day, axis=2) * HOURS_PER_DAY, np.nan
    )
    weekdays = _weekday_of(np.arange(first_day, last_day) * HOURS_PER_DAY)
    factors = np.ones((services, DAYS_PER_WEEK))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: no data, factor 1
        typical = _nanmedian(totals, axis=1)
        for day in range(DAYS_PER_WEEK):
            mine = totals[:, weekdays == day]
            if mine.shape[1]:
                median = _nanmedian(mine, axis=1)
                factor = (median + WEEKDAY_PRIOR_PER_DAY) / (typical + WEEKDAY_PRIOR_PER_DAY)
                factors[:, day] = np.where(np.isnan(factor), 1.0, factor)
    low, high = WEEKDAY_FACTOR_BOUNDS
    result: Floats = np.clip(factors, low, high)
    return result


def _seasonal(hourly: Floats, weekday: Floats, first_hour: int, columns: list[int]) -> Floats:
    """What the time of day and the day of the week say for each column (reports an hour),
    from the data before it; shape (services, len(columns))."""
    services, hours = hourly.shape
    targets = np.asarray(columns, dtype=np.int64)
    back = targets[:, None] - HOURS_PER_DAY * np.arange(1, SEASONAL_DAYS + 1)[None, :]
    inside = (back >= 0) & (back < hours)
    safe = np.clip(back, 0, max(hours - 1, 0))
    if hours:
        values = np.where(inside[None], hourly[:, safe], np.nan)
        values = values / weekday[:, _weekday_of(first_hour + safe)]
    else:
        values = np.full((services, *back.shape), np.nan)
    target_factor = weekday[:, _weekday_of(first_hour + targets)]
    cold = np.full((services, len(columns)), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        seen = (~np.isnan(values)).sum(axis=2)
        seasonal = _nanmedian(values, axis=2) * target_factor
        needs_cold = (seen < 2).any(axis=0)
        for position, target in enumerate(columns):
            if not needs_cold[position]:
                continue
            recent = hourly[:, max(0, target - HOURS_PER_DAY) : max(0, min(target, hours))]
            if recent.shape[1]:
                cold[:, position] = np.nanquantile(recent, COLD_START_QUANTILE, axis=1)
    result: Floats = np.where(seen >= 2, seasonal, cold)
    return result


def _level(hourly: Floats, weekday: Floats, first_hour: int, index: int) -> Floats:
    """How the last complete hours compare with what the seasonal model said for them."""
    services, hours = hourly.shape
    columns = [index - back for back in range(1, LEVEL_HOURS + 1) if 0 <= index - back < hours]
    if not columns:
        return np.ones(services)
    counts = hourly[:, columns]
    expected = _seasonal(hourly, weekday, first_hour, columns)
    usable = ~np.isnan(counts) & ~np.isnan(expected)
    usable &= ~(counts > OUTAGE_LIKE_RATIO * expected + OUTAGE_LIKE_EXCESS)
    seen = np.where(usable, counts, 0.0).sum(axis=1)
    usual = np.where(usable, expected, 0.0).sum(axis=1)
    low, high = LEVEL_BOUNDS
    result: Floats = np.clip((seen + LEVEL_PRIOR) / (usual + LEVEL_PRIOR), low, high)
    return result


def _noise(hourly: Floats, weekday: Floats, first_hour: int) -> Floats:
    """Each service's relative variance beyond Poisson, from its last week of hours."""
    services, hours = hourly.shape
    columns = list(range(max(0, hours - SEASONAL_DAYS * HOURS_PER_DAY), hours))
    if not columns:
        return np.full(services, DEFAULT_NOISE)
    expected = _seasonal(hourly, weekday, first_hour, columns)
    counts = hourly[:, columns]
    usable = (expected >= NOISE_MIN_USUAL) & ~np.isnan(counts)
    safe_expected = np.where(usable, expected, 1.0)
    relative = np.where(usable, (counts - expected) / safe_expected, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = _nanmedian(relative, axis=1)
        spread = MAD_TO_SIGMA * _nanmedian(np.abs(relative - centre[:, None]), axis=1)
        poisson = _nanmedian(np.where(usable, 1.0 / safe_expected, np.nan), axis=1)
    enough = usable.sum(axis=1) >= NOISE_MIN_HOURS
    low, high = NOISE_BOUNDS
    learned = np.clip(spread**2 - poisson, low, high)
    result: Floats = np.where(enough & ~np.isnan(learned), learned, DEFAULT_NOISE)
    return result
