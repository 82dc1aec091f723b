"""What search engines read: robots.txt, the sitemap index and its files, all validated."""

from __future__ import annotations

import re
import urllib.robotparser
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from outagewatch.storage.records import Incident, IncidentEvent, ServiceStatus
from outagewatch.storage.sql import SqlStore
from outagewatch.web import sitemaps
from tests.conftest import NOW
from tests.helpers import service_id

NS = {"s": sitemaps.NAMESPACE}
W3C_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
BASE = "http://testserver"


def _disallowed_by_rfc9309(robots: str, path: str) -> bool:
    """RFC 9309 matching for the group of every agent: the longest matching rule wins,
    `*` matches any characters (urllib.robotparser knows no wildcards)."""
    best_length, allowed = -1, True
    for line in robots.splitlines():
        field, _, value = line.partition(":")
        if field.strip().lower() not in ("allow", "disallow") or not value.strip():
            continue
        pattern = "^" + re.escape(value.strip()).replace(r"\*", ".*")
        if re.match(pattern, path) and len(value.strip()) > best_length:
            best_length, allowed = len(value.strip()), field.strip().lower() == "allow"
    return not allowed


def _add_incident(store: SqlStore, slug: str, *, started: datetime) -> int:
    with store.transaction():
        number = store.create_incident(
            Incident(
                id=0,
                service_id=service_id(store, slug),
                state="resolved",
                severity="major",
                started_at=started,
                detected_at=started + timedelta(minutes=3),
                peak_at=started + timedelta(minutes=20),
                peak_reports=400,
                resolved_at=started + timedelta(hours=2),
            )
        )
        store.add_incident_event(
            number, IncidentEvent(at=started + timedelta(hours=3), kind="update", message="Fixed")
        )
    return number


def test_robots_keeps_private_paths_out_and_points_to_the_sitemap(client: TestClient) -> None:
    response = client.get("/robots.txt")
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(response.text.splitlines())

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert parser.site_maps() == [f"{BASE}/sitemap.xml"]
    for private in ("/account", "/admin/services", "/api/v1/services/tiktok", "/signin"):
        assert not parser.can_fetch("*", f"{BASE}{private}"), private
    for public in ("/", "/services/tiktok", "/categories/banking", "/incidents/4"):
        assert parser.can_fetch("*", f"{BASE}{public}"), public
    assert _disallowed_by_rfc9309(response.text, "/services/tiktok/report")
    assert not _disallowed_by_rfc9309(response.text, "/services/tiktok")


def _with_news(store: SqlStore) -> int:
    """An incident on TikTok two days ago and WhatsApp down for an hour: the incident's id."""
    incident = _add_incident(store, "tiktok", started=NOW - timedelta(days=2))
    with store.transaction():
        store.set_status(
            ServiceStatus(service_id(store, "whatsapp"), "major", NOW - timedelta(hours=1))
        )
    return incident


def _read_sitemaps(client: TestClient) -> dict[str, str | None]:
    """Every URL the sitemap files list, with its lastmod; each file checked on the way."""
    index = client.get("/sitemap.xml")
    root = ET.fromstring(index.content)
    assert index.status_code == 200 and root.tag == f"{{{sitemaps.NAMESPACE}}}sitemapindex"
    urls: dict[str, str | None] = {}
    for child in root.findall("s:sitemap", NS):
        loc = child.findtext("s:loc", namespaces=NS) or ""
        assert loc.startswith(f"{BASE}/sitemaps/")
        answer = client.get(loc.removeprefix(BASE))
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/xml"
        urlset = ET.fromstring(answer.content)
        assert urlset.tag == f"{{{sitemaps.NAMESPACE}}}urlset"
        entries = urlset.findall("s:url", NS)
        assert 0 < len(entries) <= sitemaps.MAX_URLS_PER_FILE
        for entry in entries:
            urls[entry.findtext("s:loc", namespaces=NS) or ""] = entry.findtext(
                "s:lastmod", namespaces=NS
            )
    return urls


def test_the_sitemaps_list_every_page_with_lastmod_from_the_data(
    client: TestClient, loaded_store: SqlStore
) -> None:
    incident = _with_news(loaded_store)

    urls = _read_sitemaps(client)

    assert all(W3C_DATETIME.match(at) for at in urls.values() if at is not None)
    assert len([url for url in urls if "/services/" in url]) == len(loaded_store.list_services())
    assert urls[f"{BASE}/incidents/{incident}"] == (NOW + timedelta(days=-2, hours=3)).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"
    )
    assert urls[f"{BASE}/services/tiktok"] == urls[f"{BASE}/incidents/{incident}"]
    assert urls[f"{BASE}/services/whatsapp"] == (NOW - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M:%S+00:00"
    )
    assert urls[f"{BASE}/"] == urls[f"{BASE}/services/whatsapp"]  # the newest change anywhere


# Rendering every listed page (some 2,800) is the suite's longest test: in slices, pytest-xdist
# spreads it over the cores.
SLICES = 4


@pytest.mark.parametrize("part", range(SLICES))
def test_every_url_in_the_sitemaps_answers_200(
    client: TestClient, loaded_store: SqlStore, part: int
) -> None:
    _with_news(loaded_store)
    urls = sorted(_read_sitemaps(client))

    answers = {url: client.get(url.removeprefix(BASE)).status_code for url in urls[part::SLICES]}

    assert answers and set(answers.values()) == {200}, {
        url: status for url, status in answers.items() if status != 200
    }


def test_a_kind_with_more_urls_than_a_file_holds_is_split() -> None:
    entries = sitemaps.SiteEntries(
        {"services": [sitemaps.Entry(f"/services/s{n}", None) for n in range(5)]}
    )

    files = entries.files(limit=2)

    assert {name: len(urls) for name, urls in files.items()} == {
        "services-1": 2,
        "services-2": 2,
        "services-3": 1,
    }


def test_an_unknown_sitemap_file_is_404(client: TestClient) -> None:
    assert client.get("/sitemaps/incidents-9.xml").status_code == 404
