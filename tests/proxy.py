"""A TCP proxy a test can cut and restore: a database or Redis "going away" for real,
without stopping the server that other tests share."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator


class CuttableProxy:
    """Forwards TCP to Redis until cut; while cut, refuses and drops every connection."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.cut = False
        self._pipes: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None
        self.loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> int:
        self.loop = asyncio.get_running_loop()
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.close()
            return
        upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        self._writers |= {writer, upstream_writer}
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.create_task(self._pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
        sink.close()

    def sever(self) -> None:
        self.cut = True
        for writer in self._writers:
            writer.close()
        self._writers.clear()

    def restore(self) -> None:
        self.cut = False

    async def stop(self) -> None:
        self.sever()
        if self.server is not None:
            self.server.close()
        for task in list(self._pipes):
            task.cancel()


@contextlib.contextmanager
def proxy_in_thread(host: str, port: int) -> Iterator[tuple[CuttableProxy, int]]:
    """The proxy on its own event loop in a thread, for synchronous tests: (proxy, port)."""
    loop = asyncio.new_event_loop()
    proxy = CuttableProxy(host, port)
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    local_port = asyncio.run_coroutine_threadsafe(proxy.start(), loop).result(timeout=10)
    try:
        yield proxy, local_port
    finally:
        asyncio.run_coroutine_threadsafe(proxy.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def run_on_proxy_loop(proxy: CuttableProxy, action: str) -> None:
    """sever() / restore() from another thread, on the proxy's own loop."""
    loop = proxy.loop
    assert loop is not None, "the proxy has not started"
    done = threading.Event()

    def act() -> None:
        getattr(proxy, action)()
        done.set()

    loop.call_soon_threadsafe(act)
    done.wait(timeout=10)
