"""In Chromium: Notify me on a service page, the link from the e-mail, then /account."""

from __future__ import annotations

import re

import pytest

from tests.browser.outage_site import ARTIFACTS, PageOpener
from tests.mailserver import MailServer


@pytest.mark.browser
def test_sign_in_by_the_mailed_link_follow_and_see_it_on_the_account_page(
    notifying_site: str, mail_server: MailServer, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page()
    page.goto(f"{notifying_site}/services/netflix")
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
