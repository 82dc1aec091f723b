"""Politeness to status hosts, planned rather than slept: one request per host per round."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from outagewatch.signals.official_parsing import request_url
from outagewatch.storage.records_official import OfficialSource


class HostTurns:
    """Which due sources may be asked now, and when the others may: one request per host
    per round, `gap` apart. A host is a URL's host and port (one server, as far as we can
    tell from outside). Remembered per process, which is enough while one poller runs."""

    def __init__(self, gap: timedelta) -> None:
        self.gap = gap
        self._last_request_at: dict[str, datetime] = {}

    def plan(
        self, sources: Iterable[OfficialSource], *, now: datetime
    ) -> tuple[list[OfficialSource], list[tuple[OfficialSource, datetime]]]:
        by_host: dict[str, list[OfficialSource]] = {}
        for source in sources:
            by_host.setdefault(_host(request_url(source)), []).append(source)
        ask_now: list[OfficialSource] = []
        later: list[tuple[OfficialSource, datetime]] = []
        for host, waiting in by_host.items():
            last = self._last_request_at.get(host)
            free_at = now if last is None else max(now, last + self.gap)
            if free_at <= now:
                ask_now.append(waiting.pop(0))
                self._last_request_at[host] = now
                free_at = now + self.gap
            later.extend((source, free_at + self.gap * turn) for turn, source in enumerate(waiting))
        return ask_now, later


def _host(url: str) -> str:
    try:
        return urlsplit(url).netloc.lower() or url
    except ValueError:
        return url
