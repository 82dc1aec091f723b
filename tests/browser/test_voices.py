"""An open service page shows new comments as they come, and loses a hidden one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outagewatch.clock import FixedClock
from outagewatch.storage.sql import SqlStore
from tests.browser.outage_site import PHONE, PageOpener
from tests.helpers import service_id
from tests.web.test_voices import add_comment

REFRESH_GAP_MS = 10_000  # live.js: an open page refetches its comments at most this often


@pytest.mark.browser
def test_comments_appear_live_and_leave_when_an_operator_hides_them(
    outage_site: str, loaded_store: SqlStore, clock: FixedClock, new_page: PageOpener
) -> None:
    from playwright.sync_api import expect

    page = new_page(viewport=PHONE)
    page.clock.install()
    page.goto(f"{outage_site}/services/tiktok")
    voices = page.locator("#voices")
    expect(voices).to_contain_text("No comments to show yet.")
    hour = page.locator('[data-count="hour"]')

    add_comment(loaded_store, "tiktok", "For You page is blank", minutes_ago=0)
    expect(hour).to_have_text("400")  # the stream told the page
    page.clock.run_for(REFRESH_GAP_MS)

    expect(voices).to_contain_text("For You page is blank")

    comment = loaded_store.comments_of(
        service_id(loaded_store, "tiktok"),
        since=clock.now() - timedelta(hours=1),
        until=clock.now() + timedelta(minutes=1),
        limit=1,
    )[0]
    with loaded_store.transaction():
        loaded_store.hide_report(comment.report_id, now=clock.now())
    clock.advance(timedelta(milliseconds=REFRESH_GAP_MS))  # the comments kept in memory age
    expect(hour).to_have_text("399")
    page.clock.run_for(REFRESH_GAP_MS)

    expect(voices).not_to_contain_text("For You page is blank")
