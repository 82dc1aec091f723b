"""The `outagewatch` command."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict
from enum import StrEnum
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from outagewatch import cli_backup
from outagewatch.catalog import data_file
from outagewatch.catalog import service as catalog_service
from outagewatch.catalog.categories import CATEGORY_BY_SLUG
from outagewatch.cli_admin import admin_app
from outagewatch.clock import SystemClock
from outagewatch.config import Settings, SettingsError
from outagewatch.data_dir import make_private
from outagewatch.operations import multiprocess as metrics_folder
from outagewatch.storage import migrate as migrations
from outagewatch.storage.sql import SqlStore, make_engine

if TYPE_CHECKING:
    from collections.abc import Sequence

    from outagewatch.incidents.monitor import StatusChange

app = typer.Typer(help="OutageWatch: crowd-sourced outage tracking.", no_args_is_help=True)
catalog_app = typer.Typer(help="The catalog of services.", no_args_is_help=True)
app.add_typer(catalog_app, name="catalog")
app.add_typer(admin_app, name="admin")
app.command()(cli_backup.backup)
app.command()(cli_backup.restore)
mail_app = typer.Typer(help="The local mailbox (no SMTP configured).", no_args_is_help=True)
app.add_typer(mail_app, name="mail")
console = Console(stderr=True)


def _running_settings() -> Settings:
    """The settings of a long-running process, refused at once (exit 2) if they cannot work,
    rather than in each worker process at its first request."""
    settings = Settings()
    make_private(settings.data_dir)
    try:
        settings.resolved_secret()
    except SettingsError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    return settings


def _prepare_store(settings: Settings) -> SqlStore:
    """Migrate the database and load the catalog: what every entry point needs first."""
    make_private(settings.data_dir)
    engine = make_engine(settings.resolved_database_url())
    migrations.upgrade(engine)
    store = SqlStore(engine)
    result = catalog_service.load_into_store(store, now=SystemClock().now())
    console.print(
        f"catalog: {result.inserted} added, {result.updated} updated, {result.unchanged} unchanged"
    )
    return store


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema, then load the catalog."""
    _prepare_store(Settings())
    console.print("database is up to date")


class ServerProgram(StrEnum):
    granian = "granian"
    uvicorn = "uvicorn"


APP_FACTORY = "outagewatch.app:create_app"
GRACEFUL_SHUTDOWN_SECONDS = 3


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Web worker processes")] = 1,
    # uvicorn (uvloop + httptools) measured faster than granian for report intake on these
    # machines: 3.0k vs 2.4k reports/s, p99 50 vs 98 ms (bench/ingest.py --server ...).
    server: Annotated[ServerProgram, typer.Option(help="HTTP server program")] = (
        ServerProgram.uvicorn
    ),
    demo_mode: Annotated[
        bool, typer.Option("--demo", help="Two weeks of simulated history, then live traffic")
    ] = False,
) -> None:
    """Migrate, load the catalog and serve the site (embedded mode: SQLite, no other service)."""
    settings = _running_settings()
    store = _prepare_store(settings)
    if demo_mode:
        _backfill_once(store, settings, days=14)
        os.environ["OUTAGEWATCH_DEMO"] = "true"  # the workers read their settings anew
    listen_host = host or settings.host
    listen_port = port or settings.port
    # Before any worker imports prometheus-client: they add up their metrics through here,
    # one folder per node, as several nodes of one host may share the data dir.
    metrics_folder.prepare(settings.data_dir / "metrics" / f"port-{listen_port}")
    console.print(f"serving on http://{listen_host}:{listen_port} ({server}, {workers} worker(s))")
    # Each worker builds its own app from the environment (create_app is the factory), so
    # settings reach workers through OUTAGEWATCH_* variables, which they inherit.
    if server is ServerProgram.granian:
        from granian import Granian
        from granian.constants import Interfaces

        Granian(
            APP_FACTORY,
            factory=True,
            address=listen_host,
            port=listen_port,
            interface=Interfaces.ASGI,
            workers=workers,
            log_access=False,
            respawn_failed_workers=True,
            # Live streams never end by themselves; without this a shutdown waits for every
            # viewer to leave. Acknowledged reports are committed already, so nothing is lost.
            workers_kill_timeout=GRACEFUL_SHUTDOWN_SECONDS,
            # Granian leaves proxy headers alone unless wrapped in its proxy middleware,
            # which we do not use: TRUSTED_PROXIES is the only authority (reports/client.py).
        ).serve()
    else:
        import uvicorn

        uvicorn.run(
            APP_FACTORY,
            factory=True,
            host=listen_host,
            port=listen_port,
            workers=workers,
            log_level="info",
            access_log=False,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
            # Left on, uvicorn would believe X-Forwarded-For from 127.0.0.1 whatever
            # TRUSTED_PROXIES says: one local machine could pose as a thousand networks.
            # Our code reads the header itself, from configured proxies only.
            proxy_headers=False,
        )


