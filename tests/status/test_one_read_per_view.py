"""Every face asks the status read model one question per request and reads nothing else:
the store calls a request makes are exactly those of one read-model call, whatever face
(page, JSON, feed, badge) answers it."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message

from outagewatch.api.live import LiveStreams
from outagewatch.app import build_site, create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.live import LiveHub
from outagewatch.status import card, details, overview
from outagewatch.status.reader import StatusReads
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports


class CountingStore:
    """The store, with each method call counted by name (from any thread)."""

    def __init__(self, store: SqlStore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._store, name)
        if not callable(found):
            return found

        def counted(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                self.calls[name] += 1
            return found(*args, **kwargs)

        return counted

    def take(self) -> Counter[str]:
        with self._lock:
            taken, self.calls = self.calls, Counter()
        return taken


@pytest.fixture
def counting(loaded_store: SqlStore) -> CountingStore:
    # Something to show: reports, so the page has a chart, problems and regions.
    add_reports(loaded_store, "tiktok", [NOW - timedelta(minutes=3)] * 5, problem="login")
    return CountingStore(loaded_store)


@pytest.fixture
def site(counting: CountingStore, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path,
        public_url="http://testserver",
        run_detection=False,
        run_delivery=False,
        # The catalog follower reads the store on its own schedule: not during these tests.
        catalog_refresh_seconds=3600,
    )
    app = create_app(settings, store=counting, clock=clock)
    with TestClient(app) as client:
        counting.take()  # what starting up read
        yield client


def _one_read(counting: CountingStore, read: Callable[[StatusReads], object]) -> Counter[str]:
    read(counting)
    return counting.take()


def _reads(site: TestClient, counting: CountingStore) -> dict[str, Callable[[], Counter[str]]]:
    """What one read-model call of each kind asks of the store, read the same way a view would."""
    context = _context(site)
    tiktok = context.catalog.by_slug["tiktok"]

    def of(read: Callable[[StatusReads], object]) -> Callable[[], Counter[str]]:
        return lambda: _one_read(counting, read)

    return {
        "card": of(lambda store: card.read_card(store, service=tiktok, now=NOW)),
        "card with incidents": of(
            lambda store: card.read_card(store, service=tiktok, now=NOW, incidents=3)
        ),
        "details": of(
            lambda store: details.read_details(
                store,
                catalog=context.catalog,
                service=tiktok,
                now=NOW,
                with_voices=context.settings.show_comments,
            )
        ),
        "details without comments": of(
            lambda store: details.read_details(
                store, catalog=context.catalog, service=tiktok, now=NOW
            )
        ),
        "home": of(lambda store: overview.read_home(store, catalog=context.catalog, now=NOW)),
        "overview": of(lambda store: overview.read_overview(store, now=NOW)),
        "latest incidents": of(
            lambda store: overview.read_latest_incidents(store, catalog=context.catalog, limit=50)
        ),
    }


def _context(site: TestClient) -> Any:
    app: Any = site.app
    while not hasattr(app, "state"):  # past the raw ASGI layers in front of the site
        app = app.app
    return app.state.context


@pytest.mark.parametrize(
    ("path", "read"),
    [
        ("/services/tiktok", "details"),
        ("/", "home"),
        ("/categories/social-media", "overview"),
        ("/api/v1/services?q=tiktok", "overview"),
        ("/api/v1/services/tiktok", "details without comments"),
        ("/api/v1/services/tiktok/status", "card"),
        ("/services/tiktok/badge.svg", "card"),
        ("/services/tiktok/feed.atom", "card with incidents"),
        ("/feed.rss", "latest incidents"),
        ("/services/tiktok/api/v2/summary.json", "card with incidents"),
    ],
)
def test_a_view_reads_the_store_only_through_one_read_model_call(
    site: TestClient, counting: CountingStore, path: str, read: str
) -> None:
    expected = _reads(site, counting)[read]()

    response = site.get(path)
    made = counting.take()

    assert response.status_code == 200
    assert made == expected
    assert made  # the read did read something, so the comparison means something


def test_the_first_viewer_of_a_stream_gets_one_read_model_card_and_the_next_none(
    counting: CountingStore, clock: FixedClock, tmp_path: Path
) -> None:
    site = build_site(Settings(data_dir=tmp_path), store=counting, clock=clock)
    hub = LiveHub()
    streams = LiveStreams(site, hub=hub, tracked=lambda slug: True, context=site.state.context)
    tiktok = site.state.context.catalog.by_slug["tiktok"]
    counting.take()  # what building the site read
    expected = _one_read(counting, lambda store: card.read_card(store, service=tiktok, now=NOW))

    first_viewer = asyncio.run(_first_event(streams, hub))
    first_made = counting.take()
    second_viewer = asyncio.run(_first_event(streams, hub))

    assert first_made == expected
    assert counting.take() == Counter()  # the hub holds what the first read found
    assert first_viewer == second_viewer
    assert b'"reports_this_hour":5' in first_viewer


async def _first_event(streams: LiveStreams, hub: LiveHub) -> bytes:
    """What a viewer of TikTok's stream is sent up to its first event; then the server closes."""
    sent: list[bytes] = []
    never_leaves = asyncio.Event()

    async def receive() -> Message:
        await never_leaves.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message.get("body", b""))
        if b"event: update" in sent[-1]:
            hub.close()  # ends this stream: the server is closing

    scope = {"type": "http", "method": "GET", "path": "/api/v1/services/tiktok/events"}
    await streams(scope, receive, send)
    return b"".join(sent)
