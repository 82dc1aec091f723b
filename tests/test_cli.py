from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outagewatch.cli import app
from outagewatch.storage.sql import SqlStore, make_engine

runner = CliRunner()


def test_catalog_list_json_prints_every_service() -> None:
    result = runner.invoke(app, ["catalog", "list", "--json"])

    assert result.exit_code == 0
    services = json.loads(result.stdout)
    assert len(services) >= 1400
    assert len({service["category"] for service in services}) >= 20
    assert {"slug", "name", "category", "url", "icon"} <= set(services[0])


def test_catalog_validate_accepts_the_shipped_catalog() -> None:
    result = runner.invoke(app, ["catalog", "validate"])

    assert result.exit_code == 0, result.output
    assert "catalog is valid" in result.output


def test_migrate_creates_the_database_and_loads_the_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTAGEWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OUTAGEWATCH_DATABASE_URL", raising=False)

    first = runner.invoke(app, ["migrate"])
    second = runner.invoke(app, ["migrate"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "0 added, 0 updated" in second.output
    store = SqlStore(make_engine(f"sqlite:///{tmp_path / 'data' / 'outagewatch.db'}"))
    assert len(store.list_services()) >= 1400
