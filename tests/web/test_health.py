"""/healthz and /readyz: a load balancer's view of a node, on real SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from outagewatch.app import create_app
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage import migrate
from outagewatch.storage.sql import SqlStore, make_engine
from tests.helpers import eventually
from tests.proxy import CuttableProxy, run_on_proxy_loop


def _settings(tmp_path: Path, *, detection: bool) -> Settings:
    return Settings(
        data_dir=tmp_path,
        public_url="http://testserver",
        run_detection=detection,
        run_delivery=False,
        poll_official_status=False,
        detection_interval_seconds=0.1,
    )


@pytest.fixture
def detecting_client(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> Iterator[TestClient]:
    """The app with its detection loop running, as `serve` runs it on one node."""
    app = create_app(_settings(tmp_path, detection=True), store=loaded_store, clock=clock)
    with TestClient(app) as test_client:
        yield test_client


def test_healthz_answers_without_touching_the_database(client: TestClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_is_ready_on_a_migrated_database(client: TestClient) -> None:
    response = client.get("/readyz")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ready"
    assert response.json()["detection"] is None  # this node does not run the ticks
    assert response.headers["cache-control"] == "no-store"


def test_readyz_says_to_migrate_when_the_schema_is_behind(
    tmp_path: Path, clock: FixedClock
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate.upgrade(engine, "0007")
    app = create_app(_settings(tmp_path, detection=False), store=SqlStore(engine), clock=clock)

    with TestClient(app) as client:
        response = client.get("/readyz")

    assert response.status_code == 503
    [reason] = response.json()["reasons"]
    assert "schema is at 0007" in reason and "outagewatch migrate" in reason


def test_readyz_goes_503_when_the_tick_stalls_and_recovers_by_itself(
    detecting_client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    def readiness() -> dict[str, object]:
        body: dict[str, object] = detecting_client.get("/readyz").json()
        return body

    assert eventually(lambda: detecting_client.get("/readyz").status_code == 200)
    # Every tick reads the per-minute totals: without them, ticks fail and none completes.
    with loaded_store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE minute_totals RENAME TO minute_totals_away"))
    # A tick over the whole catalog can take seconds on a busy machine: bounded, generous waits.
    assert eventually(
        lambda: readiness()["detection"]["last_error"] is not None,  # type: ignore[index]
        timeout=60,
    )

    clock.advance(timedelta(minutes=5))
    stalled = detecting_client.get("/readyz")
    with loaded_store.engine.begin() as connection:
        connection.execute(text("ALTER TABLE minute_totals_away RENAME TO minute_totals"))
    recovered = eventually(lambda: detecting_client.get("/readyz").status_code == 200, timeout=60)

    assert stalled.status_code == 503
    [reason] = stalled.json()["reasons"]
    assert reason.startswith("detection tick stalled: none completed in 300 s")
    assert "minute_totals" in reason  # the last error says why
    assert recovered
    assert readiness()["detection"] == {
        "leading": True,
        "last_tick_at": clock.now().isoformat(),
        "last_error": None,
    }


def test_readyz_goes_503_while_postgresql_is_away_and_back_by_itself(
    through_proxy: tuple[SqlStore, CuttableProxy], clock: FixedClock, tmp_path: Path
) -> None:
    store, proxy = through_proxy
    app = create_app(_settings(tmp_path, detection=True), store=store, clock=clock)
    with TestClient(app) as client:
        assert eventually(lambda: client.get("/readyz").status_code == 200)

        run_on_proxy_loop(proxy, "sever")
        store.engine.dispose()  # pooled connections died with the proxy's
        away = client.get("/readyz")
        healthy_meanwhile = client.get("/healthz")
        run_on_proxy_loop(proxy, "restore")
        back = eventually(lambda: client.get("/readyz").status_code == 200, timeout=60)

    assert away.status_code == 503
    assert away.json()["reasons"][0].startswith("database unreachable: OperationalError")
    assert healthy_meanwhile.status_code == 200  # the process itself is fine: no restart
    assert back
