from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outagewatch.basics.tokens import token_hash
from outagewatch.cli import app
from outagewatch.signals.collectors import MENTIONS_SCOPE
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


def test_admin_token_prints_a_collector_token_kept_only_as_its_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTAGEWATCH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("OUTAGEWATCH_DATABASE_URL", raising=False)
    assert runner.invoke(app, ["migrate"]).exit_code == 0

    result = runner.invoke(app, ["admin", "token", "x-collector"])

    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    store = SqlStore(make_engine(f"sqlite:///{tmp_path / 'data' / 'outagewatch.db'}"))
    assert store.api_token_scope(token_hash(token)) == ("x-collector", MENTIONS_SCOPE)
    assert store.api_token_scope(token) is None
    assert [entry.action for entry in store.audit_log(limit=5)] == ["token.create"]


def test_mail_list_shows_the_local_mailbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from outagewatch.notify.email import MaildirNotifier
    from outagewatch.notify.protocol import Destination, Notification

    monkeypatch.setenv("OUTAGEWATCH_DATA_DIR", str(tmp_path))
    mailbox = MaildirNotifier(tmp_path / "mail", sender="OutageWatch <alerts@localhost>")
    asyncio.run(
        mailbox.send(
            Destination(kind="email", address="ada@example.org"),
            Notification(key="k1", subject="Your link", text="Open http://x/y", html="<p>x</p>"),
        )
    )

    result = runner.invoke(app, ["mail", "list", "--full"])

    assert result.exit_code == 0, result.output
    assert "ada@example.org" in result.stdout and "Your link" in result.stdout
    assert "Open http://x/y" in result.stdout


@pytest.mark.parametrize("command", ["serve", "worker", "deliver"])
def test_a_fleet_process_without_a_shared_secret_refuses_to_start(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OUTAGEWATCH_DATA_DIR", str(tmp_path))
    # Never reached: the secret is checked before any connection is made.
    monkeypatch.setenv("OUTAGEWATCH_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.delenv("OUTAGEWATCH_SECRET_KEY", raising=False)

    result = runner.invoke(app, [command])

    assert result.exit_code == 2
    assert "OUTAGEWATCH_SECRET_KEY must be set" in result.output
