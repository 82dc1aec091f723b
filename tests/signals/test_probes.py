"""Website probes against real local servers: plain HTTP, HTTPS with a local CA, failures."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import trustme

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.signals.probes import Prober, ProbeTarget, describe
from outagewatch.storage.records_operators import ProbeResult
from outagewatch.storage.sql import SqlStore
from tests.helpers import add_reports, service_id
from tests.local_http import LocalHttpServer, Response, closed_port_url

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def https_site(authority: trustme.CA) -> Iterator[str]:
    """An HTTPS server whose certificate a local CA signed (for 127.0.0.1)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with LocalHttpServer(otherwise=Response(200, b"ok"), tls=context) as site:
        yield f"{site.url}/"


def _probe(prober: Prober, url: str) -> ProbeResult:
    return asyncio.run(prober.probe(ProbeTarget(1, url), now=NOW))


def test_a_site_that_answers_is_up_with_its_time(
    loaded_store: SqlStore, webhook_receiver: LocalHttpServer
) -> None:
    result = _probe(Prober(loaded_store), webhook_receiver.url + "/")

    assert result.ok and result.status_code == 200
    assert result.elapsed_ms is not None and result.tls_valid is None
    assert describe(result).startswith("Website responds normally (HTTP 200 in ")


def test_server_errors_and_closed_ports_are_down_but_a_403_is_up(
    loaded_store: SqlStore, webhook_receiver: LocalHttpServer
) -> None:
    prober = Prober(loaded_store, timeout_seconds=2)
    webhook_receiver.respond_with(503)
    failing = _probe(prober, webhook_receiver.url + "/")
    webhook_receiver.respond_with(403)
    walled = _probe(prober, webhook_receiver.url + "/")
    closed = _probe(prober, f"{closed_port_url()}/")

    assert (failing.ok, failing.error) == (False, "HTTP 503")
    assert walled.ok
    assert not closed.ok and "cannot connect" in (closed.error or "")


def test_certificates_are_checked_and_their_end_is_read(
    loaded_store: SqlStore, https_site: str, authority: trustme.CA
) -> None:
    trusting = ssl.create_default_context()
    authority.configure_trust(trusting)

    valid = _probe(Prober(loaded_store, ssl_context=trusting), https_site)
    untrusted = _probe(Prober(loaded_store), https_site)

    assert valid.ok and valid.tls_valid
    assert valid.tls_expires_at is not None and valid.tls_expires_at > NOW
    assert not untrusted.ok and untrusted.tls_valid is False
    assert "TLS certificate not valid" in (untrusted.error or "")


def test_an_open_incident_says_how_the_website_is_and_when_that_changes(
    loaded_store: SqlStore, clock: FixedClock, webhook_receiver: LocalHttpServer
) -> None:
    discord = service_id(loaded_store, "discord")
    add_reports(loaded_store, "discord", [clock.now() - timedelta(seconds=i) for i in range(300)])
    Monitor(loaded_store).tick(CatalogIndex(loaded_store.list_services()), now=clock.now())
    prober = Prober(loaded_store, timeout_seconds=2)
    site = ProbeTarget(discord, webhook_receiver.url + "/")

    asyncio.run(prober.probe_all([site], now=clock.now()))
    asyncio.run(prober.probe_all([site], now=clock.now() + timedelta(minutes=1)))  # no change
    webhook_receiver.respond_with(502)
    asyncio.run(prober.probe_all([site], now=clock.now() + timedelta(minutes=2)))

    (incident,) = loaded_store.incidents_of(discord, limit=1)
    lines = [e.message for e in incident.events if e.kind == "probe"]
    assert len(lines) == 2
    assert lines[0].startswith("Website responds normally")
    assert lines[1] == "Website unreachable: HTTP 502."
    latest = loaded_store.probe_results()[discord]
    assert (latest.ok, latest.changed_at) == (False, clock.now() + timedelta(minutes=2))


def test_services_in_trouble_are_probed_more_often(
    loaded_store: SqlStore, clock: FixedClock
) -> None:
    catalog = CatalogIndex(loaded_store.list_services())
    discord = catalog.by_slug["discord"]
    slack = catalog.by_slug["slack"]
    add_reports(loaded_store, "discord", [clock.now() - timedelta(seconds=i) for i in range(300)])
    Monitor(loaded_store).tick(catalog, now=clock.now())
    prober = Prober(loaded_store)
    with loaded_store.transaction():
        for service in (discord, slack):
            assert service.id is not None
            loaded_store.record_probe(
                ProbeResult(service.id, clock.now(), ok=True, status_code=200, elapsed_ms=5)
            )

    due = prober.due([discord, slack], now=clock.now() + timedelta(minutes=2))

    assert [target.service_id for target in due] == [discord.id]
