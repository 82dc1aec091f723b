"""The signals loop: official status pages and website probes, run by the leader only.

Outbound requests are made once per installation, not once per web process: the process
that holds detection's leadership gathers, the others skip their turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from outagewatch.catalog.search import CatalogIndex
from outagewatch.config import Settings
from outagewatch.signals.official import OfficialPoller
from outagewatch.signals.probes import Prober
from outagewatch.storage.protocol import Store

log = logging.getLogger(__name__)

ROUND_SECONDS = 15.0
PROBES_PER_ROUND = 100  # a fresh install has every site due at once: spread them out


async def gather_forever(
    store: Store,
    settings: Settings,
    *,
    catalog: Callable[[], CatalogIndex],
    now: Callable[[], datetime],
    leading: Callable[[], bool],
    round_seconds: float = ROUND_SECONDS,
) -> None:
    poller = OfficialPoller(store) if settings.poll_official_status else None
    prober = Prober(store) if settings.probe_websites else None
    if poller is None and prober is None:
        return
    synced = False
    while True:
        if leading():
            try:
                if poller is not None and not synced:
                    await asyncio.to_thread(_sync_sources, store, catalog(), now())
                    synced = True
                await gather_once(store, catalog(), now(), poller=poller, prober=prober)
            except Exception:
                log.exception("gathering signals failed; retrying")
        await asyncio.sleep(round_seconds)


async def gather_once(
    store: Store,
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


def _sync_sources(store: Store, catalog: CatalogIndex, now: datetime) -> None:
    with store.transaction():
        result = store.sync_official_sources(catalog.services, now=now)
    log.info("official status sources: %s", result)
