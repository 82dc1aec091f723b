"""The data directory holds e-mail addresses, webhook secrets, sign-in links in the local
mailbox and the installation secret: it is its owner's alone (0700, its files 0600)."""

from __future__ import annotations

import os
from pathlib import Path

OWNER_ONLY_DIRECTORY = 0o700
OWNER_ONLY_FILE = 0o600
OWNER_ONLY_UMASK = 0o077


def make_private(path: Path) -> None:
    """Create the directory owner-only, tighten what an older version left in it, and make
    every file this process creates from now on owner-only: SQLite's -wal and -shm files,
    the maildir and backups are created later, by code that does not ask for a mode."""
    os.umask(OWNER_ONLY_UMASK)
    path.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIRECTORY)
    path.chmod(OWNER_ONLY_DIRECTORY)
    for child in path.rglob("*"):
        if child.is_symlink():
            continue  # not ours to change: it points elsewhere
        child.chmod(OWNER_ONLY_DIRECTORY if child.is_dir() else OWNER_ONLY_FILE)
