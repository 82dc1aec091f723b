"""Browser fixtures: the real `outagewatch serve` program and Debian's headless Chromium."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from outagewatch.catalog import service as catalog_service
from outagewatch.clock import FixedClock
from outagewatch.storage import migrate
from outagewatch.storage.sql import SqlStore, make_engine
from tests.browser.outage_site import PageOpener, start_outage
from tests.serving import ServerProcess, site_in_thread, start_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def _chromium_path() -> str:
    configured = os.environ.get("OUTAGEWATCH_CHROMIUM")
    for candidate in (configured, *CHROMIUM_CANDIDATES):
        if candidate and Path(candidate).exists():
            return candidate
    reason = "Chromium not found (install Debian's chromium or set OUTAGEWATCH_CHROMIUM)"
    if os.environ.get("OUTAGEWATCH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"OUTAGEWATCH_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The site as `make run` serves it, with two web workers as in production, on a site
    that has been taking reports for a day (detection has learned what is usual)."""
    data_dir = tmp_path_factory.mktemp("live")
    running_for_a_day(data_dir)
    server = start_server(
        data_dir,
        workers=2,
        OUTAGEWATCH_TRUSTED_PROXIES="127.0.0.1/32",
        OUTAGEWATCH_DETECTION_INTERVAL_SECONDS="1",
    )
    yield server
    server.stop()


@pytest.fixture
def site(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[str]:
    """The catalog site in this process, with the test's store and fixed clock, over HTTP."""
    with site_in_thread(loaded_store, clock, tmp_path) as served:
        yield served.url


@pytest.fixture
def outage_site(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[str]:
    """The same, with TikTok in a major outage (tests.browser.outage_site.start_outage)."""
    start_outage(loaded_store, clock, "tiktok")
    with site_in_thread(loaded_store, clock, tmp_path) as served:
        yield served.url


def running_for_a_day(data_dir: Path) -> None:
    """The embedded database, migrated and loaded as `outagewatch serve` would, with its
    history begun a day ago: past detection's first hours of learning."""
    store = SqlStore(make_engine(f"sqlite:///{data_dir / 'outagewatch.db'}"))
    migrate.upgrade(store.engine)
    catalog_service.load_into_store(store, now=datetime.now(UTC) - timedelta(days=1))
    store.engine.dispose()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """Per module: Playwright's sync API runs an event loop in this thread while it lives."""
    executable = _chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser) -> Iterator[PageOpener]:
    """Opens a page in a browser context of its own, made with Playwright's context options
    (viewport, color_scheme, timezone_id, java_script_enabled...); each is closed after the
    test, passed or failed, so no page outlives it into the next."""
    contexts: list[BrowserContext] = []

    def open_page(**options: Any) -> Page:
        context = chromium.new_context(**options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
