"""One detector, one path: the live monitor and `backtest` give the same statuses.

Minutes are stored for a service (eight days of history, then an outage), the monitor ticks
at the end of every minute with a fixed clock, and the same minutes, exported as a series,
are replayed through detection.series: the statuses must be identical, minute by minute.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from outagewatch.catalog import service as catalog_service
from outagewatch.catalog.search import CatalogIndex
from outagewatch.detection.series import replay
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage import migrate
from outagewatch.storage.sql import SqlStore, make_engine
from tests.helpers import add_reports, service_id

START = datetime(2026, 11, 2, tzinfo=UTC)  # history begins: a Monday
DAYS = 8
SLUG = "discord"


def _store(path: Path) -> SqlStore:
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    store = SqlStore(engine)
    catalog_service.load_into_store(store, now=START)
    return store


def test_the_monitor_records_exactly_the_statuses_the_replay_gives(tmp_path: Path) -> None:
    store = _store(tmp_path / "live.db")
    discord = service_id(store, SLUG)
    rng = np.random.default_rng(11)
    minutes = DAYS * 1440 + 3 * 60
    hour = (np.arange(minutes) % 1440) / 60
    rates = 0.4 * (1 + 0.5 * np.cos((hour - 15) / 24 * 2 * np.pi))
    outage = DAYS * 1440 + 75
    rates[outage : outage + 45] *= 30
    counts = rng.poisson(rates)
    ticking_from = DAYS * 1440  # the monitor ticks over the last three hours
    with store.transaction():
        store.add_counts(
            [
                (discord, int(START.timestamp()) // 60 + m, int(counts[m]))
                for m in range(ticking_from)
                if counts[m]
            ],
            [],
        )
    monitor = Monitor(store)
    catalog = CatalogIndex([s for s in store.list_services() if s.id == discord])
    live: list[str] = []
    for minute in range(ticking_from, minutes):
        at = START + timedelta(minutes=minute)
        add_reports(
            store,
            SLUG,
            [at + timedelta(seconds=s) for s in range(int(counts[minute]))],
            tag=f"m{minute}-",
        )
        monitor.tick(catalog, now=at + timedelta(seconds=59))
        live.append(store.statuses().get(discord).status if discord in store.statuses() else "ok")  # type: ignore[union-attr]

    replayed = replay((START + timedelta(minutes=m), float(c)) for m, c in enumerate(counts))

    assert live == [verdict.status for verdict in replayed[ticking_from:]]
    assert {"possible", "major"} & set(live)  # the outage was seen
    assert live[-1] == "ok"  # and it ended