def _backfill_once(store: SqlStore, settings: Settings, *, days: int) -> None:
    from outagewatch import demo

    truth = demo.truth_path(settings.data_dir)
    if truth.exists():
        console.print(f"simulated history already present ({truth})")
        return
    import numpy as np

    services = list(catalog_service.read_index(store).by_id.values())
    console.print(f"simulating {days} days of reports for {len(services)} services ...")
    outages = demo.backfill(
        store, services, now=SystemClock().now(), days=days, rng=np.random.default_rng()
    )
    demo.record_truth(truth, outages)
    console.print(f"done: {len(outages)} past outages injected, ground truth in {truth}")


@app.command()
def simulate(
    days: Annotated[int, typer.Option(min=2, help="Days of history to write")] = 14,
    seed: Annotated[int | None, typer.Option(help="Seed, for a repeatable history")] = None,
) -> None:
    """Write simulated report history (counts) into the database, with its ground truth."""
    import numpy as np

    from outagewatch import demo

    settings = Settings()
    store = _prepare_store(settings)
    services = list(catalog_service.read_index(store).by_id.values())
    outages = demo.backfill(
        store, services, now=SystemClock().now(), days=days, rng=np.random.default_rng(seed)
    )
    demo.record_truth(demo.truth_path(settings.data_dir), outages)
    console.print(
        f"{days} days for {len(services)} services; {len(outages)} outages injected "
        f"(ground truth: {demo.truth_path(settings.data_dir)}). Live traffic: serve --demo"
    )


@app.command()
def worker(
    interval: Annotated[float, typer.Option(help="Seconds between detection ticks")] = 5.0,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve /metrics on 127.0.0.1 at this port")
    ] = None,
) -> None:
    """Run detection ticks and gather signals (official status pages, probes) for
    deployments whose web processes set RUN_DETECTION=false. Several may run: one leads.
    With REDIS_URL set, the statuses it decides reach the web nodes' live pages at once."""
    import asyncio

    from outagewatch.worker import standalone

    settings = _running_settings()
    store = _prepare_store(settings)
    _serve_metrics(metrics_port)
    console.print(f"detection every {interval:g} s")

    def print_changes(changes: Sequence[StatusChange]) -> None:
        for change in changes:
            console.print(f"{change.service_id}: {change.before} -> {change.after}")

    asyncio.run(
        standalone.run_detection(
            settings,
            store,
            clock=SystemClock(),
            interval_seconds=interval,
            on_changes=print_changes,
        )
    )


