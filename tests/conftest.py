"""Shared fixtures: a fixed clock, migrated stores on SQLite and PostgreSQL, the app."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from sqlalchemy import Engine, text

from outagewatch.app import create_app
from outagewatch.catalog import service as catalog_service
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage import migrate, schema
from outagewatch.storage.sql import SqlStore, make_engine
from tests.mailserver import MailServer
from tests.proxy import CuttableProxy, proxy_in_thread
from tests.webhook_receiver import WebhookReceiver

# Hypothesis's per-example deadline is a wall-clock assertion, and these machines are shared:
# a busy neighbour must not fail a test. Tests check behaviour, benchmarks check speed.
settings.register_profile("outagewatch", deadline=None)
settings.load_profile("outagewatch")

# A Wednesday afternoon, far from midnight so "today" and "this hour" differ.
NOW = datetime(2026, 11, 18, 15, 42, 30, tzinfo=UTC)
DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: they are the slowest, and the rest give faster feedback."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _sqlite_store(path: Path) -> SqlStore:
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    return SqlStore(engine)


def _create_postgres_schema() -> tuple[Engine, str]:
    """A migrated PostgreSQL schema of our own, or a skip (a failure where PG is required)."""
    url = os.environ.get("OUTAGEWATCH_TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL)
    schema_name = f"outagewatch_test_{uuid.uuid4().hex[:8]}"
    try:
        probe = make_engine(url)
        with probe.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema_name}"))
        probe.dispose()
    except Exception as error:
        reason = (
            f"PostgreSQL unreachable at {url} ({type(error).__name__}); "
            "set OUTAGEWATCH_TEST_DATABASE_URL to a reachable database"
        )
        if os.environ.get("OUTAGEWATCH_REQUIRE_PG") == "1":
            pytest.fail(f"OUTAGEWATCH_REQUIRE_PG=1 but {reason}")
        pytest.skip(reason)
    separator = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{separator}options=-csearch_path%3D{schema_name}")
    migrate.upgrade(engine)
    return engine, schema_name


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    engine, schema_name = _create_postgres_schema()
    yield engine
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {schema_name} CASCADE"))
    engine.dispose()


def _empty_postgres(engine: Engine) -> None:
    tables = ", ".join(table.name for table in schema.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def postgres_through_proxy(postgres_engine: Engine) -> Iterator[tuple[SqlStore, CuttableProxy]]:
    """An empty store on the test schema whose connections pass through a proxy the test can
    cut (tests.proxy.run_on_proxy_loop), as when the database goes away."""
    _empty_postgres(postgres_engine)  # other tests share the schema
    url = postgres_engine.url
    with proxy_in_thread(url.host or "127.0.0.1", url.port or 5432) as (proxy, port):
        engine = make_engine(
            url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        )
        yield SqlStore(engine), proxy
        engine.dispose()


@pytest.fixture
def through_proxy(
    postgres_through_proxy: tuple[SqlStore, CuttableProxy],
) -> tuple[SqlStore, CuttableProxy]:
    """The same, loaded with the catalog (history from 2026-10-01)."""
    store, proxy = postgres_through_proxy
    catalog_service.load_into_store(store, now=datetime(2026, 10, 1, tzinfo=UTC))
    return store, proxy


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> SqlStore:
    """Every Store implementation in turn: the contract suite runs against each."""
    if request.param == "sqlite":
        return _sqlite_store(tmp_path / "contract.db")
    engine: Engine = request.getfixturevalue("postgres_engine")
    _empty_postgres(engine)
    return SqlStore(engine)


@pytest.fixture(scope="session")
def catalog_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated and loaded with the real catalog, built once and copied per test."""
    path = tmp_path_factory.mktemp("catalog") / "template.db"
    store = _sqlite_store(path)
    catalog_service.load_into_store(store, now=datetime(2026, 10, 1, tzinfo=UTC))
    store.engine.dispose()
    return path


@pytest.fixture
def loaded_store(catalog_database: Path, tmp_path: Path) -> SqlStore:
    """A store holding the whole catalog and no reports; history began on 2026-10-01."""
    copy = tmp_path / "outagewatch.db"
    shutil.copy(catalog_database, copy)
    return SqlStore(make_engine(f"sqlite:///{copy}"))


@pytest.fixture
def client(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    # Detection is tested step by step (tests/incidents); a background tick would race.
    settings = Settings(
        data_dir=tmp_path, public_url="http://testserver", run_detection=False, run_delivery=False
    )
    app = create_app(settings, store=loaded_store, clock=clock)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    """A real SMTP server on a free local port, collecting what it receives."""
    with MailServer() as server:
        yield server


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """A real local HTTP server recording what it receives; its answers can be set."""
    with WebhookReceiver() as receiver:
        yield receiver
