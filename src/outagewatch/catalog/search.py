"""In-memory catalog search: small enough (thousands of names) to rank in Python per query.

Results are ranked by how well the query names a service (catalog.matching), then, among
equally good matches, services with problems now first, those of the visitor's country
next, then the most popular. The page search and /api/v1/services?q= both ask `lookup`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from outagewatch.basics.services import Service
from outagewatch.catalog.matching import BRAND, EXACT, NameTable, names_of
from outagewatch.catalog.matching import normalise as normalise

SEARCH_TERMS_FILE = Path(__file__).parent / "data" / "search_terms.yaml"
HOUSEHOLD_NAMES_FILE = Path(__file__).parent / "data" / "household_names.yaml"

# How a current status orders equal matches: a major outage first, then possible problems.
_STATUS_ORDER = {"major": 0, "possible": 1}


@cache
def search_terms(path: Path = SEARCH_TERMS_FILE) -> dict[str, tuple[str, ...]]:
    """Words people search for that are not a service's name: devices and shorthands
    ("ps5" is PlayStation Network). Slug -> its terms, from data/search_terms.yaml."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    terms: dict[str, list[str]] = {}
    for term, slug in loaded.items():
        terms.setdefault(str(slug), []).append(str(term))
    return {slug: tuple(words) for slug, words in terms.items()}


@cache
def household_names(path: Path = HOUSEHOLD_NAMES_FILE) -> tuple[str, ...]:
    """The slugs people check first, in order (data/household_names.yaml)."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(str(slug) for slug in loaded)


def household_name_problems(slugs: Iterable[object], names: Iterable[str]) -> Iterator[str]:
    known = set(slugs)
    for slug in names:
        if slug not in known:
            yield f"household_names.yaml: {slug!r} is not a service"


def search_term_problems(
    entries: Iterable[Mapping[str, object]], terms: Mapping[str, tuple[str, ...]]
) -> Iterator[str]:
    """Search terms naming a service that does not exist, or naming another one already."""
    owners: dict[str, str] = {}
    slugs: set[str] = set()
    for entry in entries:
        slug = str(entry.get("slug"))
        slugs.add(slug)
        raw_aliases = entry.get("aliases")
        aliases = raw_aliases if isinstance(raw_aliases, list) else []
        for name in (entry.get("name"), slug.replace("-", " "), *aliases):
            owners.setdefault(normalise(str(name)), slug)
    for slug, words in terms.items():
        if slug not in slugs:
            yield f"search_terms.yaml: {slug!r} is not a service"
        for term in words:
            owner = owners.get(normalise(term))
            if owner is not None and owner != slug:
                yield f"search_terms.yaml: {term!r} already names {owner}, not {slug}"


@dataclass(frozen=True, slots=True)
class SearchAnswer:
    results: list[Service]  # best first
    exact: Service | None  # the one service the query names, to open directly
    choices: bool  # several services share the brand the query names: let the visitor pick


class CatalogIndex:
    """Lookup by slug, listing by category, and ranked search over names and aliases."""

    def __init__(
        self,
        services: Iterable[Service],
        *,
        terms: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        ordered = sorted(services, key=lambda s: (-s.popularity, s.name.lower()))
        self.services: tuple[Service, ...] = tuple(ordered)
        self.by_slug: dict[str, Service] = {service.slug: service for service in ordered}
        self.by_id: dict[int, Service] = {s.id: s for s in ordered if s.id is not None}
        extra = search_terms() if terms is None else terms
        self._names = NameTable(
            name
            for position, service in enumerate(ordered)
            for name in names_of(
                position,
                own=(service.name, service.slug.replace("-", " ")),
                others=(*service.aliases, *extra.get(service.slug, ())),
            )
        )

    @property
    def name_count(self) -> int:
        """Names, aliases and search terms searched, each once per service."""
        return len(self._names.names)

    def in_category(self, category: str) -> list[Service]:
        return [service for service in self.services if service.category == category]

    def popular(self, limit: int) -> list[Service]:
        """The household names first (TikTok-class brands, in their curated order), then the
        most popular services, taking turns across categories so the mix is varied."""
        chosen = [self.by_slug[slug] for slug in household_names() if slug in self.by_slug]
        chosen = chosen[:limit]
        queues: dict[str, list[Service]] = {}
        for service in self.services:  # already most popular first
            if service not in chosen:
                queues.setdefault(service.category, []).append(service)
        while len(chosen) < limit and any(queues.values()):
            for queue in queues.values():
                if queue and len(chosen) < limit:
                    chosen.append(queue.pop(0))
        return chosen

    def related(self, service: Service) -> list[Service]:
        return [self.by_slug[slug] for slug in service.related if slug in self.by_slug]

    def exact_match(self, query: str) -> Service | None:
        """The one service the query names exactly, if it names one and no shared brand."""
        return self.lookup(query).exact

    def search(
        self,
        query: str,
        *,
        category: str | None = None,
        limit: int = 50,
        statuses: Mapping[int, str] | None = None,
        country: str | None = None,
    ) -> list[Service]:
        """Services matching the query, best first (see `lookup`)."""
        return self.lookup(
            query, category=category, limit=limit, statuses=statuses, country=country
        ).results

    def lookup(
        self,
        query: str,
        *,
        category: str | None = None,
        limit: int = 50,
        statuses: Mapping[int, str] | None = None,
        country: str | None = None,
    ) -> SearchAnswer:
        """Services matching the query: best match first; among equal matches, those with
        problems now (`statuses`: service id -> status word), then those serving `country`
        (the visitor's, never stored), then the most popular. An empty query lists the most
        popular services."""
        if not normalise(query):
            pool = self.services if category is None else self.in_category(category)
            return SearchAnswer(list(pool[:limit]), exact=None, choices=False)
        qualities = self._names.qualities(query)
        statuses = statuses or {}

        def order(position: int) -> tuple[int, int, bool, int]:
            service = self.services[position]
            trouble = _STATUS_ORDER.get(statuses.get(service.id or -1, "ok"), 2)
            elsewhere = bool(country and service.countries and country not in service.countries)
            return (-qualities[position], trouble, elsewhere, position)

        positions = sorted(
            (
                position
                for position in qualities
                if category is None or self.services[position].category == category
            ),
            key=order,
        )
        best = [p for p in positions if qualities[p] == EXACT]
        shared = [p for p in positions if qualities[p] == BRAND]
        exact = self.services[best[0]] if len(best) == 1 else None
        return SearchAnswer(
            results=[self.services[position] for position in positions[:limit]],
            exact=exact,
            choices=not best and len(shared) > 1 and self._names.names_something(query),
        )
