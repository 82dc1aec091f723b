"""The scheduler, driven by a timer the test moves: no sleeping, no wall clock."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest

from outagewatch.clock import FixedClock
from outagewatch.worker.scheduler import Scheduler, Step
from tests.conftest import NOW


class Timer:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.seconds = 1000.0

    def __call__(self) -> float:
        return self.seconds


class Recorder:
    def __init__(self) -> None:
        self.calls: list[datetime] = []

    async def __call__(self, now: datetime) -> bool:
        self.calls.append(now)
        return True


def test_a_step_runs_at_the_first_turn_then_once_per_interval() -> None:
    timer, tick = Timer(), Recorder()
    scheduler = Scheduler([Step("tick", tick, 5.0)], clock=FixedClock(NOW), timer=timer)

    async def turns() -> list[set[str]]:
        ran = [await scheduler.run_due()]
        timer.seconds += 4.9
        ran.append(await scheduler.run_due())
        timer.seconds += 0.1
        ran.append(await scheduler.run_due())
        return ran

    assert asyncio.run(turns()) == [{"tick"}, set(), {"tick"}]
    assert tick.calls == [NOW, NOW]  # the steps' time is the clock's, not the timer's


def test_a_step_that_starts_late_waits_one_interval_first() -> None:
    timer, beat = Timer(), Recorder()
    scheduler = Scheduler([Step("beat", beat, 15.0, 15.0)], clock=FixedClock(NOW), timer=timer)

    async def turns() -> list[set[str]]:
        ran = [await scheduler.run_due()]
        timer.seconds += 15
        ran.append(await scheduler.run_due())
        return ran

    assert asyncio.run(turns()) == [set(), {"beat"}]


def test_a_woken_step_runs_before_its_time_and_then_counts_from_there() -> None:
    timer, deliver = Timer(), Recorder()
    scheduler = Scheduler([Step("delivery", deliver, 2.0)], clock=FixedClock(NOW), timer=timer)

    async def turns() -> list[set[str]]:
        ran = [await scheduler.run_due()]
        timer.seconds += 0.5
        scheduler.wake("delivery")
        ran.append(await scheduler.run_due())
        timer.seconds += 1.9
        ran.append(await scheduler.run_due())
        timer.seconds += 0.1
        ran.append(await scheduler.run_due())
        return ran

    assert asyncio.run(turns()) == [{"delivery"}, {"delivery"}, set(), {"delivery"}]


def test_a_running_step_is_not_started_twice_and_a_wake_meanwhile_runs_it_after() -> None:
    timer = Timer()
    release = asyncio.Event()
    rounds: list[datetime] = []

    async def slow(now: datetime) -> bool:
        rounds.append(now)
        await release.wait()
        return True

    scheduler = Scheduler([Step("slow", slow, 1.0)], clock=FixedClock(NOW), timer=timer)

    async def turns() -> tuple[int, int, set[str], set[str]]:
        (first,) = scheduler.start_due()
        await asyncio.sleep(0)  # let it start and block
        timer.seconds += 10  # long past its interval
        scheduler.wake("slow")
        while_running = len(scheduler.start_due())
        started = len(rounds)
        release.set()
        await first
        after = await scheduler.run_due()
        return while_running, started, after, scheduler.running

    while_running, started, after, running = asyncio.run(turns())

    assert (while_running, started) == (0, 1)
    assert after == {"slow"} and running == set()
    assert len(rounds) == 2


def test_a_failing_step_is_logged_and_runs_again_at_its_next_turn(
    caplog: pytest.LogCaptureFixture,
) -> None:
    timer = Timer()
    attempts: list[datetime] = []

    async def failing(now: datetime) -> bool:
        attempts.append(now)
        raise ConnectionError("database away")

    scheduler = Scheduler([Step("tick", failing, 5.0)], clock=FixedClock(NOW), timer=timer)

    async def turns() -> None:
        await scheduler.run_due()
        timer.seconds += 5
        await scheduler.run_due()

    asyncio.run(turns())

    assert len(attempts) == 2
    assert "background step tick failed; retrying" in caplog.text


def test_the_loop_ends_the_steps_still_running_when_it_is_cancelled() -> None:
    started = asyncio.Event()
    ended: list[str] = []

    async def endless(now: datetime) -> bool:
        started.set()
        try:
            await asyncio.Event().wait()
        finally:
            ended.append("endless")
        return True

    async def scenario() -> None:
        scheduler = Scheduler([Step("endless", endless, 1.0)], clock=FixedClock(NOW))
        loop = asyncio.create_task(scheduler.run_forever())
        await asyncio.wait_for(started.wait(), 10)
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop

    asyncio.run(scenario())

    assert ended == ["endless"]


def test_step_names_must_be_unique() -> None:
    step = Step("tick", Recorder(), 1.0)

    with pytest.raises(ValueError, match="unique"):
        Scheduler([step, step], clock=FixedClock(NOW))
