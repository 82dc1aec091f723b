"""A PostgreSQL and a Redis server of a test's own, which the test may stop and start.

The shared servers on 5432 and 6379 must not be restarted under other tests (or a user's own
databases), and a proxy that cuts connections is not the same fault as a server going down:
these run real `postgres` and `redis-server` processes on free ports, in temporary
directories. Where the programs are missing the test skips, and fails instead when
OUTAGEWATCH_REQUIRE_PG / OUTAGEWATCH_REQUIRE_REDIS is 1 (as in CI).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis

from tests.serving import free_port

START_TIMEOUT_SECONDS = 30.0


def _missing(what: str, requirement: str) -> None:
    if os.environ.get(requirement) == "1":
        pytest.fail(f"{requirement}=1 but {what}")
    pytest.skip(what)


def _postgres_programs() -> Path | None:
    """The directory holding initdb and pg_ctl: on PATH, or Debian's versioned one."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3])
    )
    return versions[-1].parent if versions else None


@dataclass
class PrivatePostgres:
    programs: Path
    data_dir: Path
    port: int
    as_user: list[str]  # PostgreSQL refuses to run as root: run it as `postgres` then

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, *arguments: str) -> None:
        subprocess.run(
            [*self.as_user, str(self.programs / "pg_ctl"), "-D", str(self.data_dir), *arguments],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=START_TIMEOUT_SECONDS + 5,
        )

    def start(self) -> None:
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
        log = self.data_dir / "server.log"
        self._pg_ctl(
            "-w", "-t", str(int(START_TIMEOUT_SECONDS)), "-o", options, "-l", str(log), "start"
        )

    def stop(self) -> None:
        """A fast shutdown: open sessions are ended, as in a restart for maintenance."""
        self._pg_ctl("-w", "-m", "fast", "stop")


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    programs = _postgres_programs()
    if programs is None:
        _missing("PostgreSQL's initdb is not installed", "OUTAGEWATCH_REQUIRE_PG")
        raise AssertionError("unreachable")
    as_user: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            _missing("running as root and there is no `postgres` user", "OUTAGEWATCH_REQUIRE_PG")
        as_user = ["runuser", "-u", "postgres", "--"]
    # In /tmp rather than pytest's tmp_path: `postgres` must be able to reach it.
    data_dir = Path(tempfile.mkdtemp(prefix="outagewatch-pg-"))
    try:
        if owner is not None:
            os.chown(data_dir, owner.pw_uid, owner.pw_gid)
        initdb = [str(programs / "initdb"), "-D", str(data_dir), "-U", "postgres", "-A", "trust"]
        subprocess.run(
            [*as_user, *initdb, "-E", "UTF8", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )
        server = PrivatePostgres(programs, data_dir, free_port(), as_user)
        server.start()
        try:
            yield server
        finally:
            with contextlib.suppress(subprocess.SubprocessError):
                server.stop()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@dataclass
class PrivateRedis:
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        try:
            while time.monotonic() < deadline:
                with contextlib.suppress(redis.ConnectionError):
                    if client.ping():
                        return
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(timeout=0.1)  # a bounded pause that notices an exit
                if self.process.poll() is not None:
                    break
        finally:
            client.close()
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        """SIGKILL: Redis gone at once, with what it held (as after a crash)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        _missing("redis-server is not installed", "OUTAGEWATCH_REQUIRE_REDIS")
    server = PrivateRedis(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
