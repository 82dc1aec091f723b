"""Deciding a status from counts, in two pure steps shared by the live tick and the replay.

1. `measure` (vectorised): for each row — a service in a tick, or a minute of a replayed
   series — what every window shows against the usual level: ratio, tail probability,
   whether it meets the bars to open "Possible problems" or "Major outage", whether the
   problem is still going on, whether there is data at all.
2. `advance` (one row at a time): the state machine. It takes the previous state and the
   measurement and returns the next state and the window that decided it.

`decide` runs both over every service of a tick; services with nothing going on (the
overwhelming majority) take a vectorised path that gives exactly what `advance` would.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray
from scipy.special import betainc

from outagewatch.detection.baseline import Usual
from outagewatch.detection.rules import Rules

OK, POSSIBLE, MAJOR = 0, 1, 2
STATE_WORDS = ("ok", "possible", "major")
NO_WINDOW = -1
DESCRIBED_WINDOW = 2  # the 15-minute window describes a service with nothing going on
ESCALATION_MIN_WINDOW = 5.0  # minutes
GROWING_MINUTES = 10.0  # a problem this young is still growing

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


@dataclass(frozen=True, slots=True)
class State:
    """One service's detection state: a typed record, stored as columns."""

    status: int = OK
    minutes_in_status: float = float("inf")  # inf: never changed
    calm_minutes: float = 0.0  # how long the problem has not been going on
    quiet_major_minutes: float = 0.0  # how long major evidence has been absent
    pending_minutes: float = 0.0  # how long opening evidence has held without a break
    stale: bool = False  # no recent data: the status is held, not judged
    stepped_down: bool = False  # "Possible problems" reached from "Major outage"


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


def advance(
    state: State,
    *,
    opens_possible: list[bool],
    opens_major: list[bool],
    concentrated: list[bool],
    still: bool,
    still_major: bool,
    watch_window: int,
    has_data: bool,
    step_minutes: float,
    window_minutes: list[float],
    rules: Rules,
) -> tuple[State, int]:
    """The next state of one service, and the window that decided it (NO_WINDOW: none)."""
    in_status = state.minutes_in_status + step_minutes
    if not has_data:
        # Gaps are not calm: hold the status, say it is stale, and let no time pass for
        # the counters that would close it.
        return replace(state, minutes_in_status=in_status, stale=True), NO_WINDOW
    # A window may open or escalate only once what it holds all happened in the current
    # status: otherwise the hour that still holds a finished problem reopens it.
    clear = [in_status >= length for length in window_minutes]
    evidence_now = any(
        (possible or major) and fresh
        for possible, major, fresh in zip(opens_possible, opens_major, clear, strict=True)
    )
    pending = state.pending_minutes + step_minutes if evidence_now else 0.0
    confirmed = pending >= rules.confirm_concentrated.total_seconds() / 60
    trusted = [
        fresh and (not crowded or confirmed)
        for fresh, crowded in zip(clear, concentrated, strict=True)
    ]
    major_window = _first(opens_major, trusted)
    # From "Possible problems" that has lasted a while (or came down from "Major outage"),
    # "Major outage" takes a window of five minutes or more that holds only this status: two
    # minutes of a noisy tail at 10x would otherwise escalate a problem that is easing. A
    # problem still growing escalates on its short windows, as fast as it opened.
    growing = in_status < GROWING_MINUTES and not state.stepped_down
    escalates = [
        (fresh and length >= ESCALATION_MIN_WINDOW)
        or (growing and length <= ESCALATION_MIN_WINDOW and (not crowded or confirmed))
        for fresh, crowded, length in zip(trusted, concentrated, window_minutes, strict=True)
    ]
    escalation_window = _first(opens_major, escalates)
    possible_window = _first(opens_possible, trusted)
    status = state.status
    calm = 0.0 if still else state.calm_minutes + step_minutes
    quiet_major = 0.0 if still_major else state.quiet_major_minutes + step_minutes
    # A small service watched over 5 minutes has lulls of a few quiet minutes in the middle
    # of its outages: it needs a little longer to be called calm.
    quiet_enough = rules.recovery_quiet if watch_window == 0 else rules.slow_recovery_quiet
    quiet_enough_minutes = quiet_enough.total_seconds() / 60
    decided = watch_window

    if status == OK and major_window != NO_WINDOW:
        status, decided = MAJOR, major_window
    elif status == POSSIBLE and escalation_window != NO_WINDOW:
        status, decided = MAJOR, escalation_window
    elif status == OK:
        if possible_window != NO_WINDOW:
            status, decided = POSSIBLE, possible_window
        else:
            decided = DESCRIBED_WINDOW if len(window_minutes) > DESCRIBED_WINDOW else 0
    elif calm >= quiet_enough_minutes:
        status = OK
    elif status == MAJOR and quiet_major >= rules.step_down_quiet.total_seconds() / 60:
        status = POSSIBLE

    changed = status != state.status
    return (
        State(
            status=status,
            minutes_in_status=0.0 if changed else in_status,
            calm_minutes=0.0 if changed else calm,
            quiet_major_minutes=0.0 if changed else quiet_major,
            pending_minutes=0.0 if changed else pending,
            stale=False,
            stepped_down=(state.status == MAJOR and status == POSSIBLE)
            or (state.stepped_down and not changed),
        ),
        decided,
    )


