"""`outagewatch backup` while the site serves, `outagewatch restore` into another data dir,
and the restored database serves the same pages."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from outagewatch.app import create_app
from outagewatch.cli import app as cli
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.incidents.leader import HostLeadership
from outagewatch.storage.records import Incident
from outagewatch.storage.sql import SqlStore, make_engine
from tests.conftest import NOW
from tests.helpers import add_reports, service_id

runner = CliRunner()
PAGES = ("/", "/services/tiktok", "/categories/social-media", "/sitemaps/incidents-1.xml")


def _environment(data_dir: Path) -> dict[str, str]:
    return {"OUTAGEWATCH_DATA_DIR": str(data_dir), "OUTAGEWATCH_DATABASE_URL": ""}


def _pages(store: SqlStore, clock: FixedClock, data_dir: Path) -> dict[str, str]:
    settings = Settings(
        data_dir=data_dir, public_url="http://testserver", run_detection=False, run_delivery=False
    )
    with TestClient(create_app(settings, store=store, clock=clock)) as client:
        return {path: client.get(path).text for path in (*PAGES, "/incidents/1")}


def test_a_backup_taken_while_serving_restores_and_serves_the_same_pages(
    catalog_database: Path, clock: FixedClock, tmp_path: Path
) -> None:
    live_dir, restored_dir = tmp_path / "live", tmp_path / "restored"
    live_dir.mkdir()
    shutil.copy(catalog_database, live_dir / "outagewatch.db")
    store = SqlStore(make_engine(f"sqlite:///{live_dir / 'outagewatch.db'}"))
    add_reports(store, "tiktok", [NOW - timedelta(minutes=n) for n in range(40)], country="GB")
    with store.transaction():
        store.create_incident(
            Incident(0, service_id(store, "tiktok"), "open", "major", NOW, NOW, NOW, 40, None)
        )
    settings = Settings(
        data_dir=live_dir, public_url="http://testserver", run_detection=False, run_delivery=False
    )
    with TestClient(create_app(settings, store=store, clock=clock)) as client:
        original = {path: client.get(path).text for path in (*PAGES, "/incidents/1")}
        taken = runner.invoke(
            cli, ["backup", str(tmp_path / "copy.db")], env=_environment(live_dir)
        )
        assert client.post(
            "/api/v1/services/tiktok/reports", json={"problem": "login"}
        ).is_success  # the site goes on taking reports after the backup
    restored = runner.invoke(
        cli, ["restore", str(tmp_path / "copy.db")], env=_environment(restored_dir)
    )
    restored_store = SqlStore(make_engine(f"sqlite:///{restored_dir / 'outagewatch.db'}"))

    served = _pages(restored_store, clock, restored_dir)

    assert taken.exit_code == 0, taken.output
    assert restored.exit_code == 0, restored.output
    assert restored_store.count_reports() == 40  # the copy is the moment it was taken
    assert store.count_reports() == 41
    assert served == original
    assert '<span data-count="hour">40</span>' in served["/services/tiktok"]


def test_restore_refuses_while_outagewatch_runs_on_the_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    running = HostLeadership(data_dir)
    assert running.try_acquire()  # as a serve process holds it
    source = tmp_path / "source"
    source.mkdir()
    make_engine(f"sqlite:///{source / 'outagewatch.db'}")
    from outagewatch.storage import migrate

    migrate.upgrade(make_engine(f"sqlite:///{source / 'outagewatch.db'}"))
    assert (
        runner.invoke(cli, ["backup", str(tmp_path / "b.db")], env=_environment(source)).exit_code
        == 0
    )

    try:
        result = runner.invoke(cli, ["restore", str(tmp_path / "b.db")], env=_environment(data_dir))
    finally:
        running.release()

    assert result.exit_code == 2
    assert "stop it, restore, then start it" in " ".join(result.output.split())
    assert not (data_dir / "outagewatch.db").exists()


def test_a_damaged_or_foreign_file_is_not_restored(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.db"
    import sqlite3

    sqlite3.connect(foreign).execute("CREATE TABLE notes (t TEXT)").connection.commit()

    result = runner.invoke(cli, ["restore", str(foreign)], env=_environment(tmp_path / "d"))

    assert result.exit_code == 2
    assert "is not an OutageWatch database" in " ".join(result.output.split())


def test_backup_points_postgresql_users_to_their_own_tools(tmp_path: Path) -> None:
    environment = {
        **_environment(tmp_path),
        "OUTAGEWATCH_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
    }

    result = runner.invoke(cli, ["backup", str(tmp_path / "b.db")], env=environment)

    assert result.exit_code == 2
    assert "pg_dump" in result.output
