"""What the benchmarks share: starting and stopping server processes, the bare ASGI
reference, and a scratch database (a fresh PostgreSQL schema, or SQLite in a folder)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
from sqlalchemy import text

from outagewatch.storage.sql import make_engine

BENCH = Path(__file__).resolve().parent
START_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(command: list[str], env: dict[str, str], probe_url: str) -> subprocess.Popen[bytes]:
    """Start a server in a process group of its own; return once `probe_url` answers."""
    process = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(probe_url, timeout=1)
            return process
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)
    raise RuntimeError(f"{command} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM and wait: the server commits what is queued before it exits."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextlib.contextmanager
def site(
    data_dir: Path, *, server: str, workers: int, environment: dict[str, str]
) -> Iterator[str]:
    """The real site as production runs it (`outagewatch serve`), on a free port behind a
    trusted local proxy; its base URL once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "OUTAGEWATCH_DATA_DIR": str(data_dir),
        "OUTAGEWATCH_PORT": str(port),
        "OUTAGEWATCH_TRUSTED_PROXIES": "127.0.0.1/32",
        **environment,
    }
    command = [sys.executable, "-m", "outagewatch", "serve", "--workers", str(workers)]
    command += ["--server", server]
    base = f"http://127.0.0.1:{port}"
    process = start(command, env, f"{base}/api/v1/categories")
    try:
        yield base
    finally:
        stop(process)


@contextlib.contextmanager
def bare_reference(*, server: str, workers: int, path: str) -> Iterator[str]:
    """The bare ASGI app (bench/bare_app.py) on the same server program and workers; the
    URL of `path` on it (any path answers the same small JSON)."""
    port = free_port()
    command = [sys.executable, str(BENCH / "serve_bare.py"), "--server", server]
    command += ["--workers", str(workers), "--port", str(port)]
    url = f"http://127.0.0.1:{port}{path}"
    process = start(command, dict(os.environ), url)
    try:
        yield url
    finally:
        stop(process)


@contextlib.contextmanager
def scratch_database(database_url: str | None, data_dir: Path, *, prefix: str) -> Iterator[str]:
    """A fresh schema of the PostgreSQL at `database_url`, dropped afterwards; without a URL,
    a SQLite file in `data_dir`."""
    if not database_url:
        yield f"sqlite:///{data_dir / 'outagewatch.db'}"
        return
    schema_name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema_name}"))
    separator = "&" if "?" in database_url else "?"
    try:
        yield f"{database_url}{separator}options=-csearch_path%3D{schema_name}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema_name} CASCADE"))
        admin.dispose()
