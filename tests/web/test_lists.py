"""Lists lead with trouble: a person in a hurry reads the top of a list, not row 38."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi.testclient import TestClient

from outagewatch.storage.records import ServiceStatus
from outagewatch.storage.sql import SqlStore
from tests.conftest import NOW
from tests.helpers import add_reports, service_id


def _set_status(store: SqlStore, slug: str, status: Literal["possible", "major"]) -> None:
    with store.transaction():
        store.set_status(ServiceStatus(service_id(store, slug), status, NOW))


def _row_order(page: str, slugs: list[str]) -> list[str]:
    return sorted(slugs, key=lambda slug: page.index(f'data-row-slug="{slug}"'))


def test_a_category_lists_outages_first_then_possible_problems_then_the_rest(
    client: TestClient, loaded_store: SqlStore
) -> None:
    first_alphabetically = client.get("/categories/messaging").text
    first = first_alphabetically[first_alphabetically.index('data-row-slug="') :][15:60]
    first_slug = first.split('"')[0]
    _set_status(loaded_store, "whatsapp", "possible")
    _set_status(loaded_store, "signal", "major")

    page = client.get("/categories/messaging").text

    assert _row_order(page, ["whatsapp", "signal", first_slug]) == [
        "signal",
        "whatsapp",
        first_slug,
    ]


def test_among_services_in_trouble_the_most_reported_comes_first(
    client: TestClient, loaded_store: SqlStore
) -> None:
    _set_status(loaded_store, "whatsapp", "major")
    _set_status(loaded_store, "signal", "major")
    add_reports(loaded_store, "signal", [NOW - timedelta(minutes=1)] * 9)
    add_reports(loaded_store, "whatsapp", [NOW - timedelta(minutes=1)] * 3)

    page = client.get("/categories/messaging").text

    assert _row_order(page, ["whatsapp", "signal"]) == ["signal", "whatsapp"]


def test_popular_services_with_problems_come_first(
    client: TestClient, loaded_store: SqlStore
) -> None:
    home = client.get("/").text
    tiles = home[home.index('id="popular"') :]
    last_tile = tiles[: tiles.index("</ul>")].rsplit('href="/services/', 1)[1].split('"')[0]
    _set_status(loaded_store, last_tile, "major")

    page = client.get("/").text

    popular = page[page.index('id="popular"') :]
    first_tile = popular.split('href="/services/', 1)[1].split('"')[0]
    assert first_tile == last_tile
