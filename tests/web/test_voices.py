"""What people say on the service and incident pages, and an operator's one-click hide."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.records import NewReport
from outagewatch.storage.sql import SqlStore
from outagewatch.web.fragments import FRESH_FOR
from tests.browser.outage_site import start_outage
from tests.conftest import NOW
from tests.helpers import SAME_SITE, service_id, sign_in


def add_comment(store: SqlStore, slug: str, text: str, *, minutes_ago: int = 1) -> None:
    with store.transaction():
        store.record_reports(
            [
                NewReport(
                    service_id=service_id(store, slug),
                    received_at=NOW - timedelta(minutes=minutes_ago),
                    problem="feed",
                    reporter_key=f"writer-{text}",
                    network_key=f"network-{text}",
                    country="ZA",
                    platform="android",
                    comment=text,
                )
            ]
        )


def _voices(page: str) -> str:
    start = page.index('id="voices"')
    return page[start : page.index("</section>", start)]


def test_the_service_page_shows_comments_that_pass_the_checks_with_only_the_country(
    client: TestClient, loaded_store: SqlStore
) -> None:
    add_comment(loaded_store, "tiktok", "0 followers on my profile", minutes_ago=3)
    add_comment(loaded_store, "tiktok", "buy followers at www.example.com", minutes_ago=2)
    add_comment(loaded_store, "tiktok", "search shows nothing", minutes_ago=1)

    voices = _voices(client.get("/services/tiktok").text)

    assert voices.index("search shows nothing") < voices.index("0 followers on my profile")
    assert "South Africa" in voices and "Android app" in voices
    assert "Feed &amp; content not loading" in voices
    assert "www.example.com" not in voices
    assert "writer-" not in voices and "network-" not in voices  # never who wrote it


def test_the_comments_fragment_is_what_an_open_page_fetches(
    client: TestClient, loaded_store: SqlStore
) -> None:
    add_comment(loaded_store, "tiktok", "videos stop after a second")

    response = client.get("/services/tiktok/comments")

    assert "videos stop after a second" in response.text
    assert response.headers["cache-control"] == "no-cache"
    assert client.get("/services/nothing-here/comments").status_code == 404


def test_an_operator_hides_a_comment_in_one_click_from_the_service_page(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    add_comment(loaded_store, "tiktok", "this is rude but passes the checks")
    with loaded_store.transaction():
        loaded_store.set_role("op@example.org", "operator", now=clock.now())
    sign_in(client, loaded_store, "op@example.org")
    page = client.get("/services/tiktok").text
    form = _voices(page).split('<form method="post" action="', 1)[1].split('"', 1)[0]

    hidden = client.post(
        form, data={"back": "/services/tiktok"}, headers=SAME_SITE, follow_redirects=False
    )

    assert hidden.status_code == 303 and hidden.headers["location"].startswith("/services/tiktok")
    assert "this is rude" not in client.get("/services/tiktok").text


def test_visitors_get_no_hide_button(client: TestClient, loaded_store: SqlStore) -> None:
    add_comment(loaded_store, "tiktok", "app logs me out")

    assert "/admin/reports/" not in client.get("/services/tiktok").text


def test_the_incident_page_shows_what_people_said_while_it_lasted(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    add_comment(loaded_store, "tiktok", "long before the outage", minutes_ago=300)
    start_outage(loaded_store, clock, "tiktok")
    add_comment(loaded_store, "tiktok", "For You page is blank", minutes_ago=0)
    incident = loaded_store.incidents_of(service_id(loaded_store, "tiktok"), limit=1)[0]

    page = client.get(f"/incidents/{incident.id}").text
    live = client.get(f"/incidents/{incident.id}/live").text

    assert "For You page is blank" in page and "For You page is blank" in live
    assert "long before the outage" not in page


def test_operators_can_turn_comments_off(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    add_comment(loaded_store, "tiktok", "comments are off here")
    settings = Settings(
        data_dir=tmp_path,
        public_url="http://testserver",
        run_detection=False,
        run_delivery=False,
        show_comments=False,
    )

    with TestClient(create_app(settings, store=loaded_store, clock=clock)) as client:
        page = client.get("/services/tiktok").text

    assert "What people say" not in page and "comments are off here" not in page


def test_visitors_share_one_rendering_of_the_comments_for_a_few_seconds(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    first = client.get("/services/tiktok/comments").text
    add_comment(loaded_store, "tiktok", "arrived a moment later", minutes_ago=0)

    within = client.get("/services/tiktok/comments").text
    clock.advance(FRESH_FOR)
    after = client.get("/services/tiktok/comments").text

    assert within == first
    assert "arrived a moment later" in after
