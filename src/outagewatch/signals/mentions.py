"""Social mentions ("#tiktokdown") as corroborating evidence: pure functions, no I/O.

Mentions are noisier than reports (news, jokes, bots), so they never flip a status alone.
What they do: when a service is mentioned far above its usual level, fewer reports are
needed to call "Possible problems" — the two signals agree — and the page says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from statistics import median

WINDOW_MINUTES = 15
CORROBORATING_RATIO = 10.0  # x the usual mentions in the window...
CORROBORATING_MENTIONS = 50  # ...and at least this many, so a handful of posts is not enough
# What corroboration does to the reports needed for "Possible problems" (never below 5).
REPORTS_NEEDED_SHARE = 0.5
FEWEST_REPORTS_NEEDED = 5.0
USUAL_FLOOR = 1.0  # mentions per window: a service nobody mentions is not 1000x on 10 posts


@dataclass(frozen=True, slots=True)
class MentionEvidence:
    recent: int  # mentions in the last WINDOW_MINUTES
    usual: float  # usual mentions in such a window
    ratio: float

    @property
    def corroborates(self) -> bool:
        return self.ratio >= CORROBORATING_RATIO and self.recent >= CORROBORATING_MENTIONS

    def describe(self) -> str:
        return (
            f"{self.recent} social mentions in the last {WINDOW_MINUTES} minutes, "
            f"{self.ratio:.0f}x the usual level"
        )


def usual_per_window(hourly: Mapping[tuple[int, int], int], *, hours: int) -> dict[int, float]:
    """Usual mentions per window for each service: the median hour of the history (hours
    without any mention count as zero), scaled to the window."""
    by_service: dict[int, list[int]] = {}
    for (service_id, _hour), mentions in hourly.items():
        by_service.setdefault(service_id, []).append(mentions)
    usual: dict[int, float] = {}
    for service_id, counts in by_service.items():
        padded = counts + [0] * max(0, hours - len(counts))
        usual[service_id] = max(USUAL_FLOOR, median(padded) * WINDOW_MINUTES / 60)
    return usual


def evidence(recent: Mapping[int, int], usual: Mapping[int, float]) -> dict[int, MentionEvidence]:
    """Per service with recent mentions: how far above usual they are."""
    result: dict[int, MentionEvidence] = {}
    for service_id, count in recent.items():
        expected = usual.get(service_id, USUAL_FLOOR)
        result[service_id] = MentionEvidence(count, expected, count / expected)
    return result


def reports_needed(rule_minimum: float, mention: MentionEvidence | None) -> float:
    """Reports needed for "Possible problems", given the mentions."""
    if mention is None or not mention.corroborates:
        return rule_minimum
    return max(FEWEST_REPORTS_NEEDED, rule_minimum * REPORTS_NEEDED_SHARE)
