"""Every report acknowledged with a 2xx survives the server being killed mid-load."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
from sqlalchemy import select

from outagewatch.storage import schema
from outagewatch.storage.sql import make_engine
from tests.serving import ServerProcess, start_server

REPORTERS = 4000  # upper bound of requests; the kill comes long before they are all sent
CONCURRENCY = 64


async def _load(server: ServerProcess, acknowledged: list[str], kill_after: int) -> None:
    """Send reports until the server dies; remember the comment of each acknowledged one."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(REPORTERS):
        queue.put_nowait(number)
    killed = threading.Event()

    async def reporter(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            number = queue.get_nowait()
            try:
                response = await client.post(
                    f"{server.url}/api/v1/services/whatsapp/reports",
                    json={"problem": "messages", "comment": f"crash-{number}"},
                    headers={
                        "User-Agent": f"crash-test-{number}",
                        # A network of its own per reporter, so rate limits stay out of the way.
                        "X-Forwarded-For": f"100.{64 + number // 256}.{number % 256}.7",
                    },
                )
            except httpx.TransportError:
                return  # the server is gone
            if response.status_code in (200, 201):
                acknowledged.append(f"crash-{number}")
                if len(acknowledged) == kill_after and not killed.is_set():
                    killed.set()
                    server.kill()

    async with httpx.AsyncClient(timeout=10) as client:
        await asyncio.gather(*(reporter(client) for _ in range(CONCURRENCY)))


def _stored_comments(data_dir: Path) -> set[str]:
    engine = make_engine(f"sqlite:///{data_dir / 'outagewatch.db'}")
    with engine.connect() as connection:
        rows = connection.execute(select(schema.reports.c.comment)).scalars()
        comments = {comment for comment in rows if comment}
    engine.dispose()
    return comments


def test_sigkill_during_load_loses_no_acknowledged_report(tmp_path: Path) -> None:
    server = start_server(tmp_path, workers=2, OUTAGEWATCH_TRUSTED_PROXIES="127.0.0.1/32")
    acknowledged: list[str] = []

    asyncio.run(_load(server, acknowledged, kill_after=600))
    restarted = start_server(tmp_path, workers=2)
    try:
        after_restart = httpx.get(f"{restarted.url}/api/v1/services/whatsapp", timeout=5)
    finally:
        restarted.stop()

    assert 600 <= len(acknowledged) < REPORTERS  # the kill came in the middle of the load
    assert set(acknowledged) <= _stored_comments(tmp_path)
    assert after_restart.status_code == 200
