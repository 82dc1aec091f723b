"""Client addresses have one authority, OUTAGEWATCH_TRUSTED_PROXIES: a forged X-Forwarded-For
sent from this very machine (loopback, where the HTTP servers' own proxy-header handling would
believe it) neither makes one machine many networks nor gets past the per-network limits.

These run the real `outagewatch serve` program on both HTTP servers, on SQLite and on
PostgreSQL + Redis, because the fault lived in the server's defaults, not in our code.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from tests.conftest import _empty_postgres
from tests.serving import ServerProcess, start_server

REPORTS = "/api/v1/services/discord/reports"
SAME_MACHINE = {"User-Agent": "one-machine/1.0"}
# Burst of three reports, then one a minute: enough to see the fourth refused.
LIMITS = {"OUTAGEWATCH_RATE_LIMIT_BURST": "3", "OUTAGEWATCH_RATE_LIMIT_PER_MINUTE": "1"}


@contextlib.contextmanager
def _serving(
    tmp_path: Path, server: str, workers: str = "1", **environment: str
) -> Iterator[ServerProcess]:
    variables = {
        "OUTAGEWATCH_RUN_DETECTION": "false",
        "OUTAGEWATCH_RUN_DELIVERY": "false",
        **LIMITS,
        **environment,
    }
    # mypy cannot tell these keys from start_server's own int parameters; they are all str.
    process = start_server(
        tmp_path,
        program=server,
        workers=int(workers),
        **variables,  # type: ignore[arg-type]
    )
    try:
        yield process
    finally:
        process.stop()


def _report(server: ServerProcess, forwarded_for: str) -> int:
    answer = httpx.post(
        f"{server.url}{REPORTS}",
        json={"problem": "messages"},
        headers={**SAME_MACHINE, "X-Forwarded-For": forwarded_for},
        timeout=10,
    )
    return answer.status_code


def _forged_networks_are_one_network(server: ServerProcess) -> None:
    statuses = [_report(server, f"198.51.{number}.7") for number in range(4)]

    # One machine is one reporter: counted once, then a duplicate, then over its limit.
    assert statuses == [201, 200, 200, 429]


def test_every_uvicorn_worker_ignores_forged_forwarded_for(tmp_path: Path) -> None:
    with _serving(tmp_path, "uvicorn", workers="2") as process:
        statuses = [_report(process, f"198.51.{number}.7") for number in range(6)]

    # Each worker has its own rate buckets on SQLite, so only the de-duplication, which
    # the database makes atomic across workers, is asked about here.
    assert statuses[0] == 201
    assert set(statuses[1:]) <= {200, 429}


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_forged_forwarded_for_from_loopback_is_ignored_on_sqlite(
    tmp_path: Path, server: str
) -> None:
    with _serving(tmp_path, server) as process:
        _forged_networks_are_one_network(process)


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_forged_forwarded_for_from_loopback_is_ignored_on_postgresql_and_redis(
    tmp_path: Path, server: str, postgres_engine: Engine, redis_url: str
) -> None:
    _empty_postgres(postgres_engine)
    database_url = postgres_engine.url.render_as_string(hide_password=False)
    with _serving(
        tmp_path,
        server,
        OUTAGEWATCH_DATABASE_URL=database_url.replace("+psycopg", ""),
        OUTAGEWATCH_REDIS_URL=redis_url,
        # A secret and a live channel of its own: Redis keys rate limits by the secret, and
        # other tests' nodes share Redis, possibly at the same time.
        OUTAGEWATCH_SECRET_KEY=f"forged-header-test-{uuid.uuid4().hex}",
        OUTAGEWATCH_REDIS_LIVE_CHANNEL=f"ow:test:{uuid.uuid4().hex}",
    ) as process:
        _forged_networks_are_one_network(process)


def test_a_trusted_proxy_is_read_right_to_left(tmp_path: Path) -> None:
    with _serving(tmp_path, "uvicorn", OUTAGEWATCH_TRUSTED_PROXIES="127.0.0.1/32") as process:
        # The client wrote the left part; our proxy appended the address it saw.
        first = _report(process, "192.0.2.1, 198.51.100.7")
        same_client_other_lie = _report(process, "203.0.113.9, 198.51.100.7")
        other_client = _report(process, "192.0.2.1, 198.51.101.7")

    assert (first, same_client_other_lie, other_client) == (201, 200, 201)


def test_forged_forwarded_for_does_not_get_past_the_sign_in_limit(tmp_path: Path) -> None:
    with _serving(tmp_path, "uvicorn") as process:
        statuses = [
            httpx.post(
                f"{process.url}/signin",
                data={"email": f"person{number}@example.org"},
                headers={"Origin": process.url, "X-Forwarded-For": f"198.51.{number}.7"},
                timeout=10,
            ).status_code
            for number in range(7)
        ]

    # Five links at once per network (app.SIGNIN_BURST): this machine is one network.
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
