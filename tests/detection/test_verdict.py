"""The decision on hand-made numbers: one service, four windows (2, 5, 15, 60 min)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from outagewatch.detection.baseline import Usual
from outagewatch.detection.rules import DEFAULT_RULES
from outagewatch.detection.verdict import (
    MAJOR,
    NO_WINDOW,
    OK,
    POSSIBLE,
    State,
    States,
    advance,
    decide,
)
from outagewatch.detection.windows import measure

WINDOWS = DEFAULT_RULES.window_minutes()
SMALL = 12.0  # usual reports an hour
BIG = 600.0


def _usual(per_hour: float, rows: int = 1) -> Usual:
    return Usual(
        per_minute=np.full(rows, per_hour / 60),
        noise=np.full(rows, 0.05),
        learned=np.ones(rows, dtype=bool),
    )


def _step(
    state: State,
    observed: Sequence[float],
    *,
    per_hour: float = SMALL,
    covered: Sequence[float] | None = None,
    light: Sequence[float] | None = None,
    networks: Sequence[float] | None = None,
) -> tuple[State, int]:
    m = measure(
        np.array([observed], dtype=float),
        np.array([covered if covered is not None else WINDOWS], dtype=float),
        _usual(per_hour),
        rules=DEFAULT_RULES,
        window_minutes=WINDOWS,
        light_reports=None if light is None else np.array([light], dtype=float),
        light_networks=None if networks is None else np.array([networks], dtype=float),
    )
    return advance(
        state,
        opens_possible=m.opens_possible[0].tolist(),
        opens_major=m.opens_major[0].tolist(),
        concentrated=m.concentrated[0].tolist(),
        still=bool(m.still[0]),
        still_major=bool(m.still_major[0]),
        watch_window=int(m.watch_window[0]),
        has_data=bool(m.has_data[0]),
        step_minutes=1.0,
        window_minutes=WINDOWS,
        rules=DEFAULT_RULES,
    )


def _usual_counts(per_hour: float) -> list[float]:
    return [per_hour / 60 * w for w in WINDOWS]


def test_ordinary_counts_stay_ok() -> None:
    state, _ = _step(State(), _usual_counts(SMALL))

    assert state.status == OK


def test_a_sharp_rise_opens_a_problem_and_a_huge_one_a_major_outage() -> None:
    possible, possible_window = _step(State(), [4, 8, 20, 30])
    major, _ = _step(State(), [40, 90, 150, 160])

    assert possible.status == POSSIBLE
    assert WINDOWS[possible_window] == 15
    assert major.status == MAJOR


def test_too_few_reports_never_open_a_problem_however_unusual() -> None:
    state, _ = _step(State(), [3, 4, 5, 6], per_hour=0.5)

    assert state.status == OK


def test_a_quiet_service_reaches_major_outage_when_dozens_of_people_report() -> None:
    state, _ = _step(State(), [6, 15, 45, 60], per_hour=0.5)

    assert state.status == MAJOR


def test_major_outage_needs_many_networks_not_just_many_reports() -> None:
    brigade, _ = _step(
        State(), [60, 150, 300, 300], light=[60, 60, 60, 60], networks=[20, 20, 20, 20]
    )

    assert brigade.status != MAJOR


def test_a_problem_holds_while_reports_stay_high_and_closes_after_four_calm_minutes() -> None:
    state = State(status=POSSIBLE, minutes_in_status=30)
    state, _ = _step(state, [3, 8, 20, 40])  # the last minutes still at 7x
    assert state.status == POSSIBLE

    for _ in range(3):
        state, _ = _step(state, [0.4, 1, 20, 40])  # back to normal in the watch window
        assert state.status == POSSIBLE
    state, window = _step(state, [0.4, 1, 20, 40])

    assert state.status == OK
    assert WINDOWS[window] == 5  # a 12-an-hour service is watched over 5 minutes


def test_a_big_service_is_watched_over_two_minutes_and_back_two_minutes_after() -> None:
    state = State(status=MAJOR, minutes_in_status=30)

    state, _ = _step(state, [20, 200, 1500, 3000], per_hour=BIG)
    assert state.status == MAJOR
    state, window = _step(state, [20, 120, 1400, 3000], per_hour=BIG)

    assert state.status == OK
    assert WINDOWS[window] == 2


def test_major_steps_down_to_possible_after_five_minutes_without_major_evidence() -> None:
    state = State(status=MAJOR, minutes_in_status=30)
    for _ in range(4):
        state, _ = _step(state, [60, 150, 900, 3000], per_hour=BIG)  # 3x now
        assert state.status == MAJOR

    state, _ = _step(state, [60, 150, 900, 3000], per_hour=BIG)

    assert state.status == POSSIBLE


def test_the_hour_that_still_holds_a_finished_problem_cannot_reopen_it() -> None:
    recovered = State(status=OK, minutes_in_status=5)

    state, _ = _step(recovered, [0.4, 1, 14, 60])  # only the hour still shows the outage

    assert state.status == OK


def test_reports_from_networks_that_flooded_a_window_are_left_out() -> None:
    state, _ = _step(State(), [30, 60, 90, 100], light=[1, 2, 3, 4], networks=[1, 2, 3, 4])

    assert state.status == OK


def test_few_networks_sending_several_reports_each_must_hold_before_opening() -> None:
    light, networks = [12.0] * 4, [6.0] * 4
    first, _ = _step(State(), [12, 12, 12, 12], light=light, networks=networks)
    second, _ = _step(first, [12, 12, 12, 12], light=light, networks=networks)

    assert first.status == OK
    assert second.status == POSSIBLE  # after holding two minutes


def test_without_recent_data_the_status_is_held_and_marked_stale() -> None:
    state = State(status=MAJOR, minutes_in_status=30, calm_minutes=1.0)

    held, window = _step(state, [0, 0, 0, 0], covered=[0, 0, 0, 0])

    assert held.status == MAJOR
    assert held.stale
    assert held.calm_minutes == 1.0
    assert window == NO_WINDOW


def test_a_tick_over_many_services_gives_what_each_would_alone() -> None:
    rng = np.random.default_rng(5)
    rows = 400
    per_hour = rng.choice([0.5, 12, 600], size=rows)
    observed = rng.poisson(
        per_hour[:, None] / 60 * np.array(WINDOWS) * rng.choice([1, 8], rows)[:, None]
    )
    covered = np.where(rng.random((rows, 1)) < 0.05, 0.0, np.array(WINDOWS)[None, :])
    states = [
        State(status=int(s), minutes_in_status=float(m), pending_minutes=float(p))
        for s, m, p in zip(
            rng.choice([OK, POSSIBLE, MAJOR], rows, p=[0.8, 0.1, 0.1]),
            rng.choice([1, 30, np.inf], rows),
            rng.choice([0, 1], rows, p=[0.9, 0.1]),
            strict=True,
        )
    ]
    usual = Usual(per_minute=per_hour / 60, noise=np.full(rows, 0.05), learned=np.ones(rows, bool))
    m = measure(observed.astype(float), covered, usual, rules=DEFAULT_RULES, window_minutes=WINDOWS)

    together = decide(
        States.of(states), m, step_minutes=1.0, window_minutes=WINDOWS, rules=DEFAULT_RULES
    )

    for row in range(rows):
        alone, window = advance(
            states[row],
            opens_possible=m.opens_possible[row].tolist(),
            opens_major=m.opens_major[row].tolist(),
            concentrated=m.concentrated[row].tolist(),
            still=bool(m.still[row]),
            still_major=bool(m.still_major[row]),
            watch_window=int(m.watch_window[row]),
            has_data=bool(m.has_data[row]),
            step_minutes=1.0,
            window_minutes=WINDOWS,
            rules=DEFAULT_RULES,
        )
        assert together.states.row(row) == alone
        assert together.window[row] == window
