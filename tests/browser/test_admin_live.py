"""An operator posts an update from /admin; a viewer's open service page shows it live."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.incidents.monitor import Monitor
from outagewatch.notify.accounts import Accounts
from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import ARTIFACTS, PageOpener
from tests.helpers import add_reports, link_token
from tests.serving import Site, site_in_thread


@pytest.fixture
def admin_site(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[Site]:
    with site_in_thread(loaded_store, clock, tmp_path) as site:
        yield site


def _operator_session(settings: Settings, store: SqlStore, clock: FixedClock) -> str:
    """Sign an operator in as the e-mail link would (that path has its own browser test)."""
    with store.transaction():
        store.set_role("op@example.org", "operator", now=clock.now())
    accounts = Accounts(store, secret=settings.resolved_secret(), public_url=settings.public_url)
    accounts.request_signin("op@example.org", now=clock.now())
    return accounts.confirm(link_token(store, "op@example.org"), now=clock.now()).session_token


@pytest.mark.browser
def test_an_update_posted_in_admin_appears_on_an_open_service_page(
    admin_site: Site,
    loaded_store: SqlStore,
    clock: FixedClock,
    new_page: PageOpener,
) -> None:
    from playwright.sync_api import expect

    site = admin_site.url
    add_reports(loaded_store, "discord", [clock.now() - timedelta(seconds=i) for i in range(300)])
    Monitor(loaded_store).tick(CatalogIndex(loaded_store.list_services()), now=clock.now())
    viewer = new_page()
    viewer.goto(f"{site}/services/discord")
    expect(viewer.get_by_role("heading", name="Ongoing incident")).to_be_visible()

    admin = new_page()  # a context of its own: the operator's session cookie stays there
    admin.context.add_cookies(
        [
            {
                "name": "ow_session",
                "value": _operator_session(admin_site.settings, loaded_store, clock),
                "url": site,
            }
        ]
    )
    admin.goto(f"{site}/admin")
    admin.get_by_label("Live update").first.fill("Discord says a fix is rolling out.")
    admin.get_by_role("button", name="Post update").first.click()
    expect(admin.get_by_role("status")).to_contain_text("Update posted")

    expect(viewer.get_by_text("Discord says a fix is rolling out.")).to_be_visible()
    expect(viewer.locator(".event-update .event-label")).to_have_text("Update from OutageWatch")
    ARTIFACTS.mkdir(exist_ok=True)
    viewer.screenshot(path=str(ARTIFACTS / "live-operator-update.png"), full_page=True)
