"""Rate limits per network and the brigade share rule."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as redis

from outagewatch.reports.brigade import NETWORK_FLOOR, NetworkShareGuard
from outagewatch.reports.ratelimit import BucketPolicy, MemoryBuckets, RedisBuckets

POLICY = BucketPolicy(capacity=3, refill_per_second=0.5)


def test_a_network_may_burst_up_to_capacity_then_waits() -> None:
    buckets = MemoryBuckets(POLICY)

    waits = [buckets.acquire_now("net", now=100.0) for _ in range(4)]

    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(2.0)


def test_tokens_come_back_with_time() -> None:
    buckets = MemoryBuckets(POLICY)
    for _ in range(3):
        buckets.acquire_now("net", now=100.0)

    assert buckets.acquire_now("net", now=102.0) == 0.0
    assert buckets.acquire_now("net", now=102.0) > 0


def test_networks_have_their_own_buckets() -> None:
    buckets = MemoryBuckets(POLICY)
    for _ in range(3):
        buckets.acquire_now("busy", now=100.0)

    assert buckets.acquire_now("quiet", now=100.0) == 0.0


def test_redis_buckets_are_shared_between_clients(redis_url: str) -> None:
    async def scenario() -> list[float]:
        first, second = redis.from_url(redis_url), redis.from_url(redis_url)
        prefix = f"test:{uuid.uuid4().hex}:"
        try:
            node_a = RedisBuckets(first, POLICY, prefix=prefix)
            node_b = RedisBuckets(second, POLICY, prefix=prefix)
            waits = [await node.acquire("net", now=100.0) for node in (node_a, node_b, node_a)]
            waits.append(await node_b.acquire("net", now=100.0))
            waits.append(await node_b.acquire("net", now=102.0))
            return waits
        finally:
            await first.aclose()
            await second.aclose()

    waits = asyncio.run(scenario())

    assert waits[:3] == [0.0, 0.0, 0.0]
    assert waits[3] == pytest.approx(2.0)
    assert waits[4] == 0.0


def test_reports_up_to_the_floor_always_count() -> None:
    guard = NetworkShareGuard()

    admitted = [guard.admit(service_id=1, network_key="n", minute=10) for _ in range(7)]

    assert admitted == [True] * NETWORK_FLOOR + [False, False]


def test_a_network_may_send_its_share_of_a_busy_minute() -> None:
    guard = NetworkShareGuard()
    for index in range(400):
        guard.admit(service_id=1, network_key=f"other-{index}", minute=10)

    admitted = sum(guard.admit(service_id=1, network_key="n", minute=10) for _ in range(40))

    assert 20 <= admitted <= 22  # 5% of the ~420 reports of the minute


def test_each_minute_and_service_starts_afresh() -> None:
    guard = NetworkShareGuard()
    for _ in range(NETWORK_FLOOR):
        guard.admit(service_id=1, network_key="n", minute=10)

    assert guard.admit(service_id=2, network_key="n", minute=10)
    assert guard.admit(service_id=1, network_key="n", minute=11)


def test_without_redis_each_node_limits_on_its_own_buckets() -> None:
    from tests.serving import free_port

    async def scenario() -> tuple[list[float], bool]:
        unreachable = redis.from_url(
            f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=0.5
        )
        try:
            buckets = RedisBuckets(unreachable, POLICY, prefix="test:")
            waits = [await buckets.acquire("net", now=100.0) for _ in range(4)]
            return waits, buckets.degraded
        finally:
            await unreachable.aclose()

    waits, degraded = asyncio.run(scenario())

    assert degraded
    assert waits[: int(POLICY.capacity)] == [0.0] * int(POLICY.capacity)
    assert waits[-1] > 0  # still limited, by this node's own bucket
