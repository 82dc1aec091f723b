"""What browser tests share: where screenshots go, two viewports, the type of the `new_page`
fixture, and a real outage made of reports and a tick."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.sql import SqlStore
from tests.helpers import add_reports

if TYPE_CHECKING:
    from playwright.sync_api import Page

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}

# new_page(viewport=PHONE, ...): keyword arguments are Playwright's browser context options.
PageOpener = Callable[..., "Page"]


def start_outage(store: SqlStore, clock: FixedClock, slug: str, *, reports: int = 400) -> None:
    """Reports from several countries and platforms over the last minutes, then one tick."""
    now = clock.now()
    mixes = [("login", "GB", "ios"), ("messages", "US", "android"), ("feed", "IN", "web")]
    for index, (problem, country, platform) in enumerate(mixes):
        add_reports(
            store,
            slug,
            [now - timedelta(seconds=2 * i + index) for i in range(reports // len(mixes))],
            problem=problem,
            country=country,
            platform=platform,
            tag=problem,
        )
    Monitor(store).tick(CatalogIndex(store.list_services()), now=now)
