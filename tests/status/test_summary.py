from __future__ import annotations

from datetime import timedelta

from outagewatch.status.summary import summarise
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports


def _tiktok(store: SqlStore):  # type: ignore[no-untyped-def]
    return next(s for s in store.list_services() if s.slug == "tiktok")


def test_a_quiet_service_has_zero_counts_and_no_issues(loaded_store: SqlStore) -> None:
    summary = summarise(loaded_store, service=_tiktok(loaded_store), now=NOW)

    assert summary.status.status == "ok"
    assert (summary.reports_this_hour, summary.reports_today) == (0, 0)
    assert len(summary.hours) == 24
    assert all(point.reports == 0 for point in summary.hours)
    assert summary.regions == []


def test_this_hour_is_the_last_sixty_minutes_and_today_starts_at_midnight_utc(
    loaded_store: SqlStore,
) -> None:
    add_reports(loaded_store, "tiktok", [NOW - timedelta(minutes=m) for m in (0, 30, 58)])
    add_reports(loaded_store, "tiktok", [NOW - timedelta(hours=3)] * 2)
    add_reports(loaded_store, "tiktok", [NOW - timedelta(hours=16)])  # yesterday

    summary = summarise(loaded_store, service=_tiktok(loaded_store), now=NOW)

    assert summary.reports_this_hour == 3
    assert summary.reports_today == 5
    assert sum(point.reports for point in summary.hours) == 6
    assert summary.hours[-1].reports == 2  # 14:44:30 falls in the previous clock hour


def test_uncounted_reports_do_not_appear(loaded_store: SqlStore) -> None:
    add_reports(loaded_store, "tiktok", [NOW] * 4, counted=False)

    summary = summarise(loaded_store, service=_tiktok(loaded_store), now=NOW)

    assert summary.reports_this_hour == 0


def test_problem_shares_and_regions_come_from_the_last_day(loaded_store: SqlStore) -> None:
    add_reports(loaded_store, "tiktok", [NOW] * 3, problem="login", country="GB")
    add_reports(loaded_store, "tiktok", [NOW], problem="feed", country="US")
    add_reports(loaded_store, "tiktok", [NOW - timedelta(days=2)] * 9, problem="messages")

    summary = summarise(loaded_store, service=_tiktok(loaded_store), now=NOW)

    assert [(p.problem.slug, p.reports) for p in summary.problems[:2]] == [
        ("login", 3),
        ("feed", 1),
    ]
    assert summary.problems[0].share == 0.75
    assert [(r.country, r.reports) for r in summary.regions] == [("GB", 3), ("US", 1)]


def test_usual_level_is_the_median_of_the_same_hour_on_past_days(
    loaded_store: SqlStore,
) -> None:
    for days_ago, count in enumerate([6, 8, 5, 7, 9, 6, 5], start=1):
        add_reports(loaded_store, "tiktok", [NOW - timedelta(days=days_ago)] * count)

    summary = summarise(loaded_store, service=_tiktok(loaded_store), now=NOW)

    assert summary.hours[-1].usual == 6.0
    assert summary.hours[0].usual == 2.0  # nothing at that hour: the floor
