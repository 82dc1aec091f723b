"""Accounts, sessions, sign-in links, channels and follows (the outbox: sql_outbox.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    delete,
    func,
    insert,
    or_,
    select,
    update,
)

from outagewatch.storage import schema
from outagewatch.storage.records import (
    Account,
    Channel,
    Follow,
    FollowChoice,
    SigninRequest,
)
from outagewatch.storage.sql_base import SqlBase


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

    def prune_sessions(self, *, before: datetime) -> int:
        table = schema.sessions
        with self._connection(writes=True) as connection:
            return connection.execute(delete(table).where(table.c.expires_at < before)).rowcount

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
