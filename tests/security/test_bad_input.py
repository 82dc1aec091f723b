"""Every bad input is a 4xx with the security headers, never a 500 or a crash: forms with too
many fields, ids beyond their column, deeply nested JSON, wrong methods, odd values."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from outagewatch.app import create_app
from outagewatch.basics.tokens import token_hash
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.reports.identity import network_of
from outagewatch.signals.collectors import MENTIONS_SCOPE
from outagewatch.storage.sql import SqlStore
from outagewatch.web.hardening import MAX_BODY_BYTES
from tests.helpers import SAME_SITE, sign_in

REPORTS = "/api/v1/services/discord/reports"
JSON = {"Content-Type": "application/json"}
FIELDS = [f"f{number}=x" for number in range(25)]


def _has_security_headers(headers: object) -> bool:
    return all(
        name in headers  # type: ignore[operator]
        for name in ("content-security-policy", "x-content-type-options", "x-frame-options")
    )


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        # a report form with 11+ fields, a sign-in form with 21+
        ("POST", "/services/discord/report", "&".join(["problem=messages", *FIELDS]), 400),
        ("POST", "/signin", "&".join(["email=ada@example.org", *FIELDS]), 400),
        # ids beyond the column type
        ("GET", "/incidents/9223372036854775808", None, 400),
        ("GET", "/incidents/2147483648", None, 404),
        ("GET", "/api/v1/incidents/9223372036854775808", None, 422),
        # the reports URL with another method
        ("GET", REPORTS, None, 405),
        ("PUT", REPORTS, None, 405),
        ("DELETE", REPORTS, None, 405),
    ],
)
def test_bad_requests_are_4xx_with_security_headers(
    client: TestClient, method: str, path: str, body: str | None, status: int
) -> None:
    response = client.request(
        method,
        path,
        content=body,
        headers={**SAME_SITE, "Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status_code == status
    assert _has_security_headers(response.headers)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/incidents/9223372036854775808/update",
        "/admin/incidents/9223372036854775808/review",
        "/admin/reports/9223372036854775808/hide",
    ],
)
def test_huge_ids_in_admin_actions_are_refused(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock, path: str
) -> None:
    with loaded_store.transaction():
        loaded_store.set_role("op@example.org", "operator", now=clock.now())
    sign_in(client, loaded_store, "op@example.org")

    response = client.post(
        path,
        data={"message": "hello", "review": "confirmed"},
        headers=SAME_SITE,
        follow_redirects=False,
    )

    assert 400 <= response.status_code < 500
    assert _has_security_headers(response.headers)


def test_deeply_nested_json_to_the_mentions_api_is_a_400(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    with loaded_store.transaction():
        loaded_store.create_api_token(
            token_hash("collector-token"), name="collector", scope=MENTIONS_SCOPE, now=clock.now()
        )
    body = b"[" * 30_000 + b"]" * 30_000  # within the body limit, far beyond any real shape

    response = client.post(
        "/api/v1/signals/mentions",
        content=body,
        headers={**JSON, "Authorization": "Bearer collector-token"},
    )

    assert response.status_code == 400
    assert "nested" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("report", "status", "words"),
    [
        ({"problem": "messages", "country": "ß"}, 422, "Unknown country"),
        ({"problem": "messages", "country": "ﬀ"}, 422, "Unknown country"),
        ({"problem": "messages", "country": "gb"}, 201, ""),
    ],
)
def test_country_codes_are_checked_before_they_are_upper_cased(
    client: TestClient, loaded_store: SqlStore, report: dict[str, str], status: int, words: str
) -> None:
    response = client.post(REPORTS, json=report)

    assert response.status_code == status
    assert words in response.text
    assert loaded_store.count_reports() == (1 if status == 201 else 0)


def test_a_lone_surrogate_in_a_comment_is_a_clear_400(client: TestClient) -> None:
    body = b'{"problem": "messages", "comment": "\\ud800"}'

    response = client.post(REPORTS, content=body, headers=JSON)

    assert response.status_code == 400
    assert "surrogate" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "address",
    [
        "::ffff:203.0.113.7",  # IPv4-mapped
        "2002:cb00:7107::1",  # 6to4
        "64:ff9b::cb00:7107",  # NAT64
        "::203.0.113.7",  # IPv4-compatible
        "2001:0:4136:e378:8000:63bf:34ff:8ef8",  # Teredo
    ],
)
def test_ipv6_transition_forms_count_as_their_ipv4_network(address: str) -> None:
    assert network_of(address) == network_of("203.0.113.200") == "203.0.113.0/24"


def test_a_native_ipv6_address_keeps_its_48() -> None:
    assert network_of("2001:db8:1:2::7") == "2001:db8:1::/48"


def _asgi_post(app: object, path: str, chunks: int, chunk: bytes) -> tuple[int, int]:
    """POST a chunked body of `chunks` pieces straight to the ASGI app; (status, pieces read)."""
    read = 0
    statuses: list[int] = []

    async def receive() -> dict[str, object]:
        nonlocal read
        read += 1
        return {"type": "http.request", "body": chunk, "more_body": read < chunks}

    async def send(message: dict[str, object]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))  # type: ignore[call-overload]

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"origin", b"http://testserver"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"transfer-encoding", b"chunked"),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    return statuses[0], read


def test_a_huge_chunked_form_is_refused_at_the_limit_not_read_whole(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path, public_url="http://testserver", run_detection=False)
    app = create_app(settings, store=loaded_store, clock=clock)
    megabyte = b"email=" + b"a" * (1024 * 1024 - 6)

    status, read = _asgi_post(app, "/signin", chunks=300, chunk=megabyte)  # 300 MB offered

    assert status == 413
    assert read * len(megabyte) <= MAX_BODY_BYTES + len(megabyte)  # stopped at the first MB


def test_a_declared_huge_body_is_refused_before_reading(client: TestClient) -> None:
    response = client.post(
        "/signin", content=b"x", headers={**SAME_SITE, "Content-Length": str(300 * 1024**2)}
    )

    assert response.status_code == 413
    assert _has_security_headers(response.headers)


def test_mentions_batches_still_fit_under_the_body_limit() -> None:
    batch = [
        {"service": "discord", "bucket": "2026-11-18T15:40:00Z", "count": 12, "source": "x"}
    ] * 500
    assert len(json.dumps(batch)) <= MAX_BODY_BYTES


@pytest.mark.parametrize("incident", ["2147483648", "9223372036854775808"])
def test_ids_beyond_the_column_are_4xx_on_every_store(
    store: SqlStore, clock: FixedClock, tmp_path: Path, incident: str
) -> None:
    settings = Settings(data_dir=tmp_path, public_url="http://testserver", run_detection=False)
    with TestClient(create_app(settings, store=store, clock=clock)) as client:
        page = client.get(f"/incidents/{incident}")
        hidden = client.post(f"/admin/reports/{incident}/hide", headers=SAME_SITE)

    assert page.status_code in (400, 404)
    assert hidden.status_code in (400, 404)
    assert _has_security_headers(page.headers)
