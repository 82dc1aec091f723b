"""Shared fixtures: a fixed clock, migrated stores on SQLite and PostgreSQL, the app."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from hypothesis import settings
from sqlalchemy import Engine, make_url, text

from outagewatch.app import create_app
from outagewatch.catalog import service as catalog_service
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage import migrate, schema
from outagewatch.storage.sql import SqlStore, make_engine
from tests.local_http import LocalHttpServer, Response
from tests.mailserver import MailServer
from tests.proxy import CuttableProxy, proxy_in_thread
from tests.serving import site_in_thread

# Hypothesis's per-example deadline is a wall-clock assertion, and these machines are shared:
# a busy neighbour must not fail a test. Tests check behaviour, benchmarks check speed.
settings.register_profile("outagewatch", deadline=None)
settings.load_profile("outagewatch")

# A Wednesday afternoon, far from midnight so "today" and "this hour" differ.
NOW = datetime(2026, 11, 18, 15, 42, 30, tzinfo=UTC)
DEFAULT_TEST_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
# Database 15: tests keep their keys out of the default database of a Redis someone uses.
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"


TESTS = Path(__file__).parent


# tryfirst: pytest-xdist reads the xdist_group marks in its own hook of this name.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow suites by where they live and what they use (`make test-fast` leaves them
    out), keep a browser module's tests on one xdist worker (one Chromium per module), and
    run browser tests last: they are the slowest, and the rest give faster feedback."""
    for item in items:
        suite = item.path.relative_to(TESTS).parts[0]
        if suite == "browser":
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group(f"browser:{item.path.stem}"))
        if suite == "faults":
            item.add_marker(pytest.mark.faults)
        if _on_postgres(item):
            item.add_marker(pytest.mark.postgres)
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


def _on_postgres(item: pytest.Item) -> bool:
    """Whether the test uses the PostgreSQL server, alone or as one of the engines it runs on."""
    callspec = getattr(item, "callspec", None)
    engine_parameter = callspec.params.get("store") if callspec is not None else None
    return engine_parameter == "postgresql" or "postgres_engine" in getattr(
        item, "fixturenames", ()
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def _sqlite_store(path: Path) -> SqlStore:
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    return SqlStore(engine)


def _create_postgres_database() -> tuple[Engine, Engine, str]:
    """A migrated PostgreSQL database of our own (admin engine, engine, name), or a skip (a
    failure where PG is required).

    A database, not a schema: advisory locks (detection's leadership) are per database, so
    with a shared one each pytest-xdist worker's tests, and the servers they start, would
    contend with the other worker's for the one detection lock.
    """
    url = make_url(os.environ.get("OUTAGEWATCH_TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL))
    name = f"outagewatch_test_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url.render_as_string(hide_password=False))
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as error:
        admin.dispose()
        reason = (
            f"PostgreSQL unreachable at {url} ({type(error).__name__}); "
            "set OUTAGEWATCH_TEST_DATABASE_URL to a reachable database whose role may "
            "create databases"
        )
        if os.environ.get("OUTAGEWATCH_REQUIRE_PG") == "1":
            pytest.fail(f"OUTAGEWATCH_REQUIRE_PG=1 but {reason}")
        pytest.skip(reason)
    engine = make_engine(url.set(database=name).render_as_string(hide_password=False))
    migrate.upgrade(engine)
    return admin, engine, name


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    admin, engine, name = _create_postgres_database()
    yield engine
    engine.dispose()
    # FORCE: a server a test started may still hold a connection as the session ends.
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def _empty_postgres(engine: Engine) -> None:
    tables = ", ".join(table.name for table in schema.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture
def redis_url() -> str:
    """The Redis server tests share (OUTAGEWATCH_TEST_REDIS_URL), once it answers; a skip where
    it does not (a failure where Redis is required). Tests sharing it at the same time keep
    apart by key prefix, live channel or secret of their own."""
    url = os.environ.get("OUTAGEWATCH_TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL)
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        reason = f"Redis unreachable at {url} ({type(error).__name__})"
        if os.environ.get("OUTAGEWATCH_REQUIRE_REDIS") == "1":
            pytest.fail(f"OUTAGEWATCH_REQUIRE_REDIS=1 but {reason}")
        pytest.skip(reason)
    finally:
        client.close()
    return url


@pytest.fixture
def postgres_through_proxy(postgres_engine: Engine) -> Iterator[tuple[SqlStore, CuttableProxy]]:
    """An empty store on the test database whose connections pass through a proxy the test can
    cut (tests.proxy.run_on_proxy_loop), as when the database goes away."""
    _empty_postgres(postgres_engine)  # other tests share the database
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
def webhook_receiver() -> Iterator[LocalHttpServer]:
    """A real local HTTP server recording what it receives: 200 to anything, unless told
    otherwise (respond_with)."""
    with LocalHttpServer(otherwise=Response(200)) as receiver:
        yield receiver


@pytest.fixture
def notifying_site(
    loaded_store: SqlStore, clock: FixedClock, tmp_path: Path, mail_server: MailServer
) -> Iterator[str]:
    """The site over real HTTP, delivering its mail to `mail_server` as it queues it (the
    deliverer runs; detection does not): sign-in links, follows, recovery mail."""
    with site_in_thread(
        loaded_store,
        clock,
        tmp_path,
        run_delivery=True,
        smtp_host=mail_server.host,
        smtp_port=mail_server.port,
        smtp_security="none",
        mail_from="OutageWatch <alerts@outagewatch.test>",
        delivery_interval_seconds=0.2,
    ) as site:
        yield site.url
