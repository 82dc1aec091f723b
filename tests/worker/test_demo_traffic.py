"""Demo mode's traffic step with a fixed clock: the leader sends each second's simulated
reports through the writer and notes the outages it injects; a standby sends nothing."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest

from outagewatch import demo
from outagewatch.clock import FixedClock
from outagewatch.reports.writer import Acknowledgement, WriterUnavailableError
from outagewatch.storage.records import NewReport, RecentCounts
from outagewatch.storage.sql import SqlStore
from outagewatch.worker.demo_traffic import DemoTraffic


class Writer:
    """Takes reports like the group-commit writer; refuses them once told it is full."""

    def __init__(self) -> None:
        self.reports: list[NewReport] = []
        self.full = False

    async def submit(self, report: NewReport) -> Acknowledgement:
        if self.full:
            raise WriterUnavailableError("too many reports are waiting", retry_after_seconds=2)
        self.reports.append(report)
        return Acknowledgement(True, None, RecentCounts(1, 1))


def _traffic(store: SqlStore, writer: Writer, truth: Path, *, leading: bool) -> DemoTraffic:
    services = [s for s in store.list_services() if s.popularity >= 4]
    return DemoTraffic(
        demo.LiveTraffic(services, np.random.default_rng(7)),
        submit=writer.submit,
        truth=truth,
        leading=lambda: leading,
    )


def test_the_leader_sends_simulated_reports_and_records_the_outages_it_injects(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> None:
    writer, truth = Writer(), tmp_path / "truth.json"
    traffic = _traffic(loaded_store, writer, truth, leading=True)

    async def seconds() -> list[bool]:
        sent = [await traffic.send(clock.now())]
        clock.advance(timedelta(minutes=3))  # past the first injected outage's time
        sent.append(await traffic.send(clock.now()))
        return sent

    sent = asyncio.run(seconds())

    assert sent == [True, True]
    assert writer.reports and all(r.received_at <= clock.now() for r in writer.reports)
    (outage,) = json.loads(truth.read_text())
    assert outage["start"] == clock.now().isoformat()


def test_a_standby_sends_nothing(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> None:
    writer = Writer()
    traffic = _traffic(loaded_store, writer, tmp_path / "truth.json", leading=False)

    assert asyncio.run(traffic.send(clock.now())) is False
    assert writer.reports == []


def test_refused_reports_are_logged_not_raised(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    writer = Writer()
    writer.full = True
    traffic = _traffic(loaded_store, writer, tmp_path / "truth.json", leading=True)

    assert asyncio.run(traffic.send(clock.now())) is True
    assert writer.reports == []
    assert "simulated reports were refused: too many reports are waiting" in caplog.text
