"""Open data: counted reports per service per hour of one UTC day, as CSV or JSON. Pure."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

SECONDS_PER_HOUR = 3600
_DAY_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")


class DayError(ValueError):
    """The requested day cannot be served; the message says what to ask for instead."""


class DayFoldedError(DayError):
    """The day is older than the hourly totals kept: retention folded its hours into a daily
    total, so an hourly file for it would be empty, not true."""


@dataclass(frozen=True, slots=True)
class HourlyRow:
    service: str  # slug
    hour: datetime  # the hour's start, UTC
    reports: int


def requested_day(text: str | None, *, today: date, oldest: date) -> date:
    """The day asked for: `YYYY-MM-DD` from `oldest` (the first day whose hours are all
    kept) up to today (UTC); by default yesterday, the last complete day."""
    if text is None:
        return today - timedelta(days=1)
    # fromisoformat alone would also take "20261118" and week dates; one spelling is clearer.
    if not _DAY_PATTERN.fullmatch(text):
        raise DayError(f"date must be a day written YYYY-MM-DD, such as {today.isoformat()}.")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise DayError(f"{text} is not a day of the calendar.") from None
    if day > today:
        raise DayError(f"{text} has not happened yet: the latest day is {today.isoformat()}.")
    if day < oldest:
        raise DayFoldedError(
            f"Hourly figures are kept for {(today - oldest).days} days: {text} is older than "
            f"the first day kept, {oldest.isoformat()}."
        )
    return day


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start, start + timedelta(days=1)


def hourly_rows(totals: Mapping[tuple[int, int], int], slugs: Mapping[int, str]) -> list[HourlyRow]:
    """Rows from (service id, Unix hour) -> reports, by slug then hour; empty hours and
    services no longer in the catalog are left out."""
    rows = [
        HourlyRow(
            service=slugs[service_id],
            hour=datetime.fromtimestamp(unix_hour * SECONDS_PER_HOUR, UTC),
            reports=reports,
        )
        for (service_id, unix_hour), reports in totals.items()
        if reports > 0 and service_id in slugs
    ]
    rows.sort(key=lambda row: (row.service, row.hour))
    return rows


def to_csv(rows: list[HourlyRow]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180
    writer.writerow(["service", "hour", "reports"])
    writer.writerows((row.service, _iso_hour(row.hour), row.reports) for row in rows)
    return buffer.getvalue()


def to_json(day: date, rows: list[HourlyRow]) -> dict[str, Any]:
    return {
        "date": day.isoformat(),
        "rows": [
            {"service": row.service, "hour": _iso_hour(row.hour), "reports": row.reports}
            for row in rows
        ],
    }


def filename(day: date, extension: str) -> str:
    return f"outagewatch-hourly-{day.isoformat()}.{extension}"


def _iso_hour(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
