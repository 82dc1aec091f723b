"""comments_of on every Store: what the public "what people say" is read from."""

from __future__ import annotations

from datetime import timedelta

from outagewatch.catalog.categories import CATEGORIES
from outagewatch.storage.records import NewReport
from outagewatch.storage.sql import SqlStore
from tests.contract.test_store import CHAT, T0


def test_comments_are_the_visible_ones_of_the_window_newest_first(store: SqlStore) -> None:
    with store.transaction():
        store.sync_catalog(CATEGORIES, [CHAT])
    chat = store.list_services()[0].id or 0
    texts = ["too old", "first", None, "", "hidden", "second"]
    with store.transaction():
        store.record_reports(
            [
                NewReport(
                    service_id=chat,
                    received_at=T0 + timedelta(minutes=minute - 1 if minute else -120),
                    problem="messages",
                    reporter_key=f"reporter-{minute}",
                    network_key=f"network-{minute}",
                    country="BR",
                    comment=text,
                )
                for minute, text in enumerate(texts)
            ]
        )
    hidden = next(r for r in store.recent_reports(chat, limit=10) if r.comment == "hidden")
    with store.transaction():
        store.hide_report(hidden.id, now=T0 + timedelta(minutes=10))

    comments = store.comments_of(
        chat, since=T0 - timedelta(hours=1), until=T0 + timedelta(hours=1), limit=10
    )

    assert [c.text for c in comments] == ["second", "first"]
    assert comments[0].country == "BR" and comments[0].reporter_key == "reporter-5"
