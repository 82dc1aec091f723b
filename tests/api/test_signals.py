"""Mention counts from collectors: authenticated, validated, idempotent, and corroborating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from outagewatch.basics.tokens import token_hash
from outagewatch.catalog.search import CatalogIndex
from outagewatch.cli import app as cli
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.signals import mentions
from outagewatch.signals.collectors import MENTIONS_SCOPE
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports, service_id

TOKEN = "collector-secret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
URL = "/api/v1/signals/mentions"


@pytest.fixture
def collector(loaded_store: SqlStore, clock: FixedClock) -> str:
    with loaded_store.transaction():
        loaded_store.create_api_token(
            token_hash(TOKEN), name="x-collector", scope=MENTIONS_SCOPE, now=clock.now()
        )
    return TOKEN


def _bucket(minutes_ago: int = 0) -> str:
    return (NOW - timedelta(minutes=minutes_ago)).isoformat()


def test_counts_are_stored_per_minute_and_a_resent_bucket_replaces_itself(
    client: TestClient, loaded_store: SqlStore, collector: str
) -> None:
    tiktok = service_id(loaded_store, "tiktok")
    first = client.post(
        URL,
        json=[
            {"service": "tiktok", "bucket": _bucket(1), "count": 40, "source": "#tiktokdown"},
            {"service": "tiktok", "bucket": _bucket(2), "count": 10, "source": "x.com"},
        ],
        headers=AUTH,
    )
    again = client.post(
        URL,
        json={"service": "tiktok", "bucket": _bucket(1), "count": 45, "source": "#TikTokDown"},
        headers=AUTH,
    )

    assert (first.status_code, first.json()) == (202, {"accepted": 2})
    assert again.status_code == 202
    totals = loaded_store.mention_totals(
        [tiktok], since=NOW - timedelta(minutes=15), until=NOW + timedelta(minutes=1)
    )
    assert totals == {tiktok: 55}


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({}, "Send a collector token"),
        ({"Authorization": "Bearer wrong"}, "unknown or revoked"),
        ({"Authorization": f"Basic {TOKEN}"}, "Send a collector token"),
    ],
)
def test_a_collector_needs_its_token(
    client: TestClient, collector: str, headers: dict[str, str], message: str
) -> None:
    answer = client.post(
        URL,
        json={"service": "tiktok", "bucket": _bucket(), "count": 1, "source": "x"},
        headers=headers,
    )

    assert answer.status_code == 401
    assert message in answer.json()["error"]["message"]
    assert answer.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "not valid JSON"),
        (
            b'{"service": "nope", "bucket": "2026-11-18T15:40:00Z", "count": 1, "source": "x"}',
            422,
            "do not track",
        ),
        (
            b'{"service": "tiktok", "bucket": "2026-11-18T15:40:00", "count": 1, "source": "x"}',
            422,
            "time zone",
        ),
        (
            b'{"service": "tiktok", "bucket": "2026-12-18T15:40:00Z", "count": 1, "source": "x"}',
            422,
            "future",
        ),
        (
            b'{"service": "tiktok", "bucket": "2026-10-01T15:40:00Z", "count": 1, "source": "x"}',
            422,
            "older than 7 days",
        ),
        (
            b'{"service": "tiktok", "bucket": "2026-11-18T15:40:00Z", "count": -1, "source": "x"}',
            422,
            "count",
        ),
        (
            b'{"service": "tiktok", "bucket": "2026-11-18T15:40:00Z", "count": 1, "source": "a b"}',
            422,
            "source",
        ),
        (b"[]", 422, "at least 1"),
        (b"x" * (70 * 1024), 413, "larger than"),
    ],
)
def test_bad_counts_get_a_clear_error_and_store_nothing(
    client: TestClient,
    loaded_store: SqlStore,
    collector: str,
    body: bytes,
    status: int,
    message: str,
) -> None:
    answer = client.post(URL, content=body, headers={**AUTH, "Content-Type": "application/json"})

    assert answer.status_code == status, answer.text
    assert message in answer.json()["error"]["message"]
    assert loaded_store.mention_totals(None, since=NOW - timedelta(days=8), until=NOW) == {}


def test_the_cli_creates_a_token_that_works(
    client: TestClient, loaded_store: SqlStore, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTAGEWATCH_DATABASE_URL", str(loaded_store.engine.url))

    created = CliRunner().invoke(cli, ["admin", "token", "my-collector"])

    assert created.exit_code == 0, created.output
    token = created.stdout.strip()
    answer = client.post(
        URL,
        json={"service": "tiktok", "bucket": _bucket(), "count": 3, "source": "x"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 202
    assert loaded_store.audit_log(limit=1)[0].action == "token.create"


def test_mentions_far_above_usual_let_fewer_reports_flip_the_status(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    # Six reports in two minutes: below the 8 that "Possible problems" needs alone.
    add_reports(
        loaded_store, "discord", [clock.now() - timedelta(seconds=15 * i) for i in range(6)]
    )
    catalog = CatalogIndex(loaded_store.list_services())
    assert Monitor(loaded_store).tick(catalog, now=clock.now()) == []

    with loaded_store.transaction():
        loaded_store.record_mentions(
            [
                (discord, "#discorddown", int(clock.now().timestamp()) // 60 - i, 20)
                for i in range(5)
            ]
        )
    changes = Monitor(loaded_store).tick(catalog, now=clock.now())

    assert [(c.service_id, c.after) for c in changes] == [(discord, "possible")]
    evidence = loaded_store.statuses()[discord].evidence["mentions"]
    assert evidence["recent"] == 100 and evidence["corroborates"]
    assert "100 social mentions in the last 15 minutes" in evidence["explanation"]


def test_usual_mentions_come_from_the_median_hour() -> None:
    hourly = {(1, hour): 40 for hour in range(100, 160)} | {(1, 160): 4000}

    usual = mentions.usual_per_window(hourly, hours=168)
    few = mentions.evidence({1: 60, 2: 3}, usual)

    assert usual[1] == mentions.USUAL_FLOOR  # most hours of the week had none
    assert not few[2].corroborates  # three posts are not a signal
    assert mentions.reports_needed(10, few[1]) == 5
    assert mentions.reports_needed(10, None) == 10
