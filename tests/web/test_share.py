"""Shared links: Open Graph and Twitter tags, and the preview image, drawn once per state."""

from __future__ import annotations

import struct
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from outagewatch.app import build_site
from outagewatch.clock import FixedClock
from outagewatch.config import Settings
from outagewatch.storage.records import Incident, ServiceStatus
from outagewatch.storage.sql import SqlStore
from outagewatch.web.preview import Card, card_svg
from tests.conftest import NOW
from tests.helpers import add_reports, service_id

BASE = "http://testserver"


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: dict[str, str] = {}
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        key = values.get("property") or values.get("name")
        if tag == "meta" and key and (key.startswith(("og:", "twitter:"))):
            self.tags[key] = values.get("content") or ""
        self._in_title = tag == "title" and not self.title  # the head's, not an SVG's

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def _meta(html: str) -> _Meta:
    reader = _Meta()
    reader.feed(html)
    return reader


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


@pytest.fixture
def site(loaded_store: SqlStore, clock: FixedClock, tmp_path: Path) -> Iterator[FastAPI]:
    settings = Settings(data_dir=tmp_path, public_url=BASE, run_detection=False, run_delivery=False)
    yield build_site(settings, store=loaded_store, clock=clock)


def test_a_service_page_carries_share_tags_that_resolve(site: FastAPI) -> None:
    with TestClient(site) as client:
        meta = _meta(client.get("/services/tiktok").text)
        image = client.get(meta.tags["og:image"].removeprefix(BASE))

    assert meta.tags["og:title"] == meta.title == meta.tags["twitter:title"]
    assert meta.tags["og:url"] == f"{BASE}/services/tiktok"
    assert meta.tags["og:description"].startswith("TikTok: No issues.")
    assert meta.tags["twitter:card"] == "summary_large_image"
    assert (meta.tags["og:image:width"], meta.tags["og:image:height"]) == ("1200", "630")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert _png_size(image.content) == (1200, 630)


def test_the_image_is_drawn_once_per_status_and_hour_however_many_ask(
    site: FastAPI, loaded_store: SqlStore, clock: FixedClock
) -> None:
    with TestClient(site) as client:
        first = [client.get("/services/tiktok/preview.png") for _ in range(20)]
        again = client.get(
            "/services/tiktok/preview.png", headers={"If-None-Match": first[0].headers["etag"]}
        )
        with loaded_store.transaction():
            loaded_store.set_status(ServiceStatus(service_id(loaded_store, "tiktok"), "major", NOW))
        clock.advance(timedelta(seconds=6))  # past the few seconds a status is believed
        changed = client.get("/services/tiktok/preview.png")
        clock.advance(timedelta(seconds=6))
        same_hour = client.get("/services/tiktok/preview.png")

    assert {r.content for r in first} == {first[0].content}
    assert again.status_code == 304
    assert changed.headers["etag"] != first[0].headers["etag"]
    assert same_hour.headers["etag"] == changed.headers["etag"]
    assert site.state.previews.renders == 2


def test_an_incident_has_its_own_preview_and_tags(site: FastAPI, loaded_store: SqlStore) -> None:
    add_reports(loaded_store, "tiktok", [NOW - timedelta(minutes=30)] * 12, country="GB")
    with loaded_store.transaction():
        number = loaded_store.create_incident(
            Incident(0, service_id(loaded_store, "tiktok"), "open", "major",
                     NOW - timedelta(minutes=40), NOW, NOW, 12, None)
        )  # fmt: skip
    with TestClient(site) as client:
        meta = _meta(client.get(f"/incidents/{number}").text)
        image = client.get(meta.tags["og:image"].removeprefix(BASE))

    assert meta.tags["og:url"] == f"{BASE}/incidents/{number}"
    assert meta.tags["og:title"].startswith("TikTok outage since")
    assert "worst in United Kingdom" in meta.tags["og:title"]
    assert _png_size(image.content) == (1200, 630)


def test_pages_without_a_preview_still_describe_themselves(site: FastAPI) -> None:
    with TestClient(site) as client:
        meta = _meta(client.get("/categories/banking").text)

    assert meta.tags["twitter:card"] == "summary"
    assert "og:image" not in meta.tags
    assert meta.tags["og:title"] == meta.title


def test_the_card_says_what_the_page_says() -> None:
    card = Card(
        name="Bank & Co <UK>",
        icon="tiktok.svg",
        status="major",
        status_label="Major outage",
        headline="1,204 reports in the last hour",
        bars=[1, 2, 3],
        usual=[1.0, None, 2.0],
        chart_label="Reports per hour",
        site_name="OutageWatch",
    )

    svg = card_svg(card)

    assert "Bank &amp; Co &lt;UK&gt;" in svg
    assert "Major outage" in svg and "1,204 reports in the last hour" in svg
    assert svg.count("<rect") == 3 + 3  # background, band, pill + three bars
    assert 'href="data:image/svg+xml;base64,' in svg
