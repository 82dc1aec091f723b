"""One structured line per request, with an id echoed to the client, and nothing personal."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.operations.logs import RequestLines, RequestLog, TextFormatter
from outagewatch.storage.sql import SqlStore


@pytest.fixture
def logged(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> RequestLog:
    settings = Settings(
        data_dir=tmp_path,
        public_url="http://testserver",
        run_detection=False,
        run_delivery=False,
        log_format="json",
    )
    app = create_app(settings, store=loaded_store, clock=clock)
    assert isinstance(app, RequestLog)
    app.lines.stream = io.StringIO()
    return app


@pytest.fixture
def json_client(logged: RequestLog) -> Iterator[TestClient]:
    with TestClient(logged) as client:
        yield client


def _request_lines(logged: RequestLog) -> list[dict[str, object]]:
    logged.lines.flush()
    stream = logged.lines.stream
    assert isinstance(stream, io.StringIO)
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_request_has_one_json_line_and_its_id_in_the_answer(
    json_client: TestClient, logged: RequestLog
) -> None:
    page = json_client.get("/services/tiktok?utm=x")
    report = json_client.post("/api/v1/services/tiktok/reports", json={"problem": "login"})

    [page_line, report_line] = _request_lines(logged)

    assert page_line["request_id"] == page.headers["x-request-id"]
    assert report_line["request_id"] == report.headers["x-request-id"]
    assert page_line["request_id"] != report_line["request_id"]
    assert (page_line["method"], page_line["path"], page_line["status"]) == (
        "GET",
        "/services/tiktok",
        200,
    )
    assert (report_line["method"], report_line["status"]) == ("POST", 201)
    assert isinstance(page_line["duration_ms"], float)
    assert page_line["logger"] == "outagewatch.requests" and page_line["level"] == "info"


def test_lines_still_waiting_are_written_when_the_server_stops(logged: RequestLog) -> None:
    with TestClient(logged) as client:
        client.get("/healthz")
        assert logged.lines.pending  # written a moment later, in a batch

    stream = logged.lines.stream
    assert isinstance(stream, io.StringIO)
    assert '"path": "/healthz"' in stream.getvalue()


def test_a_proxy_s_request_id_is_kept_and_a_strange_one_replaced(
    json_client: TestClient,
) -> None:
    kept = json_client.get("/healthz", headers={"X-Request-ID": "edge-42.a_b"})
    replaced = json_client.get("/healthz", headers={"X-Request-ID": "x" * 65})

    assert kept.headers["x-request-id"] == "edge-42.a_b"
    assert replaced.headers["x-request-id"] != "x" * 65
    assert re.fullmatch(r"[0-9a-f]{20}", replaced.headers["x-request-id"])


def test_lines_hold_no_tokens_addresses_or_queries(
    json_client: TestClient, logged: RequestLog
) -> None:
    token = "eyJhbGciOi.secret-token-value"
    json_client.get(f"/unsubscribe/{token}")
    json_client.get("/signin/confirm?token=another-secret")
    json_client.get("/ada@example.org")

    text = "\n".join(json.dumps(line) for line in _request_lines(logged))

    assert '"path": "/unsubscribe/{token}"' in text
    assert '"path": "/:redacted"' in text
    for secret in (token, "another-secret", "ada@example.org", "testclient", "127.0.0.1"):
        assert secret not in text


def test_a_text_request_line_stays_one_line_whatever_the_path() -> None:
    lines = RequestLines("text", stream=io.StringIO())
    lines.pending.append((0.0, "id1", "GET", "/a b\nFAKE LINE", 404, 1.25))

    lines.flush()

    assert isinstance(lines.stream, io.StringIO)
    [line] = lines.stream.getvalue().splitlines()
    assert line == (
        "1970-01-01 00:00:00 INFO outagewatch.requests: request request_id=id1 method=GET "
        "path=/a%20b\\nFAKE%20LINE status=404 duration_ms=1.2"
    )


def test_a_batch_writes_each_line_with_its_own_path_escaped_as_json() -> None:
    lines = RequestLines("json", stream=io.StringIO())
    lines.pending += [
        (1.5, "id1", "GET", '/odd"path\\', 404, 1.25),
        (2.25, "id2", "POST", "/me@example.org/x", 201, 0.5),
        (2.5, "id3", "GET", '/odd"path\\', 404, 3.0),
    ]

    lines.flush()

    assert isinstance(lines.stream, io.StringIO)
    written = [json.loads(line) for line in lines.stream.getvalue().splitlines()]
    assert [(w["request_id"], w["method"], w["path"], w["status"]) for w in written] == [
        ("id1", "GET", '/odd"path\\', 404),
        ("id2", "POST", "/:redacted/x", 201),
        ("id3", "GET", '/odd"path\\', 404),
    ]
    assert [w["at"] for w in written] == [
        "1970-01-01T00:00:01.500+00:00",
        "1970-01-01T00:00:02.250+00:00",
        "1970-01-01T00:00:02.500+00:00",
    ]
    assert [w["duration_ms"] for w in written] == [1.2, 0.5, 3.0]


def test_the_id_header_is_added_to_a_copy_of_what_the_app_sends() -> None:
    # An app may send one prepared message to every request: it must not grow per request.
    prepared = {"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"1"')]}

    async def cached(scope: Scope, receive: Receive, send: Send) -> None:
        await send(prepared)
        await send({"type": "http.response.body", "body": b"{}"})

    sent: list[Message] = []

    async def server_send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    logged = RequestLog(cached, log_format="json")
    logged.lines.stream = io.StringIO()
    scope: Scope = {"type": "http", "method": "GET", "path": "/status", "headers": []}

    for _ in range(2):
        asyncio.run(logged(scope, receive, server_send))
    logged.lines.flush()

    assert prepared["headers"] == [(b"etag", b'"1"')]
    first, second = (dict(m["headers"]) for m in sent if m["type"] == "http.response.start")
    assert first[b"x-request-id"] != second[b"x-request-id"]
    assert isinstance(logged.lines.stream, io.StringIO)
    written = [json.loads(line) for line in logged.lines.stream.getvalue().splitlines()]
    assert [w["request_id"].encode() for w in written] == [
        first[b"x-request-id"],
        second[b"x-request-id"],
    ]
    assert [w["status"] for w in written] == [200, 200]


def test_text_lines_read_as_one_line_with_their_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "outagewatch.requests", "msg": "request", "levelname": "INFO", "status": 200}
    )

    line = TextFormatter().format(record)

    assert line.endswith("INFO outagewatch.requests: request status=200")
    assert "\n" not in line


def test_request_lines_can_be_turned_off(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings(
        data_dir=tmp_path, run_detection=False, run_delivery=False, log_requests=False
    )

    app = create_app(settings, store=loaded_store, clock=clock)

    assert not isinstance(app, RequestLog)
