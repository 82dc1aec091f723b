"""Popular services start with the names everybody checks, and the list stays valid."""

from __future__ import annotations

from outagewatch.catalog import data_file
from outagewatch.catalog.search import CatalogIndex, household_name_problems


def test_popular_services_start_with_the_household_names() -> None:
    index = CatalogIndex(data_file.load_services())

    popular = [service.slug for service in index.popular(30)]

    assert popular[:5] == ["tiktok", "whatsapp", "youtube", "instagram", "facebook"]
    assert len(popular) == len(set(popular)) == 30
    assert "aadhaar" not in popular[:20]


def test_the_rest_takes_turns_across_categories() -> None:
    index = CatalogIndex(data_file.load_services())

    rest = index.popular(60)[20:]

    assert len({service.category for service in rest}) >= 15


def test_a_household_name_that_is_not_a_service_is_a_catalog_problem() -> None:
    problems = list(household_name_problems(["tiktok"], ["tiktok", "myspace"]))

    assert problems == ["household_names.yaml: 'myspace' is not a service"]
