"""Only one process runs detection: whoever holds the lock file in the data directory.

Enough for every process of one host (the embedded mode and `outagewatch worker` beside
web workers). Hosts sharing one PostgreSQL need a database lock instead (an advisory
lock), which is part of the scale-out work.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO


class HostLeadership:
    def __init__(self, data_dir: Path) -> None:
        self._path = data_dir / "detector.lock"
        self._file: IO[str] | None = None

    def try_acquire(self) -> bool:
        """True if this process leads (now or already); never blocks."""
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
