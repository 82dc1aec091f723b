from __future__ import annotations

from outagewatch.catalog.model import Service
from outagewatch.catalog.search import CatalogIndex, normalise


def _service(slug: str, name: str, popularity: int = 3, **extra: object) -> Service:
    return Service(
        slug=slug,
        name=name,
        category=str(extra.pop("category", "messaging")),
        url=f"https://{slug}.example",
        description=name,
        popularity=popularity,
        icon=f"{slug}.svg",
        **extra,  # type: ignore[arg-type]
    )


INDEX = CatalogIndex(
    [
        _service("whatsapp", "WhatsApp", 5),
        _service("whatsapp-business", "WhatsApp Business", 3),
        _service("societe-generale", "Société Générale", 3, category="banking"),
        _service("x", "X", 5, aliases=("Twitter",), category="social-media"),
        _service("telegram", "Telegram", 4),
    ]
)


def test_normalise_drops_accents_case_and_punctuation() -> None:
    assert normalise("  Société-Générale! ") == "societe generale"


def test_exact_name_ranks_before_longer_names_that_start_with_it() -> None:
    results = INDEX.search("whatsapp")

    assert [s.slug for s in results] == ["whatsapp", "whatsapp-business"]


def test_spaces_inside_a_brand_do_not_matter() -> None:
    assert INDEX.search("whats app")[0].slug == "whatsapp"


def test_aliases_find_renamed_services() -> None:
    assert [s.slug for s in INDEX.search("twitter")] == ["x"]


def test_accents_are_optional_in_queries() -> None:
    assert [s.slug for s in INDEX.search("societe generale")] == ["societe-generale"]


def test_a_word_inside_the_name_matches() -> None:
    assert [s.slug for s in INDEX.search("business")] == ["whatsapp-business"]


def test_category_filter_limits_results() -> None:
    assert [s.slug for s in INDEX.search("", category="banking")] == ["societe-generale"]


def test_no_match_gives_nothing() -> None:
    assert INDEX.search("zzzz") == []


def test_exact_match_only_when_unambiguous() -> None:
    assert INDEX.exact_match("Telegram") is not None
    assert INDEX.exact_match("tele") is None


def test_empty_query_lists_most_popular_first() -> None:
    assert [s.slug for s in INDEX.search("", limit=2)] == ["whatsapp", "x"]


def test_popular_services_start_with_household_names_then_take_turns_across_categories() -> None:
    names = [s.slug for s in INDEX.popular(6)]

    assert names[:3] == ["whatsapp", "x", "telegram"]  # in household_names.yaml's order
    assert "societe-generale" in names[3:]
