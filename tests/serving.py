"""Run the real `outagewatch serve` program in a subprocess, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from outagewatch.app import create_app
from outagewatch.clock import Clock
from outagewatch.config import Settings
from outagewatch.storage.sql import SqlStore

START_TIMEOUT_SECONDS = 60.0


@dataclass
class ServerProcess:
    url: str
    process: subprocess.Popen[bytes]
    data_dir: Path

    def kill(self) -> None:
        """SIGKILL the server and its workers: no shutdown code runs, as in a crash."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (a graceful stop), then make sure no worker of the group outlives it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)
        self.kill()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(
    data_dir: Path,
    *,
    workers: int = 1,
    port: int | None = None,
    program: str = "uvicorn",
    **environment: str,
) -> ServerProcess:
    port = port or free_port()
    env = {
        **os.environ,
        "OUTAGEWATCH_DATA_DIR": str(data_dir),
        "OUTAGEWATCH_PORT": str(port),
        "OUTAGEWATCH_PUBLIC_URL": f"http://127.0.0.1:{port}",
        # Tests stay on this machine: no official status page is read from the internet.
        "OUTAGEWATCH_POLL_OFFICIAL_STATUS": "false",
        **environment,
    }
    if "OUTAGEWATCH_DATABASE_URL" not in environment:
        env.pop("OUTAGEWATCH_DATABASE_URL", None)  # the embedded SQLite file in data_dir
    command = [
        *(sys.executable, "-m", "outagewatch", "serve"),
        *("--workers", str(workers), "--server", program),
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    server = ServerProcess(f"http://127.0.0.1:{port}", process, data_dir)
    try:
        _wait_until_serving(server)
    except Exception:
        server.kill()
        raise
    return server


def _wait_until_serving(server: ServerProcess) -> None:
    """Poll until the server answers; every wait is bounded, and so is the whole."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited with {server.process.returncode}")
        try:
            if httpx.get(f"{server.url}/api/v1/categories", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            # Not listening yet: wait on the process itself, which also notices an early exit.
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.process.wait(timeout=0.2)
    raise RuntimeError("server did not start in time")


@contextlib.contextmanager
def serving_in_thread(app: object, port: int) -> Iterator[str]:
    """Serve an app built in this process (a fixed clock, a test's store) over real HTTP."""
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning", lifespan="on"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    pause = threading.Event()  # never set: its wait() is a bounded pause
    for _ in range(200):  # up to 10 s for the server to start
        if server.started or not thread.is_alive():
            break
        pause.wait(0.05)
    assert server.started, "the server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass(frozen=True)
class Site:
    url: str
    settings: Settings


@contextlib.contextmanager
def site_in_thread(
    store: SqlStore, clock: Clock, data_dir: Path, **settings: Any
) -> Iterator[Site]:
    """The app on a test's store and clock, served over real HTTP on a free local port (its
    public URL), with detection and delivery off unless `settings` turn them on: a test
    drives the tick itself, and a background one would race it."""
    port = free_port()
    options = Settings(
        **{
            "data_dir": data_dir,
            "port": port,
            "public_url": f"http://127.0.0.1:{port}",
            "run_detection": False,
            "run_delivery": False,
            **settings,
        }
    )
    with serving_in_thread(create_app(options, store=store, clock=clock), port) as url:
        yield Site(url, options)
