"""Where a problem is: which platforms and countries report far more than their usual share.

The same test as for the whole service, per value ("ios", "web", "GB", ...), with the same
hysteresis: a value joins at the "possible" ratio with enough reports, and leaves only once
it is calm again, so the timeline can say "website back; iPhone app still failing" without
flapping.
"""

from __future__ import annotations

from collections.abc import Mapping

from outagewatch.detection.rules import Rules

MIN_EXPECTED = 1.0  # reports per window: a value never seen before is not "infinitely" raised


def usual_shares(counts: Mapping[str, int]) -> dict[str, float]:
    """Each known value's share of a period's reports ('' means unknown and is left out)."""
    known = {value: n for value, n in counts.items() if value}
    total = sum(known.values())
    return {value: n / total for value, n in known.items()} if total else {}


def affected(
    previous: set[str],
    recent: Mapping[str, int],
    shares: Mapping[str, float],
    *,
    usual_in_window: float,
    rules: Rules,
) -> set[str]:
    """The values affected now, given those affected before (hysteresis)."""
    result = set()
    for value, count in recent.items():
        if not value:
            continue
        expected = max(usual_in_window * shares.get(value, 0.0), MIN_EXPECTED)
        ratio = count / expected
        joins = count >= rules.possible_min_reports and ratio >= rules.possible_ratio
        stays = value in previous and ratio >= rules.still_ratio
        if joins or stays:
            result.add(value)
    return result
