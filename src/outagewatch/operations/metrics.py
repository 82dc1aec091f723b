"""Prometheus instruments, correct across worker processes.

`outagewatch serve` points PROMETHEUS_MULTIPROC_DIR at a fresh folder before its workers
start; prometheus-client then keeps each process's values in a memory-mapped file there and
/metrics adds them up, so a scrape that reaches any one worker sees the whole node. Without
it (tests, a single embedded process) the values live in this process's default registry.

Figures the database knows for every node at once (statuses, the outbox, official pages,
incidents) are read when scraped instead of counted here, so they agree whichever node is
asked.
"""

from __future__ import annotations

import os
from collections import Counter as Tally
from collections.abc import Iterable, Sequence
from datetime import datetime

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector

from outagewatch.operations import multiprocess as folders
from outagewatch.storage.sql_watch import WatchFigures

SAMPLE_SECONDS = 5.0  # how often a process writes its queue depth and open streams

REPORTS = Counter(
    "outagewatch_reports",
    "Reports stored, by outcome: counted, or kept but not counted (duplicate, brigade)",
    ["outcome"],
)
REFUSED = Counter(
    "outagewatch_reports_refused", "Reports refused before storage, by reason", ["reason"]
)
COMMIT_SECONDS = Histogram(
    "outagewatch_intake_commit_seconds",
    "Time to commit one group of reports (one transaction)",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
INTAKE_QUEUE = Gauge(
    "outagewatch_intake_queue_depth",
    "Reports waiting for their commit",
    multiprocess_mode="livesum",
)
TICK_SECONDS = Histogram(
    "outagewatch_detection_tick_seconds",
    "Duration of a detection tick over every service",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
TICK_FAILURES = Counter("outagewatch_detection_tick_failures", "Detection ticks that failed")
LAST_TICK = Gauge(
    "outagewatch_detection_last_tick_timestamp_seconds",
    "When a detection tick last completed (Unix time); age = time() - this",
    multiprocess_mode="max",
)
DELIVERIES = Counter(
    "outagewatch_deliveries",
    "Notification sends, by channel and result (sent, retrying, failed)",
    ["channel", "result"],
)
LIVE_STREAMS = Gauge(
    "outagewatch_live_streams", "Open live-update streams", multiprocess_mode="livesum"
)


def forget_dead_processes() -> None:
    """A worker that died leaves its live gauges behind; its queue and streams are gone."""
    folder = folders.folder()
    if folder is None:
        return
    for path in folder.glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(folder))  # type: ignore[no-untyped-call]
        except PermissionError:
            continue  # alive, someone else's


def tick_completed(*, at: datetime, duration_seconds: float) -> None:
    TICK_SECONDS.observe(duration_seconds)
    LAST_TICK.set(at.timestamp())


def reports_stored(outcomes: Iterable[str | None]) -> None:
    for outcome, n in Tally(outcome or "counted" for outcome in outcomes).items():
        REPORTS.labels(outcome=outcome).inc(n)


def deliveries(channels: Sequence[str], results: Sequence[str]) -> None:
    for (channel, result), n in Tally(zip(channels, results, strict=True)).items():
        DELIVERIES.labels(channel=channel, result=result).inc(n)


def sample(*, queue_depth: int, streams: int) -> None:
    """This process's gauges, written every SAMPLE_SECONDS by its background steps."""
    INTAKE_QUEUE.set(queue_depth)
    LIVE_STREAMS.set(streams)


class _Figures(Collector):
    def __init__(self, figures: WatchFigures) -> None:
        self.figures = figures

    def collect(self) -> Iterable[Metric]:
        f = self.figures
        statuses = GaugeMetricFamily(
            "outagewatch_services", "Services by current status", labels=["status"]
        )
        for status, n in sorted(f.statuses.items()):
            statuses.add_metric([status], n)
        yield statuses
        yield CounterMetricFamily(
            "outagewatch_incidents_opened", "Incidents opened (all nodes)", value=f.incidents
        )
        yield GaugeMetricFamily(
            "outagewatch_outbox_pending", "Notifications waiting to be sent", value=f.outbox_pending
        )
        yield GaugeMetricFamily(
            "outagewatch_outbox_oldest_pending_age_seconds",
            "Age of the oldest notification waiting to be sent (0: none waits)",
            value=f.outbox_oldest_age_seconds,
        )
        official = GaugeMetricFamily(
            "outagewatch_official_pages",
            "Official status pages by the result of their last poll",
            labels=["result"],
        )
        for result, n in sorted(f.official_pages.items()):
            official.add_metric([result], n)
        yield official


def exposition(figures: WatchFigures) -> bytes:
    """The text format for one scrape: this node's processes, then the shared figures."""
    folder = folders.folder()
    if folder is None:
        own = generate_latest(REGISTRY)
    else:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, str(folder))  # type: ignore[no-untyped-call]
        own = generate_latest(registry)
    shared = CollectorRegistry()
    shared.register(_Figures(figures))
    return own + generate_latest(shared)
