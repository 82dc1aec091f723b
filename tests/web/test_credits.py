"""Icon notices: what MIT and BSD licences ask to travel with a logo is on /credits and in
THIRD_PARTY.md, and the credits say what the icon set's licence does and does not cover."""

from __future__ import annotations

import html
from pathlib import Path

from fastapi.testclient import TestClient

from outagewatch.catalog import data_file, notices

THIRD_PARTY = Path(__file__).resolve().parents[2] / "THIRD_PARTY.md"
SHIPPED_ICONS = data_file.read_icons()


def test_every_shipped_icon_under_mit_or_bsd_has_its_notice() -> None:
    licensed = {
        slug for slug, icon in SHIPPED_ICONS.items() if notices.needs_notice(icon.get("license"))
    }
    slugs = {service.slug for service in data_file.load_services()}

    assert licensed & slugs  # the check below has something to check
    assert list(notices.notice_problems(SHIPPED_ICONS, slugs)) == []
    assert licensed & slugs <= set(notices.notices_for(SHIPPED_ICONS))


def test_the_credits_page_shows_each_licensed_icons_copyright_and_licence_text(
    client: TestClient,
) -> None:
    page = html.unescape(client.get("/credits").text)

    for notice in notices.notices_for(SHIPPED_ICONS).values():
        assert notice.copyright in page
        assert notice.text in page
    assert "Copyright (c) 2025 GitHub Inc." in page
    assert "Redistributions of source code must retain the above copyright notice" in page


def test_the_credits_say_what_the_icon_sets_licence_covers_and_what_it_does_not(
    client: TestClient,
) -> None:
    page = client.get("/credits").text

    assert "Simple Icons</a> (CC0 1.0)" not in page  # no longer: every logo CC0
    assert "does not make every logo CC0" in page
    assert "does it grant any trademark right" in page


def test_third_party_md_carries_the_same_notices() -> None:
    text = THIRD_PARTY.read_text(encoding="utf-8")

    for slug, notice in notices.notices_for(SHIPPED_ICONS).items():
        line = next(line for line in text.splitlines() if line.startswith(f"- `{slug}`"))
        assert notice.copyright in line and notice.licence in line
        assert notice.text.replace(notice.copyright, "{copyright}") in text


def test_an_icon_under_mit_without_a_notice_fails_validation(tmp_path: Path) -> None:
    entry = {
        "slug": "acme",
        "name": "Acme",
        "category": "shopping",
        "url": "https://acme.example",
        "description": "Acme sells things.",
        "popularity": 2,
        "_file": "shopping.yaml",
    }
    (tmp_path / "acme.svg").write_text("<svg/>")
    icons = {"acme": {"file": "acme.svg", "license": "MIT", "credit": "Acme logo, MIT"}}

    problems = data_file.find_problems([entry], icons, tmp_path, terms={}, household=())

    assert problems == [
        "acme: its icon is under MIT; add its copyright to icon_notices.yaml",
    ]
