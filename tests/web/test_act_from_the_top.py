"""The service page's top: what a visitor came to do, beside the status."""

from __future__ import annotations

from fastapi.testclient import TestClient

from outagewatch.storage.records import ServiceStatus
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import SAME_SITE, service_id, sign_in


def _head(page: str) -> str:
    return page[page.index('class="service-head') : page.index('<div class="charts">')]


def test_during_an_outage_the_top_offers_to_report_and_to_be_told_when_it_is_back(
    client: TestClient, loaded_store: SqlStore
) -> None:
    with loaded_store.transaction():
        loaded_store.set_status(ServiceStatus(service_id(loaded_store, "tiktok"), "major", NOW))

    head = _head(client.get("/services/tiktok").text)

    assert 'href="#report-problems" data-report-now>Report a problem</a>' in head
    assert 'href="#notify">Notify me when it’s back</a>' in head


def test_someone_who_follows_the_service_reads_that_they_will_be_notified(
    client: TestClient, loaded_store: SqlStore
) -> None:
    sign_in(client, loaded_store)
    client.post("/services/tiktok/follow", data={"notify": "both"}, headers=SAME_SITE)

    head = _head(client.get("/services/tiktok").text)

    assert "You’ll be notified</a>" in head


def test_the_faq_points_to_notify_me_and_the_head_announces_the_feeds(client: TestClient) -> None:
    page = client.get("/services/mtn-za").text

    assert "How do I report a problem with MTN South Africa?" in page
    assert "a MTN" not in page
    assert 'Use <a href="#notify">Notify me</a> on this page' in page
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'href="/services/mtn-za/feed.atom"' in page
    )
