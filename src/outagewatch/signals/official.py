"""The official status poller: reads due status pages and feeds, records what they say.

A round claims the sources due now, asks each at most once (conditional requests, so an
unchanged page costs the site a 304), and records every outcome in its own transaction.
Politeness is planned, not slept: a host gets one request per round and at least
`host_interval_seconds` between two requests; its other due sources are postponed to later
rounds, so tests with a fixed clock never wait.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

import httpx

from outagewatch.basics.services import Service
from outagewatch.signals.host_turns import HostTurns as HostTurns
from outagewatch.signals.official_fetch import (
    USER_AGENT as USER_AGENT,
)
from outagewatch.signals.official_fetch import (
    Answer,
    FetchError,
    default_client,
    get,
)
from outagewatch.signals.official_parsing import (
    ParsedOfficial,
    SourceFormatError,
    discover_feed,
    is_web_page,
    parse_answer,
    parse_statuspage_incidents,
    request_url,
    statuspage_incidents_url,
)
from outagewatch.storage.records_official import OfficialSource, SourceKind
from outagewatch.storage.seams import OfficialPollerStore

log = logging.getLogger(__name__)

# Statuspage sites serve a cached summary and expect to be polled; feeds change less often.
CHECK_INTERVAL: dict[SourceKind, timedelta] = {
    "statuspage": timedelta(minutes=2),
    "betterstack": timedelta(minutes=2),
    "feed": timedelta(minutes=5),
    # A page without a feed: looked at again daily, in case it gains one.
    "page": timedelta(days=1),
    "unknown": timedelta(minutes=5),  # not used: a read source always knows its kind
}
# Official incidents still open after this long are not looked for among resolved ones.
RESOLUTION_LOOKBACK = timedelta(days=7)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(minutes=60)
BATCH = 100  # sources per round
# Longer than a round can take (BATCH / concurrency x timeout), so a claim only runs out
# when its poller is gone.
LEASE = timedelta(minutes=10)
_FEED_ACCEPT = "application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"
ACCEPT: dict[SourceKind, str] = {
    "statuspage": "application/json",
    "betterstack": "application/json",
    "unknown": "application/json",  # its first question: does a Statuspage API answer?
    "feed": _FEED_ACCEPT,
    "page": _FEED_ACCEPT,
}


def retry_delay(failures: int) -> timedelta:
    """1, 2, 4 ... minutes after 1, 2, 3 ... failures in a row, at most an hour."""
    doublings = min(max(0, failures - 1), 16)  # bounded: the hour cap is reached long before
    return min(LONGEST_WAIT, FIRST_RETRY * (1 << doublings))


@dataclass(frozen=True, slots=True)
class PollRound:
    read: int = 0  # answered with a (new) document
    unchanged: int = 0  # answered 304 Not Modified
    failed: int = 0
    postponed: int = 0  # left for a later round, for the sake of a busy host
    statements_added: int = 0

    @property
    def checked(self) -> int:
        return self.read + self.unchanged + self.failed


@dataclass(frozen=True, slots=True)
class _Outcome:
    result: Literal["read", "unchanged", "failed"]
    statements_added: int = 0


class OfficialPoller:
    def __init__(
        self,
        store: OfficialPollerStore,
        *,
        client_factory: Callable[[], httpx.AsyncClient] = default_client,
        timeout_seconds: float = 10.0,
        concurrency: int = 8,
        host_interval_seconds: float = 5.0,
        batch: int = BATCH,
    ) -> None:
        self.store = store
        # A factory, not a client: a client belongs to the event loop it first ran on.
        self.client_factory = client_factory
        self.timeout_seconds = timeout_seconds
        self.concurrency = concurrency
        self.batch = batch
        self.host_turns = HostTurns(timedelta(seconds=host_interval_seconds))

    async def poll_due(self, *, now: datetime) -> PollRound:
        """One round: claim the due sources, ask those whose host is free, record each."""
        sources = await asyncio.to_thread(self._claim, now)
        ask_now, later = self.host_turns.plan(sources, now=now)
        if later:
            await asyncio.to_thread(self._postpone, later)
        outcomes: list[_Outcome] = []
        if ask_now:
            asking = asyncio.Semaphore(self.concurrency)  # per round: a semaphore is loop-bound
            async with self.client_factory() as client:
                outcomes = await asyncio.gather(
                    *(self._check(client, source, now, asking) for source in ask_now)
                )
        results = [outcome.result for outcome in outcomes]
        return PollRound(
            read=results.count("read"),
            unchanged=results.count("unchanged"),
            failed=results.count("failed"),
            postponed=len(later),
            statements_added=sum(outcome.statements_added for outcome in outcomes),
        )

    def _claim(self, now: datetime) -> list[OfficialSource]:
        with self.store.transaction():
            return self.store.claim_due_sources(now=now, lease=LEASE, limit=self.batch)

    def _postpone(self, later: list[tuple[OfficialSource, datetime]]) -> None:
        with self.store.transaction():
            for source, at in later:
                self.store.postpone_check(source.service_id, next_check_at=at)

    async def _check(
        self,
        client: httpx.AsyncClient,
        source: OfficialSource,
        now: datetime,
        asking: asyncio.Semaphore,
    ) -> _Outcome:
        async with asking:
            try:
                return await self._read(client, source, now)
            except (FetchError, SourceFormatError) as error:
                return await asyncio.to_thread(self._record_failure, source, str(error), now)
            except Exception as error:  # a bug must not end the round for the other sources
                log.exception("reading the official status of service %s failed", source.service_id)
                failure = f"unexpected error: {error!r}"
                return await asyncio.to_thread(self._record_failure, source, failure, now)

    async def _read(
        self, client: httpx.AsyncClient, source: OfficialSource, now: datetime
    ) -> _Outcome:
        """A page flagged as Statuspage, or not known yet, is first asked for the documents
        of the hosted platforms we read structurally (a Statuspage summary, a Better Stack
        index.json); if none is there, the page itself is read: as a feed, through the feed
        it announces, or else kept as a link. The catalog's flag is only a hint."""
        tried: Exception | None = None
        for kind in _structured_kinds(source):
            try:
                return await self._read_structured(client, source, kind, now)
            except (FetchError, SourceFormatError) as error:
                if isinstance(error, FetchError) and not error.says_not_here:
                    raise  # down or slow: that says nothing about what kind of page it is
                tried = tried or error
        if tried is None:
            read_as: SourceKind = "page" if source.kind == "unknown" else source.kind
            return await self._read_page(client, replace(source, kind=read_as), now)
        plain = replace(source, kind="page", feed_url=None, etag=None, last_modified=None)
        try:
            return await self._read_page(client, plain, now)
        except (FetchError, SourceFormatError):
            if source.kind != "unknown":
                raise tried from None  # the kind we knew it as is what failed first
            raise

    async def _read_structured(
        self, client: httpx.AsyncClient, source: OfficialSource, kind: SourceKind, now: datetime
    ) -> _Outcome:
        probe = replace(source, kind=kind)
        if kind != source.kind:  # validators belong to the document they came with
            probe = replace(probe, etag=None, last_modified=None)
        answer = await self._fetch(client, probe)
        parsed = None
        if answer.body is not None:
            parsed = parse_answer(probe, answer.body, fetched_at=now)
            if kind == "statuspage":
                parsed = await self._with_resolutions(client, probe, parsed, now)
        if kind != source.kind:
            log.info("service %s: %s is read as %s", source.service_id, source.url, kind)
            await asyncio.to_thread(self._record_form, source, kind, None)
        return await asyncio.to_thread(self._record_success, probe, answer, parsed, now)

    async def _read_page(
        self, client: httpx.AsyncClient, source: OfficialSource, now: datetime
    ) -> _Outcome:
        answer = await self._fetch(client, source)
        if _is_page(answer):
            if source.feed_url is not None:
                # The feed we found answers a page now: look at the page again.
                await asyncio.to_thread(self._record_form, source, "feed", None)
                raise FetchError("the feed the status page linked to is a web page now")
            assert answer.body is not None, "a page, so a body"
            feed_url = discover_feed(answer.body, base_url=source.url)
            if feed_url is None:
                return await asyncio.to_thread(self._record_page, source, now)
            # Read the feed the page announces, now: one more request to that host.
            await asyncio.to_thread(self._record_form, source, "feed", feed_url)
            source = replace(source, kind="feed", feed_url=feed_url, etag=None, last_modified=None)
            answer = await self._fetch(client, source)
        parsed = None
        if answer.body is not None:
            parsed = parse_answer(source, answer.body, fetched_at=now)
        if source.kind != "feed":  # the page's own address serves a feed
            await asyncio.to_thread(self._record_form, source, "feed", None)
            source = replace(source, kind="feed")
        return await asyncio.to_thread(self._record_success, source, answer, parsed, now)

    async def _fetch(self, client: httpx.AsyncClient, source: OfficialSource) -> Answer:
        headers = {"Accept": ACCEPT[source.kind]}
        if source.etag:
            headers["If-None-Match"] = source.etag
        if source.last_modified:
            headers["If-Modified-Since"] = source.last_modified
        answer = await get(
            client, request_url(source), headers, timeout_seconds=self.timeout_seconds
        )
        if answer.body is None:  # 304: what we had still holds
            return replace(
                answer,
                etag=answer.etag or source.etag,
                last_modified=answer.last_modified or source.last_modified,
            )
        return answer

    async def _with_resolutions(
        self,
        client: httpx.AsyncClient,
        source: OfficialSource,
        parsed: ParsedOfficial,
        now: datetime,
    ) -> ParsedOfficial:
        """summary.json drops an incident once it is resolved: for incidents we hold open that
        it no longer lists, read their last updates ("Resolved: ...") from incidents.json."""
        known_open = await asyncio.to_thread(
            self.store.unresolved_official_incidents,
            source.service_id,
            since=now - RESOLUTION_LOOKBACK,
        )
        missing = known_open - {update.incident_key for update in parsed.updates}
        if not missing:
            return parsed
        url = statuspage_incidents_url(source.url)
        try:
            answer = await get(
                client, url, {"Accept": "application/json"}, timeout_seconds=self.timeout_seconds
            )
            closing = parse_statuspage_incidents(
                json.loads(answer.body or b"null"), base_url=source.url, wanted=missing
            )
        except (FetchError, SourceFormatError, ValueError) as error:
            # The summary was read; the resolutions are looked for again at the next check.
            log.info("cannot read %s (%s); trying again at the next check", url, error)
            return parsed
        updates = sorted((*parsed.updates, *closing), key=lambda u: (u.at, u.update_key))
        return replace(parsed, updates=tuple(updates))

    def _record_success(
        self, source: OfficialSource, answer: Answer, parsed: ParsedOfficial | None, now: datetime
    ) -> _Outcome:
        statements = [
            update.statement(service_id=source.service_id, fetched_at=now)
            for update in (parsed.updates if parsed else ())
        ]
        with self.store.transaction():
            added = self.store.add_statements(statements)
            self.store.record_check(
                source.service_id,
                checked_at=now,
                next_check_at=now + CHECK_INTERVAL[source.kind],
                etag=answer.etag,
                last_modified=answer.last_modified,
                indicator=parsed.indicator if parsed else None,
                description=parsed.description if parsed else None,
            )
        return _Outcome("unchanged" if parsed is None else "read", added)

    def _record_form(self, source: OfficialSource, kind: SourceKind, feed_url: str | None) -> None:
        with self.store.transaction():
            self.store.record_form(source.service_id, kind=kind, feed_url=feed_url)

    def _record_page(self, source: OfficialSource, now: datetime) -> _Outcome:
        """A web page that announces no feed: a link for people, nothing for us to read."""
        with self.store.transaction():
            self.store.record_form(source.service_id, kind="page", feed_url=None)
            self.store.record_check(
                source.service_id, checked_at=now, next_check_at=now + CHECK_INTERVAL["page"]
            )
        return _Outcome("unchanged")

    def _record_failure(self, source: OfficialSource, error: str, now: datetime) -> _Outcome:
        wait = retry_delay(source.failures + 1)
        log.info(
            "official status of service %s unreadable (%s); again in %s",
            source.service_id,
            error,
            wait,
        )
        with self.store.transaction():
            self.store.record_check(
                source.service_id, checked_at=now, next_check_at=now + wait, error=error
            )
        return _Outcome("failed")


