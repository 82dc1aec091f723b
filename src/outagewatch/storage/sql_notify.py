"""Accounts, sessions, sign-in links, channels, follows and the outbox."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    update,
)

from outagewatch.storage import schema
from outagewatch.storage.records import (
    Account,
    Channel,
    Follow,
    FollowChoice,
    NotifyEvent,
    OutboxItem,
    SigninRequest,
)
from outagewatch.storage.sql_base import SqlBase

ERROR_LENGTH = 500


class SqlNotify(SqlBase):
    # -- accounts and sessions ---------------------------------------------------------------

    def account_for_email(self, email: str, *, now: datetime) -> Account:
        table = schema.accounts
        with self._connection(writes=True) as connection:
            connection.execute(
                self._upsert(table)
                .values(email=email, created_at=now)
                .on_conflict_do_nothing(index_elements=["email"])
            )
            row = connection.execute(select(table).where(table.c.email == email)).one()
            return Account(row.id, row.email, row.created_at, row.role)

    def account(self, account_id: int) -> Account | None:
        table = schema.accounts
        with self._connection() as connection:
            row = connection.execute(select(table).where(table.c.id == account_id)).first()
        return None if row is None else Account(row.id, row.email, row.created_at, row.role)

    def delete_account(self, account_id: int) -> None:
        account = self.account(account_id)
        if account is None:
            return
        with self._connection(writes=True) as connection:
            # Explicit, not only ON DELETE CASCADE: an engine without enforced foreign keys
            # must still forget everything personal.
            connection.execute(
                delete(schema.outbox).where(
                    or_(
                        schema.outbox.c.account_id == account_id,
                        schema.outbox.c.address == account.email,
                    )
                )
            )
            for table in (schema.follows, schema.channels, schema.sessions):
                connection.execute(delete(table).where(table.c.account_id == account_id))
            connection.execute(
                delete(schema.signin_requests).where(
                    schema.signin_requests.c.email == account.email
                )
            )
            connection.execute(delete(schema.accounts).where(schema.accounts.c.id == account_id))

    def create_session(
        self, token_hash: str, account_id: int, *, now: datetime, expires_at: datetime
    ) -> None:
        with self._connection(writes=True) as connection:
            connection.execute(
                insert(schema.sessions).values(
                    token_hash=token_hash,
                    account_id=account_id,
                    created_at=now,
                    expires_at=expires_at,
                )
            )

    def session_account(self, token_hash: str, *, now: datetime) -> Account | None:
        sessions, accounts = schema.sessions, schema.accounts
        query = (
            select(accounts)
            .join(sessions, sessions.c.account_id == accounts.c.id)
            .where(sessions.c.token_hash == token_hash, sessions.c.expires_at > now)
        )
        with self._connection() as connection:
            row = connection.execute(query).first()
        return None if row is None else Account(row.id, row.email, row.created_at, row.role)

    def end_session(self, token_hash: str) -> None:
        table = schema.sessions
        with self._connection(writes=True) as connection:
            connection.execute(delete(table).where(table.c.token_hash == token_hash))

    # -- sign-in links -----------------------------------------------------------------------

    def add_signin_request(self, request: SigninRequest) -> None:
        follow = request.follow
        with self._connection(writes=True) as connection:
            connection.execute(
                insert(schema.signin_requests).values(
                    nonce=request.nonce,
                    email=request.email,
                    created_at=request.created_at,
                    expires_at=request.expires_at,
                    follow_service_id=follow.service_id if follow else None,
                    follow_on_start=bool(follow and follow.on_start),
                    follow_on_recovery=bool(follow and follow.on_recovery),
                )
            )

    def signin_requests_since(self, email: str, *, since: datetime) -> int:
        table = schema.signin_requests
        query = select(func.count()).where(table.c.email == email, table.c.created_at >= since)
        with self._connection() as connection:
            return int(connection.execute(query).scalar_one())

    def use_signin_request(self, nonce: str, *, now: datetime) -> SigninRequest | None:
        """Consume a link: the conditional update lets exactly one use succeed."""
        table = schema.signin_requests
        statement = (
            update(table)
            .where(table.c.nonce == nonce, table.c.used_at.is_(None), table.c.expires_at > now)
            .values(used_at=now)
            .returning(*table.c)
        )
        with self._connection(writes=True) as connection:
            row = connection.execute(statement).first()
        if row is None:
            return None
        follow = (
            FollowChoice(row.follow_service_id, row.follow_on_start, row.follow_on_recovery)
            if row.follow_service_id is not None
            else None
        )
        return SigninRequest(row.nonce, row.email, row.created_at, row.expires_at, follow)

    def prune_signin_requests(self, *, before: datetime) -> int:
        table = schema.signin_requests
        with self._connection(writes=True) as connection:
            return connection.execute(delete(table).where(table.c.expires_at < before)).rowcount

    # -- channels and follows ----------------------------------------------------------------

    def channels_of(self, account_id: int) -> list[Channel]:
        table = schema.channels
        query = select(table).where(table.c.account_id == account_id).order_by(table.c.id)
        with self._connection() as connection:
            return [_channel(row._mapping) for row in connection.execute(query)]

    def add_channel(
        self, account_id: int, *, kind: str, address: str, secret: str | None, now: datetime
    ) -> int:
        table = schema.channels
        with self._connection(writes=True) as connection:
            existing = connection.execute(
                select(table.c.id).where(
                    table.c.account_id == account_id,
                    table.c.kind == kind,
                    table.c.address == address,
                )
            ).scalar_one_or_none()
            if existing is not None:
                # Adding it again is how a disabled channel is switched back on.
                connection.execute(
                    update(table)
                    .where(table.c.id == existing)
                    .values(disabled_at=None, disabled_reason=None)
                )
                return int(existing)
            result = connection.execute(
                insert(table).values(
                    account_id=account_id, kind=kind, address=address, secret=secret, created_at=now
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def remove_channel(self, account_id: int, channel_id: int) -> bool:
        table = schema.channels
        with self._connection(writes=True) as connection:
            connection.execute(
                delete(schema.outbox).where(schema.outbox.c.channel_id == channel_id)
            )
            result = connection.execute(
                delete(table).where(table.c.id == channel_id, table.c.account_id == account_id)
            )
            return bool(result.rowcount)

    def channel(self, channel_id: int) -> Channel | None:
        table = schema.channels
        with self._connection() as connection:
            row = connection.execute(select(table).where(table.c.id == channel_id)).first()
        return None if row is None else _channel(row._mapping)

    def follows_of(self, account_id: int) -> list[Follow]:
        table = schema.follows
        query = select(table).where(table.c.account_id == account_id).order_by(table.c.id)
        with self._connection() as connection:
            return [_follow(row._mapping) for row in connection.execute(query)]

    def follow(self, account_id: int, choice: FollowChoice, *, now: datetime) -> Follow:
        table = schema.follows
        wanted = {"on_start": choice.on_start, "on_recovery": choice.on_recovery}
        statement = self._upsert(table).values(
            account_id=account_id, service_id=choice.service_id, created_at=now, **wanted
        )
        with self._connection(writes=True) as connection:
            connection.execute(
                statement.on_conflict_do_update(
                    index_elements=["account_id", "service_id"], set_=wanted
                )
            )
            row = connection.execute(
                select(table).where(
                    table.c.account_id == account_id, table.c.service_id == choice.service_id
                )
            ).one()
            return _follow(row._mapping)

    def unfollow(self, account_id: int, service_id: int) -> bool:
        table = schema.follows
        with self._connection(writes=True) as connection:
            result = connection.execute(
                delete(table).where(
                    table.c.account_id == account_id, table.c.service_id == service_id
                )
            )
            return bool(result.rowcount)

    # -- the outbox --------------------------------------------------------------------------

    def enqueue_message(self, item: OutboxItem) -> bool:
        """Queue one message; False if a message with its key was queued before."""
        values = {
            "key": item.key,
            "event": item.event,
            "kind": item.kind,
            "address": item.address,
            "channel_id": item.channel_id,
            "account_id": item.account_id,
            "service_id": item.service_id,
            "incident_id": item.incident_id,
            "payload": item.payload,
            "state": "pending",
            "attempts": 0,
            "next_attempt_at": item.created_at,
            "created_at": item.created_at,
        }
        statement = (
            self._upsert(schema.outbox)
            .values(values)
            .on_conflict_do_nothing()
            .returning(schema.outbox.c.id)
        )
        with self._connection(writes=True) as connection:
            # RETURNING, not rowcount: psycopg reports no row count for INSERT .. ON CONFLICT.
            return connection.execute(statement).first() is not None

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
        """One message per (follower's working channel) of the service, in the caller's
        transaction; the unique key makes a repeated event queue nothing new."""
        follows, channels, outbox = schema.follows, schema.channels, schema.outbox
        wants = {
            "recovered": follows.c.on_recovery,
            "started": follows.c.on_start,
            "escalated": follows.c.on_start,
            # An operator's update goes to everyone who follows the service at all.
            "update": or_(follows.c.on_start, follows.c.on_recovery),
        }[event]
        event_key = event if update_id is None else f"{event}-{update_id}"
        key = literal(f"incident:{incident_id}:{event_key}:") + cast(channels.c.id, String)
        rows = select(
            key,
            literal(event),
            channels.c.kind,
            channels.c.address,
            channels.c.id,
            channels.c.account_id,
            literal(service_id),
            literal(incident_id),
            literal(payload or {}, JSON()),
            literal("pending"),
            literal(0),
            literal(now, schema.UtcDateTime()),
            literal(now, schema.UtcDateTime()),
        ).where(
            true(),
            follows.c.service_id == service_id,
            wants,
            channels.c.account_id == follows.c.account_id,
            channels.c.disabled_at.is_(None),
        )
        columns = [
            "key",
            "event",
            "kind",
            "address",
            "channel_id",
            "account_id",
            "service_id",
            "incident_id",
            "payload",
            "state",
            "attempts",
            "next_attempt_at",
            "created_at",
        ]
        statement = (
            self._upsert(outbox)
            .from_select(columns, rows)
            .on_conflict_do_nothing()
            .returning(outbox.c.id)
        )
        with self._connection(writes=True) as connection:
            return len(connection.execute(statement).all())

    def claim_messages(
        self, *, worker: str, now: datetime, lease: timedelta, limit: int
    ) -> list[OutboxItem]:
        """Take due messages for `worker` until now + lease. On PostgreSQL, SKIP LOCKED lets
        deliverers claim side by side; SQLite runs one writer at a time, so the conditional
        update alone is atomic there."""
        outbox = schema.outbox
        due = (
            select(outbox.c.id)
            .where(
                outbox.c.state == "pending",
                outbox.c.next_attempt_at <= now,
                or_(outbox.c.lease_until.is_(None), outbox.c.lease_until <= now),
            )
            .order_by(outbox.c.next_attempt_at, outbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(outbox)
            .where(outbox.c.id.in_(due.scalar_subquery()))
            .values(lease_until=now + lease, leased_by=worker, attempts=outbox.c.attempts + 1)
            .returning(*outbox.c)
        )
        with self._connection(writes=True) as connection:
            items = [_outbox_item(row._mapping) for row in connection.execute(statement)]
        return sorted(items, key=lambda item: item.id)

    def mark_sent(self, message_id: int, *, worker: str, now: datetime) -> bool:
        return self._settle(message_id, worker, state="sent", sent_at=now, last_error=None)

    def mark_retry(
        self, message_id: int, *, worker: str, next_attempt_at: datetime, error: str
    ) -> bool:
        return self._settle(
            message_id,
            worker,
            state="pending",
            next_attempt_at=next_attempt_at,
            last_error=error[:ERROR_LENGTH],
        )

    def mark_failed(
        self, message_id: int, *, worker: str, error: str, now: datetime, disable_channel: bool
    ) -> bool:
        """Give up on a message; with `disable_channel`, on its channel too (and its other
        queued messages), saying why so /account can show it."""
        settled = self._settle(message_id, worker, state="failed", last_error=error[:ERROR_LENGTH])
        if not (settled and disable_channel):
            return settled
        outbox, channels = schema.outbox, schema.channels
        with self._connection(writes=True) as connection:
            channel_id = connection.execute(
                select(outbox.c.channel_id).where(outbox.c.id == message_id)
            ).scalar_one_or_none()
            if channel_id is not None:
                connection.execute(
                    update(channels)
                    .where(channels.c.id == channel_id)
                    .values(disabled_at=now, disabled_reason=error[:300])
                )
                connection.execute(
                    update(outbox)
                    .where(outbox.c.channel_id == channel_id, outbox.c.state == "pending")
                    .values(state="failed", last_error="the channel was disabled")
                )
        return settled

    def _settle(self, message_id: int, worker: str, **values: Any) -> bool:
        """Record an attempt's result, only if this worker still holds the message."""
        outbox = schema.outbox
        with self._connection(writes=True) as connection:
            result = connection.execute(
                update(outbox)
                .where(
                    outbox.c.id == message_id,
                    outbox.c.leased_by == worker,
                    outbox.c.state == "pending",
                )
                .values(lease_until=None, leased_by=None, **values)
            )
            return bool(result.rowcount)

    def messages(
        self, *, account_id: int | None = None, state: str | None = None, limit: int = 1000
    ) -> list[OutboxItem]:
        outbox = schema.outbox
        conditions = [
            condition
            for condition in (
                outbox.c.account_id == account_id if account_id is not None else None,
                outbox.c.state == state if state is not None else None,
            )
            if condition is not None
        ]
        query = select(outbox).where(and_(true(), *conditions)).order_by(outbox.c.id).limit(limit)
        with self._connection() as connection:
            return [_outbox_item(row._mapping) for row in connection.execute(query)]


def _channel(row: Any) -> Channel:
    return Channel(
        id=row["id"],
        account_id=row["account_id"],
        kind=row["kind"],
        address=row["address"],
        secret=row["secret"],
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
        disabled_reason=row["disabled_reason"],
    )


def _follow(row: Any) -> Follow:
    return Follow(
        id=row["id"],
        account_id=row["account_id"],
        service_id=row["service_id"],
        on_start=bool(row["on_start"]),
        on_recovery=bool(row["on_recovery"]),
        created_at=row["created_at"],
    )


def _outbox_item(row: Any) -> OutboxItem:
    return OutboxItem(
        id=row["id"],
        key=row["key"],
        event=row["event"],
        kind=row["kind"],
        address=row["address"],
        created_at=row["created_at"],
        channel_id=row["channel_id"],
        account_id=row["account_id"],
        service_id=row["service_id"],
        incident_id=row["incident_id"],
        payload=dict(row["payload"] or {}),
        state=row["state"],
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        sent_at=row["sent_at"],
        last_error=row["last_error"],
    )
