"""The signals step: official status pages and website probes, run by the leader only.

Outbound requests are made once per installation, not once per web process: the process
that holds detection's leadership gathers, the others skip their turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from outagewatch.catalog.search import CatalogIndex
from outagewatch.config import Settings
from outagewatch.signals.official import OfficialPoller
from outagewatch.signals.probes import Prober
from outagewatch.storage.seams import OfficialPollerStore, ProberStore

log = logging.getLogger(__name__)

ROUND_SECONDS = 15.0
PROBES_PER_ROUND = 100  # a fresh install has every site due at once: spread them out


class GatheringStore(OfficialPollerStore, ProberStore, Protocol):
    """The official pages' poller and the website prober, together."""


class Gathering:
    """The signals step; None from `of` when the settings gather nothing."""

    def __init__(
        self,
        store: GatheringStore,
        *,
        poller: OfficialPoller | None,
        prober: Prober | None,
        catalog: Callable[[], CatalogIndex],
        leading: Callable[[], bool],
    ) -> None:
        self.store = store
        self.poller = poller
        self.prober = prober
        self._catalog = catalog
        self._leading = leading
        self._synced = False  # the official sources follow the catalog once per process

    @classmethod
    def of(
        cls,
        store: GatheringStore,
        settings: Settings,
        *,
        catalog: Callable[[], CatalogIndex],
        leading: Callable[[], bool],
    ) -> Gathering | None:
        poller = OfficialPoller(store) if settings.poll_official_status else None
        prober = Prober(store) if settings.probe_websites else None
        if poller is None and prober is None:
            return None
        return cls(store, poller=poller, prober=prober, catalog=catalog, leading=leading)

    async def step(self, now: datetime) -> bool:
        """One round if this process leads; returns whether it gathered."""
        if not self._leading():
            return False
        catalog = self._catalog()
        if self.poller is not None and not self._synced:
            await asyncio.to_thread(_sync_sources, self.store, catalog, now)
            self._synced = True
        await gather_once(self.store, catalog, now, poller=self.poller, prober=self.prober)
        return True


async def gather_once(
    store: GatheringStore,
    catalog: CatalogIndex,
    now: datetime,
    *,
    poller: OfficialPoller | None,
    prober: Prober | None,
) -> None:
    if poller is not None:
        await poller.poll_due(now=now)
    if prober is not None:
        due = await asyncio.to_thread(prober.due, catalog.services, now=now)
        await prober.probe_all(due[:PROBES_PER_ROUND], now=now)


def _sync_sources(store: GatheringStore, catalog: CatalogIndex, now: datetime) -> None:
    with store.transaction():
        result = store.sync_official_sources(catalog.services, now=now)
    log.info("official status sources: %s", result)
