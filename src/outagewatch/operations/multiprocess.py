"""Where worker processes keep their metrics, set up before any of them imports
prometheus-client (which reads PROMETHEUS_MULTIPROC_DIR once, at its import): so this
module must not import it."""

from __future__ import annotations

import os
from pathlib import Path

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(path: Path) -> None:
    """Called by `serve` before any worker starts: values of an earlier run must not be
    added to this one's (prometheus-client's own rule), so the folder starts empty."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(path)


def folder() -> Path | None:
    value = os.environ.get(MULTIPROCESS_ENV)
    return Path(value) if value else None
