"""The curated catalog shipped in the repo, and the checks that guard it."""

from __future__ import annotations

from pathlib import Path

from outagewatch.catalog import data_file
from outagewatch.catalog.categories import CATEGORIES


def _entry(**overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "slug": "acme",
        "name": "Acme",
        "category": "shopping",
        "url": "https://acme.example",
        "description": "Acme sells things.",
        "popularity": 2,
        "_file": "shopping.yaml",
    }
    entry.update(overrides)
    return entry


def _problems(entries: list[dict[str, object]], tmp_path: Path) -> list[str]:
    icons = {}
    for entry in entries:
        (tmp_path / f"{entry['slug']}.svg").write_text("<svg/>")
        icons[str(entry["slug"])] = {"file": f"{entry['slug']}.svg"}
    return data_file.find_problems(entries, icons, tmp_path, terms={}, household=())


def test_the_shipped_catalog_is_valid_and_large() -> None:
    services = data_file.load_services()

    assert len(services) >= 1400
    assert len({service.category for service in services}) >= 20
    assert {service.category for service in services} <= {c.slug for c in CATEGORIES}


def test_every_shipped_service_has_an_icon_file() -> None:
    for service in data_file.load_services():
        assert (data_file.ICONS_DIR / service.icon).is_file(), service.slug


def test_regional_services_span_many_countries() -> None:
    services = data_file.load_services()
    countries = {country for service in services for country in service.countries}

    assert len(countries) >= 30
    for category in ("banking", "mobile-telecom", "internet-providers"):
        regional = [s for s in services if s.category == category and s.countries]
        assert len({c for s in regional for c in s.countries}) >= 15, category


def test_a_valid_entry_has_no_problems(tmp_path: Path) -> None:
    assert _problems([_entry()], tmp_path) == []


def test_duplicate_slugs_are_reported(tmp_path: Path) -> None:
    problems = _problems([_entry(), _entry(name="Acme 2")], tmp_path)

    assert "duplicate slug 'acme'" in problems


def test_unknown_categories_and_dangling_related_slugs_are_reported(tmp_path: Path) -> None:
    problems = _problems(
        [_entry(category="toys", _file="toys.yaml", related=["nowhere"])], tmp_path
    )

    assert any("unknown category 'toys'" in p for p in problems)
    assert any("related slug 'nowhere' does not exist" in p for p in problems)


def test_malformed_urls_countries_and_popularity_are_reported(tmp_path: Path) -> None:
    problems = _problems(
        [_entry(url="acme.example", countries=["gb"], popularity=9, status_page="ftp://x")],
        tmp_path,
    )

    assert any("url is not a well-formed" in p for p in problems)
    assert any("status_page is not a well-formed" in p for p in problems)
    assert any("'gb' is not an ISO 3166-1 alpha-2" in p for p in problems)
    assert any("popularity must be" in p for p in problems)


def test_missing_fields_and_icons_are_reported(tmp_path: Path) -> None:
    entry = _entry()
    del entry["description"]

    problems = data_file.find_problems([entry], {}, tmp_path, terms={}, household=())

    assert any("missing description" in p for p in problems)
    assert any("no icon file" in p for p in problems)
