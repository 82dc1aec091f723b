"""Live updates between nodes through real Redis, and what happens when Redis goes away.

A small TCP proxy (tests/proxy.py) stands between the nodes and Redis, so the test can cut
Redis off and bring it back without touching the server everyone shares.
"""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

import redis.asyncio as redis

from outagewatch.live import LiveHub, ServiceUpdate
from outagewatch.live_relay import RedisRelay
from tests.proxy import CuttableProxy

WAIT = 10.0  # seconds: a bound on waiting for another task, never a sleep


def _update(slug: str, hour: int, *, status: str = "ok") -> ServiceUpdate:
    return ServiceUpdate(slug, slug.title(), status, hour, hour)


async def _both_listening(relays: tuple[RedisRelay, ...], timeout: float = WAIT) -> None:
    async with asyncio.timeout(timeout):
        for relay in relays:
            await relay.until_healthy()


def test_a_report_on_one_node_reaches_the_viewers_of_another_and_survives_redis_going_away(
    redis_url: str,
) -> None:
    async def scenario() -> None:
        target = urlsplit(redis_url)
        proxy = CuttableProxy(target.hostname or "127.0.0.1", target.port or 6379)
        port = await proxy.start()
        database = target.path.lstrip("/") or "0"
        channel = f"ow:test:{uuid.uuid4().hex}"
        clients = [
            redis.from_url(f"redis://127.0.0.1:{port}/{database}", socket_timeout=2)
            for _ in range(2)
        ]
        hub_a, hub_b = LiveHub(), LiveHub()
        node_a = RedisRelay(clients[0], hub_a, node="a", channel=channel, longest_retry_seconds=1)
        node_b = RedisRelay(clients[1], hub_b, node="b", channel=channel, longest_retry_seconds=1)
        hub_b.publish([_update("tiktok", 0, status="major")])  # what B's refresher knows
        viewer = hub_b.subscribe("tiktok")
        listeners = [asyncio.create_task(node.listen_forever()) for node in (node_a, node_b)]
        try:
            await _both_listening((node_a, node_b))

            await node_a.publish([_update("tiktok", 7)])
            (received,) = await viewer.next(timeout=WAIT)
            assert received.reports_this_hour == 7
            assert received.status == "major"  # B keeps the status it knows, not A's guess
            assert hub_a.last("tiktok") is None  # A ignores its own message

            proxy.sever()
            await asyncio.wait_for(node_b.until_healthy(False), WAIT)
            await node_a.publish([_update("tiktok", 8)])  # must not raise while Redis is gone

            proxy.restore()
            await _both_listening((node_a, node_b), timeout=30)
            await node_a.publish([_update("tiktok", 9)])
            (resumed,) = await viewer.next(timeout=WAIT)
            assert resumed.reports_this_hour == 9
        finally:
            for listener in listeners:
                listener.cancel()
            await asyncio.gather(*listeners, return_exceptions=True)
            for client in clients:
                await client.aclose()
            await proxy.stop()

    asyncio.run(scenario())
