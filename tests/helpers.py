"""Small builders shared by tests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from outagewatch.storage.records import NewReport
from outagewatch.storage.sql import SqlStore


def service_id(store: SqlStore, slug: str) -> int:
    for service in store.list_services():
        if service.slug == slug and service.id is not None:
            return service.id
    raise LookupError(slug)


def add_reports(
    store: SqlStore,
    slug: str,
    times: Iterable[datetime],
    *,
    problem: str = "messages",
    country: str | None = None,
    platform: str | None = None,
    counted: bool = True,
    networks: int | None = None,
    tag: str = "",
) -> None:
    """Store reports directly (no intake rules); uncounted ones count as duplicates."""
    target = service_id(store, slug)
    with store.transaction():
        store.record_reports(
            [
                NewReport(
                    service_id=target,
                    received_at=at,
                    problem=problem,
                    reporter_key=f"{tag}reporter-{index}",
                    network_key=f"{tag}network-{index % networks if networks else index}",
                    uncounted_reason=None if counted else "duplicate",
                    platform=platform,
                    country=country,
                )
                for index, at in enumerate(times)
            ]
        )
