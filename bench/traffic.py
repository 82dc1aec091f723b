"""Report traffic as unkind as reality, with its ground truth, for bench/detection.py.

Per service, reports per minute around a usual level of 0.5 to 5,000 an hour with:
- a daily rhythm whose peak hour and depth differ by service;
- a weekly one: weekends from 0.6x to 2x a weekday, depending on the service;
- two holidays a month, at 0.5x to 2x a normal day;
- growth or decline: a third of the services double over two weeks, some shrink;
- over-dispersion that differs by service: a gamma-noised rate each minute and a slower
  drift of the level over about an hour;
- news bursts on services of 60+ an hour: several a month, 3-10x for 5-30 minutes;
- outages (about one per service-month, 5-100x for 10 minutes to 3 hours, a fifth of them
  slow rises over 1-3 hours), brigades (5,000 reports from 5-50 networks), and data gaps
  (1-6 hours without data, as when the intake or the database is away).

An outage at a service that usually gets almost no reports is measured against at least
OUTAGE_BASE_PER_HOUR: "5x of 0.5 an hour" is 2.5 reports an hour, which no method can tell
from chance, while a real outage of even a small service brings some dozens of reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from outagewatch.simulation import Brigade, Outage

SIZES_PER_HOUR = (0.5, 3.0, 12.0, 60.0, 400.0, 5000.0)
MINUTES_PER_DAY = 1440
OUTAGE_BASE_PER_HOUR = 12.0
WEEKEND_FACTORS = (0.6, 0.85, 1.0, 1.3, 2.0)
HOLIDAYS_PER_MONTH = 2
BURSTS_PER_MONTH = 4.0  # on services of BURST_MIN_PER_HOUR and more
BURST_MIN_PER_HOUR = 60.0
GAPS_PER_SERVICE_MONTH = 0.4
OUTAGES_PER_SERVICE_MONTH = 1.0
SLOW_RISE_SHARE = 0.2
DRIFT_MINUTES = 60.0  # how long the slow drift of a service's level takes to fade


# An outage, a news burst or a data gap: where, when, how strong, how fast it rose.
Event = Outage


@dataclass(slots=True)
class Traffic:
    start: datetime
    minutes: int
    sizes: np.ndarray  # usual reports an hour on an ordinary weekday, per service
    genuine: np.ndarray  # (services, minutes): reports from people, one network each
    brigade: np.ndarray  # (services, minutes): reports sent by brigades
    covered: np.ndarray  # (services, minutes): whether the minute holds data
    outages: list[Event] = field(default_factory=list)
    bursts: list[Event] = field(default_factory=list)
    brigades: list[Brigade] = field(default_factory=list)
    gaps: list[Event] = field(default_factory=list)
    holidays: list[int] = field(default_factory=list)  # day indexes


def simulate(*, start: datetime, days: int, warmup_days: int, per_size: int, seed: int) -> Traffic:
    rng = np.random.default_rng(seed)
    sizes = np.repeat(np.array(SIZES_PER_HOUR), per_size)
    services, minutes = len(sizes), days * MINUTES_PER_DAY
    usual = _usual_rates(sizes, start, days, warmup_days, rng)
    traffic = Traffic(
        start=start,
        minutes=minutes,
        sizes=sizes,
        genuine=np.zeros((services, minutes), dtype=np.int64),
        brigade=np.zeros((services, minutes), dtype=np.int64),
        covered=np.ones((services, minutes), dtype=bool),
    )
    earliest = warmup_days * MINUTES_PER_DAY
    months = (days - warmup_days) / 30
    rates = usual.copy()
    for service in range(services):
        for _ in range(rng.poisson(OUTAGES_PER_SERVICE_MONTH * months)):
            length = int(rng.integers(10, 181))
            onset = int(rng.integers(earliest, minutes - length - 60))
            factor = float(np.exp(rng.uniform(np.log(5), np.log(100))))
            slow = rng.random() < SLOW_RISE_SHARE
            ramp = int(rng.integers(60, 181)) if slow else int(rng.integers(1, 6))
            outage = Event(service, onset, onset + max(length, ramp + 10), factor, ramp)
            traffic.outages.append(outage)
            _add_event(rates, usual, outage, base=OUTAGE_BASE_PER_HOUR / 60)
        if sizes[service] >= BURST_MIN_PER_HOUR:
            for _ in range(rng.poisson(BURSTS_PER_MONTH * months)):
                length = int(rng.integers(5, 31))
                onset = int(rng.integers(earliest, minutes - length - 60))
                burst = Event(service, onset, onset + length, float(rng.uniform(3, 10)), 1)
                traffic.bursts.append(burst)
                _add_event(rates, usual, burst, base=0.0)
    noisy = _noise(rates, sizes, rng)
    traffic.genuine = rng.poisson(noisy)
    for _ in range(max(4, services // 6)):
        service = int(rng.integers(services))
        length = int(rng.integers(10, 61))
        onset = int(rng.integers(earliest, minutes - length - 60))
        brigade = Brigade(service, onset, onset + length, 5000, int(rng.integers(5, 51)))
        traffic.brigades.append(brigade)
        per_minute = np.full(length, brigade.reports // length)
        per_minute[: brigade.reports % length] += 1
        traffic.brigade[service, onset : onset + length] += per_minute
    for service in range(services):
        for _ in range(rng.poisson(GAPS_PER_SERVICE_MONTH * months)):
            length = int(rng.integers(60, 361))
            onset = int(rng.integers(earliest, minutes - length - 60))
            traffic.gaps.append(Event(service, onset, onset + length, 0.0, 0))
            traffic.covered[service, onset : onset + length] = False
    traffic.genuine[~traffic.covered] = 0
    traffic.brigade[~traffic.covered] = 0
    return traffic


def _usual_rates(
    sizes: np.ndarray, start: datetime, days: int, warmup_days: int, rng: np.random.Generator
) -> np.ndarray:
    """Expected reports per minute without incidents, shape (services, minutes)."""
    services, minutes = len(sizes), days * MINUTES_PER_DAY
    epoch_minute = start.timestamp() / 60 + np.arange(minutes)
    hour_of_day = (epoch_minute % MINUTES_PER_DAY) / 60
    day = np.arange(minutes) // MINUTES_PER_DAY
    weekday = ((epoch_minute // MINUTES_PER_DAY) + 3) % 7  # 1970-01-01 was a Thursday
    peak = rng.uniform(10, 21, size=services)[:, None]
    swing = rng.uniform(0.3, 0.8, size=services)[:, None]
    daily = 1 + swing * np.cos((hour_of_day[None, :] - peak) / 24 * 2 * math.pi)
    weekend = rng.choice(WEEKEND_FACTORS, size=services)[:, None]
    weekly = np.where(weekday[None, :] >= 5, weekend, 1.0)
    holidays = rng.choice(
        np.arange(warmup_days, days),
        size=max(1, round(HOLIDAYS_PER_MONTH * (days - warmup_days) / 30)),
        replace=False,
    )
    holiday_factor = rng.uniform(0.5, 2.0, size=services)[:, None]
    on_holiday = np.isin(day, holidays)[None, :]
    holiday = np.where(on_holiday, holiday_factor, 1.0)
    # A third double over two weeks, a sixth shrink to 0.7x; the change starts at random.
    trend_kind = rng.choice([2.0, 0.7, 1.0], size=services, p=[1 / 3, 1 / 6, 1 / 2])
    trend_start = rng.integers(0, max(1, days - 14), size=services) * MINUTES_PER_DAY
    progress = np.clip((np.arange(minutes)[None, :] - trend_start[:, None]) / (14 * 1440), 0, 1)
    trend = trend_kind[:, None] ** progress
    rates: np.ndarray = (sizes[:, None] / 60) * daily * weekly * holiday * trend
    return rates


def _add_event(rates: np.ndarray, usual: np.ndarray, event: Event, *, base: float) -> None:
    """Raise the rate over the event: factor x the usual level (or `base`, if higher)."""
    length = event.end - event.start
    ramp = np.minimum(1.0, (np.arange(length) + 1) / max(event.ramp_minutes, 1))
    level = usual[event.service, event.start : event.end]
    extra = (event.factor - 1) * np.maximum(level, base) * ramp
    rates[event.service, event.start : event.end] += extra


def _noise(rates: np.ndarray, sizes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rates with each service's own over-dispersion: a gamma-noised rate each minute, and
    a slow drift of the level (a mean-reverting walk of its logarithm, about an hour long)."""
    services, minutes = rates.shape
    minute_shape = rng.uniform(8, 60, size=services)[:, None]  # gamma shape per minute
    per_minute = rng.gamma(minute_shape, 1 / minute_shape, size=rates.shape)
    drift_sd = rng.uniform(0.05, 0.25, size=services)
    keep = math.exp(-1 / DRIFT_MINUTES)
    shocks = (
        rng.normal(0, 1, size=(services, minutes)) * (drift_sd * math.sqrt(1 - keep**2))[:, None]
    )
    log_level = np.empty((services, minutes))
    log_level[:, 0] = rng.normal(0, drift_sd)
    for minute in range(1, minutes):
        log_level[:, minute] = keep * log_level[:, minute - 1] + shocks[:, minute]
    drift = np.exp(log_level - drift_sd[:, None] ** 2 / 2)
    noisy: np.ndarray = rates * per_minute * drift
    return noisy
