"""The official status poller against a real local status server, on both engines."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.signals.official import (
    USER_AGENT,
    HostTurns,
    OfficialPoller,
    PollRound,
    retry_delay,
    run_official_poller,
)
from outagewatch.storage.records_official import OfficialSource, OfficialStatus
from outagewatch.storage.sql import SqlStore
from tests.contract.test_store import BANK, CHAT
from tests.local_http import closed_port_url
from tests.signals.status_server import StatusServer

T0 = datetime(2026, 11, 18, 15, 40, tzinfo=UTC)
SUMMARY_PATH = "/chat/api/v2/summary.json"
LAST_MODIFIED = "Wed, 18 Nov 2026 15:31:07 GMT"


@pytest.fixture
def server() -> Iterator[StatusServer]:
    with StatusServer() as status_server:
        yield status_server


def _with_pages(
    store: SqlStore, *, chat: str | None = None, bank: str | None = None
) -> dict[str, int]:
    """ChatApp on Statuspage at `chat`, Bank with a feed at `bank`; their ids."""
    services = [replace(CHAT, status_page=chat), replace(BANK, status_page=bank)]
    with store.transaction():
        store.sync_catalog(CATEGORIES, services)
        store.sync_official_sources(store.list_services(), now=T0)
    return {service.slug: service.id for service in store.list_services() if service.id}


def _poll(poller: OfficialPoller, at: datetime) -> PollRound:
    return asyncio.run(poller.poll_due(now=at))


def _status(store: SqlStore, service_id: int) -> OfficialStatus:
    status = store.official_status(service_id)
    assert status is not None
    return status


def test_a_statuspage_incident_becomes_one_statement_per_update(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve_fixture(SUMMARY_PATH, "statuspage_summary.json")
    chat = _with_pages(store, chat=f"{server.url}/chat")["chatapp"]

    result = _poll(OfficialPoller(store), T0)

    assert result == PollRound(read=1, statements_added=3)
    statements = store.statements_of(chat, since=T0 - timedelta(days=1), until=T0)
    assert [(s.status, s.at) for s in statements] == [
        ("investigating", datetime(2026, 11, 18, 14, 52, 10, 321000, tzinfo=UTC)),
        ("identified", datetime(2026, 11, 18, 15, 9, 41, 402000, tzinfo=UTC)),
        ("monitoring", datetime(2026, 11, 18, 15, 31, 7, 190000, tzinfo=UTC)),
    ]
    assert {(s.link, s.incident_name, s.fetched_at) for s in statements} == {
        ("https://stspg.io/chat4812", "Messages delayed or not delivered", T0)
    }
    status = _status(store, chat)
    assert (status.indicator, status.description) == ("major", "Partial System Outage")
    assert (status.ok_at, status.next_check_at) == (T0, T0 + timedelta(minutes=2))
    (request,) = server.requests
    assert request.headers["User-Agent"] == USER_AGENT
    assert "If-None-Match" not in request.headers


def test_an_rss_feed_becomes_statements_and_its_all_clear_the_status(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve_fixture("/bank/feed.rss", "status_feed.rss")
    bank = _with_pages(store, bank=f"{server.url}/bank/feed.rss")["bank"]

    result = _poll(OfficialPoller(store), T0)

    assert result == PollRound(read=1, statements_added=3)
    statements = store.statements_of(bank, since=T0 - timedelta(days=1), until=T0)
    assert [s.status for s in statements] == ["investigating", "identified", "resolved"]
    assert statements[0].body.startswith("Some card payments are being declined.")
    assert all(
        s.link == "https://status.bank.example/incidents/2026-11-18-cards" for s in statements
    )
    status = _status(store, bank)
    assert (status.indicator, status.next_check_at) == ("none", T0 + timedelta(minutes=5))
    assert server.requests[0].path == "/bank/feed.rss"


def test_an_unchanged_page_answers_304_to_our_validators_and_adds_nothing(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve_fixture(
        SUMMARY_PATH, "statuspage_summary.json", etag='"v1"', last_modified=LAST_MODIFIED
    )
    chat = _with_pages(store, chat=f"{server.url}/chat")["chatapp"]
    poller = OfficialPoller(store)
    _poll(poller, T0)

    again = _poll(poller, T0 + timedelta(minutes=2))

    assert again == PollRound(unchanged=1)
    second = server.requests[1]
    assert second.headers["If-None-Match"] == '"v1"'
    assert second.headers["If-Modified-Since"] == LAST_MODIFIED
    assert len(store.statements_of(chat, since=T0 - timedelta(days=1), until=T0)) == 3
    status = _status(store, chat)
    assert status.indicator == "major"
    assert (status.ok_at, status.next_check_at) == (
        T0 + timedelta(minutes=2),
        T0 + timedelta(minutes=4),
    )


def test_a_resolved_page_clears_the_status_and_keeps_the_statements(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve_fixture(SUMMARY_PATH, "statuspage_summary.json")
    chat = _with_pages(store, chat=f"{server.url}/chat")["chatapp"]
    poller = OfficialPoller(store)
    _poll(poller, T0)
    server.serve_fixture(SUMMARY_PATH, "statuspage_resolved.json")

    result = _poll(poller, T0 + timedelta(minutes=2))

    assert result == PollRound(read=1)
    status = _status(store, chat)
    assert (status.indicator, status.description) == ("none", "All Systems Operational")
    assert len(store.statements_of(chat, since=T0 - timedelta(days=1), until=T0)) == 3


INCIDENTS_PATH = "/chat/api/v2/incidents.json"


def _open_incident_then_a_clear_summary(
    store: SqlStore, server: StatusServer
) -> tuple[int, OfficialPoller]:
    """An incident read while open; then the summary lists none (as once it is resolved)."""
    server.serve_fixture(SUMMARY_PATH, "statuspage_summary.json")
    chat = _with_pages(store, chat=f"{server.url}/chat")["chatapp"]
    poller = OfficialPoller(store, host_interval_seconds=0)
    _poll(poller, T0)
    server.serve_fixture(SUMMARY_PATH, "statuspage_resolved.json")
    return chat, poller


def test_an_incident_gone_from_the_summary_gets_its_resolution_from_the_incident_list(
    store: SqlStore, server: StatusServer
) -> None:
    chat, poller = _open_incident_then_a_clear_summary(store, server)
    server.serve_fixture(INCIDENTS_PATH, "statuspage_incidents.json")

    resolved = _poll(poller, T0 + timedelta(minutes=30))
    later = _poll(poller, T0 + timedelta(minutes=32))

    assert resolved == PollRound(read=1, statements_added=1)
    statements = store.statements_of(
        chat, since=T0 - timedelta(days=30), until=T0 + timedelta(hours=1)
    )
    assert [s.status for s in statements] == [
        "investigating",
        "identified",
        "monitoring",
        "resolved",
    ]
    assert statements[-1].body.startswith("This incident has been resolved.")
    # Only incidents we had seen open: an older one in the list is not news.
    assert {s.incident_key for s in statements} == {"p31zjtct2jer"}
    assert later == PollRound(read=1)
    paths = [request.path for request in server.requests]
    assert paths == [SUMMARY_PATH, SUMMARY_PATH, INCIDENTS_PATH, SUMMARY_PATH]


def test_an_unreadable_incident_list_leaves_the_summary_read_and_is_tried_again(
    store: SqlStore, server: StatusServer
) -> None:
    chat, poller = _open_incident_then_a_clear_summary(store, server)  # no incidents.json yet

    first = _poll(poller, T0 + timedelta(minutes=30))
    server.serve_fixture(INCIDENTS_PATH, "statuspage_incidents.json")
    second = _poll(poller, T0 + timedelta(minutes=32))

    assert first == PollRound(read=1)
    assert _status(store, chat).indicator == "none" and not _status(store, chat).failing
    assert second == PollRound(read=1, statements_added=1)


def test_an_unreachable_page_is_retried_after_1_2_4_and_8_minutes(store: SqlStore) -> None:
    chat = _with_pages(store, chat=closed_port_url())["chatapp"]
    poller = OfficialPoller(store)
    at = T0
    waits = []

    for failures in range(1, 5):
        result = _poll(poller, at)
        status = _status(store, chat)
        assert result == PollRound(failed=1)
        assert status.failures == failures
        waits.append(status.next_check_at - at)
        assert _poll(poller, status.next_check_at - timedelta(seconds=1)) == PollRound()
        at = status.next_check_at

    assert waits == [timedelta(minutes=minutes) for minutes in (1, 2, 4, 8)]
    status = _status(store, chat)
    assert status.last_error is not None and status.last_error.startswith("cannot connect")
    assert (status.ok_at, status.indicator) == (None, None)


def test_a_success_after_failures_resets_the_backoff(store: SqlStore, server: StatusServer) -> None:
    server.serve_fixture(SUMMARY_PATH, "statuspage_summary.json")
    server.respond_with(503, times=2)
    chat = _with_pages(store, chat=f"{server.url}/chat")["chatapp"]
    poller = OfficialPoller(store)
    _poll(poller, T0)
    failing = _status(store, chat)
    _poll(poller, failing.next_check_at)
    at = _status(store, chat).next_check_at

    result = _poll(poller, at)

    assert (failing.failures, failing.last_error) == (1, "HTTP 503")
    assert result == PollRound(read=1, statements_added=3)
    status = _status(store, chat)
    assert (status.failures, status.last_error, status.ok_at) == (0, None, at)
    assert at == T0 + timedelta(minutes=3)
    assert status.next_check_at == at + timedelta(minutes=2)


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (
            b'{"page": {}, "components": [], "incidents": []}',
            "application/json",
            "not a Statuspage summary: missing 'status'",
        ),
        (
            b"<!doctype html><title>Status</title>",
            "text/html",
            "not a Statuspage summary: not JSON",
        ),
    ],
)
def test_a_malformed_summary_is_recorded_as_such(
    store: SqlStore, server: StatusServer, body: bytes, content_type: str, error: str
) -> None:
    server.serve(SUMMARY_PATH, body, content_type=content_type)
    chat = _with_pages(store, chat=f"{server.url}/chat")["chatapp"]

    result = _poll(OfficialPoller(store), T0)

    assert result == PollRound(failed=1)
    assert _status(store, chat).last_error == error
    assert store.statements_of(chat, since=T0 - timedelta(days=1), until=T0) == []


def test_the_malformed_fixture_and_a_feed_that_is_not_one_are_recorded(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve_fixture(SUMMARY_PATH, "statuspage_malformed.json")
    server.serve("/bank/feed", b'{"status": "fine"}', content_type="application/json")
    ids = _with_pages(store, chat=f"{server.url}/chat", bank=f"{server.url}/bank/feed")
    poller = OfficialPoller(store, host_interval_seconds=0)

    _poll(poller, T0)
    _poll(poller, T0)  # the second source on this host has its turn now

    chat, bank = _status(store, ids["chatapp"]), _status(store, ids["bank"])
    assert chat.last_error == "not a Statuspage summary: missing 'status'"
    assert bank.last_error == "not an RSS/Atom feed"
    assert (chat.failures, bank.failures) == (1, 1)


PAGE_WITH_FEED = b"""<!DOCTYPE html><html><head><title>Bank status</title>
<link rel="stylesheet" href="/style.css">
<link rel="alternate" type="application/rss+xml" title="Incidents" href="/bank/history.rss">
</head><body>All systems operational</body></html>"""


def test_an_html_status_page_is_read_through_the_feed_it_announces(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve("/bank/status", PAGE_WITH_FEED, content_type="text/html; charset=utf-8")
    server.serve_fixture("/bank/history.rss", "status_feed.rss", etag='"f1"')
    bank = _with_pages(store, bank=f"{server.url}/bank/status")["bank"]
    poller = OfficialPoller(store, host_interval_seconds=0)

    first = _poll(poller, T0)
    again = _poll(poller, T0 + timedelta(minutes=5))
    with store.transaction():  # a restart brings the sources in step with the catalog
        resync = store.sync_official_sources(store.list_services(), now=T0)

    assert first == PollRound(read=1, statements_added=3)
    assert again == PollRound(unchanged=1)
    assert [request.path for request in server.requests] == [
        "/bank/status/api/v2/summary.json",  # not flagged, so first: is it Statuspage?
        "/bank/status/index.json",  # or Better Stack?
        "/bank/status",
        "/bank/history.rss",
        "/bank/history.rss",  # the feed directly from then on, with its validators
    ]
    assert server.requests[4].headers["If-None-Match"] == '"f1"'
    status = _status(store, bank)
    assert (status.kind, status.feed_url) == ("feed", f"{server.url}/bank/history.rss")
    assert status.url == f"{server.url}/bank/status" and not status.failing
    assert resync.changed == 0 and _status(store, bank).feed_url is not None


def test_an_html_status_page_without_a_feed_is_a_link_not_a_failure(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve("/bank/status", b"<html><body>All good</body></html>", content_type="text/html")
    bank = _with_pages(store, bank=f"{server.url}/bank/status")["bank"]
    poller = OfficialPoller(store)

    result = _poll(poller, T0)
    with store.transaction():
        resync = store.sync_official_sources(store.list_services(), now=T0)

    assert result == PollRound(unchanged=1)
    status = _status(store, bank)
    assert (status.kind, status.indicator, status.failing) == ("page", None, False)
    assert status.next_check_at == T0 + timedelta(days=1)  # in case it gains a feed
    assert resync.changed == 0 and _status(store, bank).kind == "page"


def test_a_timeout_is_recorded_with_its_limit(store: SqlStore) -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    chat = _with_pages(store, chat="https://status.chat.example")["chatapp"]
    poller = OfficialPoller(
        store,
        client_factory=lambda: httpx.AsyncClient(transport=httpx.MockTransport(time_out)),
        timeout_seconds=7.5,
    )

    result = _poll(poller, T0)

    assert result == PollRound(failed=1)
    assert _status(store, chat).last_error == "timed out after 7.5 s"


def test_two_sources_on_one_host_are_asked_in_turn_not_at_once(
    store: SqlStore, server: StatusServer
) -> None:
    server.serve_fixture(SUMMARY_PATH, "statuspage_summary.json")
    server.serve_fixture("/bank/feed.rss", "status_feed.rss")
    _with_pages(store, chat=f"{server.url}/chat", bank=f"{server.url}/bank/feed.rss")
    poller = OfficialPoller(store, host_interval_seconds=5)

    first = _poll(poller, T0)
    asked_first = len(server.requests)
    too_soon = _poll(poller, T0 + timedelta(seconds=4))
    second = _poll(poller, T0 + timedelta(seconds=5))

    assert (first.checked, first.postponed, asked_first) == (1, 1, 1)
    assert too_soon == PollRound()
    assert (second.checked, second.postponed) == (1, 0)
    assert len(server.requests) == 2


def test_a_busy_host_waits_its_gap_even_across_rounds() -> None:
    turns = HostTurns(timedelta(seconds=5))
    first = OfficialSource(1, "statuspage", "https://status.example.com")
    same_host = OfficialSource(2, "feed", "https://status.example.com/feed.rss")
    other_host = OfficialSource(3, "feed", "https://status.example.org/feed.rss")
    turns.plan([first], now=T0)

    ask_now, later = turns.plan([same_host, other_host], now=T0 + timedelta(seconds=2))

    assert ask_now == [other_host]
    assert later == [(same_host, T0 + timedelta(seconds=5))]


def test_backoff_doubles_from_a_minute_up_to_an_hour() -> None:
    assert [retry_delay(failures).total_seconds() / 60 for failures in range(1, 9)] == [
        1,
        2,
        4,
        8,
        16,
        32,
        60,
        60,
    ]
    assert retry_delay(10_000) == timedelta(hours=1)


def test_the_loop_syncs_the_catalog_then_polls_with_the_injected_clock(store: SqlStore) -> None:
    ids = _with_pages(store, chat="https://status.chat.example")
    moved = replace(CHAT, id=ids["chatapp"], status_page="https://status.chat.example/v2")

    class OneRound(OfficialPoller):
        async def poll_due(self, *, now: datetime) -> PollRound:
            self.polled_at = now
            raise asyncio.CancelledError  # ends the endless loop after one round

    poller = OneRound(store)
    with pytest.raises(asyncio.CancelledError):
        asyncio.run(
            run_official_poller(
                store, [moved], interval_seconds=3600, now=lambda: T0, poller=poller
            )
        )

    assert poller.polled_at == T0
    assert _status(store, ids["chatapp"]).url == "https://status.chat.example/v2"
