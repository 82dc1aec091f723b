"""/admin: only operators; every action does what it says and lands in the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from outagewatch.catalog.search import CatalogIndex
from outagewatch.clock import FixedClock
from outagewatch.incidents.monitor import Monitor
from outagewatch.storage.records import FollowChoice
from outagewatch.storage.sql import SqlStore
from tests.helpers import SAME_SITE, add_reports, service_id, sign_in


@pytest.fixture
def operator(client: TestClient, loaded_store: SqlStore, clock: FixedClock) -> TestClient:
    with loaded_store.transaction():
        loaded_store.set_role("op@example.org", "operator", now=clock.now())
    sign_in(client, loaded_store, "op@example.org")
    return client


def _outage(store: SqlStore, clock: FixedClock, slug: str = "discord") -> int:
    add_reports(store, slug, [clock.now() - timedelta(seconds=i) for i in range(300)])
    Monitor(store).tick(CatalogIndex(store.list_services()), now=clock.now())
    return store.open_incidents()[service_id(store, slug)].id


def test_admin_is_a_404_for_visitors_and_ordinary_accounts(
    client: TestClient, loaded_store: SqlStore
) -> None:
    assert client.get("/admin").status_code == 404
    sign_in(client, loaded_store, "someone@example.org")
    assert client.get("/admin").status_code == 404
    refused = client.post("/admin/incidents/1/update", data={"message": "hi"}, headers=SAME_SITE)
    assert refused.status_code == 404


def test_an_update_reaches_the_timeline_the_followers_and_the_audit_log(
    operator: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    with loaded_store.transaction():
        fan = loaded_store.account_for_email("fan@example.org", now=clock.now())
        loaded_store.add_channel(
            fan.id, kind="email", address=fan.email, secret=None, now=clock.now()
        )
        loaded_store.follow(fan.id, FollowChoice(discord, False, True), now=clock.now())
    incident = _outage(loaded_store, clock)

    answer = operator.post(
        f"/admin/incidents/{incident}/update",
        data={"message": "Discord says a fix is rolling out.", "notify": "yes"},
        headers=SAME_SITE,
    )

    assert "1 message(s) queued" in answer.text
    stored = loaded_store.incident(incident)
    assert stored is not None
    assert ("update", "Discord says a fix is rolling out.") in [
        (e.kind, e.message) for e in stored.events
    ]
    (message,) = [m for m in loaded_store.messages() if m.event == "update"]
    assert message.address == "fan@example.org"
    assert message.payload == {"message": "Discord says a fix is rolling out."}
    (entry,) = loaded_store.audit_log(limit=5)
    assert (entry.actor, entry.action, entry.target) == (
        "op@example.org",
        "incident.update",
        f"incident:{incident}",
    )
    timeline = operator.get("/services/discord/timeline").text
    assert "Update from OutageWatch" in timeline and "a fix is rolling out" in timeline


def test_an_empty_update_is_refused_with_a_message(
    operator: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    incident = _outage(loaded_store, clock)

    answer = operator.post(
        f"/admin/incidents/{incident}/update", data={"message": "  "}, headers=SAME_SITE
    )

    assert "An update needs a message." in answer.text
    assert loaded_store.audit_log(limit=5) == []


def test_an_incident_can_be_marked_a_false_alarm(
    operator: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    incident = _outage(loaded_store, clock)

    operator.post(
        f"/admin/incidents/{incident}/review", data={"review": "false_alarm"}, headers=SAME_SITE
    )

    stored = loaded_store.incident(incident)
    assert stored is not None and stored.review == "false_alarm"
    assert "False alarm" in operator.get("/services/discord").text


def test_catalog_edits_show_at_once_and_survive_a_catalog_reload(
    operator: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    from outagewatch.catalog import service as catalog_service

    operator.post(
        "/admin/services/discord/edit",
        data={"name": "Discord Chat", "url": "https://discord.com/app"},
        headers=SAME_SITE,
    )
    catalog_service.load_into_store(loaded_store, now=clock.now())

    assert '<h1 id="service-name">Discord Chat</h1>' in operator.get("/services/discord").text
    reloaded = catalog_service.read_index(loaded_store).by_slug["discord"]
    assert (reloaded.name, reloaded.url) == ("Discord Chat", "https://discord.com/app")
    bad = operator.post(
        "/admin/services/discord/edit", data={"url": "javascript:alert(1)"}, headers=SAME_SITE
    )
    assert "must be an https:// address" in bad.text


def test_a_service_threshold_changes_what_the_detector_needs(
    operator: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    operator.post(
        "/admin/services/discord/thresholds",
        data={"possible_min_reports": "500", "major_min_reports": "5000"},
        headers=SAME_SITE,
    )
    add_reports(loaded_store, "discord", [clock.now() - timedelta(seconds=i) for i in range(300)])

    changes = Monitor(loaded_store).tick(
        CatalogIndex(loaded_store.list_services()), now=clock.now()
    )

    assert changes == []  # 300 reports flip Discord by default (see test_monitor), not now
    out_of_range = operator.post(
        "/admin/services/discord/thresholds",
        data={"possible_ratio": "0.5"},
        headers=SAME_SITE,
    )
    assert "must be between" in out_of_range.text


def test_hiding_a_report_takes_it_out_of_the_counts(
    operator: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    discord = service_id(loaded_store, "discord")
    add_reports(loaded_store, "discord", [clock.now() - timedelta(minutes=1)] * 3)
    before = loaded_store.recent_counts([discord], now=clock.now())[discord].reports_this_hour
    (newest, *_) = loaded_store.recent_reports(discord, limit=5)

    page = operator.post(
        f"/admin/reports/{newest.id}/hide",
        data={"back": "/admin/services/discord"},
        headers=SAME_SITE,
    )

    after = loaded_store.recent_counts([discord], now=clock.now())[discord].reports_this_hour
    assert (before, after) == (3, 2)
    assert f"Report {newest.id} hidden." in page.text
    again = operator.post(f"/admin/reports/{newest.id}/hide", headers=SAME_SITE)
    assert "hidden already" in again.text
