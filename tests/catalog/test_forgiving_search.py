"""Search that forgives: typos, shorthands, the words around a name, and shared brands."""

from __future__ import annotations

from outagewatch.catalog import data_file
from outagewatch.catalog.matching import query_forms
from outagewatch.catalog.model import Service
from outagewatch.catalog.search import CatalogIndex, search_term_problems


def _service(
    service_id: int, slug: str, name: str, popularity: int = 3, **extra: object
) -> Service:
    return Service(
        id=service_id,
        slug=slug,
        name=name,
        category=str(extra.pop("category", "social-media")),
        url=f"https://{slug}.example",
        description=name,
        popularity=popularity,
        **extra,  # type: ignore[arg-type]
    )


SERVICES = [
    _service(1, "instagram", "Instagram", 5),
    _service(2, "tiktok", "TikTok", 5),
    _service(3, "youtube", "YouTube", 5, category="streaming"),
    _service(4, "whatsapp", "WhatsApp", 5, category="messaging"),
    _service(5, "gmail", "Gmail", 5, category="email"),
    _service(6, "netflix", "Netflix", 5, category="streaming"),
    _service(7, "netlify", "Netlify", 2, category="cloud-hosting"),
    _service(8, "playstation-network", "PlayStation Network", 5, category="gaming"),
    _service(9, "bank-of-america", "Bank of America", 5, aliases=("BofA",), category="banking"),
    _service(10, "mtn-ng", "MTN Nigeria", 4, aliases=("MTN",), countries=("NG",)),
    _service(11, "mtn-za", "MTN South Africa", 4, countries=("ZA",)),
    _service(12, "app-store", "App Store", 5, category="shopping"),
    _service(13, "x", "X", 5, aliases=("Twitter",)),
    _service(14, "whatsapp-business", "WhatsApp Business", 3, category="messaging"),
    _service(15, "twitch", "Twitch", 4, category="streaming"),
    _service(16, "ing-nl", "ING", 4, countries=("NL",), category="banking"),
    _service(17, "ing-de", "ING Germany", 4, aliases=("ING",), countries=("DE",)),
]
INDEX = CatalogIndex(SERVICES, terms={"playstation-network": ("ps5",)})


def _first(query: str, **options: object) -> str:
    return INDEX.search(query, **options)[0].slug  # type: ignore[arg-type]


def test_one_wrong_letter_still_finds_the_service() -> None:
    assert [_first(q) for q in ("instagam", "tiktk", "youtbe", "whatsap")] == [
        "instagram",
        "tiktok",
        "youtube",
        "whatsapp",
    ]


def test_two_wrong_letters_are_forgiven_in_longer_names() -> None:
    assert _first("netfliks") == "netflix"


def test_swapped_neighbouring_letters_count_as_one_typo() -> None:
    assert _first("gmial") == "gmail"


def test_a_mistyped_start_of_a_long_name_finds_it() -> None:
    assert _first("playstaton") == "playstation-network"


def test_short_queries_are_not_guessed_at() -> None:
    assert INDEX.search("tkk") == []


def test_shorthands_and_device_names_find_the_service() -> None:
    assert _first("bofa") == "bank-of-america"
    assert _first("ps5") == "playstation-network"


def test_the_words_around_a_name_are_understood() -> None:
    queries = ["is tiktok down", "tiktok not working", "TikTok outage today?", "tiktok down"]

    assert [INDEX.lookup(query).exact for query in queries] == [SERVICES[1]] * 4


def test_words_of_a_name_are_kept_when_stripping_the_words_around_it() -> None:
    assert query_forms("is the app store down") == ["is the app store down", "app store"]
    assert INDEX.lookup("app store not working").exact == SERVICES[11]


def test_an_exactly_typed_name_beats_a_typo_of_a_more_popular_one_in_trouble() -> None:
    results = INDEX.search("twitch", statuses={13: "major"})  # X, once Twitter: two edits away

    assert [service.slug for service in results] == ["twitch", "x"]


def test_an_exact_name_opens_its_service_even_when_longer_names_start_with_it() -> None:
    answer = INDEX.lookup("whatsapp")

    assert answer.exact == SERVICES[3]
    assert [s.slug for s in answer.results] == ["whatsapp", "whatsapp-business"]


def test_an_alias_nobody_else_goes_by_opens_its_service() -> None:
    assert INDEX.lookup("twitter").exact == SERVICES[12]


def test_a_shared_brand_offers_the_choices_instead_of_opening_one() -> None:
    answer = INDEX.lookup("MTN")

    assert answer.exact is None
    assert answer.choices
    assert {s.slug for s in answer.results} == {"mtn-ng", "mtn-za"}


def test_a_name_that_is_another_services_alias_is_a_shared_brand() -> None:
    answer = INDEX.lookup("ing", country="DE")

    assert (answer.exact, answer.choices) == (None, True)
    assert [s.slug for s in answer.results] == ["ing-de", "ing-nl"]


def test_the_catalogs_own_entries_are_opened_by_their_names_not_taken_as_aliases() -> None:
    index = CatalogIndex(data_file.load_services())

    opened = [index.lookup(name).exact for name in ("Easypaisa", "T-Online")]

    assert [service.slug if service else None for service in opened] == ["easypaisa", "t-online"]


def test_a_word_that_only_begins_names_is_no_brand_to_choose_in() -> None:
    banks = [SERVICES[8], _service(20, "bank-of-ireland", "Bank of Ireland", 3)]

    answer = CatalogIndex(banks, terms={}).lookup("bank")

    assert [s.slug for s in answer.results] == ["bank-of-america", "bank-of-ireland"]
    assert (answer.exact, answer.choices) == (None, False)


def test_among_shared_brand_choices_the_one_with_problems_comes_first() -> None:
    results = INDEX.search("mtn", statuses={11: "major"}, country="NG")

    assert [s.slug for s in results] == ["mtn-za", "mtn-ng"]


def test_among_shared_brand_choices_the_visitors_country_comes_next() -> None:
    assert _first("mtn", country="ZA") == "mtn-za"
    assert _first("mtn", country="NG") == "mtn-ng"


def test_a_possible_problem_ranks_after_a_major_outage() -> None:
    results = INDEX.search("mtn", statuses={10: "possible", 11: "major"})

    assert [s.slug for s in results] == ["mtn-za", "mtn-ng"]


def test_the_category_filter_applies_to_forgiven_matches() -> None:
    assert [s.slug for s in INDEX.search("netflx", category="cloud-hosting")] == ["netlify"]


def test_a_search_term_for_a_missing_service_or_naming_another_is_reported() -> None:
    entries: list[dict[str, object]] = [
        {"slug": "psn", "name": "PSN", "aliases": ["PS5"]},
        {"slug": "xbox", "name": "Xbox"},
    ]

    problems = list(search_term_problems(entries, {"xbox": ("ps5",), "wii": ("wii u",)}))

    assert problems == [
        "search_terms.yaml: 'ps5' already names psn, not xbox",
        "search_terms.yaml: 'wii' is not a service",
    ]
