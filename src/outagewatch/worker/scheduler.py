"""One scheduler for every background step of a process.

A step is a plain async function of `now` that does one round of work and returns whether
it did any (healthchecks' shape: loops are made of steps, tests call the steps). The
scheduler only decides when each step runs: every `every_seconds`, sooner when woken, never
twice at once. Steps run as tasks of their own, so a slow one (a delivery round waiting on
an SMTP server, a round of official status pages) does not hold up the detection tick.

When to run is measured on a monotonic timer, which a test replaces by a number it moves;
what a step is told the time is comes from the Clock, so a FixedClock freezes the steps'
`now` without freezing the schedule.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from outagewatch.clock import Clock

log = logging.getLogger(__name__)

# While every step is running, the loop still looks again this often (a finished step
# wakes it anyway; this bounds the wait should one be missed).
LONGEST_IDLE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    run: Callable[[datetime], Awaitable[bool]]
    every_seconds: float
    # 0: at the scheduler's first turn; the interval: one interval after it starts.
    first_after_seconds: float = 0.0


class Scheduler:
    def __init__(
        self,
        steps: Sequence[Step],
        *,
        clock: Clock,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        names = [step.name for step in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"step names must be unique: {names}")
        self.steps = {step.name: step for step in steps}
        self._clock = clock
        self._timer = timer
        started = timer()
        self._due_at = {step.name: started + step.first_after_seconds for step in steps}
        self._running: dict[str, asyncio.Task[None]] = {}
        self._woken: set[str] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Event | None = None

    @property
    def running(self) -> set[str]:
        return set(self._running)

    def wake(self, name: str) -> None:
        """Run step `name` as soon as it is free. Safe from any thread: request handlers
        queue mail from the thread pool and wake the deliverer."""
        loop = self._loop
        if loop is None or loop.is_closed() or _running_loop() is loop:
            self._wake_in_loop(name)
            return
        loop.call_soon_threadsafe(self._wake_in_loop, name)

    def _wake_in_loop(self, name: str) -> None:
        self._woken.add(name)
        if self._changed is not None:
            self._changed.set()

    def start_due(self) -> list[asyncio.Task[None]]:
        """Start every step whose time has come (or that was woken) and is not running;
        returns the tasks started. Must be called from the event loop."""
        self._loop = asyncio.get_running_loop()
        now_seconds = self._timer()
        started: list[asyncio.Task[None]] = []
        for name, step in self.steps.items():
            if name in self._running:
                continue  # a woken step stays woken until it is free
            if name not in self._woken and now_seconds < self._due_at[name]:
                continue
            self._woken.discard(name)
            # The next turn counts from this start: a step slower than its interval runs
            # back to back rather than piling up.
            self._due_at[name] = now_seconds + step.every_seconds
            task = asyncio.create_task(self._run(step), name=f"step:{name}")
            self._running[name] = task
            task.add_done_callback(self._finished)
            started.append(task)
        return started

    async def run_due(self) -> set[str]:
        """Start what is due and wait for it: one turn, for tests and one-shot use."""
        started = self.start_due()
        await asyncio.gather(*started)
        return {task.get_name().removeprefix("step:") for task in started}

    def seconds_until_next(self) -> float:
        waiting = [
            0.0 if name in self._woken else self._due_at[name] - self._timer()
            for name in self.steps
            if name not in self._running
        ]
        return max(0.0, min(waiting, default=LONGEST_IDLE_SECONDS))

    async def run_forever(self) -> None:
        """Run the steps until cancelled; then cancel the ones still running."""
        self._loop = asyncio.get_running_loop()
        self._changed = changed = asyncio.Event()
        try:
            while True:
                changed.clear()  # before starting: a wake from here on ends the wait below
                self.start_due()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.seconds_until_next()):
                        await changed.wait()
        finally:
            tasks = list(self._running.values())
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _run(self, step: Step) -> None:
        try:
            await step.run(self._clock.now())
        except Exception:
            # The database away, or a bug: the step runs again at its next turn.
            log.exception("background step %s failed; retrying", step.name)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task.get_name().removeprefix("step:"), None)
        if self._changed is not None:
            self._changed.set()  # a woken step may be waiting for this one to end


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # a thread without an event loop
        return None
