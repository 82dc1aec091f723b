"""Backups of the embedded SQLite database, taken while the site runs, and their restore.

PostgreSQL installations back up with PostgreSQL's own tools (pg_dump, or base backups
with WAL archiving for point-in-time recovery): the README has the recipe.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup or restore did not happen; the message says why and what to do."""


def sqlite_path(database_url: str) -> Path:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(
            "backup and restore handle the embedded SQLite database; for PostgreSQL use "
            "pg_dump / pg_restore or base backups with WAL archiving (see the README)"
        )
    return Path(url.database)


def backup(database: Path, target: Path) -> int:
    """Copy the live database to `target` with SQLite's online backup; returns its pages.

    All pages are copied in one step, inside one read transaction: in WAL mode that sees one
    consistent moment and does not hold off the writer (copied in several steps, any commit
    in between would make SQLite start over, and under steady reports it might never end).
    """
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy, pages=-1)
        # One self-contained file: a copy left in WAL mode would want its -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
        _check(copy, partial)
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)
    return pages


def restore(backup_file: Path, database: Path, *, data_dir: Path) -> None:
    """Put a backup in the database's place. OutageWatch must be stopped: a running server
    would keep writing to the file being replaced."""
    if not backup_file.exists():
        raise BackupError(f"there is no backup at {backup_file}")
    checking = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        _check(checking, backup_file)
    finally:
        checking.close()
    _refuse_while_running(data_dir)
    database.parent.mkdir(parents=True, exist_ok=True)
    incoming = database.with_name(database.name + ".restoring")
    shutil.copyfile(backup_file, incoming)
    for leftover in ("-wal", "-shm"):
        Path(f"{database}{leftover}").unlink(missing_ok=True)
    os.replace(incoming, database)


def _check(connection: sqlite3.Connection, path: Path) -> None:
    verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    if verdict != "ok":
        raise BackupError(f"{path} is damaged: {verdict}")
    try:
        connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        raise BackupError(f"{path} is not an OutageWatch database") from None


def _refuse_while_running(data_dir: Path) -> None:
    """A running `serve` or `worker` holds the detection lock file in the data dir."""
    lock = data_dir / "detector.lock"
    if not lock.exists():
        return
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BackupError(
                "OutageWatch is running on this data dir: stop it, restore, then start it"
            ) from None
        fcntl.flock(handle, fcntl.LOCK_UN)
