"""`outagewatch admin ...`: the operators' actions for scripts, audited as "cli:<user>"."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer
from rich.console import Console

from outagewatch.catalog import service as catalog_service
from outagewatch.clock import SystemClock
from outagewatch.config import Settings
from outagewatch.operators.actions import Operations, OperatorError, Review
from outagewatch.storage.seams import CatalogIndexStore
from outagewatch.storage.sql import SqlStore, make_engine

admin_app = typer.Typer(help="Operators' actions (each is written to the audit log).")
console = Console(stderr=True)


def _store() -> SqlStore:
    """The configured database, which `outagewatch migrate` (or serve) has set up."""
    return SqlStore(make_engine(Settings().resolved_database_url()))


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _service_id(store: CatalogIndexStore, slug: str) -> int:
    service = catalog_service.read_index(store).by_slug.get(slug)
    if service is None or service.id is None:
        raise typer.BadParameter(f"we do not track a service {slug!r}")
    return service.id


def _refuse(error: OperatorError) -> typer.Exit:
    console.print(f"[red]refused:[/red] {error}")
    return typer.Exit(2)


@admin_app.command("grant")
def grant(email: str) -> None:
    """Make an address an operator (its account is created if needed)."""
    Operations(_store()).set_operator(
        email.strip().lower(), True, actor=_actor(), now=SystemClock().now()
    )
    console.print(f"{email} is an operator")


@admin_app.command("revoke")
def revoke(email: str) -> None:
    """Take the operator role away."""
    Operations(_store()).set_operator(
        email.strip().lower(), False, actor=_actor(), now=SystemClock().now()
    )
    console.print(f"{email} is no longer an operator")


@admin_app.command("update")
def post_update(
    incident_id: int,
    message: str,
    notify: Annotated[bool, typer.Option(help="Also send it to the service's followers")] = False,
) -> None:
    """Post a live update on an incident's timeline."""
    try:
        queued = Operations(_store()).post_update(
            incident_id, message, notify=notify, actor=_actor(), now=SystemClock().now()
        )
    except OperatorError as error:
        raise _refuse(error) from None
    console.print(f"posted on incident {incident_id}; {queued} message(s) queued")


@admin_app.command("review")
def review(
    incident_id: int, verdict: Annotated[str, typer.Argument(help="confirmed | false_alarm")]
) -> None:
    """Mark an incident as confirmed or as a false alarm."""
    if verdict not in ("confirmed", "false_alarm"):
        raise typer.BadParameter("confirmed or false_alarm")
    checked: Review = "confirmed" if verdict == "confirmed" else "false_alarm"
    try:
        Operations(_store()).review(incident_id, checked, actor=_actor(), now=SystemClock().now())
    except OperatorError as error:
        raise _refuse(error) from None
    console.print(f"incident {incident_id}: {verdict}")


@admin_app.command("hide-report")
def hide_report(report_id: int) -> None:
    """Hide an abusive report (a counted one leaves the counts)."""
    try:
        Operations(_store()).hide_report(report_id, actor=_actor(), now=SystemClock().now())
    except OperatorError as error:
        raise _refuse(error) from None
    console.print(f"report {report_id} hidden")


@admin_app.command("edit")
def edit(
    slug: str,
    changes: Annotated[
        list[str], typer.Argument(help="field=value (name, description, url, status_page)")
    ],
) -> None:
    """Edit a catalog entry; the edit survives catalog reloads."""
    store = _store()
    fields = dict(_pair(change) for change in changes)
    try:
        Operations(store).edit_service(
            _service_id(store, slug), fields, actor=_actor(), now=SystemClock().now()
        )
    except OperatorError as error:
        raise _refuse(error) from None
    # Every serve and worker process follows operators' edits (catalog.service.CatalogFollower).
    console.print(f"{slug}: {', '.join(fields)} edited; running servers show it within seconds")


@admin_app.command("thresholds")
def thresholds(
    slug: str,
    settings: Annotated[
        list[str],
        typer.Argument(
            help="name=value, or name= to clear: possible_ratio, possible_min_reports, "
            "major_ratio, major_min_reports"
        ),
    ],
) -> None:
    """Set a service's own detection bars."""
    store = _store()
    values: dict[str, float | None] = {}
    for setting in settings:
        name, value = _pair(setting)
        try:
            values[name] = float(value) if value else None
        except ValueError:
            raise typer.BadParameter(f"{setting}: not a number") from None
    try:
        Operations(store).set_thresholds(
            _service_id(store, slug), values, actor=_actor(), now=SystemClock().now()
        )
    except OperatorError as error:
        raise _refuse(error) from None
    console.print(f"{slug}: thresholds set")


@admin_app.command("token")
def create_token(name: str) -> None:
    """Create a token for a mentions collector; it is printed once, and only its hash kept."""
    token = Operations(_store()).issue_collector_token(
        name, actor=_actor(), now=SystemClock().now()
    )
    typer.echo(token)


@admin_app.command("audit")
def audit(limit: Annotated[int, typer.Option(min=1)] = 20) -> None:
    """The newest operator actions."""
    for entry in _store().audit_log(limit=limit):
        typer.echo(
            f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor:24} {entry.action:20} "
            f"{entry.target}  {entry.details}"
        )


def _pair(text: str) -> tuple[str, str]:
    name, separator, value = text.partition("=")
    if not separator or not name:
        raise typer.BadParameter(f"{text!r}: expected name=value")
    return name.strip(), value