def _first(hits: list[bool], trusted: list[bool]) -> int:
    for index, (hit, ok) in enumerate(zip(hits, trusted, strict=True)):
        if hit and ok:
            return index
    return NO_WINDOW


@dataclass(frozen=True, slots=True)
class States:
    """The states of many services as columns, shape (services,) each."""

    status: NDArray[np.int64]
    minutes_in_status: Floats
    calm_minutes: Floats
    quiet_major_minutes: Floats
    pending_minutes: Floats
    stale: Bools
    stepped_down: Bools

    @classmethod
    def of(cls, states: list[State]) -> States:
        return cls(
            status=np.array([s.status for s in states], dtype=np.int64),
            minutes_in_status=np.array([s.minutes_in_status for s in states], dtype=np.float64),
            calm_minutes=np.array([s.calm_minutes for s in states], dtype=np.float64),
            quiet_major_minutes=np.array([s.quiet_major_minutes for s in states], np.float64),
            pending_minutes=np.array([s.pending_minutes for s in states], dtype=np.float64),
            stale=np.array([s.stale for s in states], dtype=bool),
            stepped_down=np.array([s.stepped_down for s in states], dtype=bool),
        )

    def row(self, index: int) -> State:
        return State(
            status=int(self.status[index]),
            minutes_in_status=float(self.minutes_in_status[index]),
            calm_minutes=float(self.calm_minutes[index]),
            quiet_major_minutes=float(self.quiet_major_minutes[index]),
            pending_minutes=float(self.pending_minutes[index]),
            stale=bool(self.stale[index]),
            stepped_down=bool(self.stepped_down[index]),
        )

    def set_row(self, index: int, state: State) -> None:
        self.status[index] = state.status
        self.minutes_in_status[index] = state.minutes_in_status
        self.calm_minutes[index] = state.calm_minutes
        self.quiet_major_minutes[index] = state.quiet_major_minutes
        self.pending_minutes[index] = state.pending_minutes
        self.stale[index] = state.stale
        self.stepped_down[index] = state.stepped_down


@dataclass(frozen=True, slots=True)
class Decision:
    """A tick's outcome: per service, the next state and the window that decided it."""

    states: States
    window: NDArray[np.int64]
    measurement: Measurement


def decide(
    previous: States,
    measurement: Measurement,
    *,
    step_minutes: float,
    window_minutes: list[float],
    rules: Rules,
) -> Decision:
    """`advance` for every service of a tick. Services that are "No issues", have data,
    no opening evidence and nothing pending take a vectorised path with the same result."""
    m = measurement
    quiet = (
        (previous.status == OK)
        & m.has_data
        & ~(m.opens_possible | m.opens_major).any(axis=1)
        & (previous.pending_minutes == 0)
        & ~previous.stale
    )
    step = step_minutes
    states = States(
        status=previous.status.copy(),
        minutes_in_status=previous.minutes_in_status + step,
        calm_minutes=np.where(m.still, 0.0, previous.calm_minutes + step),
        quiet_major_minutes=np.where(m.still_major, 0.0, previous.quiet_major_minutes + step),
        pending_minutes=np.zeros_like(previous.pending_minutes),
        stale=np.zeros_like(previous.stale),
        stepped_down=np.zeros_like(previous.stepped_down),
    )
    described = DESCRIBED_WINDOW if len(window_minutes) > DESCRIBED_WINDOW else 0
    window = np.full(len(previous.status), described, dtype=np.int64)
    for row in np.flatnonzero(~quiet).tolist():
        state, window[row] = advance(
            previous.row(row),
            opens_possible=m.opens_possible[row].tolist(),
            opens_major=m.opens_major[row].tolist(),
            concentrated=m.concentrated[row].tolist(),
            still=bool(m.still[row]),
            still_major=bool(m.still_major[row]),
            watch_window=int(m.watch_window[row]),
            has_data=bool(m.has_data[row]),
            step_minutes=step,
            window_minutes=window_minutes,
            rules=rules,
        )
        states.set_row(row, state)
    return Decision(states=states, window=window, measurement=measurement)
