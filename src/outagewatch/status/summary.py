"""A service's last 24 hours: reports per hour against the usual level, the problems people
report and where from, computed from the per-minute counts in storage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from outagewatch.basics.minutes import last_hour_span, unix_hour
from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.catalog.model import Problem, Service
from outagewatch.detection import baseline
from outagewatch.detection.rules import DEFAULT_RULES
from outagewatch.incidents import history
from outagewatch.status.card import StatusCard, read_card
from outagewatch.status.reader import StatusReads
from outagewatch.storage.records import ServiceStatus

CHART_HOURS = 24
TOP_REGIONS = 10
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True, slots=True)
class HourPoint:
    start: datetime
    reports: int
    usual: float | None


@dataclass(frozen=True, slots=True)
class ProblemShare:
    problem: Problem
    reports: int
    share: float  # of the counted reports in the last 24 hours, 0..1


@dataclass(frozen=True, slots=True)
class RegionShare:
    country: str  # ISO 3166-1 alpha-2
    reports: int
    share: float


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    card: StatusCard  # the status and counts every face shows
    hours: list[HourPoint]
    problems: list[ProblemShare]
    regions: list[RegionShare]
    countries: dict[str, int]  # every known country's reports in the last 24 hours (the map)
    left_out_today: int = 0  # kept but not counted since 00:00 UTC: their networks weighed in

    @property
    def service(self) -> Service:
        return self.card.service

    @property
    def status(self) -> ServiceStatus:
        return self.card.status

    @property
    def reports_this_hour(self) -> int:
        return self.card.reports_this_hour

    @property
    def reports_today(self) -> int:
        return self.card.reports_today

    @property
    def generated_at(self) -> datetime:
        return self.card.generated_at


def summarise(
    store: StatusReads,
    *,
    service: Service,
    now: datetime,
    statuses: Mapping[int, ServiceStatus] | None = None,
) -> ServiceSummary:
    """The last 24 hours of one service; `statuses`, when the caller has read them already."""
    assert service.id is not None, "services from storage carry their id"
    service_id = service.id
    current_hour = unix_hour(now)
    chart_hours = list(range(current_hour - CHART_HOURS + 1, current_hour + 1))
    # The usual line is exactly the level detection compares with (see detection.baseline).
    first_hour = chart_hours[0] - baseline.HISTORY_HOURS
    hourly = store.hourly_totals(
        service_id,
        since=datetime.fromtimestamp(first_hour * SECONDS_PER_HOUR, UTC),
        until=now + timedelta(minutes=1),
    )
    card = read_card(store, service=service, now=now, statuses=statuses)
    covered = history.covered_minutes(
        store, first_minute=first_hour * 60, end_minute=(current_hour + 1) * 60
    )
    counts = history.hour_matrix(
        {(service_id, hour): count for hour, count in hourly.items()},
        [service_id],
        first_hour=first_hour,
        end_hour=current_hour + 1,
        covered=covered,
    )
    # Not a day of history yet (none at all: tracked since now): nothing is usual.
    began = unix_hour(card.tracked_since)
    learning = [hour - 24 < began + 1 for hour in chart_hours]
    levels = baseline.usual_by_hour(
        counts,
        first_hour=first_hour,
        hours=[hour for hour, early in zip(chart_hours, learning, strict=True) if not early],
        floor_per_hour=DEFAULT_RULES.floor_per_hour,
    )
    judged = iter(levels)
    usual: list[float | None] = [
        None if early else round(float(next(judged).per_minute[0]) * 60, 1) for early in learning
    ]
    day_start = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    _, until = last_hour_span(now)
    last_24_hours = now - timedelta(hours=24)
    left_out_today = store.uncounted_totals(service_id, since=day_start, until=until)["brigade"]
    by_problem = store.breakdown(service_id, dimension="problem", since=last_24_hours, until=until)
    by_country = store.breakdown(service_id, dimension="country", since=last_24_hours, until=until)
    return ServiceSummary(
        card=card,
        left_out_today=left_out_today,
        hours=[
            HourPoint(
                start=datetime.fromtimestamp(hour * SECONDS_PER_HOUR, UTC),
                reports=hourly.get(hour, 0),
                usual=level,
            )
            for hour, level in zip(chart_hours, usual, strict=True)
        ],
        problems=_problem_shares(service, by_problem),
        regions=region_shares(by_country),
        countries={country: n for country, n in by_country.items() if country},
    )


def _problem_shares(service: Service, by_problem: dict[str, int]) -> list[ProblemShare]:
    """Every problem of the category, in its usual order, with its share of recent reports."""
    total = sum(by_problem.values())
    category = CATEGORY_BY_SLUG[service.category]
    shares = [
        ProblemShare(
            problem=problem,
            reports=by_problem.get(problem.slug, 0),
            share=by_problem.get(problem.slug, 0) / total if total else 0.0,
        )
        for problem in category.problems
    ]
    if total:
        shares.sort(key=lambda share: -share.reports)  # stable: ties keep the category order
    return shares


def region_shares(by_country: dict[str, int]) -> list[RegionShare]:
    # A hidden report leaves its country at 0 rather than gone: only countries with reports.
    known = {country: n for country, n in by_country.items() if country and n > 0}
    total = sum(known.values())
    ranked = sorted(known.items(), key=lambda item: (-item[1], item[0]))[:TOP_REGIONS]
    return [RegionShare(country, n, n / total) for country, n in ranked]
