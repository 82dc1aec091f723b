"""`outagewatch backup PATH` and `outagewatch restore PATH`: the embedded database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from outagewatch.config import Settings
from outagewatch.operations import backup as backups

console = Console(stderr=True)


def backup(
    path: Annotated[Path, typer.Argument(help="Where to write the copy (one SQLite file)")],
) -> None:
    """Copy the database while OutageWatch runs (SQLite's online backup)."""
    settings = Settings()
    try:
        pages = backups.backup(backups.sqlite_path(settings.resolved_database_url()), path)
    except backups.BackupError as error:
        console.print(f"[red]backup:[/red] {error}")
        raise typer.Exit(2) from None
    console.print(f"backed up {pages} pages to {path}")


def restore(
    path: Annotated[Path, typer.Argument(help="A file written by `outagewatch backup`")],
) -> None:
    """Replace the database with a backup (stop OutageWatch first; start it again after)."""
    settings = Settings()
    try:
        database = backups.sqlite_path(settings.resolved_database_url())
        backups.restore(path, database, data_dir=settings.data_dir)
    except backups.BackupError as error:
        console.print(f"[red]restore:[/red] {error}")
        raise typer.Exit(2) from None
    console.print(f"restored {path} into {database}; `outagewatch serve` migrates it if needed")
