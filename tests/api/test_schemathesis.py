"""The OpenAPI document against a running server: no 5xx, and no answer outside the document.

schemathesis generates requests from /api/v1/openapi.json (valid and invalid ones) and sends
them over real HTTP to the app served in this process; each answer must be documented (status
code, content type, headers, body schema). The examples per operation are bounded so CI stays
fast; a failure prints the request as a curl command to replay.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from outagewatch.basics.tokens import token_hash
from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.signals.collectors import MENTIONS_SCOPE
from outagewatch.storage.sql import SqlStore
from tests.helpers import add_reports
from tests.serving import site_in_thread

EXAMPLES_PER_OPERATION = 25
COLLECTOR_TOKEN = "schemathesis-collector-token"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _with_an_outage(store: SqlStore, clock: FixedClock) -> None:
    """Reports and an open incident, so detail, incident and feed answers carry data."""
    now = clock.now()
    add_reports(store, "whatsapp", [now - timedelta(seconds=i) for i in range(400)])
    Monitor(store).tick(CatalogIndex(store.list_services()), now=now)
    with store.transaction():
        store.create_api_token(
            token_hash(COLLECTOR_TOKEN), name="fuzzer", scope=MENTIONS_SCOPE, now=now
        )


@pytest.fixture
def api_schema(
    request: pytest.FixtureRequest, loaded_store: SqlStore, clock: FixedClock, tmp_path: Path
) -> Iterator[schemathesis.BaseSchema]:
    # schemathesis 4.32 names each operation's subtest through `node._nodeid`, which pytest
    # 9.2 no longer has; giving it back keeps the documented from_fixture() API working.
    request.node._nodeid = request.node.nodeid
    _with_an_outage(loaded_store, clock)
    # Every generated report comes from 127.0.0.1: a generous limit lets them reach
    # validation and storage instead of stopping at 429 (which is documented anyway).
    with site_in_thread(loaded_store, clock, tmp_path, rate_limit_burst=100_000) as site:
        yield schemathesis.openapi.from_url(f"{site.url}/api/v1/openapi.json")


schema = (
    schemathesis.pytest.from_fixture("api_schema")
    # Server-Sent Events never end, so no client can read a whole answer to validate it;
    # tests/test_live.py covers them.
    .exclude(path_regex=r"/events$")
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_answer_is_documented_and_none_is_a_server_error(
    case: schemathesis.Case[Any],
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {COLLECTOR_TOKEN}"}, checks=CHECKS, timeout=10
    )
