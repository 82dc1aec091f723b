from __future__ import annotations

from datetime import timedelta

import numpy as np

from outagewatch import demo
from outagewatch.clock import FixedClock
from outagewatch.status.summary import summarise
from outagewatch.storage.sql import SqlStore


def test_backfilled_history_feeds_the_usual_level_and_the_charts(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    services = [s for s in loaded_store.list_services() if s.slug in ("tiktok", "discord")]

    outages = demo.backfill(
        loaded_store, services, now=clock.now(), days=9, rng=np.random.default_rng(3)
    )

    tiktok = next(s for s in services if s.slug == "tiktok")
    summary = summarise(loaded_store, service=tiktok, now=clock.now())
    assert summary.reports_today > 100
    assert all(point.usual is not None and point.usual > 0 for point in summary.hours)
    assert summary.problems[0].reports > 0
    assert loaded_store.history_started_at() <= clock.now() - timedelta(days=8)  # type: ignore[operator]
    assert all(outage.slug in ("tiktok", "discord") for outage in outages)


def test_live_traffic_follows_the_usual_levels_and_injects_outages(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    services = loaded_store.list_services()
    traffic = demo.LiveTraffic(services, np.random.default_rng(5))

    first, none_yet = traffic.candidates(clock.now())
    clock.advance(timedelta(minutes=3))
    _, injected = traffic.candidates(clock.now())

    assert none_yet is None
    assert 5 <= len(first) <= 80  # about 26 reports a second across the catalog
    assert injected is not None
    assert {c.service_id for c in first} <= {s.id for s in services}
