"""The housekeeping step with a fixed clock: the leader prunes every ten minutes, every
process checkpoints at each turn."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from outagewatch.operations.retention import Retention
from outagewatch.worker.housekeeping import Housekeeping
from tests.conftest import NOW


class Pruned:
    """A store that records what it was asked to delete and checkpoint."""

    def __init__(self) -> None:
        self.pruned: list[str] = []
        self.checkpoints = 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        yield

    @contextmanager
    def exclusive_writes(self) -> Iterator[None]:
        yield

    def prune_counts(
        self,
        service_ids: Sequence[int],
        *,
        minutes_before: int,
        hours_before: int,
        days_before: int,
    ) -> int:
        self.pruned.append(f"counts of {list(service_ids)}")
        return 0

    def prune_reports(self, *, before: datetime, limit: int) -> int:
        self.pruned.append(f"reports before {before:%m-%d}")
        return 0

    def prune_messages(self, *, before: datetime, limit: int) -> int:
        return 0

    def checkpoint_log(self, *, busy_milliseconds: int) -> tuple[int, int] | None:
        self.checkpoints += 1
        return None


def _turns(keeper: Housekeeping, moments: list[datetime]) -> list[bool]:
    async def turns() -> list[bool]:
        return [await keeper.step(moment) for moment in moments]

    return asyncio.run(turns())


def test_the_leader_prunes_every_ten_minutes_and_checkpoints_every_turn() -> None:
    store = Pruned()
    keeper = Housekeeping(store, Retention(), service_ids=lambda: [1, 2], leading=lambda: True)
    moments = [NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=10)]

    pruned = _turns(keeper, moments)

    assert pruned == [True, False, True]
    assert store.pruned.count("counts of [1, 2]") == 2
    assert "reports before 10-19" in store.pruned  # 30 days of reports kept
    assert store.checkpoints == 3


def test_a_process_that_does_not_lead_only_checkpoints() -> None:
    store = Pruned()
    keeper = Housekeeping(store, Retention(), service_ids=lambda: [1], leading=lambda: False)

    pruned = _turns(keeper, [NOW, NOW + timedelta(minutes=30)])

    assert pruned == [False, False] and store.pruned == []
    assert store.checkpoints == 2
