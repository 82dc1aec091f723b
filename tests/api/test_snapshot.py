"""Status JSON and anonymous service pages from the in-memory snapshot (api/snapshot.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable
from datetime import timedelta

from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send

from outagewatch.api.snapshot import PAGE_HEADERS, STATUS_HEADERS, Plain, SnapshotReads
from outagewatch.api.snapshot_cache import Snapshot
from outagewatch.basics.tokens import token_hash
from outagewatch.storage.records import ServiceStatus
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports, service_id

STATUS_URL = "/api/v1/services/tiktok/status"


# -- through the whole site ------------------------------------------------------------------


def test_status_json_gives_the_status_and_the_counts_of_the_hour_and_the_day(
    client: TestClient, loaded_store: SqlStore
) -> None:
    add_reports(loaded_store, "tiktok", [NOW - timedelta(minutes=1)] * 4, problem="login")
    add_reports(loaded_store, "tiktok", [NOW - timedelta(hours=2)], tag="earlier-")
    explanation = "412 reports in the last 15 minutes; about 9 are usual"
    with loaded_store.transaction():
        loaded_store.set_status(
            ServiceStatus(
                service_id(loaded_store, "tiktok"),
                "major",
                NOW - timedelta(minutes=10),
                evidence={"explanation": explanation, "observed": 412},
            )
        )

    response = client.get(STATUS_URL)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "public, max-age=1"
    assert response.json() == {
        "slug": "tiktok",
        "name": "TikTok",
        "status": "major",
        "label": "Major outage",
        "since": "2026-11-18T15:32:30Z",
        "explanation": explanation,
        "reports_this_hour": 4,
        "reports_today": 5,
        "updated_at": "2026-11-18T15:42:30Z",
        "stale": False,
    }
    assert response.headers["x-frame-options"] == "DENY"  # security headers, as everywhere


def test_the_status_answers_a_matching_if_none_match_with_304(client: TestClient) -> None:
    first = client.get(STATUS_URL)

    again = client.get(STATUS_URL, headers={"If-None-Match": first.headers["etag"]})
    other = client.get(STATUS_URL, headers={"If-None-Match": '"something-else"'})

    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert "default-src 'self'" in again.headers["content-security-policy"]
    assert other.status_code == 200 and other.json() == first.json()


def test_an_unknown_service_has_a_json_404_status(client: TestClient) -> None:
    response = client.get("/api/v1/services/no-such-thing/status")

    assert response.status_code == 404
    assert (
        response.json()["error"]["message"] == "We do not track a service called 'no-such-thing'."
    )


def test_the_openapi_document_describes_the_status(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()

    operation = document["paths"]["/api/v1/services/{slug}/status"]["get"]
    assert set(operation["responses"]) == {"200", "304", "404", "503"}
    assert "ServiceStatusOut" in document["components"]["schemas"]


def test_the_anonymous_page_is_byte_for_byte_what_the_app_renders(client: TestClient) -> None:
    from_snapshot = client.get("/services/tiktok")
    # A cookie that merely looks like a session goes to the app, which finds no account.
    from_app = client.get("/services/tiktok", headers={"Cookie": "ow_session=unknown"})

    assert from_snapshot.headers["etag"] and "etag" not in from_app.headers
    assert from_snapshot.headers["vary"] == "Cookie, Accept-Encoding"
    assert from_snapshot.content == from_app.content


def test_a_browser_that_accepts_gzip_gets_the_page_compressed_with_its_own_etag(
    client: TestClient,
) -> None:
    plain = client.get("/services/tiktok", headers={"Accept-Encoding": "identity"})

    compressed = client.get("/services/tiktok", headers={"Accept-Encoding": "gzip, deflate, br"})

    assert "content-encoding" not in plain.headers
    assert compressed.headers["content-encoding"] == "gzip"
    assert int(compressed.headers["content-length"]) < len(plain.content) / 2
    assert compressed.content == plain.content  # as the client decoded it
    assert compressed.headers["etag"] != plain.headers["etag"]


def test_a_signed_in_visitor_gets_their_own_page_not_the_snapshot(
    client: TestClient, loaded_store: SqlStore
) -> None:
    with loaded_store.transaction():
        account = loaded_store.account_for_email("ada@example.org", now=NOW)
        loaded_store.create_session(
            token_hash("ada-session"), account.id, now=NOW, expires_at=NOW + timedelta(days=1)
        )
    anonymous = client.get("/services/tiktok")

    personal = client.get("/services/tiktok", headers={"Cookie": "ow_session=ada-session"})

    assert "ada@example.org" in personal.text
    assert "ada@example.org" not in anonymous.text
    assert "etag" not in personal.headers


def test_a_page_with_a_report_outcome_is_rendered_for_that_person(client: TestClient) -> None:
    client.get("/services/tiktok")

    thanked = client.get("/services/tiktok", params={"reported": "counted"})

    assert "Thanks: your report was counted." in thanked.text


# -- the handler and the snapshot on their own -----------------------------------------------


class FakeMonotonic:
    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


class CountingComputation:
    """Counts its calls; fails while `failing`; each body says which call made it."""

    def __init__(self) -> None:
        self.calls = 0
        self.failing = False

    async def __call__(self, slug: str) -> bytes:
        self.calls += 1
        if self.failing:
            raise OSError("the database is down")
        return f'{{"slug":"{slug}","call":{self.calls}}}'.encode()


async def _the_app(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 418, "headers": []})
    await send({"type": "http.response.body", "body": b"the app"})


def _reads(computation: CountingComputation, monotonic: FakeMonotonic) -> TestClient:
    def snapshot(headers: list[tuple[bytes, bytes]]) -> Snapshot[str]:
        return Snapshot(
            computation, ttl_seconds=1.0, headers=headers, max_entries=8, monotonic=monotonic
        )

    reads = SnapshotReads(
        _the_app,
        tracked=lambda slug: slug == "tiktok",
        statuses=snapshot(STATUS_HEADERS),
        pages=snapshot(PAGE_HEADERS),
        page_unavailable=Plain.of(503, b"unavailable", b"text/html", (b"retry-after", b"2")),
    )
    return TestClient(reads)


def test_an_entry_is_computed_once_then_served_until_its_ttl_ends() -> None:
    computation, monotonic = CountingComputation(), FakeMonotonic()
    client = _reads(computation, monotonic)

    first = client.get(STATUS_URL).json()
    monotonic.seconds += 0.9
    within_ttl = client.get(STATUS_URL).json()
    monotonic.seconds += 0.2
    after_ttl = client.get(STATUS_URL).json()

    assert first == within_ttl == {"slug": "tiktok", "call": 1}
    assert after_ttl == {"slug": "tiktok", "call": 2}


def test_a_failed_recomputation_serves_the_last_good_entry_marked_stale() -> None:
    computation, monotonic = CountingComputation(), FakeMonotonic()
    client = _reads(computation, monotonic)
    client.get(STATUS_URL)
    computation.failing = True
    monotonic.seconds += 5

    stale = client.get(STATUS_URL)
    again = client.get(STATUS_URL)

    assert stale.status_code == 200
    assert stale.json() == {"slug": "tiktok", "call": 1}
    assert stale.headers["x-outagewatch-stale"] == "1"
    assert computation.calls == 2  # the stale entry stands for a TTL: no retry per request
    assert again.headers["x-outagewatch-stale"] == "1"


def test_a_failure_with_nothing_to_serve_is_a_503_with_retry_after() -> None:
    computation, monotonic = CountingComputation(), FakeMonotonic()
    computation.failing = True
    client = _reads(computation, monotonic)

    status = client.get(STATUS_URL)
    page = client.get("/services/tiktok")

    assert status.status_code == 503 and page.status_code == 503
    assert status.headers["retry-after"] == "2" and page.headers["retry-after"] == "2"
    assert "error" in status.json()


def test_other_requests_and_session_pages_go_to_the_app_unchanged() -> None:
    client = _reads(CountingComputation(), FakeMonotonic())

    answers = [
        client.get("/services/tiktok", headers={"Cookie": "theme=dark; ow_session=abc"}),
        client.get("/services/tiktok", params={"followed": "1"}),
        client.get("/services/unknown"),
        client.post("/services/tiktok"),
        client.get("/api/v1/services/tiktok"),
    ]

    assert [answer.text for answer in answers] == ["the app"] * len(answers)


def test_concurrent_requests_for_an_expired_entry_cause_one_recomputation() -> None:
    async def scenario() -> tuple[int, list[bytes]]:
        started, release = asyncio.Event(), asyncio.Event()
        calls = 0

        async def held(slug: str) -> bytes:
            nonlocal calls
            calls += 1
            started.set()
            await release.wait()
            return f"{slug} {calls}".encode()

        monotonic = FakeMonotonic()
        snapshot = Snapshot(held, ttl_seconds=1.0, headers=[], max_entries=8, monotonic=monotonic)
        release.set()
        await snapshot.get("tiktok")
        release.clear()
        monotonic.seconds += 2

        crowd = [asyncio.ensure_future(snapshot.get("tiktok")) for _ in range(50)]
        await started.wait()
        release.set()
        entries = await asyncio.gather(*crowd)
        return calls, [entry.plain.body for entry in entries]

    calls, bodies = asyncio.run(scenario())

    assert calls == 2  # the first fill, then one recomputation for all fifty
    assert bodies == [b"tiktok 2"] * 50


def test_a_changed_revision_replaces_an_entry_before_its_ttl_ends() -> None:
    computation = CountingComputation()
    revisions: dict[str, Hashable] = {"tiktok": ("ok", 0)}
    snapshot = Snapshot(
        computation,
        ttl_seconds=60.0,
        headers=[],
        max_entries=8,
        revision=revisions.__getitem__,
        monotonic=FakeMonotonic(),
    )

    async def twice_around_a_new_status() -> tuple[bytes, bytes, bytes]:
        first = await snapshot.get("tiktok")
        unchanged = await snapshot.get("tiktok")
        revisions["tiktok"] = ("major", 1)
        changed = await snapshot.get("tiktok")
        return first.plain.body, unchanged.plain.body, changed.plain.body

    first, unchanged, changed = asyncio.run(twice_around_a_new_status())

    assert first == unchanged != changed
    assert computation.calls == 2


def test_the_oldest_entry_goes_when_the_snapshot_is_full() -> None:
    computation = CountingComputation()
    snapshot = Snapshot(
        computation, ttl_seconds=60.0, headers=[], max_entries=2, monotonic=FakeMonotonic()
    )

    async def fill() -> None:
        for slug in ("a", "b", "c", "b", "c", "a"):
            await snapshot.get(slug)

    asyncio.run(fill())

    assert computation.calls == 4  # a, b, c, then a again: it had made room for c
