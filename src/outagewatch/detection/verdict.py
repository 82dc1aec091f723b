"""Deciding a status from counts, in two pure steps shared by the live tick and the replay.

1. `measure` (detection.windows, vectorised): what every window shows against the usual
   level, for each row — a service in a tick, or a minute of a replayed series.
2. `advance` (here, one row at a time): the state machine. It takes the previous state and
   the measurement and returns the next state and the window that decided it.

`decide` runs both over every service of a tick; services with nothing going on (the
overwhelming majority) take a vectorised path that gives exactly what `advance` would.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from outagewatch.detection.rules import Rules
from outagewatch.detection.windows import Measurement

OK, POSSIBLE, MAJOR = 0, 1, 2
STATE_WORDS = ("ok", "possible", "major")
NO_WINDOW = -1
DESCRIBED_WINDOW = 2  # the 15-minute window describes a service with nothing going on
ESCALATION_MIN_WINDOW = 5.0  # minutes
GROWING_MINUTES = 10.0  # a problem this young is still growing

Floats = NDArray[np.float64]
Bools = NDArray[np.bool_]


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
