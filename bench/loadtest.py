"""Replay an outage on two web nodes sharing one database: baseline traffic, then a flood.

    python bench/loadtest.py [--seconds 30] [--workers 1] [--outage-users 50]
                             [--baseline-users 10] [--target 833]
                             [--database-url postgresql://postgres@127.0.0.1:5432/test | --sqlite]

Starts two `outagewatch serve` processes (the web nodes, N workers each) on one database:
a fresh PostgreSQL schema, dropped at the end, or with --sqlite one shared SQLite file. The
load is locust, run from code by bench/outage_load.py: for the first third of `seconds`
only the baseline (each baseline user sends one report a second to a random service of the
whole catalog, with five page or status reads of random services), then the outage on top
of it (outage users report on one service toward `target` reports a second, 50,000 a
minute by default, each report followed by 10 page and 10 status reads of that service).
Each report comes from a new simulated person. It prints, per phase and request type, the
rate achieved, p50 and p99 and the answers by status; then the lost reports: acknowledged
(200 or 201) but not in the database. There is no reference in the same run: the figures
are absolute, and the CPU each party used says what limited them.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import procstat  # noqa: E402
from servers import scratch_database  # noqa: E402

from outagewatch.catalog import service as catalog_service  # noqa: E402
from outagewatch.storage.sql import SqlStore, make_engine  # noqa: E402
from tests.serving import ServerProcess, start_server  # noqa: E402

DEFAULT_DATABASE = "postgresql://postgres@127.0.0.1:5432/test"
OUTAGE_SERVICE = "tiktok"
TARGET_REPORTS_PER_SECOND = 50_000 / 60
NODES = 2
LOAD_TIMEOUT_SECONDS = 120  # beyond the planned duration, for start-up and the result file
UNLIMITED = "100000000"  # the per-network rate limit must not be what this measures


def database(options: argparse.Namespace, data_dir: Path) -> contextlib.AbstractContextManager[str]:
    url = None if options.sqlite else options.database_url
    return scratch_database(url, data_dir, prefix="loadtest")


def node_environment(database_url: str) -> dict[str, str]:
    return {
        "OUTAGEWATCH_DATABASE_URL": database_url,
        "OUTAGEWATCH_SECRET_KEY": "loadtest-secret-shared-by-the-nodes",
        "OUTAGEWATCH_TRUSTED_PROXIES": "127.0.0.1/32",
        "OUTAGEWATCH_RATE_LIMIT_PER_MINUTE": UNLIMITED,
        "OUTAGEWATCH_RATE_LIMIT_BURST": UNLIMITED,
        # Detection and notification delivery are the worker's load, not the web nodes'.
        "OUTAGEWATCH_RUN_DETECTION": "false",
        "OUTAGEWATCH_RUN_DELIVERY": "false",
    }


def stored_comments(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT comment FROM reports WHERE comment LIKE 'lt-%'"))
        comments = {row[0] for row in rows}
    engine.dispose()
    return comments


def run_load(plan: dict[str, Any], workdir: Path) -> tuple[dict[str, Any], float]:
    """Run the locust process; returns its result and the CPU seconds it used."""
    plan_file, result_file = workdir / "plan.json", workdir / "result.json"
    plan_file.write_text(json.dumps(plan))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds = plan["baseline_seconds"] + plan["outage_seconds"]
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "outage_load.py"), str(plan_file), str(result_file)],
        check=True,
        timeout=seconds + LOAD_TIMEOUT_SECONDS,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return json.loads(result_file.read_text()), cpu


def print_phase(name: str, phase: dict[str, Any]) -> None:
    requests = phase["requests"]
    print(f"{name} ({phase['seconds']:.0f} s):")
    for request_name in sorted(requests, key=lambda n: (n.split()[1], n)):
        row = requests[request_name]
        statuses = ", ".join(f"{s}: {n:,}" for s, n in sorted(row["statuses"].items()))
        print(
            f"  {request_name:<20} {row['per_second']:8.1f}/s  p50 {row['p50_ms']:6.0f} ms  "
            f"p99 {row['p99_ms']:6.0f} ms   {statuses or 'no answers'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=30, help="baseline and outage in all")
    parser.add_argument("--workers", type=int, default=1, help="per web node")
    parser.add_argument("--baseline-users", type=int, default=10, help="one report/s each")
    parser.add_argument("--outage-users", type=int, default=50)
    parser.add_argument("--target", type=float, default=TARGET_REPORTS_PER_SECOND)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE)
    parser.add_argument("--sqlite", action="store_true", help="one shared SQLite file instead")
    options = parser.parse_args()

    baseline_seconds = max(5, options.seconds // 3)
    with (
        tempfile.TemporaryDirectory(prefix="outagewatch-loadtest-") as temporary,
        database(options, Path(temporary)) as database_url,
    ):
        # One data dir for both nodes: they must share the secret that keys reporters.
        data_dir = Path(temporary)
        environment = node_environment(database_url)
        subprocess.run(
            [sys.executable, "-m", "outagewatch", "migrate"],
            env={**os.environ, "OUTAGEWATCH_DATA_DIR": str(data_dir), **environment},
            check=True,
            capture_output=True,
        )
        engine = make_engine(database_url)
        slugs = sorted(catalog_service.read_index(SqlStore(engine)).by_slug)
        engine.dispose()
        nodes: list[ServerProcess] = []
        try:
            for _ in range(NODES):
                nodes.append(start_server(data_dir, workers=options.workers, **environment))
            cpu_before = [procstat.cpu_seconds(node.process.pid) for node in nodes]
            busy_before = procstat.machine_busy_seconds()
            started = time.monotonic()
            result, load_cpu = run_load(
                {
                    "nodes": [node.url for node in nodes],
                    "slugs": slugs,
                    "outage_slug": OUTAGE_SERVICE,
                    "baseline_seconds": baseline_seconds,
                    "outage_seconds": options.seconds - baseline_seconds,
                    "baseline_users": options.baseline_users,
                    "outage_users": options.outage_users,
                    "target_reports_per_second": options.target,
                },
                data_dir,
            )
            elapsed = time.monotonic() - started
            busy = procstat.machine_busy_seconds() - busy_before
            node_cpu = [
                procstat.cpu_seconds(node.process.pid) - before
                for node, before in zip(nodes, cpu_before, strict=True)
            ]
        finally:
            for node in nodes:
                node.stop()  # SIGTERM: each commits what it has queued
        stored = stored_comments(database_url)

    acknowledged = set(result["acknowledged"])
    engine_name = "SQLite (one shared file)" if options.sqlite else "PostgreSQL"
    print(
        f"{NODES} web nodes x {options.workers} worker(s) on {engine_name}; {len(slugs):,} "
        f"services; {options.baseline_users} baseline users, {options.outage_users} outage "
        f"users toward {options.target:.0f} reports/s on {OUTAGE_SERVICE}; load by locust "
        f"(one process); {os.cpu_count()} cores shared by the nodes, the database and locust"
    )
    print_phase("baseline", result["phases"]["baseline"])
    print_phase("outage", result["phases"]["outage"])
    lost = acknowledged - stored
    print(
        f"reports sent {result['sent']:,}, acknowledged {len(acknowledged):,}, stored "
        f"{len(stored):,}, lost {len(lost)} (acknowledged but not stored); stored without "
        f"an acknowledgement {len(stored - acknowledged)} (in flight at the stop, or refused late)"
    )
    rest = busy - sum(node_cpu) - load_cpu
    print(
        f"CPU over {elapsed:.0f} s ({elapsed * (os.cpu_count() or 1):.0f} core-seconds, "
        f"{busy:.0f} busy): nodes {', '.join(f'{cpu:.0f} s' for cpu in node_cpu)}, locust "
        f"{load_cpu:.0f} s, the rest {rest:.0f} s (PostgreSQL, and anything else running here)"
    )


if __name__ == "__main__":
    main()
