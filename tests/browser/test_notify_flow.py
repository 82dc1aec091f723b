"""In Chromium: Notify me on a service page, the link from the e-mail, then /account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.storage.sql import SqlStore
from tests.mailserver import MailServer
from tests.notify.test_end_to_end import notifying_settings
from tests.serving import free_port, serving_in_thread

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def site(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path, mail_server: MailServer
) -> Iterator[str]:
    port = free_port()
    app = create_app(
        notifying_settings(tmp_path, port, mail_server), store=loaded_store, clock=clock
    )
    with serving_in_thread(app, port) as url:
        yield url


@pytest.mark.browser
def test_sign_in_by_the_mailed_link_follow_and_see_it_on_the_account_page(
    site: str, mail_server: MailServer, browser_page: object
) -> None:
    from playwright.sync_api import Page, expect

    page: Page = browser_page  # type: ignore[assignment]
    page.goto(f"{site}/services/netflix")
    notify = page.locator("#notify")
    notify.get_by_label("Your e-mail address").fill("ada@example.org")
    notify.get_by_label("Both").check()
    notify.get_by_role("button", name="Notify me").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()

    (mail,) = mail_server.wait_for(1, timeout=30)
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"https?://\S+/signin/confirm\?token=\S+", text)
    assert link is not None
    page.goto(link.group(0))
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url(re.compile(r"/services/netflix\?followed=1"))
    expect(page.get_by_text("Done: you follow Netflix.")).to_be_visible()
    page.get_by_role("link", name="Your alerts", exact=True).click()
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()
    follows = page.locator("#follows")
    expect(follows.get_by_role("link", name="Netflix")).to_be_visible()
    expect(follows.get_by_label("When to tell you about Netflix")).to_have_value("both")
    expect(page.locator("#channels")).to_contain_text("ada@example.org")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "account.png"), full_page=True)
