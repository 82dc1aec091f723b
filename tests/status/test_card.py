"""The status card: what every face shows of a service, and the one "since" rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from outagewatch.catalog.model import Service
from outagewatch.status.card import read_card
from outagewatch.storage.records import ServiceStatus
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports, service_id

HISTORY_BEGAN = datetime(2026, 10, 1, tzinfo=UTC)  # as the loaded_store fixture says


def test_a_service_never_judged_has_been_fine_since_counting_began(
    loaded_store: SqlStore,
) -> None:
    tiktok = _service(loaded_store, "tiktok")

    card = read_card(loaded_store, service=tiktok, now=NOW)

    assert (card.word, card.label) == ("ok", "No issues")
    assert card.status.since == card.tracked_since == HISTORY_BEGAN
    assert (card.explanation, card.stale, card.incidents) == (None, False, [])


def test_a_judged_service_shows_its_status_its_evidence_and_its_counts(
    loaded_store: SqlStore,
) -> None:
    add_reports(loaded_store, "tiktok", [NOW - timedelta(minutes=2)] * 3, problem="login")
    with loaded_store.transaction():
        loaded_store.set_status(
            ServiceStatus(
                service_id(loaded_store, "tiktok"),
                "major",
                NOW - timedelta(minutes=5),
                evidence={"explanation": "3 reports", "observed": 3, "calm_minutes": 0},
            )
        )

    card = read_card(loaded_store, service=_service(loaded_store, "tiktok"), now=NOW)

    assert (card.word, card.status.since) == ("major", NOW - timedelta(minutes=5))
    assert (card.reports_this_hour, card.reports_today) == (3, 3)
    assert card.explanation == "3 reports"
    assert card.public_evidence == {"observed": 3}  # the detector's bookkeeping stays inside


def _service(store: SqlStore, slug: str) -> Service:
    return next(service for service in store.list_services() if service.slug == slug)
