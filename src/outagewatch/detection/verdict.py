"""Deciding a status from counts: vectorised over services, and the same for one series.

Everything here is pure: arrays in, arrays out. `decide` takes the previous state of each
service and returns the next one, so replaying a series row by row (the backtest) and
ticking a thousand services at once (the worker) run exactly the same code.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import betainc

from outagewatch.detection.rules import Rules

OK, POSSIBLE, MAJOR = 0, 1, 2
STATE_WORDS = ("ok", "possible", "major")

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Evidence:
    """Per service: the window that argued most strongly, and what it showed."""

    window: Ints  # index into Rules.windows
    observed: Floats  # reports in that window (after the per-network cap)
    expected: Floats  # usual reports in that window
    ratio: Floats
    probability: Floats  # P(at least `observed` | usual), negative binomial


@dataclass(frozen=True, slots=True)
class Decision:
    state: Ints  # OK, POSSIBLE or MAJOR
    calm_minutes: Floats  # how long every window has been calm (for the next call)
    strong_minutes: Floats  # how long major conditions have been absent while MAJOR
    minutes_since_recovery: Floats  # inf: never recovered
    pending_minutes: Floats  # how long opening evidence has held without a break
    evidence: Evidence


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Opening bars per service, shape (services,): the rules' own numbers, except where an
    operator set a service's own or corroborating signals lowered the number of reports."""

    possible_ratio: Floats
    possible_min_reports: Floats
    major_ratio: Floats
    major_min_reports: Floats

    @classmethod
    def uniform(cls, rules: Rules, services: int) -> Thresholds:
        def filled(value: float) -> Floats:
            return np.full(services, value, dtype=np.float64)

        return cls(
            possible_ratio=filled(rules.possible_ratio),
            possible_min_reports=filled(rules.possible_min_reports),
            major_ratio=filled(rules.major_ratio),
            major_min_reports=filled(rules.major_min_reports),
        )


def tail_probability(observed: Floats, expected: Floats, dispersion: float) -> Floats:
    """P(X >= observed) for X ~ negative binomial with the given mean and extra variance.

    Through the regularised incomplete beta function, P(X >= k) = I_{1-p}(k, n): the same
    numbers as scipy.stats.nbinom.sf(k - 1, n, p), at a fraction of its per-call cost.
    """
    mean = np.maximum(expected, 1e-9)
    size = 1.0 / (dispersion**2)  # variance = mean + mean^2 / size
    success = size / (size + mean)
    at_least = np.ceil(observed)
    result: Floats = np.where(
        at_least <= 0, 1.0, betainc(np.maximum(at_least, 1.0), size, 1.0 - success)
    )
    return result


def decide(
    observed: Floats,
    expected: Floats,
    *,
    previous: Ints,
    calm_minutes: Floats,
    quiet_major_minutes: Floats,
    minutes_since_recovery: Floats,
    pending_minutes: Floats | None = None,
    step_minutes: float,
    light_reports: Floats | None,
    rules: Rules,
    light_networks: Floats | None = None,
    window_minutes: list[float] | None = None,
    thresholds: Thresholds | None = None,
) -> Decision:
    """The next state of each service.

    observed, expected: shape (services, windows): counts in each window and the usual count.
    light_reports: shape (services, windows): reports in each window from networks that sent
    at most Rules.heavy_network_reports in it; NaN where unknown (a series of plain counts
    has no networks); None when no service has any.
    step_minutes: time since the previous decision, for the quiet-time hysteresis.
    light_networks: shape (services, windows): how many networks those light reports came
    from (NaN or None where unknown).
    window_minutes: the windows' real lengths where data is coarser than Rules.windows.
    thresholds: per-service opening bars; None: the rules' for every service.
    """
    bars = thresholds or Thresholds.uniform(rules, observed.shape[0])
    if pending_minutes is None:
        pending_minutes = np.zeros(observed.shape[0])
    observed = observed.astype(np.float64)
    concentrated = np.zeros(observed.shape, dtype=bool)
    if light_reports is not None:
        # Where known, only reports from networks that did not flood the window count...
        known = ~np.isnan(light_reports)
        observed = np.where(known, np.minimum(observed, light_reports), observed)
        if light_networks is not None:
            # ...and few networks sending several reports each must prove themselves first.
            per_network = observed / np.maximum(light_networks, 1)
            concentrated = known & (per_network > rules.instant_reports_per_network)
    expected = np.maximum(expected, 1e-9)
    ratio = observed / expected
    probability = tail_probability(observed, expected, rules.dispersion)

    possible_hit = (
        (ratio >= bars.possible_ratio[:, None])
        & (probability <= rules.possible_probability)
        & (observed >= bars.possible_min_reports[:, None])
    )
    major_hit = (
        (ratio >= bars.major_ratio[:, None])
        & (probability <= rules.major_probability)
        & (observed >= bars.major_min_reports[:, None])
    )
    short = np.array(
        [w <= rules.calm_window for w in rules.windows]
        if window_minutes is None
        else [w <= rules.calm_window.total_seconds() / 60 for w in window_minutes]
    )
    if not short.any():
        short[:] = True  # coarse data: its shortest window is the only measure
    # Any window may open a problem (a long one catches slow rises on small services), but
    # only the short ones say it is still going on: an hour-long window would hold a status
    # for an hour after the reports stopped. After a recovery, a window may open again
    # only once the finished problem has left it; otherwise the hour that still holds it
    # reopens it at the next blip (flapping).
    lengths = np.array(
        [w.total_seconds() / 60 for w in rules.windows]
        if window_minutes is None
        else window_minutes
    )
    clear = minutes_since_recovery[:, None] >= lengths[None, :]
    evidence_now = ((possible_hit | major_hit) & clear).any(axis=1)
    pending = np.where(evidence_now, pending_minutes + step_minutes, 0.0)
    confirmed = pending >= rules.confirm_concentrated.total_seconds() / 60
    trusted = clear & (~concentrated | confirmed[:, None])
    possible_open = (possible_hit & trusted).any(axis=1)
    major_open = (major_hit & trusted).any(axis=1)
    possible_still, major_still = (
        possible_hit[:, short].any(axis=1),
        major_hit[:, short].any(axis=1),
    )
    quiet = (ratio < rules.calm_ratio) | (observed < bars.possible_min_reports[:, None])
    calm_now = quiet[:, short].all(axis=1)

    calm = np.where(calm_now, calm_minutes + step_minutes, 0.0)
    quiet_major = np.where(major_still, 0.0, quiet_major_minutes + step_minutes)
    quiet_enough = rules.recovery_quiet.total_seconds() / 60

    state = previous.copy()
    was_ok = previous == OK
    state[was_ok & possible_open] = POSSIBLE
    state[(was_ok & major_open) | (~was_ok & major_still)] = MAJOR
    leave_major = (previous == MAJOR) & ~major_still & (quiet_major >= quiet_enough)
    state[leave_major] = POSSIBLE
    recovered = (state != OK) & ~was_ok & ~possible_still & ~major_still & (calm >= quiet_enough)
    state[recovered] = OK
    since_recovery = np.where(recovered, 0.0, minutes_since_recovery + step_minutes)

    strongest = np.argmin(probability, axis=1)
    rows = np.arange(observed.shape[0])
    return Decision(
        state=state,
        calm_minutes=calm,
        strong_minutes=quiet_major,
        minutes_since_recovery=since_recovery,
        pending_minutes=pending,
        evidence=Evidence(
            window=strongest,
            observed=observed[rows, strongest],
            expected=expected[rows, strongest],
            ratio=ratio[rows, strongest],
            probability=probability[rows, strongest],
        ),
    )
