"""The SQL store's foundation: engines, connections and transactions.

One SQLAlchemy Core implementation serves SQLite (embedded) and PostgreSQL; its methods are
split by subject, one mixin on SqlBase per sql_*.py module, and SqlStore (sql.py) combines
them all. The list lives in SqlStore's bases only, so this note cannot fall behind it.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO

from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from outagewatch.basics.minutes import MINUTES_PER_HOUR, unix_minute

__all__ = ["MINUTES_PER_HOUR", "SqlBase", "make_engine", "unix_minute"]


def make_engine(url: str) -> Engine:
    """An engine tuned for its backend: SQLite gets WAL and full fsync on commit."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _tune_sqlite)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _tune_sqlite(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the single writer. synchronous=FULL fsyncs each commit, so a
    # report acknowledged after its commit survives power loss, not only a process crash; the
    # group-commit writer pays that cost once per batch, not once per report.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class SqlBase:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._current: ContextVar[Connection | None] = ContextVar(
            f"outagewatch-connection-{id(self)}", default=None
        )
        self._upsert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        in_file = database not in (None, "", ":memory:")
        self._lock_path = Path(f"{database}.write-lock") if in_file else None
        self._lock_file: IO[str] | None = None

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._current.get() is not None:
            yield  # the outermost transaction owns the commit
            return
        with self.engine.begin() as connection:
            token = self._current.set(connection)
            try:
                yield
            finally:
                self._current.reset(token)

    @contextmanager
    def exclusive_writes(self) -> Iterator[None]:
        """Queue for the database's single write lock in the kernel, not by polling.

        Several processes writing one SQLite file otherwise wait in SQLite's busy handler,
        which sleeps in growing steps and so adds tens of milliseconds to the unlucky ones.
        A file lock wakes the next writer the moment the lock is free. Other engines have
        row locks and need nothing here.
        """
        if self._lock_path is None:
            yield
            return
        if self._lock_file is None:
            self._lock_file = self._lock_path.open("a")
        fcntl.flock(self._lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    @contextmanager
    def _connection(self, *, writes: bool = False) -> Iterator[Connection]:
        current = self._current.get()
        if current is not None:
            yield current
            return
        if writes:
            raise RuntimeError("writes need an open store.transaction()")
        with self.engine.connect() as connection:
            yield connection
