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
import sys
import tempfile
from pathlib import Path

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from loadgen import LoadResult, run_load  # noqa: E402
from servers import bare_reference, scratch_database, site  # noqa: E402

from outagewatch.storage import schema  # noqa: E402
from outagewatch.storage.sql import make_engine  # noqa: E402

BODY = '{"problem": "login", "platform": "ios"}'
SERVICE = "tiktok"


def measure_bare(options: argparse.Namespace) -> LoadResult:
    path = f"/api/v1/services/{SERVICE}/reports"
    with bare_reference(server=options.server, workers=options.workers, path=path) as url:
        run_load(url, BODY, seconds=1, connections=options.connections)  # warm-up
        return run_load(url, BODY, seconds=options.seconds, connections=options.connections)


def _count_reports(database_url: str) -> int:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(schema.reports)).scalar_one()
    engine.dispose()
    return int(count)


def measure_ingest(
    options: argparse.Namespace, database_url: str, data_dir: Path
) -> tuple[LoadResult, int]:
    environment = {
        "OUTAGEWATCH_DATABASE_URL": database_url,
        "OUTAGEWATCH_SECRET_KEY": "ingest-benchmark-secret",
    }
    with site(
        data_dir, server=options.server, workers=options.workers, environment=environment
    ) as base:
        url = f"{base}/api/v1/services/{SERVICE}/reports"
        run_load(url, BODY, seconds=1, connections=options.connections)  # warm-up
        before = _count_reports(database_url)
        result = run_load(url, BODY, seconds=options.seconds, connections=options.connections)
    # Counted once the server has stopped: it commits what is queued before it exits.
    return result, _count_reports(database_url) - before


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
        with scratch_database(options.database_url, data_dir, prefix="bench") as database_url:
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
