"""Minute and hour keys: counts are stored and detected per Unix minute (seconds // 60),
hour totals per Unix hour (minute // 60), all in UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SECONDS_PER_MINUTE = 60
MINUTES_PER_HOUR = 60


def unix_minute(moment: datetime) -> int:
    """The minute holding `moment` (a minute's reports share its key)."""
    return int(moment.timestamp()) // SECONDS_PER_MINUTE


def at_minute(minute: int) -> datetime:
    """When a Unix minute starts, as an aware UTC time."""
    return datetime.fromtimestamp(minute * SECONDS_PER_MINUTE, UTC)


def unix_hour(moment: datetime) -> int:
    """The hour holding `moment`, the key of hour totals."""
    return unix_minute(moment) // MINUTES_PER_HOUR


def last_hour_span(now: datetime) -> tuple[datetime, datetime]:
    """[since, until) of "the last hour": this minute, still filling, and the 59 before, so
    the figure never drops to 0 at the top of the hour."""
    return now - timedelta(minutes=59), now + timedelta(minutes=1)
