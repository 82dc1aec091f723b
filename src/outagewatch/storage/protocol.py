"""The one storage interface every part of OutageWatch talks to.

Methods never commit: the outermost caller groups work with `with store.transaction():`.
Reads outside a transaction run on a short connection of their own.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, Protocol

from outagewatch.basics.services import Category, Service
from outagewatch.storage.protocol_official import OfficialStore
from outagewatch.storage.protocol_operators import OperatorStore, SignalStore
from outagewatch.storage.records import (
    Account,
    CatalogSync,
    Channel,
    Dimension,
    Follow,
    FollowChoice,
    Incident,
    IncidentEvent,
    NetworkClaim,
    NewReport,
    NotifyEvent,
    OutboxItem,
    RecentCounts,
    ServiceStatus,
    SigninRequest,
    WindowClaim,
)


class NotifyStore(Protocol):
    """Accounts, sign-in links, follows and the outbox of messages to send."""

    def account_for_email(self, email: str, *, now: datetime) -> Account:
        """The account of a (lower-cased) address, created if it has none."""
        ...

    def account(self, account_id: int) -> Account | None: ...

    def delete_account(self, account_id: int) -> None:
        """Remove the account and every personal record that hangs off it."""
        ...

    def create_session(
        self, token_hash: str, account_id: int, *, now: datetime, expires_at: datetime
    ) -> None: ...

    def session_account(self, token_hash: str, *, now: datetime) -> Account | None: ...

    def end_session(self, token_hash: str) -> None: ...

    def prune_sessions(self, *, before: datetime) -> int:
        """Forget sessions that expired before `before`; how many."""
        ...

    def add_signin_request(self, request: SigninRequest) -> None: ...

    def signin_requests_since(self, email: str, *, since: datetime) -> int: ...

    def use_signin_request(self, nonce: str, *, now: datetime) -> SigninRequest | None:
        """Consume an unexpired, unused link; None if it is not one (exactly one use wins)."""
        ...

    def prune_signin_requests(self, *, before: datetime) -> int: ...

    def channels_of(self, account_id: int) -> list[Channel]: ...

    def add_channel(
        self, account_id: int, *, kind: str, address: str, secret: str | None, now: datetime
    ) -> int:
        """Add a channel (or switch an existing identical one back on); its id."""
        ...

    def remove_channel(self, account_id: int, channel_id: int) -> bool: ...

    def channel(self, channel_id: int) -> Channel | None: ...

    def follows_of(self, account_id: int) -> list[Follow]: ...

    def follow(self, account_id: int, choice: FollowChoice, *, now: datetime) -> Follow:
        """Follow a service, or change what a follow wants to hear."""
        ...

    def unfollow(self, account_id: int, service_id: int) -> bool: ...

    def enqueue_message(self, item: OutboxItem) -> bool:
        """Queue a message (its id, state and attempts are ignored); False if its key was
        queued before."""
        ...

    def enqueue_incident_messages(
        self,
        *,
        incident_id: int,
        service_id: int,
        event: NotifyEvent,
        now: datetime,
        update_id: int | None = None,
        payload: dict[str, Any] | None = None,
    ) -> int:
        """Queue one message per working channel of each follower who wants this event
        (`update_id` tells an incident's updates apart; `payload` travels with them)."""
        ...

    def claim_messages(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Atomically lease due messages to one deliverer (several may run at once)."""
        ...

    def mark_sent(self, message_id: int, *, worker: str, now: datetime) -> bool: ...

    def mark_retry(
        self, message_id: int, *, worker: str, next_attempt_at: datetime, error: str
    ) -> bool: ...

    def mark_failed(
        self, message_id: int, *, worker: str, error: str, now: datetime, disable_channel: bool
    ) -> bool: ...

    def messages(
        self, *, account_id: int | None = None, state: str | None = None, limit: int = 1000
    ) -> list[OutboxItem]: ...


class Store(NotifyStore, OfficialStore, OperatorStore, SignalStore, Protocol):
    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside commits together or not at all."""
        ...

    def exclusive_writes(self) -> AbstractContextManager[None]:
        """Around a busy writer's transactions, where the engine needs writers to take turns."""
        ...

    def sync_catalog(
        self, categories: Sequence[Category], services: Sequence[Service]
    ) -> CatalogSync:
        """Insert new services and update changed ones; services are never deleted here."""
        ...

    def list_services(self) -> list[Service]:
        """Every service with its storage id."""
        ...

    def record_reports(self, reports: Sequence[NewReport]) -> None:
        """Store reports and add the counted ones to the per-minute counts."""
        ...

    def add_counts(
        self,
        totals: Sequence[tuple[int, int, int]],
        breakdowns: Sequence[tuple[int, int, str, str, str, int]],
    ) -> None:
        """Add counted reports without report rows: (service, minute, reports) and
        (service, minute, problem, country, platform, reports). For simulated history."""
        ...

    def claim_reporter_windows(
        self, claims: Sequence[WindowClaim], *, window: timedelta
    ) -> list[bool]:
        """For each claim, whether its reporter may be counted (none counted within `window`).

        Atomic across processes and hosts; within one call, earlier claims win.
        """
        ...

    def prune_reporter_windows(self, *, before: datetime) -> int:
        """Forget reporters whose last counted report is older than `before`."""
        ...

    def number_network_reporters(
        self, claims: Sequence[NetworkClaim], *, window: timedelta
    ) -> list[int]:
        """For each claim, its place (1, 2, 3 ...) among the new reporters its network has
        sent the service in the fixed window holding `at`; atomic across processes and hosts,
        in order within one call. Windows older than the prune horizon are forgotten with
        prune_reporter_windows."""
        ...

    def recent_counts(
        self, service_ids: Sequence[int], *, now: datetime
    ) -> dict[int, RecentCounts]:
        """Counted reports in the last 60 minutes and since 00:00 UTC, for each service."""
        ...

    def uncounted_totals(
        self, service_id: int, *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Reports kept but not counted in [since, until), by reason (duplicate, brigade)."""
        ...

    def count_reports(self, *, service_id: int | None = None) -> int:
        """How many report rows are stored (counted or not)."""
        ...

    def minute_totals(self, service_id: int, *, since: datetime, until: datetime) -> dict[int, int]:
        """Counted reports per minute in [since, until), keyed by Unix minute."""
        ...

    def hourly_totals(self, service_id: int, *, since: datetime, until: datetime) -> dict[int, int]:
        """Counted reports per whole hour that overlaps [since, until), keyed by Unix hour."""
        ...

    def breakdown(
        self, service_id: int, *, dimension: Dimension, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Counted reports in [since, until) by problem, country or platform ('' = unknown)."""
        ...

    def country_totals(
        self, service_ids: Sequence[int], *, since: datetime, until: datetime
    ) -> dict[str, int]:
        """Counted reports of these services in [since, until) by country (known ones)."""
        ...

    def totals_by_service(self, *, since: datetime, until: datetime) -> dict[int, int]:
        """Counted reports in [since, until) for every service that has any."""
        ...

    def minute_totals_all(self, *, since: datetime, until: datetime) -> list[tuple[int, int, int]]:
        """(service id, Unix minute, counted reports) of every non-empty minute in range."""
        ...

    def hourly_totals_all(self, *, since: datetime, until: datetime) -> dict[tuple[int, int], int]:
        """Counted reports per (service id, Unix hour), whole hours overlapping [since, until)."""
        ...

    def record_data_gap(self, *, started_at: datetime, ended_at: datetime) -> None:
        """Reports could not be received in [started_at, ended_at)."""
        ...

    def data_gaps(self, *, since: datetime, until: datetime) -> list[tuple[datetime, datetime]]:
        """Periods without data that overlap [since, until), oldest first."""
        ...

    def light_network_reports(
        self,
        service_ids: Sequence[int],
        *,
        since: datetime,
        until: datetime,
        max_per_network: int,
    ) -> dict[int, tuple[int, int]]:
        """Per service: (counted reports, networks) in [since, until), from networks that sent
        at most `max_per_network` of them (absent: none)."""
        ...

    def open_incidents(self) -> dict[int, Incident]:
        """The open incident of each service that has one."""
        ...

    def create_incident(self, incident: Incident) -> int: ...

    def update_incident(self, incident: Incident) -> None: ...

    def add_incident_event(self, incident_id: int, event: IncidentEvent) -> int:
        """Add a line to an incident's timeline; its id."""
        ...

    def timeline_marks(self, service_ids: Sequence[int]) -> dict[int, int]:
        """Per service, a number that changes whenever one of its timelines gets a line."""
        ...

    def incidents_of(self, service_id: int, *, limit: int) -> list[Incident]:
        """A service's incidents, newest first, with their timelines."""
        ...

    def recent_incidents(self, *, limit: int) -> list[Incident]:
        """Open incidents first, then the most recently detected, across services."""
        ...

    def incident(self, incident_id: int) -> Incident | None: ...

    def statuses(self) -> dict[int, ServiceStatus]:
        """The last known status of every service that has one (absent means 'ok')."""
        ...

    def set_status(self, status: ServiceStatus) -> None: ...

    def history_started_at(self) -> datetime | None:
        """When this installation began counting: no usual level exists before it."""
        ...

    def mark_history_started(self, at: datetime) -> None:
        """Record when counting started; only an earlier time (backfilled history) moves it."""
        ...
