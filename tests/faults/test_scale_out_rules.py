"""The abuse rules still hold in scale-out mode: two web nodes on PostgreSQL sharing Redis.

A brigade spread across both nodes is limited by the buckets they share and cannot flip the
status; signing in answers the same whether or not an address has an account; and an
operator's catalog edit made through one node is served by the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from outagewatch.app import create_app
from outagewatch.catalog import service as catalog_service
from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.incidents.monitor import Monitor
from outagewatch.operators.actions import Operations
from outagewatch.storage.sql import SqlStore
from tests.conftest import _empty_postgres
from tests.faults.fleet import wait_for

SAME_SITE = {"Origin": "http://testserver"}


@pytest.fixture
def two_nodes(
    postgres_engine: Engine, clock: FixedClock, tmp_path: Path, redis_url: str
) -> Iterator[tuple[SqlStore, list[TestClient]]]:
    _empty_postgres(postgres_engine)
    store = SqlStore(postgres_engine)
    catalog_service.load_into_store(store, now=datetime(2026, 10, 1, tzinfo=UTC))
    # A database of Redis keys of its own: other runs' buckets must not count here.
    own_database = redis_url.rsplit("/", 1)[0] + "/14"
    run = uuid.uuid4().hex
    clients = []
    for node in ("a", "b"):
        settings = Settings(
            data_dir=tmp_path / node,
            public_url="http://testserver",
            secret_key=f"shared-secret-{run}",
            redis_url=own_database,
            redis_live_channel=f"ow:test:{run}",  # other tests' nodes may share Redis now
            trusted_proxies="127.0.0.1/32",
            run_detection=False,
            run_delivery=False,
            catalog_refresh_seconds=0.05,
        )
        app = create_app(settings, store=store, clock=clock)
        clients.append(TestClient(app, client=("127.0.0.1", 40000)))
    with clients[0], clients[1]:
        yield store, clients


def test_a_brigade_across_both_nodes_is_limited_together_and_flips_nothing(
    two_nodes: tuple[SqlStore, list[TestClient]], clock: FixedClock
) -> None:
    store, nodes = two_nodes
    network = f"198.51.{uuid.uuid4().int % 200}"  # a fresh network: fresh shared buckets
    answers = [
        nodes[number % 2]
        .post(
            "/api/v1/services/discord/reports",
            json={"problem": "messages"},
            headers={
                "X-Forwarded-For": f"{network}.{number % 3 + 1}",
                "User-Agent": f"brigade-{number}",
            },
        )
        .status_code
        for number in range(120)
    ]

    accepted = answers.count(201) + answers.count(200)
    # One network's bucket (30 at once) is shared by both nodes, not 30 per node.
    assert accepted <= 31
    assert answers.count(429) == len(answers) - accepted
    changes = Monitor(store).tick(CatalogIndex(store.list_services()), now=clock.now())
    assert changes == []


def test_sign_in_answers_the_same_for_known_and_unknown_addresses_on_both_nodes(
    two_nodes: tuple[SqlStore, list[TestClient]], clock: FixedClock
) -> None:
    store, nodes = two_nodes
    with store.transaction():
        store.account_for_email("known@example.org", now=clock.now())

    # A fresh network: the shared per-network sign-in limit outlives a run in Redis.
    headers = {**SAME_SITE, "X-Forwarded-For": f"203.0.{uuid.uuid4().int % 250}.7"}
    known = nodes[0].post("/signin", data={"email": "known@example.org"}, headers=headers)
    unknown = nodes[1].post("/signin", data={"email": "nobody@example.org"}, headers=headers)

    assert known.status_code == unknown.status_code == 200
    assert known.text.replace("known@example.org", "X") == unknown.text.replace(
        "nobody@example.org", "X"
    )


def test_an_operators_edit_through_one_node_is_served_by_the_other(
    two_nodes: tuple[SqlStore, list[TestClient]], clock: FixedClock
) -> None:
    store, nodes = two_nodes
    discord = store_id(store, "discord")
    before = nodes[1].get("/api/v1/services/discord").json()["name"]

    # What /admin on node A and `outagewatch admin` both do.
    Operations(store).edit_service(
        discord, {"name": "Discord (edited)"}, actor="op@example.org", now=clock.now()
    )
    served = wait_for(
        lambda: nodes[1].get("/api/v1/services/discord").json()["name"] == "Discord (edited)",
        timeout=10,
    )

    assert before == "Discord"
    assert served is not None, "node B still serves the old name"


def store_id(store: SqlStore, slug: str) -> int:
    return next(service.id or 0 for service in store.list_services() if service.slug == slug)
