"""Cross-node live updates through Redis publish/subscribe.

Two kinds of message: each node publishes the counts of the reports it just committed, and
the node that runs detection publishes the statuses (with counts and timeline marks) the
moment its tick commits. Every node's listener hands what the others published to its own
hub, so a viewer on node B sees a report taken by node A, or a status decided by a worker
elsewhere, at once and without B reading the database. Redis is a shortcut, not a
dependency: while it is unreachable the listener retries with backoff, `healthy` turns
false, and the node falls back to reading the database four times a second
(live_refresh.py); when Redis is back, so are instant updates.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from collections.abc import Iterable
from dataclasses import asdict, replace

import msgspec
import redis.asyncio as redis
from redis.exceptions import RedisError

from outagewatch.live import LiveHub, ServiceUpdate

log = logging.getLogger(__name__)

CHANNEL = "ow:live"
COUNTS = "counts"  # an intake's figures: its idea of the status may be stale
TICK = "tick"  # the detection tick's figures: the status and timeline are the truth
FIRST_RETRY_SECONDS = 0.5
LONGEST_RETRY_SECONDS = 10.0
CLOSE_SECONDS = 2.0  # for a subscription's teardown, at most


class Envelope(msgspec.Struct, frozen=True):
    node: str
    updates: list[dict[str, object]]
    # With a default, so nodes of the previous release still read the newer messages (an
    # unknown field is ignored) and these read theirs during a rolling upgrade.
    kind: str = COUNTS


_encode = msgspec.json.Encoder().encode
_decode_envelope = msgspec.json.Decoder(Envelope).decode
_to_update = msgspec.convert


def _forget_outcome(closing: asyncio.Future[None]) -> None:
    """A failed teardown is no news: the connection was going away anyway."""
    if not closing.cancelled():
        closing.exception()


def node_name() -> str:
    """Unique per relay, not per process: a process may hold two sites (tests do), and each
    must hear the other."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


class RedisRelay:
    def __init__(
        self,
        client: redis.Redis,
        hub: LiveHub,
        *,
        node: str | None = None,
        channel: str = CHANNEL,
        longest_retry_seconds: float = LONGEST_RETRY_SECONDS,
    ) -> None:
        self.client = client
        self.hub = hub
        self.node = node or node_name()
        self.channel = channel
        self.longest_retry_seconds = longest_retry_seconds
        self._healthy = False
        self._listened = False  # the last attempt subscribed before it failed
        # How many times it has subscribed, and how many tick messages it has handed on: a
        # node reads storage once after each new subscription, and discards a read that a
        # tick message overtook (live_refresh.py).
        self.subscriptions = 0
        self.tick_messages = 0
        self._health_changed = asyncio.Event()

    @property
    def healthy(self) -> bool:
        """Subscribed and listening right now."""
        return self._healthy

    def _set_healthy(self, healthy: bool) -> None:
        if healthy != self._healthy:
            self._healthy = healthy
            self._health_changed.set()

    async def until_healthy(self, healthy: bool = True) -> None:
        """Return once the relay is (or, with False, is no longer) listening."""
        while self._healthy != healthy:
            self._health_changed.clear()
            await self._health_changed.wait()

    async def publish(self, updates: Iterable[ServiceUpdate], *, kind: str = COUNTS) -> bool:
        """Tell the other nodes; False if Redis could not be reached (they read the
        database while they cannot reach it either, or catch up when it is back)."""
        payload = [asdict(update) for update in updates]
        if not payload and kind != TICK:
            return True  # a tick's message goes out empty too: it is its heartbeat
        message = _encode(Envelope(self.node, payload, kind))
        for attempt in (1, 2):
            try:
                await self.client.publish(self.channel, message)
                return True
            except (RedisError, OSError) as error:
                # The first failure after Redis comes back is often a pooled connection that
                # died meanwhile; a second try gets a fresh one.
                if attempt == 2:
                    log.debug("live relay: publish failed (%s); nodes read the database", error)
        return False

    async def listen_forever(self) -> None:
        """Subscribe, hand others' updates to the hub; on any failure, back off and retry."""
        wait = FIRST_RETRY_SECONDS
        while True:
            listened = False
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except (RedisError, OSError) as error:
                listened = self._listened
                if listened or wait == FIRST_RETRY_SECONDS:
                    log.warning("live relay: Redis unreachable (%s); retrying", error)
            self._set_healthy(False)
            if listened:  # it had worked: the backoff starts over
                wait = FIRST_RETRY_SECONDS
            await asyncio.sleep(wait)
            wait = min(self.longest_retry_seconds, wait * 2)

    async def _listen(self) -> None:
        pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self._listened = False
        try:
            await pubsub.subscribe(self.channel)
            self._listened = True
            self.subscriptions += 1
            self._set_healthy(True)
            log.info("live relay: listening on %s", self.channel)
            while True:
                message = await pubsub.get_message(timeout=5.0)
                if message is None:
                    await self.client.ping()  # notice a dead connection even when all is quiet
                    continue
                self._deliver(message.get("data"))
        finally:
            self._set_healthy(False)
            # redis-py waits for a subscription's teardown even through a cancellation; a
            # teardown stuck on a dead connection must not keep the listener from ending.
            closing = asyncio.ensure_future(
                pubsub.aclose()  # type: ignore[no-untyped-call, unused-ignore]  # typed in redis 8
            )
            closing.add_done_callback(_forget_outcome)
            await asyncio.wait({closing}, timeout=CLOSE_SECONDS)

    def _deliver(self, data: object) -> None:
        if not isinstance(data, bytes | str):
            return
        try:
            envelope = _decode_envelope(data)
            if envelope.kind == TICK:
                # Our own too: hearing it proves the ticks reach Redis (live_refresh.py).
                self.tick_messages += 1
            if envelope.node == self.node:
                return  # our own: the hub has it already
            updates = [_to_update(update, ServiceUpdate) for update in envelope.updates]
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            log.warning("live relay: ignoring a malformed message (%s)", error)
            return
        if envelope.kind == TICK:
            self.hub.publish(updates)
            return
        # Another node sends fresh counts; the status and timeline it knows may be older than
        # ours (it may have no viewer of that service), so ours are kept.
        hub = self.hub
        self.hub.publish(
            replace(
                update,
                status=hub.known_status(update.slug),
                timeline=hub.known_timeline(update.slug),
            )
            for update in updates
        )
