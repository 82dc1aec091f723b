"""The live streams over real HTTP (uvicorn in a thread): what a viewer receives, the errors,
and that a viewer who leaves is forgotten by the server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from outagewatch.api.live import LiveStreams
from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.sql import SqlStore
from tests.faults.fleet import wait_for
from tests.serving import free_port, serving_in_thread


@pytest.fixture
def served(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> Iterator[tuple[str, LiveStreams]]:
    settings = Settings(data_dir=tmp_path, run_detection=False, run_delivery=False)
    app = create_app(settings, store=loaded_store, clock=clock)
    streams = app
    while not isinstance(streams, LiveStreams):  # past the layers in front of it
        streams = streams.app  # type: ignore[attr-defined]
    with serving_in_thread(app, free_port()) as url:
        yield url, streams


def _events(lines: Iterator[str]) -> Iterator[dict[str, object]]:
    for line in lines:
        if line.startswith("data: "):
            yield json.loads(line.removeprefix("data: "))


def test_a_viewer_gets_the_figures_at_once_then_each_change(
    served: tuple[str, LiveStreams],
) -> None:
    url, _ = served
    httpx.post(f"{url}/api/v1/services/tiktok/reports", json={"problem": "login"})

    with httpx.stream("GET", f"{url}/api/v1/services/tiktok/events", timeout=10) as stream:
        events = _events(stream.iter_lines())
        first = next(events)
        answer = httpx.post(
            f"{url}/api/v1/services/tiktok/reports",
            json={"problem": "login"},
            headers={"User-Agent": "a second person"},
        )
        second = next(events)

    assert answer.status_code == 201
    assert stream.headers["content-type"] == "text/event-stream"
    assert stream.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in stream.headers["content-security-policy"]
    assert (first["slug"], first["reports_this_hour"]) == ("tiktok", 1)
    assert second["reports_this_hour"] == 2


def test_the_global_stream_carries_every_service_that_changes(
    served: tuple[str, LiveStreams],
) -> None:
    url, _ = served
    with httpx.stream("GET", f"{url}/api/v1/events", timeout=10) as stream:
        events = _events(stream.iter_lines())
        httpx.post(f"{url}/api/v1/services/discord/reports", json={"problem": "messages"})
        update = next(events)

    assert (update["slug"], update["reports_this_hour"]) == ("discord", 1)


def test_unknown_services_and_other_methods_get_clear_errors(
    served: tuple[str, LiveStreams],
) -> None:
    url, _ = served

    unknown = httpx.get(f"{url}/api/v1/services/no-such-thing/events")
    posted = httpx.post(f"{url}/api/v1/services/tiktok/events")
    head = httpx.head(f"{url}/api/v1/services/tiktok/events")

    assert unknown.status_code == 404
    assert unknown.json()["error"]["message"] == "We do not track a service called 'no-such-thing'."
    assert posted.status_code == 405 and posted.headers["allow"] == "GET, HEAD"
    assert head.status_code == 200 and head.headers["content-type"] == "text/event-stream"


def test_a_viewer_who_leaves_is_forgotten(served: tuple[str, LiveStreams]) -> None:
    url, streams = served
    with httpx.stream("GET", f"{url}/api/v1/services/tiktok/events", timeout=10) as stream:
        # Kept in a name: a dropped line iterator closes the connection as it is collected.
        lines = stream.iter_lines()
        next(lines)
        watching = streams.hub.viewers

    forgotten = wait_for(lambda: streams.hub.viewers == 0, timeout=10)

    assert watching == 1
    assert forgotten is not None, "the server kept the stream of a viewer who left"
