"""The deliverer: claims due messages from the outbox, sends them, records what happened.

Delivery is at-least-once to the transport: a message is leased before it is sent and marked
sent after, so a process that dies mid-send leaves a lease that expires and another deliverer
sends it again, with the same idempotency key (the e-mail's Message-ID, the webhook's
delivery id) for the receiver to drop the copy. Leases make sure that, short of such a
crash, no two deliverers ever send the same message. When the database goes away between a
send and its record, the deliverer keeps the record in memory and stores it before claiming
anything else, so a database restart shorter than the lease sends nothing twice; messages it
claimed but could not send meanwhile it tries again itself while its lease lasts.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from outagewatch.notify.messages import Composer
from outagewatch.notify.protocol import (
    ChannelKind,
    DeliveryError,
    Destination,
    Notification,
    Notifier,
)
from outagewatch.operations import metrics
from outagewatch.storage.records import OutboxItem
from outagewatch.storage.seams import DelivererStore

log = logging.getLogger(__name__)

# Longer than any send may take (SMTP and webhook timeouts are 20 s and 10 s), so a lease
# only runs out when its deliverer is gone.
LEASE = timedelta(seconds=90)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
MAX_ATTEMPTS = 16  # about half a day of retries before a message is given up
BATCH = 50
# A send takes at most this long (the SMTP and webhook timeouts are 20 s and 10 s): a held
# message is tried again only if that much of our lease is left.
SEND_TIME = timedelta(seconds=30)
JITTER_SHARE = 0.2  # of each wait, so messages queued together do not retry together
HOUSEKEEPING_EVERY = timedelta(hours=1)
# Used and expired sign-in links are personal data with no more use after a day (the
# per-address limit looks back one hour).
SIGNIN_LINKS_KEPT = timedelta(days=1)


def retry_delay(attempts: int, key: str) -> timedelta:
    """Exponential backoff with a jitter derived from the key: the same message always
    waits the same, so tests stay deterministic."""
    base: timedelta = min(LONGEST_WAIT, FIRST_RETRY * 2 ** max(0, attempts - 1))
    spread = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big") / 2**32
    return base * (1 + JITTER_SHARE * spread)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class DeliveryRound:
    sent: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.retrying + self.failed


class Deliverer:
    def __init__(
        self,
        store: DelivererStore,
        notifiers: Mapping[str, Notifier],
        composer: Composer,
        *,
        worker: str | None = None,
        concurrency: int = 10,
    ) -> None:
        self.store = store
        self.notifiers = notifiers
        self.composer = composer
        self.worker = worker or worker_name()
        self.concurrency = concurrency
        self._housekept_at: datetime | None = None
        # Sent, but the database was away when we went to record it: (message, sent at).
        self._unrecorded: dict[int, tuple[OutboxItem, datetime]] = {}
        # Claimed, not sent, and nothing recorded (the database went away mid-round): ours
        # to try again while our lease on them lasts, rather than left to wait it out.
        self._held: dict[int, tuple[OutboxItem, datetime]] = {}  # id -> (message, lease end)

    async def deliver_due(self, *, now: datetime) -> DeliveryRound:
        """One round: claim what is due, send it all, record each result."""
        if self._unrecorded:
            # Before anything new; while the database is still away this raises and the round
            # ends here. Our lease keeps other deliverers off these messages meanwhile.
            await asyncio.to_thread(self._record_unrecorded)
        if self._housekept_at is None or now - self._housekept_at >= HOUSEKEEPING_EVERY:
            await asyncio.to_thread(self._forget_old_links, now)
            self._housekept_at = now
        held = [item for item, lease_end in self._held.values() if now + SEND_TIME < lease_end]
        leases = {item.id: lease_end for item, lease_end in self._held.values()}
        self._held.clear()
        claimed = await asyncio.to_thread(self._claim, now, BATCH - len(held))
        leases |= {item.id: now + LEASE for item in claimed}
        sending = asyncio.Semaphore(self.concurrency)  # per round: a semaphore is loop-bound
        due = [*held, *claimed]
        results = await asyncio.gather(
            *(self._deliver(item, now, leases[item.id], sending) for item in due)
        )
        metrics.deliveries([item.kind for item in due], results)
        return DeliveryRound(
            sent=results.count("sent"),
            retrying=results.count("retrying"),
            failed=results.count("failed"),
        )

    def _forget_old_links(self, now: datetime) -> None:
        """Sign-in links and sessions past use: personal data we no longer need."""
        with self.store.transaction():
            self.store.prune_signin_requests(before=now - SIGNIN_LINKS_KEPT)
            self.store.prune_sessions(before=now)

    def _claim(self, now: datetime, limit: int) -> list[OutboxItem]:
        if limit <= 0:
            return []
        with self.store.transaction():
            return self.store.claim_messages(worker=self.worker, now=now, lease=LEASE, limit=limit)

    async def _deliver(
        self, item: OutboxItem, now: datetime, lease_end: datetime, sending: asyncio.Semaphore
    ) -> str:
        async with sending:
            try:
                destination, notification = await asyncio.to_thread(self._prepare, item)
            except Exception as error:  # storage away, or a bug: nothing was sent
                log.warning("message %s cannot be prepared: %r", item.key, error)
                failure = DeliveryError(f"cannot be prepared: {error!r}", permanent=False)
                return await self._failed(item, failure, now, lease_end)
            try:
                notifier = self.notifiers.get(item.kind)
                if notifier is None:
                    raise DeliveryError(f"no {item.kind} channel is configured", permanent=False)
                await notifier.send(destination, notification)
            except DeliveryError as error:
                return await self._failed(item, error, now, lease_end)
            except Exception as error:  # a bug must not lose the message: retry it later
                log.exception("delivering message %s failed unexpectedly", item.key)
                failure = DeliveryError(f"unexpected error: {error!r}", permanent=False)
                return await self._failed(item, failure, now, lease_end)
            try:
                await asyncio.to_thread(self._record_sent, item, now)
            except Exception:
                # Sent, and unrecorded it would be sent again once its lease ran out: keep
                # it, and record it first thing in the next rounds.
                log.warning("message %s was sent; recording it failed, will retry", item.key)
                self._unrecorded[item.id] = (item, now)
            return "sent"

    async def _failed(
        self, item: OutboxItem, error: DeliveryError, now: datetime, lease_end: datetime
    ) -> str:
        try:
            return await asyncio.to_thread(self._record_failure, item, error, now)
        except Exception:  # the database went away too: not sent, so ours to try again
            log.warning("the failure of message %s cannot be recorded now", item.key)
            self._held[item.id] = (item, lease_end)
            return "retrying"

    def _record_unrecorded(self) -> None:
        for message_id, (item, sent_at) in list(self._unrecorded.items()):
            self._record_sent(item, sent_at)
            del self._unrecorded[message_id]

    def _record_sent(self, item: OutboxItem, now: datetime) -> None:
        self._settle(lambda: self.store.mark_sent(item.id, worker=self.worker, now=now), item)

    def _prepare(self, item: OutboxItem) -> tuple[Destination, Notification]:
        secret = None
        if item.kind == "webhook" and item.channel_id is not None:
            channel = self.store.channel(item.channel_id)
            secret = channel.secret if channel else None
        kind: ChannelKind = item.kind  # type: ignore[assignment]  # stored from a ChannelKind
        destination = Destination(kind=kind, address=item.address, secret=secret)
        return destination, self.composer.compose(item)

    def _record_failure(self, item: OutboxItem, error: DeliveryError, now: datetime) -> str:
        if error.permanent or item.attempts >= MAX_ATTEMPTS:
            reason = error.message if error.permanent else f"gave up: {error.message}"
            log.warning("message %s failed for good: %s", item.key, reason)
            self._settle(
                lambda: self.store.mark_failed(
                    item.id,
                    worker=self.worker,
                    error=reason,
                    now=now,
                    disable_channel=error.permanent,
                ),
                item,
            )
            return "failed"
        wait = retry_delay(item.attempts, item.key)
        log.info("message %s will be retried in %s: %s", item.key, wait, error.message)
        self._settle(
            lambda: self.store.mark_retry(
                item.id, worker=self.worker, next_attempt_at=now + wait, error=error.message
            ),
            item,
        )
        return "retrying"

    def _settle(self, record: Callable[[], bool], item: OutboxItem) -> None:
        with self.store.transaction():
            if not record():
                # Our lease ran out and another deliverer took the message: it decides.
                log.warning("message %s was taken over by another deliverer", item.key)
