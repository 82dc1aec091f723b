"""A crowd of live viewers: thousands of Server-Sent Event streams held by one process.

bench/sse.py starts several of these processes and steers them through a pipe. Each viewer
is a bare asyncio protocol on uvloop, not an HTTP client library: a library's objects and
per-line parsing cost more CPU per event than the server's own fan-out, and on two shared
cores the client would then be what the benchmark measures.

The pipe protocol: the crowd sends ("ready", held, failed) once its streams are open, then
answers ("wait", count, seconds) with ("got", count, received) as soon as every stream has
seen reports_this_hour reach `count` (or the time is up), and ("finish",) with
("arrivals", {count: [monotonic arrival times]}, dropped) before it exits.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
import time
from collections import defaultdict
from multiprocessing.connection import Connection
from typing import cast

import uvloop

COUNT_KEY = b'"reports_this_hour":'
OPEN_AT_ONCE = 256  # streams being opened concurrently: well inside the server's backlog
OPEN_TIMEOUT_SECONDS = 60.0
FILES_BESIDE_STREAMS = 64  # the pipe, the event loop's own descriptors, a margin


def raise_open_files(needed: int) -> int:
    """Lift the soft open-files limit (inherited by child processes); returns the new one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft >= needed:
        return soft
    if hard < needed:
        # Root may raise the hard limit too; anyone else keeps the hard one as the ceiling.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (needed, needed))
            return needed
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    return min(needed, hard)


class Crowd:
    """What every stream of this process has received, and who waits for which count."""

    def __init__(self) -> None:
        self.arrivals: defaultdict[int, list[float]] = defaultdict(list)
        self.viewers: list[Viewer] = []
        self.failed = 0  # streams that never opened
        self.dropped = 0  # streams the server closed while we were watching
        self.stopping = False
        self._waiting: dict[int, asyncio.Future[None]] = {}

    def alive(self) -> int:
        return len(self.viewers) - self.dropped

    def arrived(self, count: int, at: float) -> None:
        times = self.arrivals[count]
        times.append(at)
        waiter = self._waiting.get(count)
        if waiter is not None and len(times) >= self.alive() and not waiter.done():
            waiter.set_result(None)

    async def wait_for(self, count: int, seconds: float) -> int:
        if len(self.arrivals[count]) < self.alive():
            waiter = asyncio.get_running_loop().create_future()
            self._waiting[count] = waiter
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter, seconds)
            del self._waiting[count]
        return len(self.arrivals[count])


class Viewer(asyncio.Protocol):
    def __init__(self, crowd: Crowd, request: bytes) -> None:
        self.crowd = crowd
        self.request = request
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.latest = -1

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        arrived = time.monotonic()  # CLOCK_MONOTONIC: comparable across processes on Linux
        self.buffer += data
        if not self.opened.done():
            head, end, rest = self.buffer.partition(b"\r\n\r\n")
            if not end:
                return
            if not head.startswith(b"HTTP/1.1 200"):
                self.opened.set_exception(ConnectionError(head.split(b"\r\n", 1)[0].decode()))
                assert self.transport is not None
                self.transport.close()
                return
            self.opened.set_result(None)
            self.buffer = rest
        # The body is chunked, but one event never spans chunks we need to decode: looking
        # for the count inside each blank-line-separated event is enough.
        *events, self.buffer = self.buffer.split(b"\n\n")
        for event in events:
            start = event.find(COUNT_KEY)
            if start < 0:
                continue
            start += len(COUNT_KEY)
            count = int(event[start : event.index(b",", start)])
            # Counts only grow here; a stream that skipped one (the server drops the oldest
            # of a slow viewer's events) got the skipped figure inside the newer event.
            first = count if self.latest < 0 else self.latest + 1
            for reached in range(first, count + 1):
                self.crowd.arrived(reached, arrived)
            self.latest = max(self.latest, count)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError(f"closed before the headers: {exc}"))
        elif not self.crowd.stopping:
            self.crowd.dropped += 1


async def _open(crowd: Crowd, host: str, port: int, path: str, viewers: int) -> None:
    loop = asyncio.get_running_loop()
    request = f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n"
    opening = asyncio.Semaphore(OPEN_AT_ONCE)

    async def open_one() -> None:
        async with opening:
            try:
                _, viewer = await asyncio.wait_for(
                    loop.create_connection(lambda: Viewer(crowd, request.encode()), host, port),
                    OPEN_TIMEOUT_SECONDS,
                )
                await asyncio.wait_for(viewer.opened, OPEN_TIMEOUT_SECONDS)
            except (OSError, TimeoutError):  # ConnectionError is an OSError
                crowd.failed += 1
            else:
                crowd.viewers.append(viewer)

    await asyncio.gather(*(open_one() for _ in range(viewers)))


async def _serve(host: str, port: int, path: str, viewers: int, pipe: Connection) -> None:
    crowd = Crowd()
    await _open(crowd, host, port, path, viewers)
    pipe.send(("ready", len(crowd.viewers), crowd.failed))
    commands: asyncio.Queue[tuple[object, ...]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def read_command() -> None:
        try:
            commands.put_nowait(pipe.recv())
        except EOFError:  # the benchmark is gone (killed): leave, rather than spin on EOF
            commands.put_nowait(("gone",))

    loop.add_reader(pipe.fileno(), read_command)
    while True:
        command = await commands.get()
        if command[0] == "wait":
            count, seconds = cast(int, command[1]), cast(float, command[2])
            pipe.send(("got", count, await crowd.wait_for(count, seconds)))
        elif command[0] == "gone":
            return
        elif command[0] == "finish":
            crowd.stopping = True
            for viewer in crowd.viewers:
                if viewer.transport is not None:
                    viewer.transport.close()
            # The event loop made the pipe non-blocking; the arrivals fill more than its
            # buffer, and the parent reads one crowd after another, so block to send them.
            loop.remove_reader(pipe.fileno())
            os.set_blocking(pipe.fileno(), True)
            pipe.send(("arrivals", dict(crowd.arrivals), crowd.dropped))
            return


def run(host: str, port: int, path: str, viewers: int, pipe: Connection) -> None:
    """A child process's entry point."""
    raise_open_files(viewers + FILES_BESIDE_STREAMS)
    uvloop.run(_serve(host, port, path, viewers, pipe))
