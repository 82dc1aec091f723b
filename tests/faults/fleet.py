"""The parts of a fleet under test: web nodes and workers as real processes, a steady load of
reports whose acknowledgements are recorded one by one, and bounded waits."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine, func, select

from outagewatch.storage import schema
from outagewatch.storage.records import FollowChoice
from outagewatch.storage.sql import SqlStore
from tests.mailserver import MailServer
from tests.serving import ServerProcess, start_server

SERVICE = "whatsapp"
WORKER_INTERVAL = "1"


def scale_out_environment(database_url: str, redis_url: str) -> dict[str, str]:
    """Web nodes of a fleet: detection and delivery are the workers' job. The fleet's live
    channel is its own: other tests' nodes may share the Redis server at the same time."""
    return {
        "OUTAGEWATCH_DATABASE_URL": database_url,
        "OUTAGEWATCH_REDIS_URL": redis_url,
        "OUTAGEWATCH_REDIS_LIVE_CHANNEL": f"ow:test:{uuid.uuid4().hex}",
        "OUTAGEWATCH_SECRET_KEY": "fleet-test-secret",
        "OUTAGEWATCH_TRUSTED_PROXIES": "127.0.0.1/32",
        "OUTAGEWATCH_RUN_DETECTION": "false",
        "OUTAGEWATCH_RUN_DELIVERY": "false",
    }


@contextlib.contextmanager
def web_node(data_dir: Path, environment: dict[str, str]) -> Iterator[ServerProcess]:
    # mypy cannot tell these keys from start_server's own int parameters; they are all str.
    server = start_server(data_dir, **environment)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()


@contextlib.contextmanager
def _outagewatch(arguments: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """An `outagewatch ...` process, SIGKILL-ed (with its group) when the block ends."""
    command = [sys.executable, "-m", "outagewatch", *arguments]
    process = subprocess.Popen(command, env=env, start_new_session=True, stderr=subprocess.DEVNULL)
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def detection_worker(
    data_dir: Path, environment: dict[str, str]
) -> contextlib.AbstractContextManager[subprocess.Popen[bytes]]:
    env = {**os.environ, **environment, "OUTAGEWATCH_DATA_DIR": str(data_dir)}
    env.pop("OUTAGEWATCH_RUN_DETECTION", None)
    return _outagewatch(["worker", "--interval", WORKER_INTERVAL], env)


def deliverer(
    data_dir: Path, environment: dict[str, str], mail_server: MailServer
) -> contextlib.AbstractContextManager[subprocess.Popen[bytes]]:
    """An `outagewatch deliver` process sending e-mail to the test's SMTP server."""
    env = {
        **os.environ,
        **environment,
        "OUTAGEWATCH_DATA_DIR": str(data_dir),
        "OUTAGEWATCH_SMTP_HOST": mail_server.host,
        "OUTAGEWATCH_SMTP_PORT": str(mail_server.port),
        "OUTAGEWATCH_SMTP_SECURITY": "none",
    }
    return _outagewatch(["deliver", "--interval", "0.5"], env)


def running_for_a_day(engine: Engine) -> None:
    """The site has been taking reports for a day: detection has passed its first hours of
    learning what is usual (detection.baseline.MIN_HISTORY_HOURS) and judges at once."""
    store = SqlStore(engine)
    with store.transaction():
        store.mark_history_started(datetime.now(UTC) - timedelta(days=1))


def add_followers(engine: Engine, count: int, *, now: datetime) -> None:
    """People who want a mail when the loaded service has problems and when it is back."""
    store = SqlStore(engine)
    service_id = next(s.id for s in store.list_services() if s.slug == SERVICE)
    assert service_id is not None
    with store.transaction():
        for number in range(count):
            address = f"follower{number}@example.org"
            account = store.account_for_email(address, now=now)
            store.add_channel(account.id, kind="email", address=address, secret=None, now=now)
            store.follow(account.id, FollowChoice(service_id, True, True), now=now)


def outbox_states(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(schema.outbox.c.state, func.count()).group_by(schema.outbox.c.state)
        )
        return {state: int(count) for state, count in rows}


def last_tick(engine: Engine) -> datetime | None:
    """When detection last looked at the loaded service (its status row is rewritten every
    tick while it has a problem)."""
    status = schema.service_status
    with engine.connect() as connection:
        checked: datetime | None = connection.execute(
            select(status.c.checked_at)
            .join(schema.services, schema.services.c.id == status.c.service_id)
            .where(schema.services.c.slug == SERVICE)
        ).scalar_one_or_none()
    return checked


def wait_for(condition: Callable[[], object], timeout: float) -> float | None:
    """Seconds until `condition()` held, or None after `timeout` (a bounded wait)."""
    pause = threading.Event()
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if condition():
            return time.monotonic() - started
        pause.wait(0.2)
    return None


class Load:
    """Reports from distinct simulated people, spread over the given nodes, in a thread.
    Each carries a comment naming it, so the test can check each acknowledged one was kept."""

    def __init__(self, nodes: list[ServerProcess]) -> None:
        self.nodes = nodes
        self.acknowledged: set[str] = set()
        self.refused = 0  # answered, but not with 200/201 (503 while the database is away)
        self.unanswered = 0  # no answer at all (a node killed)
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
                name = f"load-{number}"
                try:
                    answer = client.post(
                        f"{node.url}/api/v1/services/{SERVICE}/reports",
                        json={"problem": "messages", "comment": name},
                        headers={
                            "User-Agent": name,
                            "X-Forwarded-For": f"100.{64 + number // 256 % 64}.{number % 256}.9",
                        },
                    )
                except httpx.TransportError:
                    self.unanswered += 1
                    continue
                if answer.status_code in (200, 201):
                    self.acknowledged.add(name)
                else:
                    self.refused += 1


def stored_comments(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return {
            comment
            for (comment,) in connection.execute(select(schema.reports.c.comment))
            if comment is not None
        }


def count_change_seen(viewer: ServerProcess, timeout: float = 10.0) -> bool:
    """Whether a viewer of the service on this node sees its count of the hour change (the
    first event is the current figures; a later, different one is a live update)."""
    url = f"{viewer.url}/api/v1/services/{SERVICE}/events"
    first: int | None = None
    deadline = time.monotonic() + timeout
    with (
        contextlib.suppress(httpx.TimeoutException),
        httpx.stream("GET", url, timeout=timeout) as stream,
    ):
        for line in stream.iter_lines():
            if line.startswith("data: "):
                count = json.loads(line.removeprefix("data: "))["reports_this_hour"]
                if first is None:
                    first = count
                elif count != first:
                    return True
            if time.monotonic() > deadline:
                return False
    return False
