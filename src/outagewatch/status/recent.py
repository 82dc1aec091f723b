"""What people report now: the last 60 minutes in five-minute slots, the hour still filling
with where it is heading, and the last hour's problems, regions and platforms.

The 24-hour chart alone hides an outage in progress: at 06:24 the 06:00 bar holds 24
minutes of reports and reads as a drop against a full hour's usual level.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from outagewatch.basics.minutes import SECONDS_PER_MINUTE, at_minute, last_hour_span, unix_minute
from outagewatch.basics.services import Service
from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.status.reader import StatusReads
from outagewatch.status.summary import RegionShare, region_shares

SLOT = timedelta(minutes=5)
SLOTS = 12  # an hour of five-minute slots, the last one still filling
PROJECTION_WINDOW_MINUTES = 15  # the rate that projects the rest of the hour
TOP_SHARES = 3


@dataclass(frozen=True, slots=True)
class SlotPoint:
    start: datetime
    reports: int
    filling: bool  # the slot that holds "now": fewer minutes than the others


@dataclass(frozen=True, slots=True)
class HourSoFar:
    start: datetime
    reports: int  # since the top of the hour
    projected: int  # by the end of the hour, at the rate of the last 15 minutes
    minutes_elapsed: float


@dataclass(frozen=True, slots=True)
class Share:
    key: str  # a problem slug or a platform
    label: str
    share: float  # of the last hour's counted reports, 0..1


@dataclass(frozen=True, slots=True)
class RecentActivity:
    slots: list[SlotPoint]
    usual_per_slot: float | None  # the usual level of this hour, per five minutes
    hour_so_far: HourSoFar
    reports: int  # the last 60 minutes
    problems: list[Share]
    regions: list[RegionShare]
    platforms: list[Share]


def recent_activity(
    store: StatusReads, *, service: Service, now: datetime, usual_per_hour: float | None
) -> RecentActivity:
    assert service.id is not None, "services from storage carry their id"
    slot_minutes = int(SLOT.total_seconds()) // SECONDS_PER_MINUTE
    current_slot = unix_minute(now) // slot_minutes * slot_minutes
    first_minute = current_slot - (SLOTS - 1) * slot_minutes
    hour_start = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    since = min(hour_start, now - timedelta(minutes=PROJECTION_WINDOW_MINUTES))
    since = min(since, at_minute(first_minute))
    until = now + timedelta(minutes=1)
    minutes = store.minute_totals(service.id, since=since, until=until)

    def total(from_minute: int, to_minute: int) -> int:
        return sum(n for minute, n in minutes.items() if from_minute <= minute < to_minute)

    slots = [
        SlotPoint(
            start=at_minute(start),
            reports=total(start, start + slot_minutes),
            filling=start == current_slot,
        )
        for start in range(first_minute, current_slot + 1, slot_minutes)
    ]
    now_minute = unix_minute(now)
    so_far = total(unix_minute(hour_start), now_minute + 1)
    elapsed = (now - hour_start).total_seconds() / SECONDS_PER_MINUTE
    rate = total(now_minute - PROJECTION_WINDOW_MINUTES + 1, now_minute + 1) / (
        PROJECTION_WINDOW_MINUTES
    )
    last_hour_since, last_hour_until = last_hour_span(now)
    breakdowns = {
        dimension: store.breakdown(
            service.id, dimension=dimension, since=last_hour_since, until=last_hour_until
        )
        for dimension in ("problem", "country", "platform")
    }
    problems = CATEGORY_BY_SLUG[service.category].problems
    titles = {problem.slug: problem.title for problem in problems}
    return RecentActivity(
        slots=slots,
        usual_per_slot=None if usual_per_hour is None else usual_per_hour / SLOTS,
        hour_so_far=HourSoFar(
            start=hour_start,
            reports=so_far,
            projected=round(so_far + rate * (60 - elapsed)),
            minutes_elapsed=elapsed,
        ),
        reports=total(unix_minute(last_hour_since), unix_minute(last_hour_until)),
        problems=_top_shares(breakdowns["problem"], titles),
        regions=region_shares(breakdowns["country"])[:TOP_SHARES],
        platforms=_top_shares(breakdowns["platform"], PLATFORM_LABELS),
    )


PLATFORM_LABELS = {
    "ios": "iPhone / iPad app",
    "android": "Android app",
    "web": "Website",
    "desktop": "Desktop app",
}


def _top_shares(counts: dict[str, int], labels: dict[str, str]) -> list[Share]:
    known = {key: n for key, n in counts.items() if key in labels and n}
    total = sum(known.values())
    ranked = sorted(known.items(), key=lambda item: (-item[1], item[0]))[:TOP_SHARES]
    return [Share(key, labels[key], n / total) for key, n in ranked]
