"""Small things a visitor meets: compressed pages, a favicon, cached styles, no raw errors."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from outagewatch.catalog import data_file
from outagewatch.clock import FixedClock
from outagewatch.storage.sql import SqlStore
from outagewatch.web.presenters import catalog_size
from tests.conftest import NOW
from tests.helpers import add_reports, service_id, sign_in


def test_every_page_is_gzipped_for_a_browser_that_takes_it(client: TestClient) -> None:
    for path in ("/", "/categories/banking", "/about", "/credits", "/search?q=bank"):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})

        assert response.headers.get("content-encoding") == "gzip", path
        assert "Accept-Encoding" in response.headers["vary"]
        assert int(response.headers["content-length"]) < len(response.content), path


def test_a_browser_without_gzip_gets_plain_html(client: TestClient) -> None:
    response = client.get("/categories/banking", headers={"Accept-Encoding": "identity"})

    assert "content-encoding" not in response.headers
    assert response.text.startswith("<!doctype html>")


RAW_ERROR = "cannot connect: [Errno -2] Name or service not known"


def _official_page_fails(store: SqlStore, slug: str) -> None:
    with store.transaction():
        store.sync_official_sources(store.list_services(), now=NOW)
        store.record_check(
            service_id(store, slug),
            checked_at=NOW,
            next_check_at=NOW + timedelta(minutes=5),
            error=RAW_ERROR,
        )


def test_visitors_read_what_a_failed_official_check_means_not_its_raw_error(
    client: TestClient, loaded_store: SqlStore
) -> None:
    _official_page_fails(loaded_store, "discord")

    page = client.get("/services/discord").text

    assert "the official status page could not be reached just now" in page
    assert "Errno" not in page and "cannot connect" not in page


def test_operators_still_see_the_raw_error_on_the_service_admin_page(
    client: TestClient, loaded_store: SqlStore, clock: FixedClock
) -> None:
    _official_page_fails(loaded_store, "discord")
    with loaded_store.transaction():
        loaded_store.set_role("op@example.org", "operator", now=clock.now())
    sign_in(client, loaded_store, "op@example.org")

    page = client.get("/admin/services/discord").text

    assert RAW_ERROR in page


def test_favicon_ico_answers_with_the_site_icon(client: TestClient) -> None:
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "<svg" in response.text


def test_the_stylesheet_is_linked_by_version_and_kept_for_good_under_it(
    client: TestClient,
) -> None:
    page = client.get("/about").text
    stylesheet = re.search(r'<link rel="stylesheet" href="(/static/app\.css\?v=\w+)">', page)
    assert stylesheet is not None

    versioned = client.get(stylesheet.group(1))
    plain = client.get("/static/app.css")
    stale = client.get("/static/app.css?v=0ld")

    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert plain.headers["cache-control"] == "public, max-age=3600"
    assert stale.headers["cache-control"] == "public, max-age=3600"


def test_the_two_search_forms_of_the_home_page_have_different_names(client: TestClient) -> None:
    page = client.get("/").text

    assert page.count('role="search"') == 2
    assert 'role="search" aria-label="Check whether a service is down"' in page


def test_regions_are_named_in_words_without_flag_emoji(
    client: TestClient, loaded_store: SqlStore
) -> None:
    add_reports(loaded_store, "tiktok", [NOW - timedelta(minutes=2)] * 3, country="ZA")

    page = client.get("/services/tiktok").text

    assert "South Africa" in page
    assert not any(0x1F1E6 <= ord(character) <= 0x1F1FF for character in page)


def test_the_search_box_says_how_many_services_the_catalog_holds(client: TestClient) -> None:
    page = client.get("/")

    tracked = len(data_file.load_services())
    assert f'placeholder="Search {catalog_size(tracked)} services"' in page.text
    assert "1,400+" not in page.text
    assert catalog_size(2725) == "2,700+" and catalog_size(42) == "42"
