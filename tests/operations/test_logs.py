"""One structured line per request, with an id echoed to the client, and nothing personal."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.operations.logs import JsonFormatter, TextFormatter
from outagewatch.storage.sql import SqlStore


@pytest.fixture
def json_client(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path,
        public_url="http://testserver",
        run_detection=False,
        run_delivery=False,
        log_format="json",
    )
    with TestClient(create_app(settings, store=loaded_store, clock=clock)) as client:
        yield client


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    formatter = JsonFormatter()
    return [
        json.loads(formatter.format(record))
        for record in caplog.records
        if record.name == "outagewatch.requests"
    ]


def test_each_request_has_one_json_line_and_its_id_in_the_answer(
    json_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="outagewatch"):
        page = json_client.get("/services/tiktok?utm=x")
        report = json_client.post("/api/v1/services/tiktok/reports", json={"problem": "login"})

    [page_line, report_line] = _request_lines(caplog)

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


def test_a_proxy_s_request_id_is_kept_and_a_strange_one_replaced(
    json_client: TestClient,
) -> None:
    kept = json_client.get("/healthz", headers={"X-Request-ID": "edge-42.a_b"})
    replaced = json_client.get("/healthz", headers={"X-Request-ID": "x" * 65})

    assert kept.headers["x-request-id"] == "edge-42.a_b"
    assert len(replaced.headers["x-request-id"]) == 32


def test_lines_hold_no_tokens_addresses_or_queries(
    json_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    token = "eyJhbGciOi.secret-token-value"
    with caplog.at_level(logging.INFO, logger="outagewatch"):
        json_client.get(f"/unsubscribe/{token}")
        json_client.get("/signin/confirm?token=another-secret")
        json_client.get("/ada@example.org")

    text = "\n".join(json.dumps(line) for line in _request_lines(caplog))

    assert '"path": "/unsubscribe/{token}"' in text
    assert '"path": "/:redacted"' in text
    for secret in (token, "another-secret", "ada@example.org", "testclient", "127.0.0.1"):
        assert secret not in text


def test_text_lines_read_as_one_line_with_their_fields() -> None:
    record = logging.makeLogRecord(
        {"name": "outagewatch.requests", "msg": "request", "levelname": "INFO", "status": 200}
    )

    line = TextFormatter().format(record)

    assert line.endswith("INFO outagewatch.requests: request status=200")
    assert "\n" not in line
