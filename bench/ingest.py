"""Benchmark of report intake against a bare ASGI app on the same server, in the same run.

    python bench/ingest.py --seconds 10 [--workers 2] [--server granian|uvicorn]
                           [--database-url postgresql://...]

It starts the real server as production runs it (`outagewatch serve`, N workers) on a
temporary database, and the bare ASGI reference (bench/bare_app.py) on the same server program
with the same workers; drives both with the same load from many simulated reporters (wrk if
installed, else a bounded Python client); measures the reference before and after the app and
averages the two. It prints req/s, p50 and p99 for each, checks that every acknowledged report
is stored, and ends with the ratio ingest / bare.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import func, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from loadgen import LoadResult, run_load  # noqa: E402

from outagewatch.storage import schema  # noqa: E402
from outagewatch.storage.sql import make_engine  # noqa: E402

BODY = '{"problem": "login", "platform": "ios"}'
SERVICE = "tiktok"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(command: list[str], env: dict[str, str], probe_url: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{command} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            httpx.get(probe_url, timeout=1)
            return process
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=0.2)
    raise RuntimeError(f"{command} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM and wait: the server commits what is queued before it exits."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def measure_bare(options: argparse.Namespace) -> LoadResult:
    port = _free_port()
    command = [
        sys.executable,
        str(ROOT / "bench" / "serve_bare.py"),
        "--server",
        options.server,
        "--workers",
        str(options.workers),
        "--port",
        str(port),
    ]
    url = f"http://127.0.0.1:{port}/api/v1/services/{SERVICE}/reports"
    process = _start(command, dict(os.environ), url)
    try:
        run_load(url, BODY, seconds=1, connections=options.connections)  # warm-up
        return run_load(url, BODY, seconds=options.seconds, connections=options.connections)
    finally:
        _stop(process)


def _count_reports(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(schema.reports)).scalar_one()
    engine.dispose()
    return int(count)


def measure_ingest(
    options: argparse.Namespace, database_url: str, data_dir: Path
) -> tuple[LoadResult, int]:
    port = _free_port()
    env = {
        **os.environ,
        "OUTAGEWATCH_DATA_DIR": str(data_dir),
        "OUTAGEWATCH_DATABASE_URL": database_url,
        "OUTAGEWATCH_SECRET_KEY": "ingest-benchmark-secret",
        "OUTAGEWATCH_PORT": str(port),
        "OUTAGEWATCH_TRUSTED_PROXIES": "127.0.0.1/32",
    }
    command = [
        sys.executable,
        "-m",
        "outagewatch",
        "serve",
        "--workers",
        str(options.workers),
        "--server",
        options.server,
    ]
    url = f"http://127.0.0.1:{port}/api/v1/services/{SERVICE}/reports"
    process = _start(command, env, f"http://127.0.0.1:{port}/api/v1/categories")
    try:
        run_load(url, BODY, seconds=1, connections=options.connections)  # warm-up
        before = _count_reports(database_url)
        result = run_load(url, BODY, seconds=options.seconds, connections=options.connections)
    finally:
        _stop(process)
    return result, _count_reports(database_url) - before


@contextlib.contextmanager
def _database(options: argparse.Namespace, data_dir: Path):  # type: ignore[no-untyped-def]
    if not options.database_url:
        yield f"sqlite:///{data_dir / 'outagewatch.db'}"
        return
    schema_name = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(options.database_url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema_name}"))
    separator = "&" if "?" in options.database_url else "?"
    try:
        yield f"{options.database_url}{separator}options=-csearch_path%3D{schema_name}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema_name} CASCADE"))
        admin.dispose()


def _row(name: str, result: LoadResult) -> str:
    return (
        f"{name:<22} {result.per_second:>9,.0f} req/s   p50 {result.p50_ms:6.1f} ms   "
        f"p99 {result.p99_ms:6.1f} ms   non-2xx {result.non_2xx}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--server", choices=["granian", "uvicorn"], default="uvicorn")
    parser.add_argument("--database-url", default=None, help="PostgreSQL instead of SQLite")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="outagewatch-bench-") as temporary:
        data_dir = Path(temporary)
        with _database(options, data_dir) as database_url:
            bare_before = measure_bare(options)
            ingest, stored = measure_ingest(options, database_url, data_dir)
            bare_after = measure_bare(options)

    bare_rate = (bare_before.per_second + bare_after.per_second) / 2
    engine = "PostgreSQL" if options.database_url else "SQLite"
    print(
        f"server: {options.server}, {options.workers} workers, {options.connections} connections, "
        f"{options.seconds} s each, load by {ingest.tool}, database: {engine}"
    )
    print(_row("bare ASGI (before)", bare_before))
    print(_row("report intake", ingest))
    print(_row("bare ASGI (after)", bare_after))
    lost = max(0, ingest.acknowledged - stored)
    print(
        f"acknowledged {ingest.acknowledged:,}  stored {stored:,}  lost {lost}"
        f"  (stored may exceed acknowledged by requests in flight when the load stopped)"
    )
    print(f"ratio ingest/bare: {ingest.per_second / bare_rate:.2f}")


if __name__ == "__main__":
    main()
