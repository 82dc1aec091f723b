"""The outbox: messages queued with the events that cause them, leased to deliverers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    String,
    and_,
    cast,
    literal,
    or_,
    select,
    true,
    update,
)

from outagewatch.storage import schema
from outagewatch.storage.records import NotifyEvent, OutboxItem
from outagewatch.storage.sql_base import SqlBase

ERROR_LENGTH = 500


class SqlOutbox(SqlBase):
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
