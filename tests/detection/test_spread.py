from __future__ import annotations

from outagewatch.detection.rules import DEFAULT_RULES
from outagewatch.detection.spread import affected, usual_shares


def test_usual_shares_ignore_unknown_values() -> None:
    assert usual_shares({"ios": 30, "web": 10, "": 60}) == {"ios": 0.75, "web": 0.25}


def test_a_value_far_above_its_share_is_affected_and_one_at_its_share_is_not() -> None:
    shares = {"ios": 0.5, "web": 0.5}

    now = affected(set(), {"ios": 40, "web": 5}, shares, usual_in_window=10, rules=DEFAULT_RULES)

    assert now == {"ios"}


def test_an_affected_value_stays_until_it_is_calm() -> None:
    shares = {"GB": 0.5, "US": 0.5}
    recent = {"GB": 12, "US": 4}  # GB at 2.4x its usual: not enough to join, enough to stay

    assert affected(set(), recent, shares, usual_in_window=10, rules=DEFAULT_RULES) == set()
    assert affected({"GB"}, recent, shares, usual_in_window=10, rules=DEFAULT_RULES) == {"GB"}
