"""A developer's webhook follows a service: signed status changes, in order, as they happen."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.notify import webhook
from outagewatch.storage.records import FollowChoice
from outagewatch.storage.sql import SqlStore
from tests.helpers import add_reports, service_id
from tests.local_http import LocalHttpServer
from tests.mailserver import MailServer
from tests.notify.delivering import deliverer_to


def test_a_webhook_gets_problems_then_major_outage_then_recovery_signed(
    loaded_store: SqlStore,
    clock: FixedClock,
    mail_server: MailServer,
    webhook_receiver: LocalHttpServer,
) -> None:
    discord = service_id(loaded_store, "discord")
    with loaded_store.transaction():
        developer = loaded_store.account_for_email("dev@example.org", now=clock.now())
        loaded_store.add_channel(
            developer.id,
            kind="webhook",
            address=webhook_receiver.url + "/outagewatch",
            secret="hook-secret",
            now=clock.now(),
        )
        loaded_store.follow(developer.id, FollowChoice(discord, True, True), now=clock.now())
    monitor = Monitor(loaded_store)
    catalog = CatalogIndex(loaded_store.list_services())
    deliverer = deliverer_to(loaded_store, mail_server)

    def step(reports: int) -> None:
        now = clock.now()
        add_reports(
            loaded_store,
            "discord",
            [now - timedelta(seconds=i) for i in range(reports)],
            tag=f"{now.isoformat()}-",
        )
        monitor.tick(catalog, now=now)
        asyncio.run(deliverer.deliver_due(now=now))

    step(15)  # a few people: possible problems
    clock.advance(timedelta(minutes=1))
    step(300)  # many: a major outage
    for _ in range(8):
        clock.advance(timedelta(minutes=5))
        step(0)

    events = [json.loads(request.body) for request in webhook_receiver.requests]
    assert [e["event"] for e in events] == [
        "service.problems_started",
        "service.major_outage",
        "service.recovered",
    ]
    assert [e["status"] for e in events] == ["possible", "major", "ok"]
    assert all(
        webhook.verify("hook-secret", r.headers, r.body, now=datetime.now(UTC))
        for r in webhook_receiver.requests
    )
    assert len({e["id"] for e in events}) == 3
