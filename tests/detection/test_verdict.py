"""The decision rules on hand-made numbers: one service, four windows (2, 5, 15, 60 min)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from outagewatch.detection.rules import DEFAULT_RULES
from outagewatch.detection.verdict import MAJOR, OK, POSSIBLE, Decision, decide

USUAL = np.array([[0.4, 1.0, 3.0, 12.0]])  # a small service: 12 reports an hour


def _step(
    observed: Sequence[float],
    *,
    previous: int = OK,
    since_recovery: float = np.inf,
    pending: float = 0.0,
    calm: float = 0.0,
    light: Sequence[float] | None = None,
    networks: Sequence[float] | None = None,
) -> Decision:
    return decide(
        np.array([observed]),
        USUAL,
        previous=np.array([previous]),
        calm_minutes=np.array([calm]),
        quiet_major_minutes=np.zeros(1),
        minutes_since_recovery=np.array([since_recovery]),
        pending_minutes=np.array([pending]),
        step_minutes=1.0,
        light_reports=None if light is None else np.array([light]),
        light_networks=None if networks is None else np.array([networks]),
        rules=DEFAULT_RULES,
    )


def test_ordinary_counts_stay_ok() -> None:
    assert _step([1, 2, 4, 14]).state[0] == OK


def test_a_sharp_rise_opens_a_problem_and_a_huge_one_a_major_outage() -> None:
    assert _step([12, 14, 16, 25]).state[0] == POSSIBLE
    assert _step([120, 140, 160, 170]).state[0] == MAJOR


def test_too_few_reports_never_open_a_problem_however_unusual() -> None:
    assert _step([6, 6, 6, 6]).state[0] == OK  # 15x usual, but under ten people


def test_a_problem_holds_until_ten_calm_minutes_have_passed() -> None:
    calm_now = [0, 1, 3, 60]  # short windows calm; the hour still holds the problem

    holding = _step(calm_now, previous=POSSIBLE, calm=8.0)
    recovered = _step(calm_now, previous=POSSIBLE, calm=9.0)

    assert holding.state[0] == POSSIBLE
    assert recovered.state[0] == OK
    assert recovered.minutes_since_recovery[0] == 0


def test_the_hour_that_still_holds_a_finished_problem_cannot_reopen_it() -> None:
    blip_with_old_hour = [3, 4, 6, 60]

    soon_after = _step(blip_with_old_hour, since_recovery=20.0)
    an_hour_later = _step(blip_with_old_hour, since_recovery=61.0)

    assert soon_after.state[0] == OK
    assert an_hour_later.state[0] == POSSIBLE


def test_reports_from_networks_that_flooded_a_window_are_left_out() -> None:
    flood = [200, 200, 200, 200]

    decision = _step(flood, light=[2, 3, 4, 10], networks=[2, 3, 4, 10])

    assert decision.state[0] == OK


def test_few_networks_sending_several_reports_each_must_hold_before_opening() -> None:
    onset = [80, 80, 80, 80]  # a brigade's first minute: 40 networks, two reports each
    light, networks = [80, 80, 80, 80], [40, 40, 40, 40]

    first = _step(onset, light=light, networks=networks)
    still = _step(onset, light=light, networks=networks, pending=first.pending_minutes[0])
    spread = _step(onset, light=light, networks=[78, 79, 80, 80])

    assert first.state[0] == OK
    assert still.state[0] == MAJOR
    assert spread.state[0] == MAJOR  # one report per network: no wait
