"""The Store's parts for Notify me: accounts, sign-in links and sessions, follows and channels,
and the outbox of messages to send."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from outagewatch.storage.records import (
    Account,
    Channel,
    Follow,
    FollowChoice,
    NotifyEvent,
    OutboxItem,
    SigninRequest,
)


class ChannelReader(Protocol):
    """One channel, as a deliverer looks it up before sending."""

    def channel(self, channel_id: int) -> Channel | None: ...


class SessionHousekeeping(Protocol):
    """Forgetting sessions and sign-in links that ran out."""

    def prune_sessions(self, *, before: datetime) -> int:
        """Forget sessions that expired before `before`; how many."""
        ...

    def prune_signin_requests(self, *, before: datetime) -> int: ...


class AccountStore(ChannelReader, SessionHousekeeping, Protocol):
    """Accounts, sign-in links, sessions, follows and channels."""

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

    def add_signin_request(self, request: SigninRequest) -> None: ...

    def signin_requests_since(self, email: str, *, since: datetime) -> int: ...

    def use_signin_request(self, nonce: str, *, now: datetime) -> SigninRequest | None:
        """Consume an unexpired, unused link; None if it is not one (exactly one use wins)."""
        ...

    def channels_of(self, account_id: int) -> list[Channel]: ...

    def add_channel(
        self, account_id: int, *, kind: str, address: str, secret: str | None, now: datetime
    ) -> int:
        """Add a channel (or switch an existing identical one back on); its id."""
        ...

    def remove_channel(self, account_id: int, channel_id: int) -> bool: ...

    def follows_of(self, account_id: int) -> list[Follow]: ...

    def follow(self, account_id: int, choice: FollowChoice, *, now: datetime) -> Follow:
        """Follow a service, or change what a follow wants to hear."""
        ...

    def unfollow(self, account_id: int, service_id: int) -> bool: ...


class OutboxWriter(Protocol):
    """Queueing messages, in the transaction of the event that causes them."""

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


class OutboxStore(OutboxWriter, Protocol):
    """The outbox as deliverers work it: leased, then sent, retried or failed."""

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


class NotifyStore(AccountStore, OutboxStore, Protocol):
    """Everything of Notify me."""
