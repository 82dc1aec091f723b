"""What each window of recent reports shows against the usual level: the first, vectorised
step of a decision (detection.verdict takes the next).

For each row — a service in a tick, or a minute of a replayed series — and each window: the
reports (after leaving out flooding networks), the usual count, their ratio and the tail
probability; whether it meets the bars to open "Possible problems" or "Major outage";
whether the problem is still going on in the row's watch window; whether there is data.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import betainc

from outagewatch.detection.baseline import Usual
from outagewatch.detection.rules import Rules

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Opening bars per row, shape (rows,): the rules' own numbers, except where an
    operator set a service's own or corroborating signals lowered the number of reports."""

    possible_ratio: Floats
    possible_min_reports: Floats
    major_ratio: Floats
    major_min_reports: Floats

    @classmethod
    def uniform(cls, rules: Rules, rows: int) -> Thresholds:
        def filled(value: float) -> Floats:
            return np.full(rows, value, dtype=np.float64)

        return cls(
            possible_ratio=filled(rules.possible_ratio),
            possible_min_reports=filled(rules.possible_min_reports),
            major_ratio=filled(rules.major_ratio),
            major_min_reports=filled(rules.major_min_reports),
        )


@dataclass(frozen=True, slots=True)
class Measurement:
    """Per row (and per window where 2-D): everything the state machine looks at."""

    observed: Floats  # (rows, windows): reports, after leaving out flooding networks
    expected: Floats  # (rows, windows): usual reports over the window's covered minutes
    ratio: Floats
    probability: Floats  # P(at least `observed` | usual), negative binomial
    opens_possible: Bools  # (rows, windows)
    opens_major: Bools
    concentrated: Bools  # few networks sending several reports each: must hold first
    still: Bools  # (rows,): the watch window is still clearly above usual
    still_major: Bools  # (rows,)
    watch_window: NDArray[np.int64]  # (rows,)
    has_data: Bools  # (rows,): the short windows hold enough minutes with data


def tail_probability(observed: Floats, expected: Floats, noise: Floats) -> Floats:
    """P(X >= observed) for X ~ negative binomial with mean `expected` and variance
    expected + noise x expected^2 (noise broadcast over the windows).

    Through the regularised incomplete beta function, P(X >= k) = I_{1-p}(k, n): the same
    numbers as scipy.stats.nbinom.sf(k - 1, n, p), at a fraction of its per-call cost.
    """
    mean = np.maximum(expected, 1e-9)
    size = 1.0 / np.maximum(noise, 1e-6)  # variance = mean + mean^2 / size
    size = np.broadcast_to(size, mean.shape)
    success = size / (size + mean)
    at_least = np.ceil(observed - 1e-9)
    result: Floats = np.where(
        at_least <= 0, 1.0, betainc(np.maximum(at_least, 1.0), size, 1.0 - success)
    )
    return result


def measure(
    observed: Floats,
    covered_minutes: Floats,
    usual: Usual,
    *,
    rules: Rules,
    window_minutes: list[float],
    light_reports: Floats | None = None,
    light_networks: Floats | None = None,
    networks: Floats | None = None,
    thresholds: Thresholds | None = None,
) -> Measurement:
    """What each window shows.

    observed, covered_minutes: shape (rows, windows): reports in each window, and how many
    of its minutes hold data. usual: per row. light_reports / light_networks: reports from
    networks that sent at most Rules.heavy_network_reports in the window, and how many
    networks those were (NaN where unknown). networks: distinct networks in the window where
    known without the per-network cap (a replayed series' `networks` column; NaN unknown).
    A window whose networks are unknown counts each report as its own network.
    """
    rows = observed.shape[0]
    bars = thresholds or Thresholds.uniform(rules, rows)
    lengths = np.asarray(window_minutes, dtype=np.float64)
    observed = observed.astype(np.float64)
    senders = observed.copy()
    concentrated = np.zeros(observed.shape, dtype=bool)
    if light_reports is not None:
        known = ~np.isnan(light_reports)
        observed = np.where(known, np.minimum(observed, light_reports), observed)
        senders = observed.copy()
        if light_networks is not None:
            counted = ~np.isnan(light_networks)
            senders = np.where(known & counted, light_networks, senders)
            per_network = observed / np.maximum(senders, 1)
            concentrated = known & counted & (per_network > rules.instant_reports_per_network)
    if networks is not None:
        counted = ~np.isnan(networks)
        senders = np.where(counted, np.minimum(networks, observed), senders)
        per_network = observed / np.maximum(senders, 1)
        concentrated |= counted & (per_network > rules.instant_reports_per_network)
    covered_enough = covered_minutes >= rules.min_covered_share * lengths[None, :]
    expected = np.maximum(usual.per_minute[:, None] * covered_minutes, 1e-9)
    ratio = observed / expected
    # Hours teach how much a service's level varies; within minutes it varies more (news,
    # bursts of attention), and the shorter the window the more that weighs.
    noise = usual.noise[:, None] + rules.minute_noise / lengths[None, :]
    probability = tail_probability(observed, expected, noise)

    opens_possible = (
        usual.learned[:, None]
        & covered_enough
        & (ratio >= bars.possible_ratio[:, None])
        & (probability <= rules.possible_probability)
        & (observed >= bars.possible_min_reports[:, None])
        & (senders >= rules.possible_min_networks)
    )
    opens_major = (
        usual.learned[:, None]
        & covered_enough
        & (ratio >= bars.major_ratio[:, None])
        & (probability <= rules.major_probability)
        & (observed >= bars.major_min_reports[:, None])
        & (senders >= rules.major_min_networks)
    )
    usual_per_hour = usual.per_minute * 60
    watch = np.where(usual_per_hour >= rules.quick_watch_min_usual_per_hour, 0, 1)
    watch = np.minimum(watch, observed.shape[1] - 1)
    pick = np.arange(rows), watch
    # Still going on: judged against the hours' spread alone. Minute-level swings guard the
    # opening of a problem; once open, a watch window at 2x+ that plain variation would
    # hardly give is enough to hold it.
    plain = tail_probability(observed[pick], expected[pick], usual.noise)
    # A lull in an outage (two reports in five minutes where one a minute came, a quiet
    # pair of minutes on a bigger service) is not its end: while the next longer window
    # vouches that the problem goes on, the watch window must fall well back to be calm.
    longer = np.arange(rows), np.minimum(watch + 1, observed.shape[1] - 1)
    vouched = (
        (watch == 0)  # over 15 minutes, a small service's vouching would last too long
        & covered_enough[longer]
        & (ratio[longer] >= rules.still_ratio)
    )
    elevated = covered_enough[pick] & (
        ((ratio[pick] >= rules.still_ratio) & (plain <= rules.still_probability))
        | (vouched & (ratio[pick] >= rules.back_ratio))
    )
    still_major = elevated & (ratio[pick] >= rules.major_still_ratio)
    short = lengths <= max(lengths.min(), 5.0)
    has_data: Bools = np.asarray(covered_enough[:, short].any(axis=1))
    return Measurement(
        observed=observed,
        expected=expected,
        ratio=ratio,
        probability=probability,
        opens_possible=opens_possible,
        opens_major=opens_major,
        concentrated=concentrated,
        still=elevated,
        still_major=still_major,
        watch_window=watch.astype(np.int64),
        has_data=has_data,
    )
