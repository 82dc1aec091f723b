"""Two nodes sharing one database and Redis: a status the detection tick commits on one
reaches a live viewer on the other through Redis, while the other reads nothing from the
database (its store refuses every read the live refresher makes).

Node A is either a web node running the embedded tick (`serve`) or the `outagewatch
worker` process's steps; node B is a web node that runs no tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI

from outagewatch.app import build_site
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.live import ServiceUpdate
from outagewatch.live_relay import RedisRelay
from outagewatch.storage.records import RecentCounts, ServiceStatus
from outagewatch.storage.sql import SqlStore, make_engine
from outagewatch.worker import standalone
from tests.helpers import add_reports

WAIT = 20.0  # seconds: a bound on waiting for the other node, never a sleep


class RefusingReads(SqlStore):
    """Node B's store: once armed, every read the live refresher could make is counted and
    refused, so an update that arrives can only have come through Redis."""

    armed = False
    refused: list[str]

    def _refuse(self, name: str) -> None:
        if self.armed:
            self.refused.append(name)
            raise AssertionError(f"node B read {name} from the database")

    def statuses(self) -> dict[int, ServiceStatus]:
        self._refuse("statuses")
        return super().statuses()

    def recent_counts(
        self, service_ids: Sequence[int], *, now: datetime
    ) -> dict[int, RecentCounts]:
        self._refuse("recent_counts")
        return super().recent_counts(service_ids, now=now)

    def timeline_marks(self, service_ids: Sequence[int]) -> dict[int, int]:
        self._refuse("timeline_marks")
        return super().timeline_marks(service_ids)

    def totals_by_service(self, *, since: datetime, until: datetime) -> dict[int, int]:
        self._refuse("totals_by_service")
        return super().totals_by_service(since=since, until=until)


def _settings(data_dir: Path, redis_url: str, channel: str, *, ticking: bool) -> Settings:
    return Settings(
        data_dir=data_dir,
        public_url="http://testserver",
        redis_url=redis_url,
        redis_live_channel=channel,
        run_detection=ticking,
        run_delivery=False,
        poll_official_status=False,
        detection_interval_seconds=0.2,
    )


@contextlib.asynccontextmanager
async def _running(site: FastAPI) -> AsyncIterator[FastAPI]:
    async with site.router.lifespan_context(site):
        yield site


@contextlib.asynccontextmanager
async def _node_a(
    kind: str, store: SqlStore, clock: FixedClock, settings: Settings
) -> AsyncIterator[None]:
    if kind == "serve":
        async with _running(build_site(settings, store=store, clock=clock)):
            yield
        return
    worker = asyncio.create_task(
        standalone.run_detection(
            settings, store, clock=clock, interval_seconds=0.2, on_changes=lambda changes: None
        )
    )
    try:
        yield
    finally:
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)


async def _next_problem(updates: AsyncIterator[list[ServiceUpdate]]) -> ServiceUpdate:
    async for batch in updates:
        for update in batch:
            if update.status != "ok":
                return update
    raise AssertionError("the stream ended")


@pytest.mark.parametrize("node_a", ["serve", "worker"])
def test_a_status_decided_on_one_node_reaches_a_viewer_on_another_without_reading_storage(
    node_a: str, loaded_store: SqlStore, clock: FixedClock, tmp_path: Path, redis_url: str
) -> None:
    async def scenario() -> tuple[ServiceUpdate, list[str], int]:
        channel = f"ow:test:{uuid.uuid4().hex}"
        now = clock.now()
        add_reports(loaded_store, "tiktok", [now - timedelta(seconds=2 * i) for i in range(400)])
        store_b = RefusingReads(make_engine(str(loaded_store.engine.url)))
        store_b.refused = []
        site_b = build_site(
            _settings(tmp_path / "b", redis_url, channel, ticking=False), store=store_b, clock=clock
        )
        async with _running(site_b):
            relay: RedisRelay = site_b.state.relay
            await asyncio.wait_for(relay.until_healthy(), WAIT)
            # Watched once Redis listens: B reads the figures once (to catch up, or because
            # it has heard nothing of the service), then never again.
            viewer = site_b.state.hub.subscribe("tiktok")
            (caught_up,) = await asyncio.wait_for(viewer.next(), WAIT)
            assert caught_up.status == "ok"
            store_b.armed = True

            settings_a = _settings(tmp_path / "a", redis_url, channel, ticking=True)
            async with _node_a(node_a, loaded_store, clock, settings_a):

                async def updates() -> AsyncIterator[list[ServiceUpdate]]:
                    while True:
                        yield await viewer.next()

                problem = await asyncio.wait_for(_next_problem(updates()), WAIT)
            return problem, store_b.refused, relay.tick_messages

    problem, refused, tick_messages = asyncio.run(scenario())

    assert problem.slug == "tiktok" and problem.status in ("possible", "major")
    assert problem.reports_this_hour == 400
    assert problem.timeline > 0  # the incident's first line: pages fetch the timeline
    assert tick_messages >= 1
    assert refused == []  # node B never asked the database
