"""Realistic report traffic for demos, tests and benchmarks, with its ground truth.

Per service: a usual level scaled by popularity, a daily and weekly rhythm, and noise
wider than Poisson; on top, injected outages (onset, ramp, plateau, end) and brigades (many
reports from few networks). Everything comes from one seeded generator, so a run repeats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

# Usual reports per hour by popularity (1..5): a household name gets hundreds an hour.
USUAL_PER_HOUR = {1: 0.5, 2: 3.0, 3: 12.0, 4: 60.0, 5: 400.0}
DAILY_SWING = 0.6  # busiest hour 1.6x the average, quietest 0.4x
PEAK_HOUR_UTC = 15
WEEKEND_FACTOR = 0.85
NOISE_SHAPE = 20.0  # gamma shape of the rate noise: variance beyond Poisson
MINUTES_PER_DAY = 1440


@dataclass(frozen=True, slots=True)
class Outage:
    service: int  # row in the scenario
    start: int  # minute index
    end: int  # exclusive
    factor: float  # reports at the plateau, as a multiple of the usual level
    ramp_minutes: int


@dataclass(frozen=True, slots=True)
class Brigade:
    service: int
    start: int
    end: int
    reports: int
    networks: int


@dataclass(slots=True)
class Scenario:
    start: datetime
    minutes: int
    usual_per_hour: NDArray[np.float64]
    outages: list[Outage] = field(default_factory=list)
    brigades: list[Brigade] = field(default_factory=list)


def rhythm(start: datetime, minutes: int) -> NDArray[np.float64]:
    """The daily and weekly shape of traffic, 1.0 on average, one value per minute."""
    base = start.timestamp() / 60
    minute = base + np.arange(minutes)
    hour_of_day = (minute % MINUTES_PER_DAY) / 60
    daily = 1 + DAILY_SWING * np.cos((hour_of_day - PEAK_HOUR_UTC) / 24 * 2 * math.pi)
    day_of_week = ((minute // MINUTES_PER_DAY) + 3) % 7  # 1970-01-01 was a Thursday
    weekly = np.where(day_of_week >= 5, WEEKEND_FACTOR, 1.0)
    shape: NDArray[np.float64] = daily * weekly
    return shape


def usual_rates(scenario: Scenario) -> NDArray[np.float64]:
    """Expected reports per minute without incidents, shape (services, minutes)."""
    per_minute = scenario.usual_per_hour[:, None] / 60
    rates: NDArray[np.float64] = per_minute * rhythm(scenario.start, scenario.minutes)[None, :]
    return rates


def outage_rates(scenario: Scenario, usual: NDArray[np.float64]) -> NDArray[np.float64]:
    """The usual rates with every injected outage's extra reports added."""
    rates = usual.copy()
    for outage in scenario.outages:
        length = outage.end - outage.start
        ramp = np.minimum(1.0, (np.arange(length) + 1) / max(outage.ramp_minutes, 1))
        level = usual[outage.service, outage.start : outage.end]
        rates[outage.service, outage.start : outage.end] = level * (1 + (outage.factor - 1) * ramp)
    return rates


def sample_counts(rates: NDArray[np.float64], rng: np.random.Generator) -> NDArray[np.int64]:
    """Reports per minute: Poisson around a gamma-noised rate (a negative binomial)."""
    noisy = rates * rng.gamma(NOISE_SHAPE, 1 / NOISE_SHAPE, size=rates.shape)
    counts: NDArray[np.int64] = rng.poisson(noisy)
    return counts


def brigade_counts(scenario: Scenario) -> NDArray[np.int64]:
    """Reports per minute sent by brigades, spread evenly over their span."""
    counts = np.zeros((len(scenario.usual_per_hour), scenario.minutes), dtype=np.int64)
    for brigade in scenario.brigades:
        span = brigade.end - brigade.start
        per_minute = np.full(span, brigade.reports // span)
        per_minute[: brigade.reports % span] += 1
        counts[brigade.service, brigade.start : brigade.end] += per_minute
    return counts


def random_scenario(
    *,
    start: datetime,
    days: int,
    popularity: list[int],
    outages_per_service_month: float,
    brigades: int,
    rng: np.random.Generator,
    warmup_days: int = 7,
) -> Scenario:
    """Outages and brigades at random times after a warm-up without incidents."""
    minutes = days * MINUTES_PER_DAY
    usual = np.array([USUAL_PER_HOUR[p] for p in popularity], dtype=np.float64)
    scenario = Scenario(start=start, minutes=minutes, usual_per_hour=usual)
    earliest = warmup_days * MINUTES_PER_DAY
    months = (days - warmup_days) / 30
    for service in range(len(popularity)):
        for _ in range(rng.poisson(outages_per_service_month * months)):
            length = int(rng.integers(10, 180))
            onset = int(rng.integers(earliest, minutes - length - 60))
            factor = float(np.exp(rng.uniform(np.log(5), np.log(100))))
            scenario.outages.append(
                Outage(service, onset, onset + length, factor, int(rng.integers(1, 6)))
            )
    for _ in range(brigades):
        service = int(rng.integers(len(popularity)))
        length = int(rng.integers(10, 60))
        onset = int(rng.integers(earliest, minutes - length - 60))
        scenario.brigades.append(
            Brigade(service, onset, onset + length, 5000, int(rng.integers(5, 51)))
        )
    return scenario
