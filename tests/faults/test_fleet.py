"""A fleet under faults: two web processes and two detection workers on PostgreSQL + Redis.

Under a bounded load, a web process is killed with SIGKILL, then the leading worker. After
each: every acknowledged report is in the database, detection resumes (the other worker
takes the lead well within 30 s), and a live page on the surviving node keeps receiving.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select

from outagewatch.storage import schema
from tests.conftest import _empty_postgres
from tests.reports.test_limits import _redis_or_skip, _redis_url
from tests.serving import ServerProcess, start_server

FAILOVER_LIMIT_SECONDS = 30.0
WORKER_INTERVAL = "1"


def _database_url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False).replace("+psycopg", "")


def _environment(engine: Engine) -> dict[str, str]:
    return {
        "OUTAGEWATCH_DATABASE_URL": _database_url(engine),
        "OUTAGEWATCH_REDIS_URL": _redis_url(),
        "OUTAGEWATCH_SECRET_KEY": "fleet-test-secret",
        "OUTAGEWATCH_TRUSTED_PROXIES": "127.0.0.1/32",
        "OUTAGEWATCH_RUN_DETECTION": "false",
        "OUTAGEWATCH_RUN_DELIVERY": "false",
    }


@contextlib.contextmanager
def _worker(engine: Engine, data_dir: Path) -> Iterator[subprocess.Popen[bytes]]:
    env = {**os.environ, **_environment(engine), "OUTAGEWATCH_DATA_DIR": str(data_dir)}
    env.pop("OUTAGEWATCH_RUN_DETECTION")
    command = [sys.executable, "-m", "outagewatch", "worker", "--interval", WORKER_INTERVAL]
    process = subprocess.Popen(command, env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _last_tick(engine: Engine) -> datetime | None:
    """When detection last looked at WhatsApp (its status row is rewritten every tick while
    it has a problem)."""
    status = schema.service_status
    with engine.connect() as connection:
        row = connection.execute(
            select(status.c.evidence)
            .join(schema.services, schema.services.c.id == status.c.service_id)
            .where(schema.services.c.slug == "whatsapp")
        ).first()
    if row is None or "checked_at" not in row.evidence:
        return None
    return datetime.fromisoformat(row.evidence["checked_at"])


def _wait_for(condition: object, timeout: float) -> float | None:
    """Seconds until `condition()` held, or None after `timeout` (a bounded wait)."""
    pause = threading.Event()
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():  # type: ignore[operator]
            return time.monotonic() - started
        pause.wait(0.2)
    return None


class Load:
    """Reports from distinct simulated people, spread over the live nodes, in a thread."""

    def __init__(self, nodes: list[ServerProcess]) -> None:
        self.nodes = nodes
        self.acknowledged = 0
        self.failed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        number = 0
        with httpx.Client(timeout=5) as client:
            while not self._stop.is_set():
                node = self.nodes[number % len(self.nodes)]
                number += 1
                try:
                    answer = client.post(
                        f"{node.url}/api/v1/services/whatsapp/reports",
                        json={"problem": "messages"},
                        headers={
                            "User-Agent": f"fleet-{number}",
                            "X-Forwarded-For": f"100.{64 + number // 256 % 64}.{number % 256}.9",
                        },
                    )
                except httpx.TransportError:
                    self.failed += 1
                    continue
                if answer.status_code in (200, 201):
                    self.acknowledged += 1
                else:
                    self.failed += 1


def _stored_reports(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(schema.reports)).scalar_one()
        )


def test_killing_a_web_node_and_the_leading_worker_loses_nothing_and_detection_fails_over(
    postgres_engine: Engine, tmp_path: Path
) -> None:
    asyncio.run(_redis_or_skip())
    _empty_postgres(postgres_engine)
    with contextlib.ExitStack() as stack:
        nodes = [
            stack.enter_context(_serving(tmp_path / f"web{index}", postgres_engine))
            for index in range(2)
        ]
        # The first worker starts alone, so it is the one that leads.
        leader = stack.enter_context(_worker(postgres_engine, tmp_path / "w1"))

        with Load(nodes) as load:
            # A real outage's worth of reports, so the workers have something to watch.
            assert _wait_for(lambda: load.acknowledged >= 400, timeout=60) is not None
            assert _wait_for(lambda: _last_tick(postgres_engine) is not None, timeout=60)
            stack.enter_context(_worker(postgres_engine, tmp_path / "w2"))

            nodes[0].kill()  # web node A dies mid-load; the load goes on against both
            survivors = [nodes[1]]
            load.nodes = survivors
            acknowledged_before = load.acknowledged
            assert _wait_for(lambda: load.acknowledged >= acknowledged_before + 100, 60)

            os.killpg(leader.pid, signal.SIGKILL)
            killed_at_tick = _last_tick(postgres_engine)
            failover = _wait_for(
                lambda: (_last_tick(postgres_engine) or killed_at_tick) != killed_at_tick,
                FAILOVER_LIMIT_SECONDS,
            )
            assert failover is not None, "detection did not resume within 30 s"
            print(f"detection resumed {failover:.1f} s after the leader was killed")

            assert _live_update(survivors[0]) is not None  # live pages still receive

        assert _stored_reports(postgres_engine) == load.acknowledged  # nothing acknowledged lost


def _live_update(node: ServerProcess) -> str | None:
    """The first live update a viewer of WhatsApp gets from this node (bounded wait)."""
    url = f"{node.url}/api/v1/services/whatsapp/events"
    with httpx.stream("GET", url, timeout=10) as stream:
        for line in stream.iter_lines():
            if line.startswith("data: "):
                return line.removeprefix("data: ")
    return None


@contextlib.contextmanager
def _serving(data_dir: Path, engine: Engine) -> Iterator[ServerProcess]:
    # mypy cannot tell these keys from start_server's own int parameters; they are all str.
    server = start_server(data_dir, **_environment(engine))  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
