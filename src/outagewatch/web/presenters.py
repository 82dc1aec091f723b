"""Number formats for people."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from outagewatch.catalog.model import Service
from outagewatch.storage.records import ServiceStatus


def thousands(value: int) -> str:
    return f"{value:,}"


def percent(share: float) -> str:
    return f"{share * 100:.0f}%"


TROUBLE_ORDER = {"major": 0, "possible": 1}  # any other status: after these


def trouble_first(
    services: Sequence[Service],
    statuses: Mapping[int, ServiceStatus],
    *,
    reports_last_hour: Mapping[int, int] | None = None,
) -> list[Service]:
    """Services with problems first (outages, then possible problems, each by the last hour's
    reports), then the rest in the order given: a person in a hurry looks at the top."""
    reports = reports_last_hour or {}

    def rank(indexed: tuple[int, Service]) -> tuple[int, int, int]:
        position, service = indexed
        status = statuses.get(service.id or 0)
        trouble = TROUBLE_ORDER.get(status.status if status else "ok", len(TROUBLE_ORDER))
        in_trouble = trouble < len(TROUBLE_ORDER)
        return trouble, -reports.get(service.id or 0, 0) if in_trouble else 0, position

    return [service for _, service in sorted(enumerate(services), key=rank)]


def catalog_size(services: int) -> str:
    """How many services we track, as a person says it: 2,725 -> "2,700+"."""
    if services < 100:
        return f"{services}"
    return f"{services // 100 * 100:,}+"
