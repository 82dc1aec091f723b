"""Only one process runs detection at a time.

On SQLite (one host) whoever holds a lock file in the data directory leads. On PostgreSQL,
shared by several hosts, whoever holds a session advisory lock leads; if its process or its
connection dies, PostgreSQL releases the lock and another worker takes over at its next try.
"""

from __future__ import annotations

import fcntl
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

# An arbitrary 64-bit key naming "OutageWatch detection" among advisory locks.
DETECTION_LOCK_KEY = 0x0_7_7A6E_DE7EC7


class Leadership(Protocol):
    def try_acquire(self) -> bool:
        """True if this process leads (now or already); never blocks."""
        ...

    def release(self) -> None: ...


@dataclass(slots=True)
class LeaderFlag:
    """Whether this process leads right now: set by the lead step (worker/detection.py), read
    by the other leader-only steps (signals, pruning, demo traffic), so they follow one lock
    instead of taking their own."""

    held: bool = False


class HostLeadership:
    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / "detector.lock"
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        if self._file is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        handle = self._path.open("a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()
            self._file = None


class PostgresLeadership:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def try_acquire(self) -> bool:
        if self._connection is not None:
            try:  # still leading only while the session holding the lock is alive
                self._connection.execute(text("SELECT 1"))
                return True
            except Exception:
                self._forget()
        connection = self._engine.connect()
        try:
            held = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": DETECTION_LOCK_KEY}
            ).scalar_one()
            connection.commit()
        except Exception:
            connection.close()
            raise
        if not held:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        if self._connection is not None:
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": DETECTION_LOCK_KEY}
                )
                self._connection.commit()
            finally:
                self._forget()

    def _forget(self) -> None:
        if self._connection is not None:
            self._connection.invalidate()  # the session (and any lock it held) ends with it
            self._connection.close()
            self._connection = None


def try_to_lead(leadership: Leadership) -> bool:
    """Whether this process leads now. A database out of reach (PostgreSQL restarting) means
    not leading for now: the lead step asks again at its next turn instead of dying with it."""
    try:
        return leadership.try_acquire()
    except (SQLAlchemyError, OSError):
        log.warning("cannot reach the database to lead detection; trying again", exc_info=True)
        return False


def leadership_for(engine: Engine, data_dir: Path) -> Leadership:
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine)
    return HostLeadership(data_dir)
