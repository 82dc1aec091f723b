"""Status pages find their own kind: a local status server plays Statuspage and Better Stack
sites, feeds and plain pages, and the poller learns which is which, whatever the catalog's flag
said."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.signals.official import OfficialPoller, PollRound
from outagewatch.signals.official_platforms import PlatformFormatError, parse_betterstack_index
from outagewatch.storage import migrate, schema
from outagewatch.storage.records_official import OfficialStatus
from outagewatch.storage.sql import SqlStore, make_engine
from tests.contract.test_store import CHAT
from tests.signals.status_server import StatusServer

T0 = datetime(2026, 11, 18, 15, 40, tzinfo=UTC)
PLAIN_PAGE = b"<!doctype html><html><body>All systems operational</body></html>"
PAGE_WITH_FEED = b"""<!DOCTYPE html><html><head>
<link rel="alternate" type="application/atom+xml" href="/chat/history.atom">
</head><body>All good</body></html>"""


@pytest.fixture
def server() -> Iterator[StatusServer]:
    with StatusServer() as status_server:
        yield status_server


def _chat_with_page(store: SqlStore, page: str, *, flagged: bool = False) -> int:
    """ChatApp with its status page at `page`, flagged as Statuspage or not; its id."""
    with store.transaction():
        store.sync_catalog(CATEGORIES, [replace(CHAT, status_page=page, statuspage_io=flagged)])
        store.sync_official_sources(store.list_services(), now=T0)
    (chat,) = [service.id for service in store.list_services() if service.id]
    return chat


def _status(store: SqlStore, service_id: int) -> OfficialStatus:
    status = store.official_status(service_id)
    assert status is not None
    return status


def _poll(store: SqlStore, at: datetime) -> PollRound:
    return asyncio.run(OfficialPoller(store, host_interval_seconds=0).poll_due(now=at))


def test_an_unflagged_page_is_first_unknown_then_read_through_its_statuspage_api(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve_fixture("/chat/api/v2/summary.json", "statuspage_summary.json")
    server.serve("/chat", PLAIN_PAGE, content_type="text/html")
    chat = _chat_with_page(store, f"{server.url}/chat")
    before = _status(store, chat).kind

    first = _poll(store, T0)
    again = _poll(store, T0 + timedelta(minutes=2))

    assert before == "unknown"
    assert first == PollRound(read=1, statements_added=3)
    assert again == PollRound(read=1)
    status = _status(store, chat)
    assert (status.kind, status.indicator, status.failing) == ("statuspage", "major", False)
    assert status.next_check_at == T0 + timedelta(minutes=4)  # Statuspage's interval
    assert [request.path for request in server.requests] == ["/chat/api/v2/summary.json"] * 2


def test_a_feed_only_page_is_read_through_its_feed(store: SqlStore, server: StatusServer) -> None:
    server.serve_fixture("/chat/status", "status_feed.rss")
    chat = _chat_with_page(store, f"{server.url}/chat/status")

    first = _poll(store, T0)
    again = _poll(store, T0 + timedelta(minutes=5))

    assert first == PollRound(read=1, statements_added=3)
    assert again == PollRound(read=1)
    assert _status(store, chat).kind == "feed"
    assert [request.path for request in server.requests] == [
        "/chat/status/api/v2/summary.json",  # asked once: not there
        "/chat/status/index.json",  # nor a Better Stack page
        "/chat/status",
        "/chat/status",  # the feed directly from then on
    ]


def test_a_page_flagged_as_statuspage_by_hand_is_read_through_the_feed_it_really_has(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve("/chat", PAGE_WITH_FEED, content_type="text/html")
    server.serve_fixture("/chat/history.atom", "status_feed.atom")
    chat = _chat_with_page(store, f"{server.url}/chat", flagged=True)

    result = _poll(store, T0)

    assert result.read == 1 and result.statements_added > 0
    status = _status(store, chat)
    assert (status.kind, status.feed_url) == ("feed", f"{server.url}/chat/history.atom")


def test_a_plain_page_is_shown_as_a_link(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock, server: StatusServer
) -> None:
    server.serve("/status", PLAIN_PAGE, content_type="text/html")
    signal = CatalogIndex(loaded_store.list_services()).by_slug["signal"]
    with loaded_store.transaction():
        loaded_store.sync_official_sources(
            [replace(signal, status_page=f"{server.url}/status", statuspage_io=False)],
            now=clock.now(),
        )

    result = asyncio.run(OfficialPoller(loaded_store).poll_due(now=clock.now()))

    assert result == PollRound(unchanged=1)
    page = client.get("/services/signal").text
    assert f'Official status page: <a href="{server.url}/status"' in page
    assert "a web page without a feed, so we link to it" in page


def test_a_statuspage_api_that_fails_says_nothing_of_the_kind_and_is_retried(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve("/chat", PLAIN_PAGE, content_type="text/html")
    chat = _chat_with_page(store, f"{server.url}/chat")
    server.respond_with(503)

    result = _poll(store, T0)

    assert result == PollRound(failed=1)
    status = _status(store, chat)
    assert (status.kind, status.last_error) == ("unknown", "HTTP 503")
    assert [request.path for request in server.requests] == ["/chat/api/v2/summary.json"]


def test_a_statuspage_site_that_moved_away_is_read_as_what_it_is_now(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve_fixture("/chat/api/v2/summary.json", "statuspage_summary.json")
    chat = _chat_with_page(store, f"{server.url}/chat")
    _poll(store, T0)
    server.serve("/chat/api/v2/summary.json", b"<html>moved</html>", content_type="text/html")
    server.serve("/chat", PLAIN_PAGE, content_type="text/html")

    result = _poll(store, T0 + timedelta(minutes=2))

    assert result == PollRound(unchanged=1)
    assert _status(store, chat).kind == "page"


def test_upgrading_looks_afresh_at_pages_read_as_feeds_or_links(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0010")
    with engine.begin() as connection:
        connection.execute(insert(schema.categories).values(slug="social", name="S", position=1))
        for service_id in (1, 2, 3):
            connection.execute(
                text(
                    "INSERT INTO services (id, slug, name, category, url, description,"
                    " popularity, aliases, countries, related, statuspage_io, icon) VALUES"
                    f" ({service_id}, 's{service_id}', 'S', 'social', 'https://s.example', '',"
                    " 1, '[]', '[]', '[]', 0, 's.svg')"
                )
            )
        for service_id, kind in ((1, "statuspage"), (2, "feed"), (3, "page")):
            connection.execute(
                insert(schema.official_sources).values(
                    service_id=service_id,
                    kind=kind,
                    url="https://status.s.example",
                    feed_url="https://status.s.example/history.rss" if kind == "feed" else None,
                    next_check_at=T0,
                )
            )

    migrate.upgrade(engine)

    with engine.connect() as connection:
        table = schema.official_sources
        rows = connection.execute(
            select(table.c.service_id, table.c.kind, table.c.feed_url).order_by("service_id")
        ).all()
    assert [tuple(row) for row in rows] == [
        (1, "statuspage", None),
        (2, "unknown", None),
        (3, "unknown", None),
    ]


def _betterstack_index(state: str) -> bytes:
    document = {
        "data": {
            "id": "165",
            "type": "status_page",
            "attributes": {"company_name": "ChatApp", "aggregate_state": state},
            "relationships": {"status_reports": {"data": []}},
        },
        "included": [],
    }
    return json.dumps(document).encode()


def test_a_better_stack_page_is_found_and_its_overall_state_read(
    store: SqlStore, server: StatusServer
) -> None:
    # Better Stack answers every path with the same page shell, the Statuspage one included.
    server.serve("/chat/api/v2/summary.json", PLAIN_PAGE, content_type="text/html")
    server.serve(
        "/chat/index.json", _betterstack_index("downtime"), content_type="application/json"
    )
    chat = _chat_with_page(store, f"{server.url}/chat")

    first = _poll(store, T0)
    server.serve(
        "/chat/index.json", _betterstack_index("operational"), content_type="application/json"
    )
    again = _poll(store, T0 + timedelta(minutes=2))

    assert (first, again) == (PollRound(read=1), PollRound(read=1))
    status = _status(store, chat)
    assert (status.kind, status.indicator, status.description) == (
        "betterstack",
        "none",
        "All systems operational",
    )
    assert [request.path for request in server.requests] == [
        "/chat/api/v2/summary.json",
        "/chat/index.json",
        "/chat/index.json",  # directly from then on
    ]


@pytest.mark.parametrize(
    ("state", "indicator"),
    [("degraded", "minor"), ("downtime", "major"), ("maintenance", "maintenance")],
)
def test_better_stack_states_become_statuspage_indicators(state: str, indicator: str) -> None:
    assert parse_betterstack_index(json.loads(_betterstack_index(state)))[0] == indicator


def test_json_that_is_not_a_better_stack_index_is_refused() -> None:
    with pytest.raises(PlatformFormatError, match="no 'data' of type status_page"):
        parse_betterstack_index({"data": {"type": "incident"}})
