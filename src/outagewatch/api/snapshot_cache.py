"""Rendered responses by key, each recomputed by one caller at a time (single flight).

The unit under api/snapshot.py: it knows nothing of services or HTTP routing, only bodies
(and their gzipped copies), their ETags and headers, how long they stay fresh, and what to do
when recomputing fails.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Generic, TypeVar

from outagewatch.http.encoding import accepts_gzip
from outagewatch.http.security import HEADERS as SECURITY_HEADERS

log = logging.getLogger(__name__)

Header = tuple[bytes, bytes]
KeyT = TypeVar("KeyT", bound=Hashable)
# Measured on a 138 KB page in an outage (when it still carried the map's outlines): 1 -> 45 KB
# in 1 ms; 6 -> 37 KB in 7 ms; 9 -> 37 KB in 28 ms. Once per TTL, in a thread: 6.
GZIP_LEVEL = 6


@dataclass(frozen=True, slots=True)
class Representation:
    """One encoding of a body, with its headers built once rather than per request."""

    body: bytes
    etag: bytes
    headers: list[Header]  # of a 200
    not_modified_headers: list[Header]  # of a 304


@dataclass(frozen=True, slots=True)
class Entry:
    plain: Representation
    gzipped: Representation | None  # when the snapshot compresses
    revision: Hashable
    fresh_until: float  # monotonic seconds
    stale: bool  # the last good body, kept because recomputing it failed

    def for_client(self, accept_encoding: bytes) -> Representation:
        """The gzipped body for a client that takes it, else the plain one."""
        if self.gzipped is not None and accepts_gzip(accept_encoding):
            return self.gzipped
        return self.plain


class SnapshotUnavailableError(Exception):
    """Never computed, and computing failed: the caller answers 503 with Retry-After."""


def _no_revision(key: Hashable) -> None:
    return None


class Snapshot(Generic[KeyT]):
    """Rendered bodies by key, each fresh for `ttl_seconds` and while `revision(key)` holds,
    recomputed by one caller at a time per key."""

    def __init__(
        self,
        compute: Callable[[KeyT], Awaitable[bytes]],
        *,
        ttl_seconds: float,
        headers: Sequence[Header],
        max_entries: int,
        compress: bool = False,
        revision: Callable[[KeyT], Hashable] = _no_revision,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._compute = compute
        self._compress = compress
        self._ttl = ttl_seconds
        self._headers = [*headers, *SECURITY_HEADERS]
        self._max_entries = max_entries
        self._revision = revision
        self._monotonic = monotonic
        self._entries: dict[KeyT, Entry] = {}  # oldest computed first
        self._flights: dict[KeyT, asyncio.Future[Entry]] = {}

    async def get(self, key: KeyT) -> Entry:
        """The entry for `key`, recomputed first if expired. Raises SnapshotUnavailableError."""
        entry = self._entries.get(key)
        if (
            entry is not None
            and self._monotonic() < entry.fresh_until
            and entry.revision == self._revision(key)
        ):
            return entry
        flight = self._flights.get(key)
        if flight is None:
            flight = asyncio.ensure_future(self._refresh(key, entry))
            self._flights[key] = flight
            flight.add_done_callback(partial(self._landed, key))
        # Shielded: a client that leaves must not cancel the work the others wait for.
        return await asyncio.shield(flight)

    def _landed(self, key: KeyT, flight: asyncio.Future[Entry]) -> None:
        del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # every waiter has it; asyncio would otherwise log it as lost

    async def _refresh(self, key: KeyT, previous: Entry | None) -> Entry:
        # Read before computing: a change during the computation makes the result stale.
        revision = self._revision(key)
        try:
            body = await self._compute(key)
        except Exception as error:
            if previous is None:
                log.warning("cannot compute %r and have nothing to serve", key, exc_info=True)
                raise SnapshotUnavailableError(str(error)) from error
            log.warning("cannot recompute %r; serving the last good one", key, exc_info=True)
            # It stands for another TTL, so a crowd does not queue on a database that is down.
            gzipped = previous.gzipped.body if previous.gzipped else None
            entry = self._entry(previous.plain.body, gzipped, revision=revision, stale=True)
        else:
            # In a thread: a page takes milliseconds to compress, the loop serves meanwhile.
            gzipped = await asyncio.to_thread(_gzip, body) if self._compress else None
            entry = self._entry(body, gzipped, revision=revision, stale=False)
        self._entries.pop(key, None)
        self._entries[key] = entry
        if len(self._entries) > self._max_entries:
            del self._entries[next(iter(self._entries))]
        return entry

    def _entry(
        self, body: bytes, gzipped: bytes | None, *, revision: Hashable, stale: bool
    ) -> Entry:
        return Entry(
            plain=self._representation(body, [], stale=stale),
            gzipped=(
                None
                if gzipped is None
                else self._representation(gzipped, [(b"content-encoding", b"gzip")], stale=stale)
            ),
            revision=revision,
            fresh_until=self._monotonic() + self._ttl,  # from now: however long it took
            stale=stale,
        )

    def _representation(
        self, body: bytes, encoding: list[Header], *, stale: bool
    ) -> Representation:
        # Strong: a hash of the exact bytes, so each encoding has its own.
        etag = b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'
        validators = [(b"etag", etag), *([(b"x-outagewatch-stale", b"1")] if stale else [])]
        return Representation(
            body=body,
            etag=etag,
            headers=[
                (b"content-length", str(len(body)).encode()),
                *encoding,
                *validators,
                *self._headers,
            ],
            not_modified_headers=[
                *validators,
                *(header for header in self._headers if header[0] != b"content-type"),
            ],
        )


def _gzip(body: bytes) -> bytes:
    # mtime=0: the same page compresses to the same bytes, so its ETag survives a recompute.
    return gzip.compress(body, GZIP_LEVEL, mtime=0)
