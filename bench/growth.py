"""A year of traffic, compressed in time: does the database stay bounded, and does the site
stay as fast after a year as on day one?

    python bench/growth.py [--days 365] [--reports-per-day 20000] [--seconds 5] [--workers 2]
                           [--keep-hours-days 35] [--sizes-only]

It fills a scratch SQLite database (the whole catalog) day by day, as the intake would
write it: a report row per report, per-minute totals and breakdowns, hourly totals. Reports
follow each service's popularity and the time of day, with an outage on a random service
every other day. After each simulated day, retention runs as the leader runs it (the
default KEEP_* settings, or --keep-hours-days) and the write-ahead log is checkpointed. It
prints the database's size every 30 days with the rows and megabytes (indexes included) of
each kind of data and SQLite's free pages; then, unless --sizes-only, the intake (durable
report POSTs) and read (status JSON) figures of the real server on a copy of the first day
and on the year, against the bare ASGI reference, all measured in turns (wrk if installed).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from ingest import BODY  # noqa: E402
from loadgen import LoadResult, run_load  # noqa: E402
from servers import bare_reference, site  # noqa: E402

from outagewatch.catalog import service as catalog_service  # noqa: E402
from outagewatch.operations import backup, retention  # noqa: E402
from outagewatch.storage import migrate, schema  # noqa: E402
from outagewatch.storage.records import NewReport  # noqa: E402
from outagewatch.storage.sql import SqlStore, make_engine  # noqa: E402

PROBLEMS = np.array(["login", "feed", "messages", "app-website-errors"])
COUNTRIES = np.array(["US", "GB", "DE", "FR", "BR", "IN", "JP", "NG"])
PLATFORMS = np.array(["ios", "android", "web"])
MINUTES_PER_DAY = 1440


def simulate_day(
    store: SqlStore,
    ids: np.ndarray,
    weights: np.ndarray,
    day: datetime,
    reports: int,
    rng: np.random.Generator,
) -> None:
    """One day of reports for the whole catalog, written as the intake writes them."""
    minute_of_day = np.arange(MINUTES_PER_DAY)
    shape = 1 + 0.6 * np.sin(2 * np.pi * (minute_of_day / MINUTES_PER_DAY - 0.3))
    minutes = rng.choice(MINUTES_PER_DAY, size=reports, p=shape / shape.sum())
    services = ids[rng.choice(len(ids), size=reports, p=weights)]
    if rng.random() < 0.5:  # an outage: a fifth of the day's reports in one hour, one service
        burst = reports // 5
        start = int(rng.integers(0, MINUTES_PER_DAY - 60))
        minutes = np.concatenate([minutes, rng.integers(start, start + 60, size=burst)])
        services = np.concatenate([services, np.full(burst, rng.choice(ids))])
    count = len(minutes)
    problems = rng.integers(0, len(PROBLEMS), size=count)
    countries = rng.integers(0, len(COUNTRIES), size=count)
    platforms = rng.integers(0, len(PLATFORMS), size=count)
    first_minute = int(day.timestamp()) // 60
    unix_minutes = first_minute + minutes
    keys = rng.integers(0, 2**62, size=count)
    rows = [
        NewReport(
            service_id=int(services[n]),
            received_at=day + timedelta(minutes=int(minutes[n]), seconds=int(keys[n] % 60)),
            problem=str(PROBLEMS[problems[n]]),
            reporter_key=f"{keys[n]:016x}",
            network_key=f"{keys[n] >> 20:012x}",
            uncounted_reason=None,
            platform=str(PLATFORMS[platforms[n]]),
            country=str(COUNTRIES[countries[n]]),
        )
        for n in range(count)
    ]
    pairs, totals = np.unique(np.stack([services, unix_minutes]), axis=1, return_counts=True)
    detail = np.stack([services, unix_minutes, problems, countries, platforms])
    groups, breakdown_counts = np.unique(detail, axis=1, return_counts=True)
    with store.exclusive_writes(), store.transaction():
        store.record_reports(rows)
        store.add_counts(
            [(int(s), int(m), int(n)) for (s, m), n in zip(pairs.T, totals, strict=True)],
            [
                (int(s), int(m), str(PROBLEMS[p]), str(COUNTRIES[c]), str(PLATFORMS[f]), int(n))
                for (s, m, p, c, f), n in zip(groups.T, breakdown_counts, strict=True)
            ],
        )


# What each kind of data takes in the file, indexes included (SQLite's dbstat).
_KINDS = {
    "reports": ("reports",),
    "minutes": ("minute_totals", "minute_breakdowns"),
    "hours": ("hour_totals",),
    "days": ("day_totals",),
}


def _rows(store: SqlStore) -> dict[str, int]:
    tables = {
        "reports": schema.reports,
        "minutes": schema.minute_totals,
        "hours": schema.hour_totals,
        "days": schema.day_totals,
    }
    with store.engine.connect() as connection:
        return {
            name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
            for name, table in tables.items()
        }


def _megabytes(store: SqlStore) -> dict[str, float]:
    """MB per kind of data, its indexes included, and the free pages SQLite will reuse."""
    with store.engine.connect() as connection:
        names = connection.exec_driver_sql("SELECT name, tbl_name FROM sqlite_master")
        owner = {str(name): str(table) for name, table in names}
        pages = connection.exec_driver_sql("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name")
        by_table: dict[str, int] = {}
        for name, size in pages:
            table = owner.get(name, name)
            by_table[table] = by_table.get(table, 0) + int(size)
        page_size = connection.exec_driver_sql("PRAGMA page_size").scalar_one()
        free = connection.exec_driver_sql("PRAGMA freelist_count").scalar_one()
    sizes = {
        kind: sum(by_table.get(table, 0) for table in tables) / 1e6
        for kind, tables in _KINDS.items()
    }
    sizes["free"] = int(free) * int(page_size) / 1e6
    return sizes


def _size(path: Path) -> int:
    return sum(
        candidate.stat().st_size for candidate in (path, Path(f"{path}-wal")) if candidate.exists()
    )


def measure(data_dirs: dict[str, Path], options: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Intake and read ratios of the real server on each database, against bare ASGI, all
    measured in turns in one phase: measured half an hour apart, a neighbour's load moved
    the two ends by up to 30 % on this shared machine."""
    environment = {
        "OUTAGEWATCH_RUN_DETECTION": "false",
        "OUTAGEWATCH_POLL_OFFICIAL_STATUS": "false",
    }
    path = "/api/v1/services/tiktok"
    runs: dict[str, list[LoadResult]] = {"bare post": [], "bare get": []}

    def load(url: str, body: str | None) -> LoadResult:
        return run_load(url, body, seconds=options.seconds, connections=options.connections)

    with contextlib.ExitStack() as stack:
        bare = stack.enter_context(
            bare_reference(server="uvicorn", workers=options.workers, path=path)
        )
        bases = {
            name: stack.enter_context(
                site(data_dir, server="uvicorn", workers=options.workers, environment=environment)
            )
            for name, data_dir in data_dirs.items()
        }
        for base in bases.values():
            run_load(f"{base}{path}/reports", BODY, seconds=1, connections=options.connections)
            run_load(f"{base}{path}/status", None, seconds=1, connections=options.connections)
        # In turns, so a neighbour's burst of work hits every side, and each database goes
        # first as often as second, so an effect of order cannot pass for one of age.
        for turn in range(options.turns):
            order = list(bases.items()) if turn % 2 == 0 else list(reversed(bases.items()))
            runs["bare post"].append(load(f"{bare}/reports", BODY))
            for name, base in order:
                runs.setdefault(f"{name} intake", []).append(load(f"{base}{path}/reports", BODY))
            runs["bare get"].append(load(f"{bare}/status", None))
            for name, base in order:
                runs.setdefault(f"{name} read", []).append(load(f"{base}{path}/status", None))
    rate = {
        name: sum(r.requests for r in rs) / sum(r.seconds for r in rs) for name, rs in runs.items()
    }
    return {
        name: {
            "intake/s": rate[f"{name} intake"],
            "intake ratio": rate[f"{name} intake"] / rate["bare post"],
            "read/s": rate[f"{name} read"],
            "read ratio": rate[f"{name} read"] / rate["bare get"],
        }
        for name in data_dirs
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--reports-per-day", type=int, default=20_000)
    parser.add_argument("--seconds", type=int, default=5, help="per load run")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--keep-hours-days",
        type=int,
        default=retention.Retention().hours.days,
        help="hourly totals kept (1095 was the default before they were folded into days)",
    )
    parser.add_argument(
        "--turns", type=int, default=4, help="load turns; even, so each end goes first as often"
    )
    parser.add_argument("--sizes-only", action="store_true", help="no intake or read load")
    options = parser.parse_args()
    rng = np.random.default_rng(options.seed)
    end = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    first_day = end - timedelta(days=options.days)
    with tempfile.TemporaryDirectory(prefix="outagewatch-growth-") as temporary:
        data_dir = Path(temporary)
        database = data_dir / "outagewatch.db"
        store = SqlStore(make_engine(f"sqlite:///{database}"))
        migrate.upgrade(store.engine)
        catalog_service.load_into_store(store, now=first_day)
        services = [s for s in store.list_services() if s.id is not None]
        ids = np.array([s.id for s in services])
        weights = np.array([3.0**s.popularity for s in services])
        weights /= weights.sum()
        print(
            f"{len(services):,} services, {options.days} days, about "
            f"{options.reports_per_day:,} reports a day (+ an outage every other day)"
        )
        keeping = retention.Retention(hours=timedelta(days=options.keep_hours_days))
        print(
            f"{'day':>5} {'file MB':>8} "
            + " ".join(f"{kind + ' rows':>12} {'MB':>5}" for kind in _KINDS)
            + f" {'free MB':>7}"
        )
        for number in range(options.days):
            day = first_day + timedelta(days=number)
            simulate_day(store, ids, weights, day, options.reports_per_day, rng)
            asyncio.run(
                retention.prune_round(store, keeping, ids.tolist(), now=day + timedelta(days=1))
            )
            store.checkpoint_log(busy_milliseconds=1000)
            if number == 0 and not options.sizes_only:
                # A copy of the first day, measured beside the year at the end; the load's
                # own reports, stamped today, must not stay in the year being replayed
                # (retention reads the oldest rows first).
                first = data_dir / "day-one"
                first.mkdir()
                backup.backup(database, first / "outagewatch.db")
            if (number + 1) % 30 == 0 or number + 1 == options.days:
                rows, sizes = _rows(store), _megabytes(store)
                print(
                    f"{number + 1:>5} {_size(database) / 1e6:>8.1f} "
                    + " ".join(f"{rows[kind]:>12,} {sizes[kind]:>5.1f}" for kind in _KINDS)
                    + f" {sizes['free']:>7.1f}",
                    flush=True,
                )
        store.engine.dispose()
        if options.sizes_only:
            return
        figures = measure({"day one": first, "after a year": data_dir}, options)
    print(f"{'':14} {'intake/s':>9} {'ratio':>6} {'read/s':>9} {'ratio':>6}")
    for name, ends in figures.items():
        print(
            f"{name:14} {ends['intake/s']:>9,.0f} {ends['intake ratio']:>6.2f} "
            f"{ends['read/s']:>9,.0f} {ends['read ratio']:>6.2f}"
        )
    for kind in ("intake", "read"):
        change = figures["after a year"][f"{kind} ratio"] / figures["day one"][f"{kind} ratio"] - 1
        print(f"{kind} ratio after a year vs day one: {change:+.0%} (goal: within 10 %)")


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
