"""A report keeps one form from validation to its row, on every Store: what the person said,
where and when it arrived, and the writer's verdict, each field in its column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.catalog.model import Service
from outagewatch.clock import FixedClock
from outagewatch.reports import intake
from outagewatch.reports.writer import GroupCommitWriter
from outagewatch.storage import schema
from outagewatch.storage.sql import SqlStore
from tests.contract.test_store import CHAT

NOW = datetime(2026, 12, 6, 9, 30, 15, tzinfo=UTC)


def _chat(store: SqlStore) -> Service:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT])
    return store.list_services()[0]


def _arrival(reporter: str) -> intake.Arrival:
    return intake.Arrival(
        received_at=NOW,
        reporter_key=reporter * 32,
        network_key="n" * 32,
        platform="android",
        country="FR",
    )


def _rows(store: SqlStore) -> list[dict[str, Any]]:
    table = schema.reports
    with store.engine.connect() as connection:
        result = connection.execute(select(table).order_by(table.c.id))
        return [dict(row._mapping) for row in result]


def test_a_validated_report_reaches_its_row_field_for_field(store: SqlStore) -> None:
    chat = _chat(store)
    body = b'{"problem": "messages", "platform": "ios", "comment": "  stuck on sending  "}'
    report = intake.validate(intake.parse_body(body), chat, _arrival("a"))
    writer = GroupCommitWriter(store, clock=FixedClock(NOW), window=timedelta(minutes=15))

    writer.commit_batch([report, intake.validate(intake.parse_body(body), chat, _arrival("a"))])

    first, repeat = _rows(store)
    assert {name: first[name] for name in first if name not in ("id", "hidden_at")} == {
        "service_id": chat.id,
        "received_at": NOW,
        "problem": "messages",
        "platform": "ios",
        "country": "FR",
        "reporter_key": "a" * 32,
        "network_key": "n" * 32,
        "counted": True,
        "uncounted_reason": None,
        "comment": "stuck on sending",
    }
    assert (repeat["counted"], repeat["uncounted_reason"]) == (False, "duplicate")
