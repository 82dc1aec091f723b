"""Per-network rate limits: token buckets in memory (embedded) or in Redis (shared by nodes)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class BucketPolicy:
    capacity: float  # reports a network may send in a burst
    refill_per_second: float  # sustained reports per second per network

    def retry_after(self, tokens: float) -> float:
        """Seconds until one token is back, given the tokens left now."""
        return max(0.0, (1 - tokens) / self.refill_per_second)


class RateLimiter(Protocol):
    async def acquire(self, key: str, *, now: float) -> float:
        """Take one token; 0 if allowed, else the seconds to wait (for Retry-After)."""
        ...


class MemoryBuckets:
    """One process's buckets. `now` is Unix seconds, passed in so tests control time."""

    MAX_BUCKETS = 200_000  # beyond this, full (idle) buckets are forgotten

    def __init__(self, policy: BucketPolicy) -> None:
        self.policy = policy
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, updated_at)

    async def acquire(self, key: str, *, now: float) -> float:
        return self.acquire_now(key, now=now)

    def acquire_now(self, key: str, *, now: float) -> float:
        policy = self.policy
        tokens, updated_at = self._buckets.get(key, (policy.capacity, now))
        tokens = min(policy.capacity, tokens + (now - updated_at) * policy.refill_per_second)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return policy.retry_after(tokens)
        self._buckets[key] = (tokens - 1, now)
        if len(self._buckets) > self.MAX_BUCKETS:
            self._forget_full_buckets(now)
        return 0.0

    def _forget_full_buckets(self, now: float) -> None:
        policy = self.policy
        self._buckets = {
            key: (tokens, at)
            for key, (tokens, at) in self._buckets.items()
            if tokens + (now - at) * policy.refill_per_second < policy.capacity
        }


# Atomic in Redis: read the bucket, refill it, take a token, write it back with an expiry.
_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * refill)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(capacity / refill) + 1)
return {allowed, tostring(tokens)}
"""


class RedisBuckets:
    """Buckets shared by every web node; `now` is Unix seconds from each node's clock.

    While Redis cannot be reached, each node limits on its own buckets instead: a network
    then gets a node's allowance from every node for a while, which is better than refusing
    every report or letting floods through.
    """

    def __init__(
        self, client: redis.Redis, policy: BucketPolicy, *, prefix: str = "ow:rl:"
    ) -> None:
        self.policy = policy
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_BUCKET_SCRIPT)
        self._fallback = MemoryBuckets(policy)
        self.degraded = False

    async def acquire(self, key: str, *, now: float) -> float:
        try:
            allowed, tokens = await self._script(
                keys=[self._prefix + key],
                args=[self.policy.capacity, self.policy.refill_per_second, now],
            )
        except (RedisError, OSError) as error:
            if not self.degraded:
                log.warning("rate limits: Redis unreachable (%s); limiting per node", error)
            self.degraded = True
            return self._fallback.acquire_now(key, now=now)
        if self.degraded:
            log.info("rate limits: Redis is back; limits are shared again")
            self.degraded = False
        return 0.0 if int(allowed) else self.policy.retry_after(float(tokens))
