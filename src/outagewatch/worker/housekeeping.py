"""Housekeeping: the leader deletes what is past its keeping every ten minutes, and every
process checkpoints SQLite's log each minute (a checkpoint from any connection serves the
whole file). What is kept, and how it is deleted, is operations/retention.py's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from outagewatch.operations import retention
from outagewatch.operations.retention import Pruning, Retention

log = logging.getLogger(__name__)

EVERY_SECONDS = retention.CHECKPOINT_EVERY_SECONDS


class Housekeeping:
    def __init__(
        self,
        store: Pruning,
        keeping: Retention,
        *,
        service_ids: Callable[[], Sequence[int]],
        leading: Callable[[], bool],
    ) -> None:
        self.store = store
        self.keeping = keeping
        self._service_ids = service_ids
        self._leading = leading
        self._pruned_at: datetime | None = None

    async def step(self, now: datetime) -> bool:
        """Prune if this process leads and it is time; checkpoint in any case. Returns
        whether it pruned."""
        pruned = False
        if self._leading() and (
            self._pruned_at is None or now - self._pruned_at >= retention.PRUNE_EVERY
        ):
            deleted = await retention.prune_round(
                self.store, self.keeping, self._service_ids(), now=now
            )
            self._pruned_at = now
            pruned = True
            log.info("old rows deleted", extra={"step": "retention", "deleted": deleted})
        await asyncio.to_thread(
            self.store.checkpoint_log, busy_milliseconds=retention.CHECKPOINT_BUSY_MILLISECONDS
        )
        return pruned