def _is_page(answer: Answer) -> bool:
    return answer.body is not None and is_web_page(answer.body, answer.content_type)


_FEED_SUFFIXES = (".rss", ".atom", ".xml", "/feed", "/rss")


def _structured_kinds(source: OfficialSource) -> tuple[SourceKind, ...]:
    """The platform documents to ask for, in turn: a known kind's own, or, for a page not
    known yet (or flagged as Statuspage), each platform's, unless its address is a feed's
    by its look (a platform is asked at its root; a feed's URL would only cost 404s)."""
    if source.kind == "betterstack":
        return ("betterstack",)
    path = urlsplit(source.url).path.lower().rstrip("/")
    if source.kind == "statuspage" or (
        source.kind == "unknown" and not path.endswith(_FEED_SUFFIXES)
    ):
        return ("statuspage", "betterstack")
    return ()


async def run_official_poller(
    store: OfficialPollerStore,
    catalog_services: Iterable[Service],
    *,
    interval_seconds: float,
    now: Callable[[], datetime],
    poller: OfficialPoller | None = None,
) -> None:
    """Bring the sources in step with the catalog (services with their storage ids), then
    poll due sources every `interval_seconds`, forever."""
    services = list(catalog_services)

    def sync(at: datetime) -> None:
        with store.transaction():
            result = store.sync_official_sources(services, now=at)
        log.info("official sources: %s", result)

    await asyncio.to_thread(sync, now())
    poller = poller or OfficialPoller(store)
    while True:
        try:
            await poller.poll_due(now=now())
        except Exception:
            log.exception("official status round failed; retrying")
        await asyncio.sleep(interval_seconds)