@app.command()
def deliver(
    interval: Annotated[float, typer.Option(help="Seconds between delivery rounds")] = 2.0,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve /metrics on 127.0.0.1 at this port")
    ] = None,
) -> None:
    """Send queued notifications (for deployments whose web processes set RUN_DELIVERY=false;
    any number may run side by side: each message is claimed by one)."""
    import asyncio

    from outagewatch.worker import standalone

    settings = _running_settings()
    store = _prepare_store(settings)
    clock = SystemClock()
    deliverer = standalone.deliverer_for(settings, store, clock=clock)
    where = settings.smtp_host or settings.maildir_path()
    _serve_metrics(metrics_port)
    console.print(f"delivering every {interval:g} s as {deliverer.worker}; e-mail to {where}")
    asyncio.run(standalone.run_delivery(deliverer, clock=clock, interval_seconds=interval))


def _serve_metrics(port: int | None) -> None:
    """A worker's own /metrics (ticks, deliveries), for Prometheus on this host."""
    if port is not None:
        from prometheus_client import start_http_server

        start_http_server(port, addr="127.0.0.1")


@mail_app.command("list")
def mail_list(
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first")] = 20,
    full: Annotated[bool, typer.Option(help="Print each message's text")] = False,
) -> None:
    """The local mailbox, where e-mail goes while no SMTP server is configured."""
    from outagewatch.notify.email import read_maildir

    settings = Settings()
    mails = read_maildir(settings.maildir_path(), limit)
    if not mails:
        console.print(f"no mail in {settings.maildir_path()}")
    for mail in mails:
        typer.echo(f"{mail.received_at:%Y-%m-%d %H:%M:%S}  {mail.to:32} {mail.subject}")
        if full:
            typer.echo(mail.text.rstrip() + "\n")


@app.command()
def backtest(
    file: Annotated[
        str,
        typer.Argument(
            help="CSV with timestamp,value (or timestamp,count) and optionally networks; "
            "an empty value is 'no data'; - for stdin"
        ),
    ],
    explain: Annotated[bool, typer.Option(help="Add the evidence columns")] = False,
    header: Annotated[bool, typer.Option(help="Print a header line first")] = False,
    output_format: Annotated[str, typer.Option("--format", help="csv or json")] = "csv",
) -> None:
    """Replay a series of counts through the production detector: one status per row."""
    from outagewatch import backtest as replaying

    if output_format not in ("csv", "json"):
        raise typer.BadParameter("--format must be csv or json")
    try:
        with open(file, encoding="utf-8", newline="") if file != "-" else _stdin() as source:
            replaying.run(
                source,
                sys.stdout,
                explain=explain,
                header=header,
                as_json=output_format == "json",
            )
    except (OSError, replaying.BacktestInputError) as error:
        console.print(f"[red]backtest:[/red] {error}")
        raise typer.Exit(2) from None


def _stdin() -> IO[str]:
    return open(sys.stdin.fileno(), encoding="utf-8", newline="", closefd=False)


@catalog_app.command("list")
def catalog_list(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON array on stdout")] = False,
) -> None:
    """Print the catalog from the data file."""
    services = data_file.load_services()
    if as_json:
        rows = []
        for service in services:
            row = asdict(service)
            row.pop("id")
            row["category_name"] = CATEGORY_BY_SLUG[service.category].name
            row["icon"] = f"/static/icons/{service.icon}"
            rows.append(row)
        json.dump(rows, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return
    for service in services:
        typer.echo(f"{service.slug:40} {service.category:20} {service.name}")


@catalog_app.command("validate")
def catalog_validate() -> None:
    """Check the data file: unique slugs, known categories, related slugs, URLs, icons."""
    entries = data_file.read_entries()
    problems = data_file.find_problems(entries, data_file.read_icons(), data_file.ICONS_DIR)
    if problems:
        for problem in problems:
            console.print(f"[red]✗[/red] {problem}")
        console.print(f"{len(problems)} problem(s) in {len(entries)} services")
        raise typer.Exit(1)
    categories = {entry["category"] for entry in entries}
    console.print(f"catalog is valid: {len(entries)} services in {len(categories)} categories")


def main() -> None:
    app()
