"""The small steps, each one call: delivery, the catalog, signals, the live stream beat,
metrics."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

from outagewatch.catalog.search import CatalogIndex
from outagewatch.catalog.service import CatalogFollower
from outagewatch.config import Settings
from outagewatch.live import LiveHub
from outagewatch.notify.deliverer import Deliverer
from outagewatch.operations import metrics
from outagewatch.signals import gathering
from outagewatch.signals.gathering import Gathering, GatheringStore
from outagewatch.worker.scheduler import Step

StepFunction = Callable[[datetime], Awaitable[bool]]


def delivering(deliverer: Deliverer) -> StepFunction:
    """One delivery round: what is due is claimed, sent and recorded."""

    async def deliver(now: datetime) -> bool:
        return (await deliverer.deliver_due(now=now)).handled > 0

    return deliver


def following_catalog(
    follower: CatalogFollower, on_change: Callable[[CatalogIndex], None]
) -> StepFunction:
    """Operators' catalog edits, made in any process, reach this one within a few seconds."""

    async def follow(now: datetime) -> bool:
        changed = await asyncio.to_thread(follower.refresh)
        if changed:
            on_change(follower.index)
        return changed

    return follow


def gathering_signals(
    store: GatheringStore,
    settings: Settings,
    *,
    catalog: Callable[[], CatalogIndex],
    leading: Callable[[], bool],
) -> list[Step]:
    """Official status pages and probes, by the leader: no step if the settings read none."""
    signals = Gathering.of(store, settings, catalog=catalog, leading=leading)
    return [] if signals is None else [Step("signals", signals.step, gathering.ROUND_SECONDS)]


def beating(hub: LiveHub) -> StepFunction:
    """A keep-alive line for every open stream: one timer for the process, not one each."""

    async def beat(now: datetime) -> bool:
        hub.beat()
        return hub.viewers > 0

    return beat


def sampling(queue_depth: Callable[[], int], streams: Callable[[], int]) -> StepFunction:
    """This process's gauges for /metrics: reports waiting for their commit, open streams."""

    async def sample(now: datetime) -> bool:
        metrics.sample(queue_depth=queue_depth(), streams=streams())
        return True

    return sample
